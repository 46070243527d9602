// The signed-in app: the shell (sync bar, navigation), hash routing, the account list,
// the local database (Dexie) and the sync client. main.js imports it only for a signed-in
// user (on boot, or at sign-in), so none of this is part of a first visit's download.
// Screens other than the account list are loaded on first use.

import { html, useEffect, useState } from "../vendor/preact.js";
import { db, getMeta, setMeta, clearAll, onStorageError } from "./db.js";
import * as api from "./api.js";
import { t, setLocale, setVocabularies, ensureVocabularies, fmt } from "./i18n.js";
import { subscribe, syncNow, start as startSync, refreshPending, requestBackgroundSync } from "../sync/scheduler.js";
import { onChange, awaitingMe, notify } from "./store.js";
import { Accounts, buildIndex, keptIndex } from "./screens/accounts.js";
import { Reauth } from "./reauth.js";
import { parkAndWipe, unpark } from "./unsent.js";

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
  today: () => import("./screens/today.js"),
  week: () => import("./screens/week.js"),
  plan: () => import("./screens/plan.js"),
  leads: () => import("./screens/leads.js"),
  nearby: () => import("./screens/nearby.js"),
};

/** "#/c/<id>/visit" -> {screen: "visit", params: {id}} */
export function route(hash) {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "c" && parts[1]) {
    const sub = { chain: "chain", visit: "visit", opps: "opportunities" }[parts[2]] || "customer";
    return { screen: sub, params: { id: parts[1], opp: parts[3], plan: sub === "visit" ? parts[3] : undefined } };
  }
  // #/today, #/week[/<monday>], #/plan/<id or "new">[/<customer id>]
  if (["today", "week", "plan"].includes(parts[0])) return { screen: parts[0], params: { id: parts[1], customer: parts[2] } };
  if (["tasks", "conflicts", "settings", "promotions", "pipeline", "leads", "nearby"].includes(parts[0])) return { screen: parts[0], params: { id: parts[1] } };
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

function SyncBar({ user }) {
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
    ${s.state === "auth" && html`<${Reauth} user=${user} onSignedIn=${async (session) => {
      await signIn(session);
      syncNow("signed-in");
    }} />`}
  </div>`;
}

/** A refused write (storage full): say so until dismissed; the form keeps its text. */
function StorageBanner() {
  const [full, setFull] = useState(false);
  useEffect(() => onStorageError(() => setFull(true)), []);
  if (!full) return null;
  return html`<div class="banner error" role="alert" data-testid="storage-full">
    <span>${t("storageFull")}</span>
    <button type="button" class="icon-btn" aria-label=${t("dismiss")} data-testid="storage-full-dismiss"
      onClick=${() => setFull(false)}>×</button></div>`;
}

function useOpenConflicts() {
  const [n, setN] = useState(0);
  useEffect(() => {
    // Open conflicts and set-aside changes: both wait for the rep on the same screen.
    const count = () => Promise.all([
      db().conflicts.filter((c) => (c.status || "open") === "open" && !c.deleted).count(), db().setaside.count(),
    ]).then(([a, b]) => setN(a + b));
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
    ${item("#/today", "today", "today", "◷")}
    ${item("#/tasks", "tasks", "tasks", "✓")}
    ${item("#/leads", "leads", "leads", "✚")}
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
    <header class="topbar"><span class="brand">${t("app")}</span><${SyncBar} user=${user} /></header>
    <${StorageBanner} />
    <main id="main">
      ${screen === "accounts" ? html`<${Accounts} user=${user} />`
        : html`<${Lazy} key=${screen} name=${screen} params=${{ ...params, onLogout, onLocale }} user=${user} />`}
    </main>
    <${Nav} screen=${screen} user=${user} />
  </div>`;
}

async function establish(session) {
  // Another user on this phone: their records (personal data included) go, but what they
  // have not sent yet is parked for their next sign-in here, never deleted unseen.
  const previous = await getMeta("user");
  const switching = previous?.id !== session.user.id;
  if (previous && switching) await parkAndWipe(previous);
  const restored = switching ? await unpark(session.user.id) : 0;
  if (!(await getMeta("client_id"))) await setMeta("client_id", crypto.randomUUID().replace(/-/g, ""));
  await setMeta("auth", { access_token: session.access_token, refresh_token: session.refresh_token });
  await setMeta("user", session.user);
  if (restored) {
    const { restorePending } = await import("../sync/client.js");
    await restorePending();
    notify();
  }
}

/** Ask the browser not to evict this phone's data under storage pressure (once). */
async function persistStorage() {
  try {
    if (navigator.storage?.persist && !(await navigator.storage.persisted())) await navigator.storage.persist();
  } catch { /* not offered: the usage shows in settings */ }
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

/** After a successful sign-in: store the session (wiping another user's data first),
 * then fetch the vocabularies. Resolves once the app may render. */
export async function signIn(session) {
  await establish(session);
  if (!(await getMeta("locale")) && session.user.locale) setLocale(null);
  loadVocabularies();
  persistStorage();
  requestBackgroundSync();
}

/** A signed-in user on boot: open the database, start reading the account list (the
 * screen the app opens on: the first page the last run kept, then the full index) while the
 * shell renders, ask for Background Sync. */
export function resume() {
  db();
  // The kept first page, then the full index (read side by side, the first waits).
  if (route(location.hash).screen === "accounts") keptIndex().finally(buildIndex);
  loadVocabularies();
  persistStorage();
  requestBackgroundSync();
}

// A save refused for want of space is already on the banner (StorageBanner): the screens
// that await a save keep their form open, and the rejection needs no second report.
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason?.name === "StorageFull") event.preventDefault();
});

/** The app of the signed-in `user`; `onSignedOut` shows the sign-in screen again. */
export function App({ user, onSignedOut }) {
  const [, rerender] = useState(0);
  const onLocale = async (value) => { await setMeta("locale", value); setLocale(value); rerender((x) => x + 1); };
  // keep: park the unsent work for this user's next sign-in here; otherwise it goes
  // (the settings screen has shown what, and offered sync and export first).
  const onLogout = async ({ keep = false } = {}) => {
    await api.logout();
    if (keep) await parkAndWipe(user); else await clearAll();
    onSignedOut();
    location.hash = "#/";
  };
  return html`<${Shell} user=${user} onLogout=${onLogout} onLocale=${onLocale} />`;
}
