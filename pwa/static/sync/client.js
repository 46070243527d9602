// The sync client: push the outbox, then pull from the cursor (docs/sync-protocol.md).
// Touches IndexedDB and the network, never the DOM; the pure steps live in hlc.js,
// checksum.js, merge.js and mutations.js.

import { db, getMeta, setMeta, clearRecords, guarded, recordsRemoved, refusedEntry } from "../js/db.js";
import { call, ApiError } from "../js/api.js";
import { save } from "../js/store.js";
import { Clock } from "./hlc.js";
import { recordHash, toHex } from "./checksum.js";
import { SYNCED_TABLES, applyPage, keyOf, pageNeeds, rebase, scopeOf } from "./merge.js";
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

// A push the server keeps failing (a 5xx, or a whole-body 4xx such as 413) is retried
// with back-off; after STRIKES failures of the same first mutation the phone isolates
// the mutation that fails: smaller and smaller pushes from that point, down to the
// single one, which is set aside (kept, shown, retried or discarded by the rep) so the
// rest of the outbox and the pulls go on. Before setting anything aside the phone asks
// the server an empty push: when that fails too, the server is down, not the mutation.
export const STRIKES = 3;
const TRIES_WHILE_ISOLATING = 2;

/** Does this error say "the server could not take this batch" (not "no network",
 * "sign in", "renumber" or "update the app")? */
export function batchFailed(error) {
  if (!(error instanceof ApiError)) return false;
  return error.status >= 500 || [400, 413, 422].includes(error.status);
}

/** Push every outbox entry, in order, in batches of at most 500. Returns the results
 * the server refused (they are set aside, see setaside in js/db.js). */
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
  let trouble = (await getMeta("push_trouble")) || null; // {oid, strikes, size}
  for (;;) {
    const head = await d.outbox.orderBy("oid").first();
    if (!head) break;
    if (trouble && trouble.oid !== head.oid) trouble = null; // its head went (another tab)
    const size = trouble?.size || MAX_BATCH;
    const entries = await d.outbox.orderBy("oid").limit(size).toArray();
    let answer;
    try {
      answer = await sendPush(clientId, entries);
    } catch (error) {
      const expected = error instanceof ApiError && error.status === 409 && error.body?.expected_id;
      if (expected && ++gaps <= 3) { await renumberOutbox(expected); continue; }
      if (!batchFailed(error)) throw error;
      trouble = await strike(trouble, head, entries.length, error, clientId);
      if (!trouble) continue;                     // the failing mutation was set aside
      await setMeta("push_trouble", trouble);
      if (trouble.size && trouble.strikes < TRIES_WHILE_ISOLATING) continue; // at once
      throw error;                                // back off, retry later
    }
    const results = answer.results || [];
    const refused = entries.filter((e) => results.some((r) => r.id === e.id && r.status === "rejected"));
    for (const r of results) {
      if (r.status !== "rejected") continue;
      const e = entries.find((x) => x.id === r.id);
      rejected.push({ ...r, table: e?.table, key: e?.key, fields: e?.fields, at: Date.now() });
    }
    await confirm(answer.last_mutation_id, entries, results);
    await revertRejected(refused);
    // Isolating: this window went through, the failing mutation lies further on.
    const next = trouble?.size ? await d.outbox.orderBy("oid").first() : null;
    trouble = next ? { oid: next.oid, strikes: 0, size: trouble.size } : null;
    await setMeta("push_trouble", trouble);
    // Nothing was confirmed: stop instead of sending the same batch for ever.
    if (!results.length && entries[0].id > answer.last_mutation_id) break;
  }
  return rejected;
}

function sendPush(clientId, entries) {
  return call("/api/v1/sync/push", {
    schema_version: SCHEMA_VERSION, client_id: clientId, mutations: entries.map(wire),
  });
}

/**
 * One more failure of the push that starts at `head`: the trouble state to keep, or null
 * when the failing mutation has just been set aside. Until STRIKES failures the caller
 * backs off; then the pushes halve (`size`), each size tried TRIES_WHILE_ISOLATING times
 * at once, until one mutation is left.
 */
async function strike(trouble, head, sent, error, clientId) {
  const t = trouble || { oid: head.oid, strikes: 0, size: 0 };
  const strikes = t.strikes + 1;
  const isolating = t.size > 0;
  if (strikes < (isolating ? TRIES_WHILE_ISOLATING : STRIKES)) return { ...t, strikes };
  if (sent > 1) return { oid: head.oid, strikes: 0, size: Math.ceil(sent / 2) };
  // One mutation fails on its own, again and again: is it the mutation, or the server?
  try {
    await sendPush(clientId, []);
  } catch {
    return { ...t, strikes: 0, size: 0 };      // the server is failing: back off
  }
  await setAside(head, error);
  return null;
}

/** Take a failing mutation (and the later edits of the same record, which build on it)
 * out of the outbox into setaside, with the server's answer; renumber the rest. */
export async function setAside(head, error) {
  const d = db();
  let moved = [];
  await d.transaction("rw", d.outbox, d.setaside, d.meta, async () => {
    moved = await d.outbox.where("[table+key]").equals([head.table, head.key]).sortBy("oid");
    for (const m of moved) {
      await d.setaside.add({ kind: "failed", table: m.table, key: m.key, mutation: m, status: error.status,
        reason: "", message: error.body?.message || error.message || "",
        at: Date.now() });
      await d.outbox.delete(m.oid);
    }
    await d.meta.put({ key: "push_trouble", value: null });
  });
  await renumberOutbox(((await getMeta("last_mutation_id")) || 0) + 1);
  await revertRejected(moved);
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

/**
 * Drop outbox entries the server has confirmed (ids up to lastId), set the refused ones
 * aside (every one: nothing is capped; an edit of a deleted record is kept in the delete
 * conflict the server wrote) and queue the follow-ups (`then`) of the applied
 * ones, all in one transaction: a page killed half-way confirms all of it or nothing.
 */
async function confirm(lastId, entries = [], results = []) {
  if (lastId == null) return;
  const d = db();
  const byId = new Map(results.map((r) => [r.id, r]));
  const followUps = [];
  await d.transaction("rw", d.outbox, d.meta, d.setaside, async () => {
    for (const e of entries) {
      if (e.id > lastId || !(await d.outbox.get(e.oid))) continue;
      const r = byId.get(e.id);
      // An edit of a deleted record lives on in its delete conflict (docs/sync-protocol.md).
      if (r?.status === "rejected") { if (r.reason !== "deleted") await d.setaside.add(refusedEntry({ ...r, at: Date.now() }, e)); }
      else if (e.then?.length) followUps.push(...e.then);
    }
    await d.outbox.where("id").belowOrEqual(lastId).delete();
    await d.meta.put({ key: "last_mutation_id", value: lastId });
    const next = (await d.meta.get("next_mutation_id"))?.value || 1;
    if (next <= lastId) await d.meta.put({ key: "next_mutation_id", value: lastId + 1 });
  });
  if (followUps.length) await save(followUps);
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
  await guarded(() => d.transaction("rw", [...tables, d.outbox, d.meta], async () => {
    // The outbox is confirmed by push answers only (a lost answer is replayed with its
    // stored results): a pull's last_mutation_id says "applied", not "refused or not",
    // and a refused change must be set aside, not dropped.
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
  }));
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
export async function restorePending() {
  const d = db();
  const entries = await d.outbox.orderBy("oid").toArray();
  for (const [key, list] of pendingByKey(entries)) {
    const [table, id] = splitKey(key);
    if (!SYNCED_TABLES.includes(table)) continue;
    const row = rebase({ id }, list);
    if (row) await d.table(table).put({ ...row, id, customer_id: scopeOf(table, id, row.customer_id) });
  }
}

/** One full round: push, then pull. */
export async function syncOnce(onProgress) {
  const rejected = await push();
  const pulled = await pull(onProgress);
  await setMeta("last_sync_at", Date.now());
  return { rejected, ...pulled };
}
