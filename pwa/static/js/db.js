// The one IndexedDB handle, opened lazily, once (Dexie). One table per synced server
// table, plus outbox (unacknowledged mutations, in order), meta (key/value) and drafts.

import Dexie from "../vendor/dexie.js";
import { SYNCED_TABLES } from "../sync/merge.js";
import { DB_NAME } from "./session.js";

export { DB_NAME };
let handle = null;

export function db() {
  if (!handle) {
    handle = new Dexie(DB_NAME);
    const schema = {
      customers: "id, customer_id, name, owner_id",
      stages: "id, customer_id, number",
      outbox: "++oid, id, [table+key]",
      meta: "key",
      drafts: "key",
    };
    for (const t of SYNCED_TABLES) if (!schema[t]) schema[t] = "id, customer_id";
    handle.version(1).stores(schema);
  }
  return handle;
}

export async function getMeta(key, fallback = null) {
  const row = await db().meta.get(key);
  return row === undefined ? fallback : row.value;
}

export function setMeta(key, value) {
  return db().meta.put({ key, value });
}

// The account list's index as last built (screens/accounts.js), kept for the next cold
// start, and the epoch of the records it was built from: anything that removes records
// (a wipe, a delete or an eviction from the server) moves the epoch on and drops the
// kept index in the same transaction, so no name of a removed record outlives it there.
export const KEPT_INDEX = "accountIndex";
export const RECORDS_EPOCH = "recordsEpoch";

/** The records' epoch (see KEPT_INDEX); 0 until something was removed. */
export async function recordsEpoch(d) {
  return (await d.meta.get(RECORDS_EPOCH))?.value || 0;
}

/** Inside a transaction on meta: the records lost some rows (see KEPT_INDEX). */
export async function recordsRemoved(d) {
  await d.meta.put({ key: RECORDS_EPOCH, value: (await recordsEpoch(d)) + 1 });
  await d.meta.delete(KEPT_INDEX);
}

/** Wipe every synced record (not the outbox, not meta's identity): for reset/mismatch. */
export async function clearRecords() {
  const d = db();
  await d.transaction("rw", [...SYNCED_TABLES.map((t) => d.table(t)), d.meta], async () => {
    for (const t of SYNCED_TABLES) await d.table(t).clear();
    await recordsRemoved(d);
  });
}

/** Wipe everything: on logout or when another user signs in on this device. */
export async function clearAll() {
  const d = db();
  await d.transaction("rw", d.tables, async () => {
    for (const t of d.tables) await t.clear();
  });
}

/** Live rows only: not tombstoned, not hidden by a pending delete. */
export const live = (row) => row && !row.deleted && !row._hidden;
