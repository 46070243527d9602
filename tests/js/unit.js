// Unit checks of the PWA's pure sync modules and the local store, run in Chromium by
// tests/browser/test_sync_js.py as `async (expected) => failures`. `expected` carries
// values computed by Python (sync/hlc.py, hashlib) so both languages agree.
async (expected) => {
  const hlc = await import("/static/sync/hlc.js");
  const checksum = await import("/static/sync/checksum.js");
  const merge = await import("/static/sync/merge.js");
  const m = await import("/static/sync/mutations.js");
  const store = await import("/static/js/store.js");
  const { db, setMeta, clearAll } = await import("/static/js/db.js");
  const failures = [];
  const eq = (name, got, want) => {
    const g = JSON.stringify(got), w = JSON.stringify(want);
    if (g !== w) failures.push(`${name}: got ${g}, want ${w}`);
  };

  // HLC: monotonic even when the wall clock goes back; state survives a restart.
  let now = 1763800000000;
  const c1 = new hlc.Clock("n1", () => now);
  const a = c1.tick(); now -= 5000; const b = c1.tick();
  eq("hlc monotonic", a < b, true);
  const c2 = new hlc.Clock("n1", () => now, c1.state());
  eq("hlc restored", c2.tick() > b, true);
  eq("hlc python format", hlc.format(5, 7, "x"), expected.hlc_format);
  eq("hlc parse node with dashes", hlc.parse("1763800000000-00001-a-b-c").node, "a-b-c");
  eq("hlc rejects junk", hlc.isValid("12-3-x"), false);

  // Checksum agrees with Python's hashlib; add/subtract wrap modulo 2^48.
  eq("hash", checksum.toHex(await checksum.recordHash("tasks", "t-1", 42)), expected.hash_tasks_t1_42);
  const h = 2 ** 48 - 5;
  eq("checksum wraps", checksum.subtract(checksum.add(h, 10), 10), h);

  // Building mutations: only changed fields; base from the versions the phone last saw.
  const row = { id: "k", city: "Wuxi", email: undefined, _v: { city: "1763800000000-00000-s" } };
  const fields = m.changedFields(row, { city: "Suzhou", email: "", phone: null });
  eq("changed fields ignore empty-vs-missing", fields, { city: "Suzhou" });
  eq("create drops empties", m.changedFields(null, { name: "A", city: "", roles: [] }), { name: "A" });
  const put = m.buildPut({ id: 9, table: "customers", key: "k", hlc: "h", fields: { city: "S", phone: "1" }, row });
  eq("base per field", put.base, { city: "1763800000000-00000-s", phone: null });
  eq("renumber", m.renumber([{ id: 4 }, { id: 5 }, { id: 9 }], 2).map((e) => e.id), [2, 3, 4]);
  eq("batches of 500", m.batches(Array.from({ length: 1201 }, (_, i) => i)).map((x) => x.length), [500, 500, 201]);
  eq("wire drops local keys", Object.keys(m.wire({ oid: 1, id: 1, op: "put", table: "t", key: "k", hlc: "h", fields: {}, base: {} })),
    ["id", "op", "table", "key", "hlc", "fields", "base"]);

  // Merge: pending outbox edits stay on top of pulled rows; evict drops a customer's rows.
  const hashes = new Map([["customers/c1/5", 7], ["contacts/p1/6", 11]]);
  const pending = new Map([["customers/c1", [{ op: "put", fields: { city: "Mine" } }]]]);
  const snapshot = new Map([["customers/c1", { id: "c1", customer_id: "c1", city: "Old", _h: 3 }]]);
  const plan = merge.applyPage(snapshot, [
    { op: "put", table: "customers", id: "c1", seq: 5, data: { name: "N", city: "Theirs" }, versions: { city: "1763800000001-00000-s" } },
    { op: "put", table: "contacts", id: "p1", seq: 6, data: { customer_id: "c1", name: "Li" }, versions: {} },
  ], pending, hashes, 3);
  eq("rebase keeps pending edit", plan.writes.get("customers/c1").city, "Mine");
  eq("rebase keeps server version", plan.writes.get("customers/c1")._v.city, "1763800000001-00000-s");
  eq("running checksum", plan.checksum, 18);
  eq("versions seen", plan.versions, ["1763800000001-00000-s"]);
  const evicted = merge.applyPage(new Map([...plan.writes]), [{ op: "evict", customer_id: "c1", seq: 7 }], new Map(), new Map(), plan.checksum);
  eq("evict drops all", [...evicted.writes.values()], [null, null]);
  eq("evict checksum", evicted.checksum, 0);

  // The store: record and outbox entry in one transaction, contiguous ids, ticking HLC.
  await clearAll();
  await setMeta("client_id", "unitphone");
  await db().customers.put({ id: "c9", customer_id: "c9", name: "Acme", city: "Wuxi", _seq: 1, _v: { city: "1763800000000-00000-srv" } });
  await store.save({ table: "customers", id: "c9", values: { city: "Suzhou", name: "Acme" } });
  await store.save([{ table: "visits", id: "v1", values: { customer_id: "c9", type: "gift", notes: "x" } },
    { table: "tasks", id: "t1", values: { customer_id: "c9", what: "call", done: false } }]);
  const outbox = await db().outbox.orderBy("oid").toArray();
  eq("outbox ids", outbox.map((e) => e.id), [1, 2, 3]);
  eq("outbox fields", outbox[0].fields, { city: "Suzhou" });
  eq("outbox base", outbox[0].base, { city: "1763800000000-00000-srv" });
  eq("outbox hlc order", outbox[0].hlc < outbox[1].hlc && outbox[1].hlc < outbox[2].hlc, true);
  eq("hlc node is the client id", hlc.parse(outbox[0].hlc).node, "unitphone");
  eq("local row updated", (await store.get("customers", "c9")).city, "Suzhou");
  eq("visit row customer", (await store.get("visits", "v1")).customer_id, "c9");
  eq("no-op edit queues nothing", await store.save({ table: "customers", id: "c9", values: { city: "Suzhou" } }), 0);
  // A failing transaction leaves neither the record nor the outbox entry.
  try { await store.save({ table: "no_such_table", id: "x", values: { a: 1 } }); } catch { /* expected */ }
  eq("atomic", await db().outbox.count(), 3);

  // A rejected update rolls back to the confirmed value; a rejected create disappears.
  const client = await import("/static/sync/client.js");
  const sent = await db().outbox.orderBy("oid").toArray();
  await db().outbox.clear();
  await client.revertRejected(sent.slice(0, 2));
  eq("rejected update rolled back", (await store.get("customers", "c9")).city, "Wuxi");
  eq("rejected create removed", await store.get("visits", "v1"), null);
  eq("other rows untouched", (await store.get("tasks", "t1")).what, "call");
  await clearAll();
  return failures;
}
