// Building outbox mutations (docs/sync-protocol.md, "Push"). Pure: no DOM, no IndexedDB.

export const MAX_BATCH = 500;

// Pulls leave empty fields out (a missing field reads as empty), so every empty value
// (null, "", [], {}) counts as the same.
const EMPTY = new Set(["null", '""', "[]", "{}"]);
const norm = (v) => { const j = JSON.stringify(v ?? null); return EMPTY.has(j) ? "null" : j; };
const same = (a, b) => norm(a) === norm(b);

/** The fields of `values` that differ from `row` (the non-empty ones for a new record). */
export function changedFields(row, values) {
  const out = {};
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined) continue;
    if (row ? !same(row[field], value) : norm(value) !== "null") out[field] = value;
  }
  return out;
}

/**
 * A put: `fields` only the changed ones; `base[field]` the field version the phone last
 * saw (from the row's versions as pulled; null for a field it never saw, e.g. on create).
 */
export function buildPut({ id, table, key, hlc, fields, row }) {
  const base = {};
  for (const field of Object.keys(fields)) base[field] = row?._v?.[field] ?? null;
  return { id, op: "put", table, key, hlc, fields, base };
}

/**
 * A delete: `base` every field version the phone saw (the row's versions as pulled), so
 * the server keeps in a conflict only the edits made since; {} for a record it never
 * held (it saw none of the fields: whatever the server has is kept in a conflict).
 */
export function buildDelete({ id, table, key, hlc, row }) {
  return { id, op: "delete", table, key, hlc, base: { ...(row?._v || {}) } };
}

/** The wire form of an outbox entry (drops local bookkeeping such as `oid`). */
export function wire(entry) {
  const m = { id: entry.id, op: entry.op, table: entry.table, key: entry.key, hlc: entry.hlc };
  if (entry.op === "put") m.fields = entry.fields;
  if (entry.base !== undefined) m.base = entry.base;
  return m;
}

/** Renumber unacknowledged mutations (in outbox order) contiguously from `expectedId`. */
export function renumber(entries, expectedId) {
  return entries.map((e, i) => ({ ...e, id: expectedId + i }));
}

/** Consecutive batches of at most `size`, in outbox order. */
export function batches(entries, size = MAX_BATCH) {
  const out = [];
  for (let i = 0; i < entries.length; i += size) out.push(entries.slice(i, i + size));
  return out;
}

/** Pending mutations grouped by "table/key", oldest first, for rebasing pulled rows. */
export function pendingByKey(entries) {
  const map = new Map();
  for (const e of entries) {
    const key = `${e.table}/${e.key}`;
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(e);
  }
  return map;
}
