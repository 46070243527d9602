// Runs the PWA's sync code against the shared vectors in tests/vectors/ (evaluated in
// Chromium by tests/browser/test_sync_js.py as `async (vectors) => failures`).
// The network is a stub that plays the vector's server; IndexedDB is real.
async (vectors) => {
  const hlc = await import("/static/sync/hlc.js");
  const checksum = await import("/static/sync/checksum.js");
  const mutations = await import("/static/sync/mutations.js");
  const client = await import("/static/sync/client.js");
  const { db, setMeta, getMeta, clearAll } = await import("/static/js/db.js");
  const failures = [];
  const ran = {};
  const eq = (name, got, want) => {
    ran[name] = (ran[name] || 0) + 1;
    const g = JSON.stringify(got), w = JSON.stringify(want);
    if (g !== w) failures.push(`${name}: got ${g}, want ${w}`);
  };
  const canon = (v) => (Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);

  let serve = null;           // (path, body) -> {status, body}
  const realFetch = window.fetch;
  window.fetch = async (url, init) => {
    const { status, body } = await serve(String(url), init?.body ? JSON.parse(init.body) : null);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  const fresh = async (clientId) => {
    await clearAll();
    await setMeta("auth", { access_token: "a", refresh_token: "r" });
    await setMeta("client_id", clientId);
  };

  try {
    for (const [file, v] of Object.entries(vectors)) {
      if (file === "hlc.json") {
        let now = 0;
        const clock = new hlc.Clock(v.clock.node, () => now);
        for (const step of v.clock.steps) {
          if (step.op === "tick") { now = step.wall_ms; eq("hlc.tick", clock.tick(), step.expect); }
          else clock.receive(step.hlc);
        }
        for (const c of v.clamp) eq("hlc.clamp", hlc.clamp(c.hlc, c.now_ms), c.expect);
        for (const [a, b] of v.ordered_pairs) eq("hlc.order", a < b && hlc.isValid(a) && hlc.isValid(b), true);
        for (const t of v.valid) eq(`hlc.valid[${t}]`, hlc.isValid(t) && hlc.format(...Object.values(hlc.parse(t))), t);
        for (const t of v.invalid) eq(`hlc.invalid[${JSON.stringify(t)}]`, hlc.isValid(t), false);
      } else if (file === "checksum.json") {
        for (const c of v.cases) {
          const hashes = [];
          for (const [t, id, seq] of c.records) hashes.push(checksum.toHex(await checksum.recordHash(t, id, seq)));
          eq("checksum.hashes", hashes, c.hashes);
          eq("checksum.sum", await checksum.checksumOf(c.records), c.checksum);
        }
      } else if (file === "pull_apply.json") {
        for (const c of v.cases) {
          await fresh("vector-pull-0001");
          let sum = 0;
          for (const [table, id, seq, data] of c.before) {
            const h = await checksum.recordHash(table, id, seq);
            sum = checksum.add(sum, h);
            await db().table(table).put({ ...data, id, customer_id: data.customer_id ?? (table === "customers" ? id : null), _seq: seq, _v: {}, _h: h });
          }
          await setMeta("checksum", sum);
          await setMeta("cursor", c.before.length ? 1 : 0);
          const pages = [...c.pages];
          serve = async (path) => (path.endsWith("/sync/pull") ? { status: 200, body: pages.shift() } : { status: 404, body: {} });
          await client.pull();
          eq(`pull_apply[${c.name}].pages`, pages.length, 0);
          const held = [];
          for (const table of ["customers", "competitors", "contacts", "contact_personal", "opportunities", "visits", "tasks", "stages", "conflicts", "promotions"]) {
            for (const row of await db().table(table).toArray()) {
              const { id, _seq, _v, _h, _hidden, _orig, ...data } = row;
              if (table === "customers" && data.customer_id === id) delete data.customer_id;
              held.push([table, id, _seq, canon(data)]);
            }
          }
          const key = (r) => `${r[0]}/${r[1]}`;
          held.sort((a, b) => key(a).localeCompare(key(b)));
          const want = c.after.records.map((r) => [r[0], r[1], r[2], canon(r[3])]).sort((a, b) => key(a).localeCompare(key(b)));
          eq(`pull_apply[${c.name}].records`, held, want);
          eq(`pull_apply[${c.name}].cursor`, await getMeta("cursor"), c.after.cursor);
        }
      } else if (file === "push_exchange.json") {
        await fresh(v.client_id);
        for (const [i, step] of v.steps.entries()) {
          await db().outbox.clear();
          for (const m of step.outbox) await db().outbox.add({ ...m });
          const sent = [];
          serve = async (path, body) => {
            sent.push(body);
            if (sent.length === 1) {
              const { status, ...answer } = step.response;
              return { status, body: status === 200 ? { schema_version: 1, ...answer } : { code: status, ...answer } };
            }
            // After a 409 mutation_gap: the renumbered retry, acknowledged in full.
            const ids = body.mutations.map((m) => m.id);
            return { status: 200, body: { schema_version: 1, last_mutation_id: ids[ids.length - 1], results: ids.map((id) => ({ id, status: "applied" })) } };
          };
          await client.push();
          eq(`push[${i}].request`, canon(sent[0]), canon(step.request.body));
          const got = mutations.wire;
          eq(`push[${i}].wire`, canon(step.outbox.map(got)), canon(step.request.body.mutations));
          if (step.response.status === 409) {
            const retry = sent[1]?.mutations.map((m) => m.id) || [];
            eq(`push[${i}].renumbered`, retry[0], step.response.expected_id);
            eq(`push[${i}].contiguous`, retry.every((id, j) => id === retry[0] + j), true);
          } else {
            const left = (await db().outbox.toArray()).filter((m) => m.id <= step.response.last_mutation_id);
            eq(`push[${i}].confirmed_removed`, left.length, 0);
            // Every refused mutation is set aside, whole, with the server's reason.
            const setAside = (await db().setaside.toArray()).filter((x) => step.outbox.some((m) => m.id === x.mutation.id));
            const wantRejected = step.response.results.filter((r) => r.status === "rejected").map((r) => [r.id, r.reason]);
            for (const [id, reason] of wantRejected) eq(`push[${i}].rejected`, setAside.some((x) => x.mutation.id === id && x.reason === reason), true);
            eq(`push[${i}].set_aside_count`, setAside.length, wantRejected.length);
          }
          await db().setaside.clear();
        }
      } else if (file === "delete_base.json") {
        // The phone pulls the records it holds, deletes through the app's own store, and
        // pushes: each delete carries the versions it held ({} for one it never held).
        const store = await import("/static/js/store.js");
        const built = (m) => ({ op: m.op, table: m.table, key: m.key, base: m.base });
        await fresh(v.phone.client_id);
        const pages = [v.phone.page];
        serve = async (path) => (path.endsWith("/sync/pull") ? { status: 200, body: pages.shift() } : { status: 404, body: {} });
        await client.pull();
        for (const b of v.builds) await store.remove(b.table, b.key);
        const outbox = await db().outbox.orderBy("id").toArray();
        eq("delete.builds", canon(outbox.map(built)), canon(v.builds));
        const step = v.steps.find((s) => s.request.body.client_id === v.phone.client_id);
        const sent = [];
        serve = async (path, body) => {
          sent.push(body);
          // The server names each conflict record by id; the vector states its kind and fields.
          const results = step.response.results.map(({ conflict, ...r }) => (conflict ? { ...r, conflicts: [`conflict-${r.id}`] } : r));
          return { status: 200, body: { schema_version: 1, last_mutation_id: step.response.last_mutation_id, results } };
        };
        await client.push();
        eq("delete.request", canon(sent[0].mutations.map(built)), canon(step.request.body.mutations.map(built)));
        // A delete answered with a conflict was applied: confirmed, nothing set aside.
        eq("delete.confirmed_removed", await db().outbox.count(), 0);
        eq("delete.set_aside", await db().setaside.count(), 0);
      } else if (file === "lookalike.json") {
        // What looks like a duplicate lead or customer (server/leads.py alike).
        const m = await import("/static/js/lookalike.js");
        for (const [a, want] of v.normal_name) eq(`lookalike.normal_name[${a}]`, m.normalName(a), want);
        for (const [a, b, want] of v.names_alike) eq(`lookalike.names_alike[${a}|${b}]`, m.namesAlike(a, b), want);
        for (const [a, b, want] of v.phones_alike) eq(`lookalike.phones_alike[${a}|${b}]`, m.phonesAlike(a, b), want);
      } else {
        failures.push(`${file}: no JavaScript runner for this vector file`);
      }
    }
  } finally {
    window.fetch = realFetch;
    await clearAll();
  }
  return { failures, ran };
}
