// Boot and sign-in: everything a first visit downloads. The signed-in app (js/app.js:
// Dexie, the shell, the sync client, the account list) is imported only when someone is
// signed in, on boot or at sign-in; the service worker precaches all of it after load.

import { html, render, useState, useEffect } from "../vendor/preact.js";
import { login } from "./api.js";
import { t, setLocale, signInFailed } from "./i18n.js";
import { readSession } from "./session.js";

function Login({ onDone, parked = [] }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  // The demo credentials are shown only when the server says it runs the demo data.
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    fetch("/api/v1/meta").then((r) => r.json()).then((m) => setDemo(m.demo === true))
      .catch(() => setDemo(false));
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    if (!navigator.onLine) { setError(t("offlineLogin")); return; }
    setBusy(true); setError(null);
    try {
      // The app (Dexie, the shell, the sync client) downloads while the server checks
      // the password; from the service worker's cache once it has installed.
      const app = import("./app.js");
      app.catch(() => {}); // reported below, if the sign-in itself went through
      const session = await login(email.trim(), password);
      await onDone(session, await app);
    } catch (err) {
      setError(err.status ? signInFailed(err) : t("offlineLogin"));
    } finally { setBusy(false); }
  };
  return html`<main class="login">
    <h1>${t("app")}</h1>
    <form onSubmit=${submit} novalidate>
      <div class="field"><label for="login-email">${t("email")}</label>
        <input id="login-email" data-testid="login-email" type="email" autocomplete="username" required
          value=${email} onInput=${(e) => setEmail(e.target.value)} /></div>
      <div class="field"><label for="login-password">${t("password")}</label>
        <input id="login-password" data-testid="login-password" type="password" autocomplete="current-password"
          required value=${password} onInput=${(e) => setPassword(e.target.value)} /></div>
      ${error && html`<p class="error" role="alert" data-testid="login-error">${error}</p>`}
      <button class="primary" type="submit" data-testid="login-submit" disabled=${busy}>${t("signIn")}</button>
    </form>
    ${parked.map((p) => html`<p class="note" data-testid="parked-note" key=${p.name}>${t("parkedNote", { n: p.count, name: p.name })}</p>`)}
    ${demo && html`<p class="note" data-testid="demo-note">${t("demoNote")}</p>`}
  </main>`;
}

function Root({ app: loaded, user: initial, parked: parkedAtBoot }) {
  const [app, setApp] = useState(loaded);
  const [user, setUser] = useState(initial);
  const [parked, setParked] = useState(parkedAtBoot);
  const signedOut = async () => { setParked((await readSession()).parked); setUser(null); };
  if (app && user) return html`<${app.App} user=${user} onSignedOut=${signedOut} />`;
  return html`<${Login} parked=${parked} onDone=${async (session, mod) => {
    await mod.signIn(session);
    setApp(mod);
    setUser(session.user);
  }} />`;
}

async function boot() {
  // With the service worker in control the app's files are on the phone: start loading
  // the app while the session is read, instead of after (a first visit waits to know).
  const early = navigator.serviceWorker?.controller ? import("./app.js") : null;
  early?.catch(() => {});
  const { locale, user, parked } = await readSession();
  setLocale(locale);
  const app = user ? await (early || import("./app.js")) : null;
  app?.resume();
  const root = document.getElementById("root");
  root.textContent = ""; // drop the boot placeholder
  render(html`<${Root} app=${app} user=${user} parked=${parked} />`, root);
  document.body.dataset.ready = "1";
}

// The service worker precaches the whole app (about 100 KB gzip): registered once the page
// has loaded, so that download never competes with the first screen's.
function registerWorker() {
  navigator.serviceWorker.register("/sw.js", { scope: "/" })
    .catch((e) => console.warn("service worker not registered", e));
}

if ("serviceWorker" in navigator) {
  if (document.readyState === "complete") registerWorker();
  else window.addEventListener("load", registerWorker, { once: true });
}
boot();
