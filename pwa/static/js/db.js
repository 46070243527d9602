// The one IndexedDB handle, opened lazily, once (Dexie). One table per synced server
// table, plus outbox (unacknowledged mutations, in order), meta (key/value), drafts,
// setaside (mutations taken out of the outbox: refused by the server, or failing there
// again and again; kept until the rep retries or discards them) and parked (another
// user's unsent work, kept for their next sign-in on this phone).

import Dexie from "../vendor/dexie.js";
import { SYNCED_TABLES } from "../sync/merge.js";
import { DB_NAME } from "./session.js";

export { DB_NAME };
let handle = null;
// The synced tables version 1 declared; tables added since are declared by their version.
const V1_TABLES = ["customers", "competitors", "contacts", "contact_personal", "opportunities",
  "visits", "tasks", "stages", "conflicts", "promotions"];

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
    for (const t of V1_TABLES) if (!schema[t]) schema[t] = "id, customer_id";
    handle.version(1).stores(schema);
    // v2: the refused changes move from a capped list in meta to their own table.
    handle.version(2).stores({ setaside: "++sid, [table+key]", parked: "user_id" }).upgrade(async (tx) => {
      const old = (await tx.table("meta").get("rejected"))?.value || [];
      for (const r of old.reverse()) await tx.table("setaside").add(refusedEntry(r));
      await tx.table("meta").delete("rejected");
    });
    // v3: visit plans (screens/today.js, week.js), read by day.
    handle.version(3).stores({ visit_plans: "id, customer_id, planned_at" });
    handle.version(4).stores({ check_ins: "id, customer_id, visit_id" });
    // v5: leads (screens/leads.js), listed by status.
    handle.version(5).stores({ leads: "id, customer_id, status" });
  }
  return handle;
}

/** A set-aside entry for a mutation the server refused (`answer`: its push result). */
export function refusedEntry(answer, mutation = null) {
  const m = mutation || { table: answer.table, key: answer.key, op: answer.op || "put", fields: answer.fields };
  return { kind: "refused", table: m.table, key: m.key, mutation: m, reason: answer.reason || "",
    message: answer.message || "", status: null, at: answer.at || Date.now() };
}

// -- storage errors ----------------------------------------------------------------------

/** The phone's storage is full: the write was refused whole (IndexedDB transactions
 * are atomic), nothing of it was kept. */
export class StorageFull extends Error {
  constructor(cause) { super("storage full"); this.name = "StorageFull"; this.cause = cause; }
}

const storageListeners = new Set();
/** Subscribe to refused writes (the shell shows a banner); returns an unsubscribe. */
export function onStorageError(fn) { storageListeners.add(fn); return () => storageListeners.delete(fn); }

const isQuota = (e) => !!e && (e.name === "QuotaExceededError" || e.inner?.name === "QuotaExceededError"
  || e.name === "StorageFull" || (e.name === "AbortError" && isQuota(e.inner)) || isQuota(e.failures?.[0]));

/** Run a write; a full disk becomes StorageFull (reported to the banner), rethrown. */
export async function guarded(write) {
  try {
    return await write();
  } catch (error) {
    if (!isQuota(error)) throw error;
    const full = error instanceof StorageFull ? error : new StorageFull(error);
    for (const fn of storageListeners) fn(full);
    throw full;
  }
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

/** Wipe everything but other users' parked work and the language: on logout, or when
 * another user signs in on this device. */
export async function clearAll() {
  const d = db();
  await d.transaction("rw", d.tables, async () => {
    const locale = await d.meta.get("locale");
    for (const t of d.tables) if (t.name !== "parked") await t.clear();
    if (locale) await d.meta.put(locale);
  });
}

/** Live rows only: not tombstoned, not hidden by a pending delete. */
export const live = (row) => row && !row.deleted && !row._hidden;
