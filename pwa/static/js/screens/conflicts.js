// Conflicts: for each open conflict, the kept and the lost value per field; pick one or
// merge, then resolve: a put of the chosen values on the record, whose follow-up (`then`)
// is the put of {"status": "resolved"} on the conflict, queued only once the server has
// applied the record's put (a refused resolution leaves the conflict open). Below them,
// the changes set aside (refused, or failing on the server), to retry or discard.

import { html, useState } from "../../vendor/preact.js";
import { all, get, save, newId, retrySetAside, discardSetAside } from "../store.js";
import { db } from "../db.js";
import { describe } from "../unsent.js";
import { t, fmt } from "../i18n.js";
import { useData, Header } from "../ui.js";
import { BACKGROUND, OPPORTUNITY_INFO, PERSONAL, fieldLabel } from "../fields.js";

const GROUPS = [BACKGROUND, OPPORTUNITY_INFO, PERSONAL];
const UI_NAMES = { abc_class: "abcClass", relationship_level: "relationship", potential_profit: "potentialProfit",
  payback_period: "paybackPeriod", cost_amount: "cost", gift_value: "giftValue", occurred_at: "occurredAt" };
/** A readable name for a field: the profile's labels, else the UI string, else the raw name. */
function fieldName(f) {
  const group = GROUPS.find((g) => g[f]);
  if (group) return fieldLabel(group, f);
  const key = UI_NAMES[f] || f;
  const text = t(key);
  return text === key && !UI_NAMES[f] ? f : text;
}

const show = (v) => (v == null || v === "" ? t("none") : typeof v === "object" ? JSON.stringify(v) : String(v));

// What a re-created record may not carry: the engine's bookkeeping and its identity.
const NOT_RECREATED = new Set(["id", "seq", "deleted", "field_versions", "created_at", "updated_at", "created_by", "updated_by"]);

/** A complete record to re-create a deleted one: its last full values on the server
 * (`conflict.record`), with the fields the rep chose to bring back on top. */
export function recreated(conflict, choice) {
  const last = Object.fromEntries(Object.entries(conflict.record || {}).filter(([f]) => !NOT_RECREATED.has(f)));
  const chosen = Object.fromEntries(Object.entries(conflict.fields || {})
    .filter(([f]) => choice[f] === "lost").map(([f, pair]) => [f, pair.lost]));
  return { ...last, ...chosen, customer_id: conflict.customer_id };
}

function ConflictCard({ conflict, record, user, waiting, refused }) {
  const mineLost = conflict.lost_by === user.id;
  const fields = Object.entries(conflict.fields || {});
  const [choice, setChoice] = useState(() => Object.fromEntries(fields.map(([f]) => [f, "kept"])));
  const [merged, setMerged] = useState({});
  const value = (f, pair) => (choice[f] === "lost" ? pair.lost : choice[f] === "merge" ? merged[f] ?? "" : pair.kept);
  const resolve = async () => {
    const values = Object.fromEntries(fields.map(([f, pair]) => [f, value(f, pair)]));
    const close = [{ table: "conflicts", id: conflict.id, values: { status: "resolved" } }];
    let change = null;
    if (conflict.kind === "delete") {
      // The record is gone: bring back what was chosen as a new, complete record.
      if (Object.values(choice).some((c) => c !== "kept")) {
        change = { table: conflict.table_name, id: newId(), values: recreated(conflict, choice) };
      }
    } else if (record) {
      const differ = Object.fromEntries(Object.entries(values).filter(([f, v]) => JSON.stringify(record[f] ?? null) !== JSON.stringify(v ?? null)));
      if (Object.keys(differ).length) change = { table: conflict.table_name, id: conflict.record_id, values: differ };
    }
    await save(change ? { ...change, then: close } : close);
  };
  const dismiss = () => save({ table: "conflicts", id: conflict.id, values: { status: "dismissed" } });
  const side = (f, which, pair) => html`<button type="button" class="choice" aria-pressed=${choice[f] === which ? "true" : "false"}
      data-testid=${`conflict-${which}`} data-field=${f} onClick=${() => setChoice({ ...choice, [f]: which })}>
    <span class="small muted">${which === "kept" ? (mineLost ? t("theirs") : t("mine")) : (mineLost ? t("mine") : t("theirs"))}</span><br />${show(pair[which])}</button>`;
  return html`<li class="card" data-testid="conflict-item" data-id=${conflict.id} data-record=${conflict.record_id}>
    <h3>${record?.name || record?.what || conflict.table_name} ${conflict.created_at ? html`<span class="muted small">${fmt.datetime(conflict.created_at)}</span>` : ""}</h3>
    ${conflict.kind === "delete" && html`<p class="note">${t("conflictDelete")}</p>`}
    ${waiting && html`<p class="note" data-testid="conflict-resolving">${t("resolving")}</p>`}
    ${refused && html`<p class="error" role="alert" data-testid="conflict-refused">${t("resolveRefused", { message: refused.message || refused.reason })}</p>`}
    ${fields.map(([f, pair]) => html`<div key=${f} class="field"><strong>${fieldName(f)}</strong>
      <div class="conflict-field">${side(f, "kept", pair)}${side(f, "lost", pair)}</div>
      ${typeof pair.kept === "string" && conflict.kind !== "delete" && html`<label class="check"><input type="checkbox" checked=${choice[f] === "merge"}
        onChange=${(e) => { setChoice({ ...choice, [f]: e.target.checked ? "merge" : "kept" }); setMerged({ ...merged, [f]: merged[f] ?? `${pair.kept}\n${pair.lost ?? ""}` }); }} />${t("merge")}</label>`}
      ${choice[f] === "merge" && html`<textarea aria-label=${`${t("merge")} ${f}`} data-testid="conflict-merged" value=${merged[f]}
        onInput=${(e) => setMerged({ ...merged, [f]: e.target.value })}></textarea>`}
    </div>`)}
    <div class="actions"><button type="button" onClick=${dismiss} data-testid="conflict-dismiss">${t("dismiss")}</button>
      <button type="button" class="primary" onClick=${resolve} data-testid="conflict-resolve">${t("resolve")}</button></div>
  </li>`;
}

function SetAside({ item }) {
  const failed = item.kind === "failed";
  const discard = () => { if (window.confirm(t("confirmDiscardChange"))) discardSetAside([item.sid]); };
  return html`<li class="card small" data-testid="setaside-item" data-kind=${item.kind} data-key=${item.key}>
    <strong>${describe(item.mutation)}</strong>
    <p>${failed ? t("setAsideFailed", { status: item.status ?? "?" }) : t("setAsideRefused")}
      ${!failed && item.reason ? ` · ${item.reason}` : ""}${item.message ? ` · ${item.message}` : ""}</p>
    <dl class="kv wrap">${Object.entries(item.mutation.fields || {}).map(([f, v]) => html`<dt>${fieldName(f)}</dt><dd>${show(v)}</dd>`)}</dl>
    <div class="actions"><button type="button" data-testid="setaside-discard" onClick=${discard}>${t("discard")}</button>
      <button type="button" class="primary" data-testid="setaside-retry" onClick=${() => retrySetAside([item.sid])}>${t("retry")}</button></div>
  </li>`;
}

/** The conflict a change closes once applied (its `then`), if any. */
const closes = (m) => (m.then || []).find((x) => x.table === "conflicts")?.id;

export default function Conflicts({ user }) {
  const data = useData(async () => {
    const open = (await all("conflicts")).filter((c) => (c.status || "open") === "open");
    const records = await Promise.all(open.map((c) => get(c.table_name, c.record_id).catch(() => null)));
    const [outbox, setaside] = await Promise.all([db().outbox.toArray(), db().setaside.orderBy("sid").toArray()]);
    const waiting = new Set(outbox.map(closes).filter(Boolean));
    const refused = new Map(setaside.filter((x) => closes(x.mutation)).map((x) => [closes(x.mutation), x]));
    return { open: open.map((c, i) => ({ conflict: c, record: records[i] })), setaside, waiting, refused };
  }, []);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  return html`<section>
    <${Header} title=${t("conflicts")} />
    <ul class="list" data-testid="conflict-list">
      ${data.open.map(({ conflict, record }) => html`<${ConflictCard} key=${conflict.id} conflict=${conflict} record=${record} user=${user}
        waiting=${data.waiting.has(conflict.id)} refused=${data.refused.get(conflict.id)} />`)}
    </ul>
    ${!data.open.length && html`<p class="muted" data-testid="no-conflicts">${t("noConflicts")}</p>`}
    ${data.setaside.length > 0 && html`<h2>${t("setAsideTitle")}</h2>
      <button type="button" class="wide" data-testid="setaside-retry-all"
        onClick=${() => retrySetAside(data.setaside.map((x) => x.sid))}>${t("retryAll")} (${data.setaside.length})</button>
      <ul class="list" data-testid="setaside-list">
        ${data.setaside.map((x) => html`<${SetAside} key=${x.sid} item=${x} />`)}</ul>`}
  </section>`;
}
