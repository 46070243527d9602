// Local edits: each writes the record AND its outbox entry in ONE IndexedDB transaction,
// ticking the device clock (kept in meta) in the same transaction.

import { db, getMeta, guarded, live } from "./db.js";
import { Clock } from "../sync/hlc.js";
import { buildDelete, buildPut, changedFields } from "../sync/mutations.js";
import { scopeOf } from "../sync/merge.js";

const listeners = new Set();
/** Subscribe to "local data changed" (edits and sync); returns an unsubscribe function. */
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
export function notify() { for (const fn of listeners) fn(); }

export function newId() {
  return crypto.randomUUID();
}

async function nextStamp(d) {
  const node = (await d.meta.get("client_id"))?.value || "local";
  const clock = new Clock(node, () => Date.now(), (await d.meta.get("hlc"))?.value);
  const hlc = clock.tick();
  await d.meta.put({ key: "hlc", value: clock.state() });
  const id = ((await d.meta.get("next_mutation_id"))?.value) || 1;
  await d.meta.put({ key: "next_mutation_id", value: id + 1 });
  return { hlc, id };
}

/** The local record after a local edit of `fields`. Remembers the confirmed value of each
 * field on its first local edit, so a change the server rejects can be rolled back (see
 * sync/client.js, revertRejected). */
function edited(table, id, row, fields) {
  const customerId = scopeOf(table, id, fields.customer_id ?? row?.customer_id);
  const orig = { ...(row?._orig || {}) };
  if (row?._seq != null) for (const f of Object.keys(fields)) if (!(f in orig)) orig[f] = row[f] ?? null;
  return { ...(row || {}), ...fields, id, customer_id: customerId, _orig: orig };
}

/**
 * Save `values` on record `id` of `table` (creating it when new); only changed fields are
 * queued. Several records may be saved at once (a visit and its tasks): pass a list.
 * A change may carry `then`: changes saved only once the server has applied this one
 * (a conflict is closed only when its resolution is on the server; sync/client.js).
 * All or nothing: a full disk rejects with StorageFull and keeps none of it.
 */
export async function save(changes) {
  const list = Array.isArray(changes) ? changes : [changes];
  const d = db();
  const tables = [...new Set(list.map((c) => c.table))].map((t) => d.table(t));
  let queued = 0;
  await guarded(() => d.transaction("rw", [...tables, d.outbox, d.meta], async () => {
    queued = 0;
    for (const { table, id, values, then } of list) {
      const row = await d.table(table).get(id);
      const fields = changedFields(row && !row._hidden ? row : null, values);
      if (!Object.keys(fields).length) continue;
      const { hlc, id: mid } = await nextStamp(d);
      await d.table(table).put(edited(table, id, row, fields));
      const entry = buildPut({ id: mid, table, key: id, hlc, fields, row });
      await d.outbox.add(then?.length ? { ...entry, then } : entry);
      queued += 1;
    }
  }));
  if (queued) notify();
  return queued;
}

export async function remove(table, id) {
  const d = db();
  await guarded(() => d.transaction("rw", [d.table(table), d.outbox, d.meta], async () => {
    const { hlc, id: mid } = await nextStamp(d);
    const row = await d.table(table).get(id);
    if (row) await d.table(table).put({ ...row, _hidden: true });
    await d.outbox.add(buildDelete({ id: mid, table, key: id, hlc, row }));
  }));
  notify();
}

/**
 * Send set-aside changes again (the rep's "Retry"): each goes back to the end of the
 * outbox with a new mutation id and a fresh clock tick (retrying is a new decision),
 * keeping the base it was made on (so a change made meanwhile still shows as a conflict),
 * and its values are laid on the local record again. One transaction: all or nothing.
 */
export async function retrySetAside(sids) {
  const d = db();
  const items = (await d.setaside.bulkGet(sids)).filter(Boolean);
  const tables = [...new Set(items.map((x) => x.table))].filter((t) => d.tables.some((x) => x.name === t));
  await guarded(() => d.transaction("rw", [...tables.map((t) => d.table(t)), d.outbox, d.meta, d.setaside], async () => {
    for (const item of items.sort((a, b) => a.sid - b.sid)) {
      const { oid, id: _id, hlc: _hlc, ...mutation } = item.mutation;
      const { hlc, id } = await nextStamp(d);
      await d.outbox.add({ ...mutation, id, hlc });
      await d.setaside.delete(item.sid);
      if (!tables.includes(item.table)) continue;
      const row = await d.table(item.table).get(item.key);
      if (mutation.op === "delete") {
        if (row) await d.table(item.table).put({ ...row, _hidden: true });
        continue;
      }
      await d.table(item.table).put(edited(item.table, item.key, row, mutation.fields || {}));
    }
  }));
  notify();
}

/** Drop set-aside changes for good (the rep's "Discard", after seeing what goes). */
export async function discardSetAside(sids) {
  await db().setaside.bulkDelete(sids);
  notify();
}

export async function get(table, id) {
  const row = await db().table(table).get(id);
  return live(row) ? row : null;
}

export async function ofCustomer(table, customerId) {
  return (await db().table(table).where("customer_id").equals(customerId).toArray()).filter(live);
}

export async function all(table) {
  return (await db().table(table).toArray()).filter(live);
}

/** Pending promotion requests this user may decide (a manager's inbox): requested by
 * someone else, on a deal the user does not own (a manager's own deals go to their
 * manager); the phone holds only the records of the user's scope. */
export async function awaitingMe(user) {
  if (!user || !["manager", "admin"].includes(user.role)) return [];
  const d = db();
  const ps = await d.promotions.filter((p) => live(p) && (p.status || "pending") === "pending"
    && p.requested_by && p.requested_by !== user.id).toArray();
  const opps = await d.opportunities.bulkGet(ps.map((p) => p.opportunity_id));
  return ps.filter((p, i) => opps[i] && (user.role === "admin" || opps[i].owner_id !== user.id));
}

export function pendingCount() {
  return db().outbox.count();
}

/** Changes taken out of the outbox (refused, or failing on the server): they wait for
 * the rep to retry or discard them. */
export function setAsideCount() {
  return db().setaside.count();
}

// Drafts: typing is saved on every input so closing the app never loses it. A draft
// that cannot be kept (storage full) is reported to the banner, not thrown at the form.
export const drafts = {
  get: async (key) => (await db().drafts.get(key))?.value ?? null,
  put: (key, value) => guarded(() => db().drafts.put({ key, value, at: Date.now() })).catch(() => {}),
  drop: (key) => db().drafts.delete(key),
};

export { getMeta };
