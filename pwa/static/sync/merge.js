// Pure merge of pull pages into local state (docs/sync-protocol.md, "Pull").
// No DOM, no IndexedDB: the caller loads the rows a page touches into a snapshot, runs
// applyPage, and writes the returned rows back in one transaction with the new cursor.
//
// A local row is the server's `data` plus bookkeeping:
//   _seq  the seq it last arrived with      _v  its per-field versions ({field: hlc})
//   _h    h(table, id, seq) for the running checksum
// Pending outbox edits are laid over the server's values ("rebase"), so a pull never
// hides a change the phone has not pushed yet.

import { add, subtract } from "./checksum.js";

export const SYNCED_TABLES = [
  "customers", "competitors", "contacts", "contact_personal", "opportunities",
  "visits", "tasks", "stages", "conflicts", "promotions",
  "visit_plans",
  "check_ins",
  "leads",
];

// Tables whose records are their own scope key (an evict names their id): a customer,
// and a lead, which has no customer yet (server/access.py).
export const OWN_SCOPE_TABLES = ["customers", "leads"];
/** The scope key a local row of `table` carries as `customer_id`. */
export const scopeOf = (table, id, customerId) => (OWN_SCOPE_TABLES.includes(table) ? id : customerId ?? null);

export const keyOf = (table, id) => `${table}/${id}`;

/** The keys a page needs in its snapshot, and the customers it evicts. */
export function pageNeeds(changes) {
  const keys = new Set();
  const evicted = new Set();
  for (const c of changes) {
    if (c.op === "evict") evicted.add(c.customer_id);
    else keys.add(keyOf(c.table, c.id));
  }
  return { keys: [...keys], evicted: [...evicted] };
}

/** Does an evict drop this row of its customer? All of them, or (`tables`, when the
 *  user keeps the customer but not its personal data) those of these tables and the
 *  conflicts about them. */
export function evicts(change, key, row) {
  if (!change.tables) return true;
  const table = key.slice(0, key.indexOf("/"));
  return change.tables.includes(table) || (table === "conflicts" && change.tables.includes(row.table_name));
}

/** Overlay pending outbox mutations ([{op, fields}], oldest first) on a row. */
export function rebase(row, pending) {
  let out = row;
  for (const m of pending || []) {
    if (m.op === "delete") return null;
    if (m.op === "put") out = { ...(out || {}), ...m.fields };
  }
  return out;
}

/** A local row made from a pulled `put`. */
export function rowFromPut(change, hash) {
  const data = change.data || {};
  const customerId = scopeOf(change.table, change.id, data.customer_id);
  return { ...data, id: change.id, customer_id: customerId, _seq: change.seq,
    _v: change.versions || {}, _h: hash };
}

/**
 * Apply one page of changes.
 *   snapshot: Map(key -> row) holding every row named by pageNeeds (absent = not stored)
 *             and every row of the evicted customers
 *   pending:  Map(key -> [{op, fields}]) unacknowledged outbox mutations
 *   hashes:   Map("table/id/seq" -> h) for the page's puts (computed beforehand)
 *   checksum: the running local checksum before the page
 * Returns {writes: Map(key -> row | null), checksum, versions: [hlc, ...]} where null
 * means delete; versions are the HLCs seen, for the device clock to move past.
 */
export function applyPage(snapshot, changes, pending, hashes, checksum) {
  const rows = new Map(snapshot);
  const writes = new Map();
  const versions = [];
  let sum = checksum;
  const drop = (key) => {
    const old = rows.get(key);
    if (old && old._h != null) sum = subtract(sum, old._h);
    rows.set(key, null);
    writes.set(key, null);
  };
  for (const c of changes) {
    if (c.op === "evict") {
      for (const [key, row] of rows) {
        if (row && row.customer_id === c.customer_id && evicts(c, key, row)) drop(key);
      }
    } else if (c.op === "del") {
      drop(keyOf(c.table, c.id));
    } else if (c.op === "put") {
      const key = keyOf(c.table, c.id);
      const hash = hashes.get(`${key}/${c.seq}`);
      const old = rows.get(key);
      if (old && old._h != null) sum = subtract(sum, old._h);
      sum = add(sum, hash);
      const fresh = rowFromPut(c, hash);
      const mine = pending.get(key);
      const local = rebase(fresh, mine);
      if (local && mine?.length) {
        // The server's values under the pending edits, for rolling back a rejection.
        local._orig = {};
        for (const m of mine) {
          for (const f of Object.keys(m.fields || {})) if (!(f in local._orig)) local._orig[f] = fresh[f] ?? null;
        }
      }
      // A pending delete hides the row locally, but the server's copy still counts.
      const row = local === null ? { ...fresh, _hidden: true } : local;
      rows.set(key, row);
      writes.set(key, row);
      for (const v of Object.values(c.versions || {})) if (v) versions.push(v);
    }
  }
  return { writes, checksum: sum, versions };
}
