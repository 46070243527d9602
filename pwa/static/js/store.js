// Local edits: each writes the record AND its outbox entry in ONE IndexedDB transaction,
// ticking the device clock (kept in meta) in the same transaction.

import { db, getMeta, live } from "./db.js";
import { Clock } from "../sync/hlc.js";
import { buildDelete, buildPut, changedFields } from "../sync/mutations.js";

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

/**
 * Save `values` on record `id` of `table` (creating it when new); only changed fields are
 * queued. Several records may be saved at once (a visit and its tasks): pass a list.
 */
export async function save(changes) {
  const list = Array.isArray(changes) ? changes : [changes];
  const d = db();
  const tables = [...new Set(list.map((c) => c.table))].map((t) => d.table(t));
  let queued = 0;
  await d.transaction("rw", [...tables, d.outbox, d.meta], async () => {
    for (const { table, id, values } of list) {
      const row = await d.table(table).get(id);
      const fields = changedFields(row && !row._hidden ? row : null, values);
      if (!Object.keys(fields).length) continue;
      const { hlc, id: mid } = await nextStamp(d);
      const customerId = table === "customers" ? id : (values.customer_id ?? row?.customer_id ?? null);
      // Remember the confirmed value of each field on its first local edit, so a change
      // the server rejects can be rolled back (see sync/client.js, revertRejected).
      const orig = { ...(row?._orig || {}) };
      if (row?._seq != null) for (const f of Object.keys(fields)) if (!(f in orig)) orig[f] = row[f] ?? null;
      await d.table(table).put({ ...(row || {}), ...fields, id, customer_id: customerId, _orig: orig });
      await d.outbox.add(buildPut({ id: mid, table, key: id, hlc, fields, row }));
      queued += 1;
    }
  });
  if (queued) notify();
  return queued;
}

export async function remove(table, id) {
  const d = db();
  await d.transaction("rw", [d.table(table), d.outbox, d.meta], async () => {
    const { hlc, id: mid } = await nextStamp(d);
    const row = await d.table(table).get(id);
    if (row) await d.table(table).put({ ...row, _hidden: true });
    await d.outbox.add(buildDelete({ id: mid, table, key: id, hlc }));
  });
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

// Drafts: typing is saved on every input so closing the app never loses it.
export const drafts = {
  get: async (key) => (await db().drafts.get(key))?.value ?? null,
  put: (key, value) => db().drafts.put({ key, value, at: Date.now() }),
  drop: (key) => db().drafts.delete(key),
};

export { getMeta };
