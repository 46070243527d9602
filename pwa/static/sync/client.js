// The sync client: push the outbox, then pull from the cursor (docs/sync-protocol.md).
// Touches IndexedDB and the network, never the DOM; the pure steps live in hlc.js,
// checksum.js, merge.js and mutations.js.

import { db, getMeta, setMeta, clearRecords, recordsRemoved } from "../js/db.js";
import { call, ApiError } from "../js/api.js";
import { Clock } from "./hlc.js";
import { recordHash, toHex } from "./checksum.js";
import { SYNCED_TABLES, applyPage, keyOf, pageNeeds, rebase } from "./merge.js";
import { MAX_BATCH, pendingByKey, renumber, wire } from "./mutations.js";

export const SCHEMA_VERSION = 1;
const PAGE_LIMIT = 500;
// A pull asks for the scope checksum (`verify`, docs/sync-protocol.md L5) after a fresh
// download, on the first sync after the app starts, then at most this often: the sum
// runs over every customer in scope, a routine pull costs only its changes.
export const VERIFY_EVERY_MS = 30 * 60_000;

let now = () => Date.now();
let verifiedAt = null;   // in memory: the first pull after the app starts verifies

/** The clock that decides when a verification is due (tests move it). */
export function setClock(fn) { now = fn; }

/** Does the next pull ask for the checksum? (cursor 0: a fresh download always does) */
export function verificationDue(cursor) {
  return !cursor || verifiedAt === null || now() - verifiedAt >= VERIFY_EVERY_MS;
}

/** Push every outbox entry, in order, in batches of at most 500. */
export async function push() {
  const d = db();
  const clientId = await getMeta("client_id");
  const rejected = [];
  let gaps = 0;
  // Edits the service worker pushed (Background Sync) and the server refused.
  const refusedInWorker = (await getMeta("sw_rejected")) || [];
  if (refusedInWorker.length) {
    await revertRejected(refusedInWorker);
    await setMeta("sw_rejected", []);
  }
  for (;;) {
    const entries = await d.outbox.orderBy("oid").limit(MAX_BATCH).toArray();
    if (!entries.length) break;
    let answer;
    try {
      answer = await call("/api/v1/sync/push", {
        schema_version: SCHEMA_VERSION, client_id: clientId, mutations: entries.map(wire),
      });
    } catch (error) {
      const expected = error instanceof ApiError && error.status === 409 && error.body?.expected_id;
      if (!expected || ++gaps > 3) throw error;
      await renumberOutbox(expected);
      continue;
    }
    for (const r of answer.results || []) {
      if (r.status === "rejected") {
        const e = entries.find((x) => x.id === r.id);
        rejected.push({ ...r, table: e?.table, key: e?.key, fields: e?.fields, at: Date.now() });
      }
    }
    await confirm(answer.last_mutation_id, rejected);
    await revertRejected(entries.filter((e) => (answer.results || []).some((r) => r.id === e.id && r.status === "rejected")));
    // Nothing was confirmed: stop instead of sending the same batch for ever.
    if (!(answer.results || []).length && entries[0].id > answer.last_mutation_id) break;
  }
  return rejected;
}

/** 409 mutation_gap: number the unacknowledged mutations from the server's expected id. */
export async function renumberOutbox(expectedId) {
  const d = db();
  await d.transaction("rw", d.outbox, d.meta, async () => {
    const entries = await d.outbox.orderBy("oid").toArray();
    const fresh = renumber(entries, expectedId);
    await d.outbox.bulkPut(fresh);
    await d.meta.put({ key: "next_mutation_id", value: expectedId + fresh.length });
  });
}

/**
 * Undo rejected edits locally: a rejected create disappears, a rejected update gets the
 * confirmed values back (unless a later pending edit of the same field is still queued).
 */
export async function revertRejected(entries) {
  if (!entries.length) return;
  const d = db();
  const tables = [...new Set(entries.map((e) => e.table))].filter((t) => SYNCED_TABLES.includes(t));
  if (!tables.length) return;
  await d.transaction("rw", [...tables.map((t) => d.table(t)), d.outbox], async () => {
    for (const e of entries) {
      if (!tables.includes(e.table)) continue;
      const row = await d.table(e.table).get(e.key);
      if (!row) continue;
      const queued = await d.outbox.where("[table+key]").equals([e.table, e.key]).toArray();
      const still = new Set(queued.flatMap((m) => Object.keys(m.fields || {})));
      if (row._seq == null && !queued.length) { await d.table(e.table).delete(e.key); continue; }
      if (e.op === "delete") { delete row._hidden; await d.table(e.table).put(row); continue; }
      const orig = { ...(row._orig || {}) };
      for (const f of Object.keys(e.fields || {})) {
        if (still.has(f) || !(f in orig)) continue;
        if (orig[f] === null) delete row[f]; else row[f] = orig[f];
        delete orig[f];
      }
      await d.table(e.table).put({ ...row, _orig: orig });
    }
  });
}

/** Drop outbox entries the server has confirmed (ids up to lastId). */
async function confirm(lastId, rejected = []) {
  if (lastId == null) return;
  const d = db();
  await d.transaction("rw", d.outbox, d.meta, async () => {
    await d.outbox.where("id").belowOrEqual(lastId).delete();
    await d.meta.put({ key: "last_mutation_id", value: lastId });
    const next = (await d.meta.get("next_mutation_id"))?.value || 1;
    if (next <= lastId) await d.meta.put({ key: "next_mutation_id", value: lastId + 1 });
    if (rejected.length) {
      const old = (await d.meta.get("rejected"))?.value || [];
      await d.meta.put({ key: "rejected", value: [...rejected, ...old].slice(0, 50) });
    }
  });
}

/**
 * Pull pages from the cursor until `more` is false. Each page and its new cursor are
 * stored in one transaction, so a dropped connection resumes from the last page.
 * onProgress({done, total}) reports the first long download.
 */
export async function pull(onProgress = () => {}) {
  const d = db();
  const clientId = await getMeta("client_id");
  let done = 0;
  let total = 0;     // sent with the first page of a download from 0
  let restarts = 0;
  let verify = verificationDue((await getMeta("cursor")) || 0);
  for (;;) {
    const cursor = (await getMeta("cursor")) || 0;
    if (!cursor) verify = true;                         // a download from 0 ends verified
    const page = await call("/api/v1/sync/pull", {
      schema_version: SCHEMA_VERSION, client_id: clientId, cursor, limit: PAGE_LIMIT, verify,
    });
    if (page.reset) {                                   // L2: wipe records, keep the outbox
      if (++restarts > 3) throw new Error("sync reset loop");
      await restart();
      continue;
    }
    const changes = page.changes || [];
    await applyToDb(d, changes, page);
    done += changes.length;
    total = page.total || total;
    if (total) onProgress({ done: Math.min(done, total), total });
    if (page.more) continue;
    if (page.checksum != null) {                        // integrity check after the last page
      const mine = toHex((await getMeta("checksum")) || 0);
      if (mine !== page.checksum) {
        if (++restarts > 2) throw new Error("checksum mismatch persists");
        console.warn("sync: checksum mismatch, downloading again", mine, page.checksum);
        await restart();
        done = 0;
        total = 0;
        continue;
      }
      verifiedAt = now();
    }
    return { cursor: page.cursor, count: page.count, verified: page.checksum != null };
  }
}

async function applyToDb(d, changes, page) {
  // crypto.subtle is not an IndexedDB request: hash before opening the transaction.
  const hashes = new Map();
  for (const c of changes) {
    if (c.op === "put") hashes.set(`${keyOf(c.table, c.id)}/${c.seq}`, await recordHash(c.table, c.id, c.seq));
  }
  const tables = SYNCED_TABLES.map((t) => d.table(t));
  await d.transaction("rw", [...tables, d.outbox, d.meta], async () => {
    if (page.last_mutation_id != null) {
      await d.outbox.where("id").belowOrEqual(page.last_mutation_id).delete();
      await d.meta.put({ key: "last_mutation_id", value: page.last_mutation_id });
    }
    const { keys, evicted } = pageNeeds(changes);
    const snapshot = new Map();
    for (const key of keys) {
      const [table, id] = splitKey(key);
      if (!SYNCED_TABLES.includes(table)) continue;
      const row = await d.table(table).get(id);
      if (row) snapshot.set(key, row);
    }
    for (const cid of evicted) {
      for (const t of SYNCED_TABLES) {
        for (const row of await d.table(t).where("customer_id").equals(cid).toArray()) {
          snapshot.set(keyOf(t, row.id), row);
        }
      }
    }
    const pending = pendingByKey(await d.outbox.orderBy("oid").toArray());
    const checksum = (await d.meta.get("checksum"))?.value || 0;
    const known = changes.filter((c) => c.op === "evict" || SYNCED_TABLES.includes(c.table));
    const plan = applyPage(snapshot, known, pending, hashes, checksum);
    let removed = false;
    for (const [key, row] of plan.writes) {
      const [table, id] = splitKey(key);
      if (row === null) { await d.table(table).delete(id); removed = true; }
      else await d.table(table).put(row);
    }
    if (removed) await recordsRemoved(d);
    const clock = new Clock("x", () => 0, (await d.meta.get("hlc"))?.value);
    for (const v of plan.versions) { try { clock.receive(v); } catch { /* not an HLC */ } }
    await d.meta.bulkPut([
      { key: "hlc", value: clock.state() },
      { key: "checksum", value: plan.checksum },
      { key: "cursor", value: page.cursor },
    ]);
  });
}

function splitKey(key) {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Start again from 0 (reset or checksum mismatch): records go, the outbox stays. */
async function restart() {
  await clearRecords();
  await setMeta("cursor", 0);
  await setMeta("checksum", 0);
  await restorePending();
}

/** Lay the outbox back over empty tables so offline edits stay visible after a wipe. */
async function restorePending() {
  const d = db();
  const entries = await d.outbox.orderBy("oid").toArray();
  for (const [key, list] of pendingByKey(entries)) {
    const [table, id] = splitKey(key);
    if (!SYNCED_TABLES.includes(table)) continue;
    const row = rebase({ id }, list);
    if (row) await d.table(table).put({ ...row, id, customer_id: table === "customers" ? id : row.customer_id ?? null });
  }
}

/** One full round: push, then pull. */
export async function syncOnce(onProgress) {
  const rejected = await push();
  const pulled = await pull(onProgress);
  await setMeta("last_sync_at", Date.now());
  return { rejected, ...pulled };
}
