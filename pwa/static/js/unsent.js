// Everything typed on this phone that the server does not have yet: the outbox, the
// set-aside changes and the drafts. What sign-out, a user switch and the export see;
// nothing here deletes any of it without the caller saying so (docs/sync-protocol.md,
// "On the phone").

import { db, guarded, clearAll } from "./db.js";
import { t } from "./i18n.js";
import { saveFile } from "./ui.js";

// The device's sync identity: it travels with a user's parked work so the server sees
// the same client (its mutation ids carry on where they stopped).
const IDENTITY = ["client_id", "next_mutation_id", "last_mutation_id", "hlc", "push_trouble"];

const TITLE_FIELDS = ["name", "purpose", "what", "title", "status"];

/** One line a person can read for a queued or set-aside mutation. */
export function describe(m) {
  const fields = m.fields || {};
  const title = TITLE_FIELDS.map((f) => fields[f]).find((v) => typeof v === "string" && v.trim());
  const what = m.op === "delete" ? t("unsentDelete") : t("unsentEdit", { n: Object.keys(fields).length });
  return `${t(`table_${m.table}`) || m.table} · ${title || m.key.slice(0, 8)} · ${what}`;
}

/** {count, items: [{kind, text}], outbox, setaside, drafts} for the signed-in user. */
export async function unsent() {
  const d = db();
  const [outbox, setaside, drafts] = await Promise.all([
    d.outbox.orderBy("oid").toArray(), d.setaside.orderBy("sid").toArray(), d.drafts.toArray()]);
  const items = [
    ...outbox.map((m) => ({ kind: "pending", text: describe(m) })),
    ...setaside.map((x) => ({ kind: "setaside", text: describe(x.mutation) })),
    ...drafts.map((x) => ({ kind: "draft", text: `${t("draft")} · ${x.key}` })),
  ];
  return { count: items.length, items, outbox, setaside, drafts };
}

/** The last resort a rep can hand to support: every unsent thing, as JSON. */
export async function exportDocument(user) {
  const d = db();
  const { outbox, setaside, drafts } = await unsent();
  const meta = Object.fromEntries((await d.meta.bulkGet(IDENTITY)).filter(Boolean).map((r) => [r.key, r.value]));
  return {
    format: "fieldbook-unsent/1", exported_at: new Date().toISOString(),
    user: user && { id: user.id, email: user.email, name: user.name }, client_id: meta.client_id ?? null,
    outbox: outbox.map(({ oid, ...m }) => m), set_aside: setaside, drafts,
  };
}

/** Save the export as a file (the browser's download). */
export async function downloadExport(user) {
  const doc = await exportDocument(user);
  saveFile(`fieldbook-unsent-${doc.exported_at.slice(0, 10)}.json`, "application/json",
    JSON.stringify(doc, null, 2));
  return doc;
}

/** Keep `user`'s unsent work (and the sync identity it belongs to) aside for their next
 * sign-in on this phone, then wipe the rest: one transaction, so a kill half-way keeps
 * everything where it was. */
export async function parkAndWipe(user) {
  const d = db();
  await guarded(() => d.transaction("rw", d.tables, async () => {
    const [outbox, setaside, drafts] = await Promise.all([
      d.outbox.orderBy("oid").toArray(), d.setaside.orderBy("sid").toArray(), d.drafts.toArray()]);
    if (outbox.length || setaside.length || drafts.length) {
      const identity = Object.fromEntries((await d.meta.bulkGet(IDENTITY)).filter(Boolean).map((r) => [r.key, r.value]));
      const previous = await d.parked.get(user.id);
      await d.parked.put({ user_id: user.id, name: user.name, email: user.email, at: Date.now(), identity,
        outbox: [...(previous?.outbox || []), ...outbox], setaside: [...(previous?.setaside || []), ...setaside],
        drafts: [...(previous?.drafts || []), ...drafts] });
    }
    await clearAll();
  }));
}

/** Signing in as `userId`: bring back the work parked for them, if any. Returns how many
 * changes came back. The caller lays them over the records (restorePending). */
export async function unpark(userId) {
  const d = db();
  let restored = 0;
  await guarded(() => d.transaction("rw", d.parked, d.outbox, d.setaside, d.drafts, d.meta, async () => {
    const kept = await d.parked.get(userId);
    if (!kept) return;
    await d.outbox.clear();
    await d.outbox.bulkAdd(kept.outbox.map(({ oid, ...m }) => m));
    for (const { sid, ...x } of kept.setaside) await d.setaside.add(x);
    await d.drafts.bulkPut(kept.drafts);
    await d.meta.bulkPut(Object.entries(kept.identity).map(([key, value]) => ({ key, value })));
    await d.parked.delete(userId);
    restored = kept.outbox.length + kept.setaside.length + kept.drafts.length;
  }));
  return restored;
}

/** Who has work parked on this phone: [{user_id, name, email, count}]. */
export async function parkedUsers() {
  return (await db().parked.toArray()).map((p) => ({ user_id: p.user_id, name: p.name, email: p.email,
    count: p.outbox.length + p.setaside.length + p.drafts.length }));
}
