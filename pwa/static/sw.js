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
  "/static/js/db.js",
  "/static/js/api.js",
  "/static/js/store.js",
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
  "/static/js/screens/conflicts.js",
  "/static/js/screens/settings.js",
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
    // cache: "reload" so the HTTP cache can never hand us an older file.
    await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
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

// Background Sync: an open page does the work (it holds the sync engine); the page also
// syncs on open, on "online" and on a timer, so a closed app catches up when next opened.
self.addEventListener("sync", (event) => {
  if (event.tag !== "fieldbook-sync") return;
  event.waitUntil((async () => {
    const pages = await self.clients.matchAll({ type: "window" });
    for (const page of pages) page.postMessage({ type: "sync" });
  })());
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "version") event.source?.postMessage({ type: "version", version: APP_VERSION });
});
