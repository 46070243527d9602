// When to sync: on app open, when the connection returns, every minute, on "sync now",
// and when the service worker relays a Background Sync event. One run at a time;
// exponential backoff after failures. Reports status to subscribers; no DOM here.

import { ApiError, AuthRequired } from "../js/api.js";
import { getMeta } from "../js/db.js";
import { pendingCount, notify, onChange } from "../js/store.js";

const PERIOD_MS = 60_000;
const BACKOFF_MIN_MS = 5_000;
const BACKOFF_MAX_MS = 5 * 60_000;

const status = { state: "idle", pending: 0, lastSyncAt: null, progress: null, error: null };
const listeners = new Set();
let running = null;
let again = false;
let failures = 0;
let timer = null;
let started = false;

export function subscribe(fn) {
  listeners.add(fn);
  fn({ ...status });
  return () => listeners.delete(fn);
}

function emit(patch) {
  Object.assign(status, patch);
  for (const fn of listeners) fn({ ...status });
}

export async function refreshPending() {
  emit({ pending: await pendingCount(), lastSyncAt: await getMeta("last_sync_at") });
}

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(() => syncNow("timer"), ms);
}

/** Run a sync now (or right after the one in flight). Resolves when it is done. */
export function syncNow(reason = "manual") {
  if (running) { again = true; return running; }
  running = (async () => {
    if (!navigator.onLine) {
      emit({ state: "offline" });
      await refreshPending();
      return;
    }
    emit({ state: "syncing", error: null });
    try {
      // The engine loads after first paint: it is not needed to show the app.
      const { syncOnce } = await import("./client.js");
      // One sync at a time across tabs too (Web Locks where the browser has them).
      const once = () => syncOnce((progress) => emit({ progress }));
      const result = await (navigator.locks ? navigator.locks.request("fieldbook-sync", once) : once());
      failures = 0;
      emit({ state: "idle", progress: null, lastRejected: result.rejected.length });
      schedule(PERIOD_MS);
    } catch (error) {
      failures += 1;
      const auth = error instanceof AuthRequired;
      // 426: the server no longer speaks this app's protocol: fetch the new app.
      const upgrade = error instanceof ApiError && error.status === 426;
      if (upgrade) navigator.serviceWorker?.getRegistration().then((r) => r?.update()).catch(() => {});
      emit({ state: auth ? "auth" : upgrade ? "upgrade" : "error", progress: null,
        error: String(error.message || error) });
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (failures - 1));
      if (!auth) schedule(delay);
      console.warn(`sync (${reason}) failed, retry in ${delay} ms`, error);
    } finally {
      await refreshPending();
      notify();
    }
  })().finally(() => {
    running = null;
    if (again) { again = false; syncNow("queued"); }
  });
  return running;
}

/** Ask the service worker for a Background Sync, where the browser has it. */
export async function requestBackgroundSync() {
  try {
    const reg = await navigator.serviceWorker?.ready;
    await reg?.sync?.register("fieldbook-sync");
  } catch { /* not supported: the timer and the online event cover it */ }
}

export function start() {
  if (started) return;
  started = true;
  window.addEventListener("online", () => { failures = 0; syncNow("online"); });
  window.addEventListener("offline", () => emit({ state: "offline" }));
  // Every local edit asks for a Background Sync: it fires when the connection is back,
  // even if the app has been closed by then (the worker then pushes on its own).
  onChange(() => { if (!navigator.onLine) requestBackgroundSync(); });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "sync") syncNow("background-sync");
  });
  syncNow("open");
}
