// The controller: boot, sign-in, the shell (sync bar, navigation) and hash routing.
// Screens other than the account list are loaded on first use.

import { html, render, useEffect, useState } from "../vendor/preact.js";
import { db, getMeta, setMeta, clearAll } from "./db.js";
import * as api from "./api.js";
import { t, setLocale, setVocabularies, ensureVocabularies, fmt } from "./i18n.js";
import { subscribe, syncNow, start as startSync, refreshPending, requestBackgroundSync } from "../sync/scheduler.js";
import { onChange, awaitingMe } from "./store.js";
import { Accounts } from "./screens/accounts.js";

const SCREENS = {
  customer: () => import("./screens/customer.js"),
  chain: () => import("./screens/chain.js"),
  visit: () => import("./screens/visit.js"),
  opportunities: () => import("./screens/opportunities.js"),
  tasks: () => import("./screens/tasks.js"),
  conflicts: () => import("./screens/conflicts.js"),
  settings: () => import("./screens/settings.js"),
  promotions: () => import("./screens/promotions.js"),
  pipeline: () => import("./screens/pipeline.js"),
};

/** "#/c/<id>/visit" -> {screen: "visit", params: {id}} */
export function route(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "c" && parts[1]) {
    const sub = { chain: "chain", visit: "visit", opps: "opportunities" }[parts[2]] || "customer";
    return { screen: sub, params: { id: parts[1], opp: parts[3] } };
  }
  if (["tasks", "conflicts", "settings", "promotions", "pipeline"].includes(parts[0])) return { screen: parts[0], params: { id: parts[1] } };
  return { screen: "accounts", params: {} };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => { setHash(location.hash); window.scrollTo(0, 0); };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return hash;
}

function Lazy({ name, params, user }) {
  const [mod, setMod] = useState(null);
  useEffect(() => {
    setMod(null);
    Promise.all([SCREENS[name](), ensureVocabularies()]).then(([m]) => setMod(m));
  }, [name]);
  if (!mod) return html`<p class="muted pad">${t("loading")}</p>`;
  const Screen = mod.default;
  return html`<${Screen} ...${params} user=${user} />`;
}

function SyncBar() {
  const [s, setS] = useState({ state: "idle", pending: 0 });
  const [, tick] = useState(0);
  useEffect(() => subscribe(setS), []);
  useEffect(() => onChange(() => refreshPending()), []);
  useEffect(() => { const i = setInterval(() => tick((x) => x + 1), 30_000); return () => clearInterval(i); }, []);
  let text;
  if (s.state === "syncing") text = s.progress ? t("downloading", s.progress) : t("syncing");
  else if (s.state === "offline" || !navigator.onLine) text = t("offline");
  else if (s.state === "auth") text = t("signInAgain");
  else if (s.state === "upgrade") text = t("updateApp");
  else if (s.state === "error") text = t("syncError");
  else text = s.lastSyncAt ? t("synced", { when: fmt.relative(s.lastSyncAt) }) : t("neverSynced");
  return html`<div class="syncbar" data-state=${s.state}>
    <div class="sync-text" data-testid="sync-status" role="status" aria-live="polite" data-state=${s.state}
      data-last-sync=${s.lastSyncAt || ""}>${text}</div>
    <span class=${s.pending ? "badge warn" : "badge"} data-testid="pending-count" data-count=${s.pending}
      aria-label=${t("pending", { n: s.pending })}>${t("pending", { n: s.pending })}</span>
    <button class="icon-btn" data-testid="sync-now" aria-label=${t("syncNow")} title=${t("syncNow")}
      disabled=${s.state === "syncing"} onClick=${() => { syncNow("button"); }}>⟳</button>
    ${s.progress && html`<progress class="progress" data-testid="sync-progress" max=${s.progress.total} value=${s.progress.done}></progress>`}
  </div>`;
}

function useOpenConflicts() {
  const [n, setN] = useState(0);
  useEffect(() => {
    const count = () => db().conflicts.filter((c) => (c.status || "open") === "open" && !c.deleted).count().then(setN);
    count();
    return onChange(count);
  }, []);
  return n;
}

function useAwaiting(user) {
  const [n, setN] = useState(0);
  useEffect(() => {
    const count = () => awaitingMe(user).then((list) => setN(list.length));
    count();
    return onChange(count);
  }, [user]);
  return n;
}

function Nav({ screen, user }) {
  const open = useOpenConflicts();
  const awaiting = useAwaiting(user);
  const item = (hash, key, name, icon, badge, testid = "conflict-count") => html`<a href=${hash} class=${screen === key ? "active" : ""}
    aria-current=${screen === key ? "page" : undefined} data-testid=${`nav-${key}`}><span aria-hidden="true">${icon}</span>${t(name)}${
      badge ? html` <b class="count" data-testid=${testid} data-count=${badge}>${badge}</b>` : ""}</a>`;
  return html`<nav class="tabbar" aria-label="Main">
    ${item("#/", "accounts", "accounts", "☰")}
    ${item("#/tasks", "tasks", "tasks", "✓")}
    ${["manager", "admin"].includes(user?.role) && item("#/promotions", "promotions", "inbox", "✉", awaiting, "promotion-badge")}
    ${item("#/pipeline", "pipeline", "pipeline", "▽")}
    ${item("#/conflicts", "conflicts", "conflicts", "⚠", open)}
    ${item("#/settings", "settings", "settings", "⚙")}
  </nav>`;
}

function Shell({ user, onLogout, onLocale }) {
  const { screen, params } = route(useHash());
  useEffect(() => { startSync(); }, []);
  return html`<div class="app">
    <header class="topbar"><span class="brand">${t("app")}</span><${SyncBar} /></header>
    <main id="main">
      ${screen === "accounts" ? html`<${Accounts} user=${user} />`
        : html`<${Lazy} key=${screen} name=${screen} params=${{ ...params, onLogout, onLocale }} user=${user} />`}
    </main>
    <${Nav} screen=${screen} user=${user} />
  </div>`;
}

function Login({ onDone }) {
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
      onDone(await api.login(email.trim(), password));
    } catch (err) {
      setError(err.status ? `${t("loginFailed")}: ${err.message}` : t("offlineLogin"));
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
    ${demo && html`<p class="note" data-testid="demo-note">${t("demoNote")}</p>`}
  </main>`;
}

async function establish(session) {
  // Another user on this phone: their data (personal data included) must go first.
  const previous = await getMeta("user");
  if (previous && previous.id !== session.user.id) await clearAll();
  if (!(await getMeta("client_id"))) await setMeta("client_id", crypto.randomUUID().replace(/-/g, ""));
  await setMeta("auth", { access_token: session.access_token, refresh_token: session.refresh_token });
  await setMeta("user", session.user);
}

async function loadVocabularies() {
  const cached = await getMeta("vocab");
  if (cached) setVocabularies(cached);
  try {
    const fresh = await api.call("/api/v1/meta", undefined, "GET");
    await setMeta("vocab", fresh);
    setVocabularies(fresh);
  } catch { /* offline or not yet available: the cached or bundled copy serves */ }
}

function App({ initialUser }) {
  const [user, setUser] = useState(initialUser);
  const [, rerender] = useState(0);
  const onLocale = async (value) => { await setMeta("locale", value); setLocale(value); rerender((x) => x + 1); };
  const onLogout = async () => {
    await api.logout();
    await clearAll();
    setUser(null);
    location.hash = "#/";
  };
  if (!user) {
    return html`<${Login} onDone=${async (session) => {
      await establish(session);
      if (!(await getMeta("locale")) && session.user.locale) setLocale(null);
      setUser(session.user);
      loadVocabularies();
    }} />`;
  }
  return html`<${Shell} user=${user} onLogout=${onLogout} onLocale=${onLocale} />`;
}

async function boot() {
  setLocale(await getMeta("locale"));
  const user = (await getMeta("auth")) ? await getMeta("user") : null;
  if (user) loadVocabularies();
  const root = document.getElementById("root");
  root.textContent = ""; // drop the boot placeholder
  render(html`<${App} initialUser=${user} />`, root);
  document.body.dataset.ready = "1";
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(() => requestBackgroundSync(),
    (e) => console.warn("service worker not registered", e));
}
db();
boot();
