// Fieldbook service worker: precache the app shell, serve it offline, relay Background Sync.
// Served at /sw.js (scope "/"); the server fills in APP_VERSION from the files' content,
// so every release gets a fresh cache and the stale ones are deleted on activate.

const APP_VERSION = "__APP_VERSION__";
const PREFIX = "fieldbook-shell-";
const CACHE = PREFIX + APP_VERSION;

// Every file the app needs offline, explicitly (tests/browser/test_pwa_static.py checks
// that this list covers every module and asset under pwa/static).
const PRECACHE = [
  "/",
  "/manifest.webmanifest",
  "/static/app.css",
  "/static/icons/icon-192.png",
  "/static/icons/icon-512.png",
  "/static/vendor/preact.js",
  "/static/vendor/dexie.js",
  "/static/js/main.js",
  "/static/js/session.js",
  "/static/js/app.js",
  "/static/js/db.js",
  "/static/js/api.js",
  "/static/js/store.js",
  "/static/js/unsent.js",
  "/static/js/reauth.js",
  "/static/js/i18n.js",
  "/static/js/vocab.js",
  "/static/js/ui.js",
  "/static/js/fields.js",
  "/static/js/screens/accounts.js",
  "/static/js/screens/customer.js",
  "/static/js/screens/chain.js",
  "/static/js/screens/visit.js",
  "/static/js/screens/opportunities.js",
  "/static/js/screens/tasks.js",
  "/static/js/screens/leads.js",
  "/static/js/lookalike.js",
  "/static/js/screens/conflicts.js",
  "/static/js/screens/settings.js",
  "/static/js/screens/promotions.js",
  "/static/js/screens/pipeline.js",
  "/static/js/screens/targets.js",
  "/static/js/strings-pipeline.js",
  "/static/js/screens/today.js",
  "/static/js/screens/week.js",
  "/static/js/screens/plan.js",
  "/static/js/plans.js",
  "/static/js/checkin.js",
  "/static/js/nearby.js",
  "/static/js/screens/nearby.js",
  "/static/sync/hlc.js",
  "/static/sync/checksum.js",
  "/static/sync/merge.js",
  "/static/sync/mutations.js",
  "/static/sync/client.js",
  "/static/sync/scheduler.js",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: "no-cache": every file is revalidated with the server (its ETag), so the HTTP
    // cache never hands us an older file, and the files the page has just loaded answer
    // 304 instead of being downloaded twice.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "no-cache" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    // The app shell answers every navigation: instant, and the same offline.
    event.respondWith(caches.match("/", { cacheName: CACHE }).then((hit) => hit || fetch(request)));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE, ignoreSearch: true })
    .then((hit) => hit || fetch(request)));
});

// Background Sync: an open page runs the full sync (push and pull). With no page open,
// the worker pushes the outbox itself, so edits leave the phone as soon as signal
// returns; the next time the app opens it pulls and rolls back anything refused.
self.addEventListener("sync", (event) => {
  if (event.tag !== "fieldbook-sync") return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window" });
    if (pages.length) for (const page of pages) page.postMessage({ type: "sync" });
    else await pushOutbox();
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "version") event.source?.postMessage({ type: "version", version: APP_VERSION });
  if (event.data?.type === "push") {
    event.waitUntil(pushOutbox().then((n) => event.source?.postMessage({ type: "pushed", count: n }),
      (e) => event.source?.postMessage({ type: "pushed", error: String(e) })));
  }
});

// -- the worker's push: plain IndexedDB on the app's database (see pwa/static/js/db.js) --

const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });

async function openAppDb() {
  const db = await req(indexedDB.open("fieldbook"));
  // Not yet upgraded by the app to the schema with setaside: leave the push to the app.
  if (!db.objectStoreNames.contains("setaside")) { db.close(); return null; }
  return db;
}

async function getMeta(db, key) {
  return (await req(db.transaction("meta").objectStore("meta").get(key)))?.value;
}

async function post(path, body, token) {
  return fetch(path, { method: "POST", cache: "no-store", credentials: "omit", body: body && JSON.stringify(body),
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` } });
}

// The page's refresh takes the same lock (js/api.js): a refresh token is spent on use.
const locked = (fn) => (self.navigator.locks ? self.navigator.locks.request("fieldbook-auth", fn) : fn());

/** A fresh access token (the refresh token rotates: both are stored at once), or null. */
async function refreshed(db, stale) {
  return locked(async () => {
    const auth = await getMeta(db, "auth");
    if (!auth) return null;
    if (auth.access_token !== stale) return auth.access_token;   // a page refreshed meanwhile
    const response = await post("/api/v1/auth/refresh", null, auth.refresh_token);
    if (!response.ok) return null;                                // the app asks to sign in again
    const { access_token, refresh_token } = await response.json();
    const tx = db.transaction("meta", "readwrite");
    tx.objectStore("meta").put({ key: "auth", value: { ...auth, access_token, refresh_token: refresh_token || auth.refresh_token } });
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    return access_token;
  });
}

/** Push the outbox (oldest first, 500 at most); returns how many the server confirmed.
 * Stops before a change with follow-ups (`then`, a conflict's resolution): the app
 * queues those once the server has applied it. Failures are the app's to isolate. */
async function pushOutbox() {
  const db = await openAppDb();
  if (!db) return 0;
  try {
    const auth = await getMeta(db, "auth");
    const clientId = await getMeta(db, "client_id");
    const all = await req(db.transaction("outbox").objectStore("outbox").getAll());
    const sorted = all.sort((a, b) => a.oid - b.oid).slice(0, 500);
    const stop = sorted.findIndex((e) => e.then?.length);
    const entries = stop < 0 ? sorted : sorted.slice(0, stop);
    if (!auth || !clientId || !entries.length) return 0;
    const body = { schema_version: 1, client_id: clientId, mutations: entries.map(({ oid, then, ...m }) => m) };
    let response = await post("/api/v1/sync/push", body, auth.access_token);
    if (response.status === 401) {
      const token = await refreshed(db, auth.access_token);
      if (!token) return 0;
      response = await post("/api/v1/sync/push", body, token);
    }
    if (response.status === 409) return 0;        // renumbering is the app's job
    if (!response.ok) throw new Error(`push failed: ${response.status}`); // the browser retries
    const answer = await response.json();
    const last = answer.last_mutation_id;
    const results = new Map((answer.results || []).map((r) => [r.id, r]));
    const refused = entries.filter((e) => results.get(e.id)?.status === "rejected");
    const tx = db.transaction(["outbox", "meta", "setaside"], "readwrite");
    const outbox = tx.objectStore("outbox");
    const meta = tx.objectStore("meta");
    let confirmed = 0;
    for (const e of entries) if (e.id <= last) { outbox.delete(e.oid); confirmed += 1; }
    meta.put({ key: "last_mutation_id", value: last });
    if (refused.length) {
      // Shown on the conflicts screen (the same entries as js/db.js refusedEntry makes);
      // rolled back locally when the app next syncs.
      const setaside = tx.objectStore("setaside");
      for (const e of refused) {
        const r = results.get(e.id);
        if (r.reason === "deleted") continue;          // kept in its delete conflict
        setaside.add({ kind: "refused", table: e.table, key: e.key, mutation: e, reason: r.reason || "",
          message: r.message || "", status: null, at: Date.now() });
      }
      const revert = (await req(meta.get("sw_rejected")))?.value || [];
      meta.put({ key: "sw_rejected", value: [...revert, ...refused] });
    }
    await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    return confirmed;
  } finally {
    db.close();
  }
}
