// The session ended (a month without signal, a password change, a reuse the server
// caught): ask for the password in place, for the same user, and keep everything on the
// phone; the pending work is pushed as soon as the server says yes.

import { html, useState } from "../vendor/preact.js";
import { login } from "./api.js";
import { t, signInFailed } from "./i18n.js";

export function Reauth({ user, onSignedIn }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true); setError(null);
    try {
      const session = await login(user.email, password);
      if (session.user.id !== user.id) throw new Error(t("loginFailed"));
      await onSignedIn(session);
      setPassword("");
    } catch (err) {
      setError(err.status ? signInFailed(err) : !navigator.onLine ? t("offlineLogin") : String(err.message || err));
    } finally { setBusy(false); }
  };
  return html`<form class="reauth card" onSubmit=${submit} data-testid="reauth-form" novalidate>
    <p><strong>${t("sessionEnded")}</strong> ${t("sessionEndedKept")}</p>
    <p class="small muted">${user.email}</p>
    <div class="field"><label for="reauth-password">${t("password")}</label>
      <input id="reauth-password" data-testid="reauth-password" type="password" autocomplete="current-password"
        required value=${password} onInput=${(e) => setPassword(e.target.value)} /></div>
    ${error && html`<p class="error" role="alert" data-testid="reauth-error">${error}</p>`}
    <button class="primary wide" type="submit" data-testid="reauth-submit" disabled=${busy || !password}>${t("signInAndSync")}</button>
  </form>`;
}
