// Settings: language (zh-CN / en, following the device by default), the phone's storage,
// the export of everything unsent, and sign-out (which never drops unsent work unseen).

import { html, useEffect, useState } from "../../vendor/preact.js";
import { getMeta } from "../store.js";
import { t, fmt } from "../i18n.js";
import { Header } from "../ui.js";
import { downloadExport, unsent } from "../unsent.js";
import { syncNow } from "../../sync/scheduler.js";
import { FarSetting } from "../checkin.js";

const MB = 1024 * 1024;

function StorageUsage() {
  const [usage, setUsage] = useState(null);
  useEffect(() => {
    (async () => {
      const estimate = await navigator.storage?.estimate?.().catch(() => null);
      const persisted = await navigator.storage?.persisted?.().catch(() => false);
      setUsage(estimate ? { ...estimate, persisted } : {});
    })();
  }, []);
  if (!usage) return null;
  const text = usage.quota ? t("storageUsage", { used: fmt.number(Math.round((usage.usage || 0) / MB * 10) / 10),
    quota: fmt.number(Math.round(usage.quota / MB)) }) : t("storageUnknown");
  return html`<p class="small" data-testid="storage-usage" data-persisted=${usage.persisted ? "1" : "0"}>
    ${text} · ${usage.persisted ? t("storagePersistent") : t("storageBestEffort")}</p>`;
}

/** Sign-out with unsent work: what would go, and the ways to keep it. */
function LeaveDialog({ summary, onSync, onExport, onKeep, onDiscard, onCancel, busy }) {
  return html`<div class="card" role="dialog" aria-labelledby="leave-title" data-testid="logout-dialog" data-count=${summary.count}>
    <h2 id="leave-title">${t("unsentTitle", { n: summary.count })}</h2>
    <ul class="small" data-testid="unsent-list">
      ${summary.items.map((x, i) => html`<li key=${i} data-testid="unsent-item" data-kind=${x.kind}>${x.text}</li>`)}
    </ul>
    <button class="wide primary" data-testid="logout-sync" disabled=${busy} onClick=${onSync}>${t("syncNow")}</button>
    <button class="wide" data-testid="logout-export" onClick=${onExport}>${t("exportUnsent")}</button>
    <button class="wide" data-testid="logout-keep" onClick=${onKeep}>${t("signOutKeep")}</button>
    <button class="wide danger" data-testid="logout-discard" onClick=${onDiscard}>${t("signOutDiscard")}</button>
    <button class="wide" data-testid="logout-cancel" onClick=${onCancel}>${t("cancel")}</button>
  </div>`;
}

export default function Settings({ user, onLogout, onLocale }) {
  const [choice, setChoice] = useState("");
  const [version, setVersion] = useState("");
  const [leaving, setLeaving] = useState(null);
  const [busy, setBusy] = useState(false);
  const [count, setCount] = useState(0);
  useEffect(() => {
    getMeta("locale").then((v) => setChoice(v || ""));
    unsent().then((u) => setCount(u.count));
    navigator.serviceWorker?.controller?.postMessage({ type: "version" });
    const on = (e) => { if (e.data?.type === "version") setVersion(e.data.version); };
    navigator.serviceWorker?.addEventListener("message", on);
    return () => navigator.serviceWorker?.removeEventListener("message", on);
  }, []);
  const logout = async () => {
    const summary = await unsent();
    if (!summary.count) { onLogout(); return; }
    setLeaving(summary);
  };
  const syncFirst = async () => {
    setBusy(true);
    try { await syncNow("sign-out"); } finally { setBusy(false); }
    const summary = await unsent();
    if (!summary.count) { onLogout(); return; }
    setLeaving(summary);
  };
  const discard = () => {
    if (window.confirm(t("confirmDiscardUnsent", { n: leaving.count }))) onLogout({ keep: false });
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
    <${FarSetting} />
    <h2>${t("storage")}</h2>
    <${StorageUsage} />
    <button class="wide" data-testid="export-unsent" onClick=${() => downloadExport(user)}>
      ${t("exportUnsent")} (${count})</button>
    ${leaving ? html`<${LeaveDialog} summary=${leaving} busy=${busy} onSync=${syncFirst}
        onExport=${() => downloadExport(user)} onKeep=${() => onLogout({ keep: true })}
        onDiscard=${discard} onCancel=${() => setLeaving(null)} />`
      : html`<button class="wide danger" data-testid="logout" onClick=${logout}>${t("logout")}</button>`}
    <p class="muted small">${t("version")}: ${version || "–"}</p>
  </section>`;
}
