// Conflicts: for each open conflict, the kept and the lost value per field; pick one or
// merge, then resolve (a put of the chosen values on the record and a put of
// {"status": "resolved"} on the conflict, in one local transaction).

import { html, useState } from "../../vendor/preact.js";
import { all, get, save, newId, getMeta } from "../store.js";
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

function ConflictCard({ conflict, record, user }) {
  const mineLost = conflict.lost_by === user.id;
  const fields = Object.entries(conflict.fields || {});
  const [choice, setChoice] = useState(() => Object.fromEntries(fields.map(([f]) => [f, "kept"])));
  const [merged, setMerged] = useState({});
  const value = (f, pair) => (choice[f] === "lost" ? pair.lost : choice[f] === "merge" ? merged[f] ?? "" : pair.kept);
  const resolve = async () => {
    const values = Object.fromEntries(fields.map(([f, pair]) => [f, value(f, pair)]));
    const changes = [];
    if (conflict.kind === "delete") {
      // The record is gone: keep what was typed as a new record.
      if (Object.values(choice).some((c) => c !== "kept")) {
        const lost = Object.fromEntries(fields.map(([f, p]) => [f, p.lost]));
        changes.push({ table: conflict.table_name, id: newId(), values: { ...lost, customer_id: conflict.customer_id } });
      }
    } else if (record) {
      const differ = Object.fromEntries(Object.entries(values).filter(([f, v]) => JSON.stringify(record[f] ?? null) !== JSON.stringify(v ?? null)));
      if (Object.keys(differ).length) changes.push({ table: conflict.table_name, id: conflict.record_id, values: differ });
    }
    changes.push({ table: "conflicts", id: conflict.id, values: { status: "resolved" } });
    await save(changes);
  };
  const dismiss = () => save({ table: "conflicts", id: conflict.id, values: { status: "dismissed" } });
  const side = (f, which, pair) => html`<button type="button" class="choice" aria-pressed=${choice[f] === which ? "true" : "false"}
      data-testid=${`conflict-${which}`} data-field=${f} onClick=${() => setChoice({ ...choice, [f]: which })}>
    <span class="small muted">${which === "kept" ? (mineLost ? t("theirs") : t("mine")) : (mineLost ? t("mine") : t("theirs"))}</span><br />${show(pair[which])}</button>`;
  return html`<li class="card" data-testid="conflict-item" data-id=${conflict.id} data-record=${conflict.record_id}>
    <h3>${record?.name || record?.what || conflict.table_name} ${conflict.created_at ? html`<span class="muted small">${fmt.datetime(conflict.created_at)}</span>` : ""}</h3>
    ${conflict.kind === "delete" && html`<p class="note">${t("conflictDelete")}</p>`}
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

export default function Conflicts({ user }) {
  const data = useData(async () => {
    const open = (await all("conflicts")).filter((c) => (c.status || "open") === "open");
    const records = await Promise.all(open.map((c) => get(c.table_name, c.record_id).catch(() => null)));
    return { open: open.map((c, i) => ({ conflict: c, record: records[i] })), rejected: (await getMeta("rejected")) || [] };
  }, []);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  return html`<section>
    <${Header} title=${t("conflicts")} />
    <ul class="list" data-testid="conflict-list">
      ${data.open.map(({ conflict, record }) => html`<${ConflictCard} key=${conflict.id} conflict=${conflict} record=${record} user=${user} />`)}
    </ul>
    ${!data.open.length && html`<p class="muted" data-testid="no-conflicts">${t("noConflicts")}</p>`}
    ${data.rejected.length > 0 && html`<h2>${t("rejectedChanges")}</h2><ul class="list" data-testid="rejected-list">
      ${data.rejected.map((r) => html`<li class="card small" key=${`${r.id}-${r.at}`}><strong>${r.table}</strong> · ${r.reason}
        ${r.message ? ` · ${r.message}` : ""}<div class="muted">${show(r.fields)}</div></li>`)}</ul>`}
  </section>`;
}
