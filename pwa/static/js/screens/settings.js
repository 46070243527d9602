// Settings: language (zh-CN / en, following the device by default) and sign-out.

import { html, useEffect, useState } from "../../vendor/preact.js";
import { getMeta, pendingCount } from "../store.js";
import { t } from "../i18n.js";
import { Header } from "../ui.js";

export default function Settings({ user, onLogout, onLocale }) {
  const [choice, setChoice] = useState("");
  const [version, setVersion] = useState("");
  useEffect(() => {
    getMeta("locale").then((v) => setChoice(v || ""));
    navigator.serviceWorker?.controller?.postMessage({ type: "version" });
    const on = (e) => { if (e.data?.type === "version") setVersion(e.data.version); };
    navigator.serviceWorker?.addEventListener("message", on);
    return () => navigator.serviceWorker?.removeEventListener("message", on);
  }, []);
  const logout = async () => {
    const n = await pendingCount();
    if (n && !window.confirm(t("unsyncedLogout", { n }))) return;
    onLogout();
  };
  return html`<section>
    <${Header} title=${t("settings")} />
    <p>${t("signedInAs", { name: `${user.name} (${user.email})` })}</p>
    <div class="field"><label for="locale">${t("language")}</label>
      <select id="locale" data-testid="language" value=${choice}
        onChange=${(e) => { setChoice(e.target.value); onLocale(e.target.value || null); }}>
        <option value="">${t("followDevice")}</option>
        <option value="zh-CN">中文(简体)</option>
        <option value="en">English</option>
      </select></div>
    <button class="wide danger" data-testid="logout" onClick=${logout}>${t("logout")}</button>
    <p class="muted small">${t("version")}: ${version || "–"}</p>
  </section>`;
}
