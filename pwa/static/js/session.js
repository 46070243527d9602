// What the first paint needs from the phone's database: is someone signed in, who, in
// which language. Read with plain IndexedDB so the sign-in screen never waits for Dexie
// (about 32 KB gzip): Dexie and the rest of the app load with js/app.js, for a signed-in
// user only (see main.js).

export const DB_NAME = "fieldbook";

const SIGNED_OUT = { locale: null, user: null, parked: [] };

const done = (r) => new Promise((resolve, reject) => {
  r.onsuccess = () => resolve(r.result);
  r.onerror = () => reject(r.error);
});

function openExisting() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME);
    // No database yet (a first visit): do not create an empty one here; Dexie creates it,
    // with its schema, at sign-in. Aborting the upgrade fails the open with AbortError.
    open.onupgradeneeded = () => open.transaction.abort();
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

/** {locale, user, parked}: the chosen language (null: follow the device), the signed-in
 * user (null: show the sign-in screen) and whose unsent work is parked here ([{name,
 * count}]). Never throws: no database means nobody signed in. */
export async function readSession() {
  let conn;
  try {
    conn = await openExisting();
  } catch {
    return SIGNED_OUT;
  }
  try {
    if (!conn.objectStoreNames.contains("meta")) return SIGNED_OUT;
    const meta = conn.transaction("meta").objectStore("meta");
    const [locale, auth, user] = await Promise.all(
      ["locale", "auth", "user"].map((key) => done(meta.get(key))));
    // Other users' unsent work kept on this phone (js/unsent.js): named on the sign-in screen.
    const parked = conn.objectStoreNames.contains("parked")
      ? (await done(conn.transaction("parked").objectStore("parked").getAll())).map((p) => ({
        name: p.name, count: p.outbox.length + p.setaside.length + p.drafts.length }))
      : [];
    return { locale: locale?.value ?? null, user: auth?.value ? user?.value ?? null : null, parked };
  } catch {
    return SIGNED_OUT;
  } finally {
    conn.close(); // at once: an open connection would hold up Dexie's schema upgrades
  }
}
