// Opportunities of a customer: milestone with its criteria and checklist (from the stage
// template), history, and "request promotion", which queues a `promotions` put offline.

import { html, useState } from "../../vendor/preact.js";
import { get, ofCustomer, all, save, newId } from "../store.js";
import { t, label, fmt, pick } from "../i18n.js";
import { useData, Header, Field } from "../ui.js";
import { warningText, requestedAt, decidedAt, newestFirst } from "../strings-pipeline.js";

const when = (v) => (v ? new Date(v).getTime() : 0);
/** When the deal entered its milestone: `stage_entered_at`, else its creation (`created_at`
 * is not synced: the earliest field version, i.e. the HLC of the create). */
function stageStart(opp) {
  const at = when(opp.stage_entered_at || opp.created_at);
  if (at) return at;
  const versions = Object.values(opp._v || {}).map((h) => Number(String(h).slice(0, 13))).filter((ms) => ms > 0);
  return versions.length ? Math.min(...versions) : 0;
}

/**
 * The target stage's evidence rules against what the phone holds, as the server computes
 * them (server/promotions.py evidence_warnings): a visit linked to the request or to the
 * deal since it entered its milestone; a contact (linked, or met in those visits) with
 * one of the wanted roles.
 */
export function evidenceWarnings(opp, stage, visits, contacts, visitIds, contactIds) {
  const rules = stage?.evidence || {};
  const since = stageStart(opp);
  const inStage = visits.filter((v) => (visitIds.includes(v.id) || v.opportunity_id === opp.id) && when(v.occurred_at) >= since);
  const out = [];
  if (rules.visit_in_stage && !inStage.length) out.push("no_visit_in_stage");
  const wanted = rules.roles_any || [];
  if (wanted.length) {
    const ids = new Set(contactIds);
    for (const v of inStage) for (const c of v.contact_ids || []) ids.add(c);
    const roles = new Set(contacts.filter((c) => ids.has(c.id)).flatMap((c) => c.roles || []));
    if (!wanted.some((r) => roles.has(r))) out.push(`missing_role:${wanted.join("|")}`);
  }
  return out;
}

function Checks({ legend, items, chosen, set, testid }) {
  const toggle = (v, on) => set(on ? [...chosen, v] : chosen.filter((x) => x !== v));
  return html`<fieldset class="field" data-testid=${testid}><legend>${legend}</legend>
    ${items.map((i) => html`<label class="check" key=${i.id}><input type="checkbox" checked=${chosen.includes(i.id)}
      onChange=${(e) => toggle(i.id, e.target.checked)} />${i.text}</label>`)}</fieldset>`;
}

function Promotion({ opp, stages, visits, contacts, onDone }) {
  const m = opp.milestone || 1;
  const later = stages.filter((s) => s.number > m);
  const [to, setTo] = useState(String(later[0]?.number || "lost"));
  const [met, setMet] = useState([]);
  const [justification, setJustification] = useState("");
  const [skipReason, setSkipReason] = useState("");
  const [lostReason, setLostReason] = useState(null);
  const [lostNote, setLostNote] = useState("");
  const [visitIds, setVisitIds] = useState([]);
  const [contactIds, setContactIds] = useState([]);
  const lost = to === "lost";
  const target = lost ? null : stages.find((s) => s.number === Number(to));
  const criteria = target?.criteria || [];
  const skip = !lost && target && target.number > m + 1;
  const ruleOk = lost || (target?.criteria_rule === "any" ? met.length >= 1 : met.length === criteria.length);
  const ok = lost ? Boolean(lostReason) : ruleOk && (!skip || skipReason.trim());
  const warnings = lost ? [] : evidenceWarnings(opp, target, visits, contacts, visitIds, contactIds);
  const choose = (v) => { setTo(v); setMet([]); };
  const submit = async (e) => {
    e.preventDefault();
    if (!ok) return;
    const values = { opportunity_id: opp.id, customer_id: opp.customer_id, from_milestone: m, kind: lost ? "lost" : "promote",
      to_milestone: lost ? null : target.number, criteria_met: lost ? [] : [...met].sort((a, b) => a - b), justification,
      visit_ids: visitIds, contact_ids: contactIds, status: "pending" };
    if (skip) values.skip_reason = skipReason;
    if (lost) Object.assign(values, { lost_reason: lostReason, lost_note: lostNote });
    await save({ table: "promotions", id: newId(), values });
    onDone();
  };
  const choices = [...later.map((s) => ({ value: String(s.number), label: `M${s.number} ${pick(s, "name")} (${s.probability}%)` })),
    { value: "lost", label: t("markLost") }];
  return html`<form class="card" onSubmit=${submit} data-testid="promotion-form">
    <h3>${t("requestPromotion")}</h3>
    <div class="field"><label for=${`to-${opp.id}`}>${t("targetMilestone")}</label>
      <select id=${`to-${opp.id}`} data-testid="promotion-target" value=${to} onChange=${(e) => choose(e.target.value)}>
        ${choices.map((c) => html`<option value=${c.value}>${c.label}</option>`)}</select></div>
    ${target && html`<p><strong>${t("definition")}:</strong> ${pick(target, "definition")}</p>
      <fieldset class="field"><legend>${t("criteria")} · ${target.criteria_rule === "any" ? t("meetAny") : t("meetAll")}</legend>
      <ul class="criteria">${criteria.map((c, i) => html`<li key=${`${to}-${i}`}><label class="check">
        <input type="checkbox" data-testid="criterion" checked=${met.includes(i)}
          onChange=${(e) => setMet(e.target.checked ? [...met, i] : met.filter((x) => x !== i))} />${pick(c)}</label></li>`)}</ul></fieldset>
      ${(target.checklist || []).length > 0 && html`<details class="section"><summary>${t("checklist")}</summary>
        <ul class="section-body">${target.checklist.map((c) => html`<li>${pick(c)}</li>`)}</ul></details>`}`}
    ${skip && html`<${Field} name="skip" label=${t("skipReason")} kind="textarea" testid="promotion-skip-reason" required
      value=${skipReason} onInput=${setSkipReason} hint=${t("skipRequired")} />`}
    ${lost && html`<${Field} name="lost" label=${t("lostReason")} kind="select" vocab="lost_reasons" testid="promotion-lost-reason"
      value=${lostReason} onInput=${setLostReason} required />
      <${Field} name="lostnote" label=${t("lostNote")} kind="textarea" testid="promotion-lost-note" value=${lostNote} onInput=${setLostNote} />`}
    <${Field} name="justification" label=${t("justification")} kind="textarea" testid="promotion-justification" value=${justification} onInput=${setJustification} />
    ${visits.length > 0 && html`<${Checks} legend=${t("linkedVisits")} testid="promotion-visits" chosen=${visitIds} set=${setVisitIds}
      items=${visits.slice(0, 12).map((v) => ({ id: v.id, text: `${label("activity_types", v.type)} · ${fmt.date(v.occurred_at)}${v.purpose ? ` · ${v.purpose}` : ""}` }))} />`}
    ${contacts.length > 0 && html`<${Checks} legend=${t("linkedContacts")} testid="promotion-contacts" chosen=${contactIds} set=${setContactIds}
      items=${contacts.map((c) => ({ id: c.id, text: `${c.name}${(c.roles || []).length ? ` · ${c.roles.map((r) => label("contact_roles", r)).join(", ")}` : ""}` }))} />`}
    ${warnings.length > 0 && html`<div class="note" role="status" data-testid="promotion-warnings"><strong>${t("thinEvidence")}</strong>
      <ul>${warnings.map((w) => html`<li key=${w} data-testid="promotion-warning" data-warning=${w}>${warningText(w, t, label)}</li>`)}</ul></div>`}
    ${!ruleOk && html`<p class="hint">${t("criteriaRuleUnmet")}</p>`}
    <div class="actions"><button type="button" onClick=${onDone}>${t("cancel")}</button>
      <button class="primary" type="submit" disabled=${!ok} data-testid="promotion-send">${warnings.length ? t("sendAnyway") : t("send")}</button></div>
  </form>`;
}

function statusText(p) {
  return t(p.status === "pending" || !p.status ? "pending_" : p.status);
}

function Request({ p, user }) {
  const mine = !p.requested_by || p.requested_by === user?.id;
  return html`<li class="card" data-testid="promotion-status" data-status=${p.status || "pending"} data-id=${p.id}>
    <strong>${p.kind === "lost" ? t("lostOf", { from: p.from_milestone }) : t("promotionOf", { from: p.from_milestone, to: p.to_milestone })}</strong>
    · <span class=${`status-${p.status || "pending"}`}>${statusText(p)}</span>
    ${requestedAt(p) ? html` <span class="muted">· ${fmt.datetime(requestedAt(p))}</span>` : ""}
    ${decidedAt(p) ? html` <span class="muted">→ ${fmt.datetime(decidedAt(p))}</span>` : ""}
    ${p.decision_comment && html`<p class="prewrap" data-testid="promotion-decision"><strong>${t("decisionComment")}:</strong> ${p.decision_comment}</p>`}
    ${(p.evidence_warnings || []).length > 0 && html`<ul class="small">${p.evidence_warnings.map((w) => html`<li>${warningText(w, t, label)}</li>`)}</ul>`}
    ${(p.status || "pending") === "pending" && mine && html`<button type="button" class="wide" data-testid="promotion-withdraw"
      onClick=${() => save({ table: "promotions", id: p.id, values: { status: "withdrawn" } })}>${t("withdraw")}</button>`}
  </li>`;
}

function Opportunity({ opp, stages, visits, promotions, contacts, user }) {
  const [asking, setAsking] = useState(false);
  const m = opp.milestone || 1;
  const stage = stages.find((s) => s.number === m);
  const next = stages.find((s) => s.number === m + 1);
  const pending = promotions.find((p) => p.opportunity_id === opp.id && (p.status || "pending") === "pending");
  const mine = visits.filter((v) => v.opportunity_id === opp.id);
  const history = promotions.filter((p) => p.opportunity_id === opp.id).sort(newestFirst);
  return html`<article class="card" data-testid="opportunity" data-id=${opp.id}>
    <h3>${opp.name}</h3>
    <div class="steps" aria-label=${`${t("milestone")} ${m} / 7`}>${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<span class=${n <= m ? "on" : ""}></span>`)}</div>
    <dl class="kv">
      <dt>${t("milestone")}</dt><dd data-testid="opportunity-milestone">M${m} ${stage ? pick(stage, "name") : ""}</dd>
      ${(opp.status || "open") !== "open" && html`<dt>${t("status")}</dt><dd data-testid="opportunity-status">${t(`opp_${opp.status}`)}${opp.lost_reason ? ` · ${label("lost_reasons", opp.lost_reason)}` : ""}</dd>`}
      <dt>${t("probability")}</dt><dd>${opp.probability ?? stage?.probability ?? 0}%</dd>
      <dt>${t("amount")}</dt><dd>${fmt.money(opp.amount, opp.currency)}</dd>
      <dt>${t("closeDate")}</dt><dd>${fmt.date(opp.expected_close_date)}</dd>
      <dt>${t("buyingStage")}</dt><dd>${label("buying_stages", opp.buying_stage)}</dd>
      <dt>${t("history")}</dt><dd>${opp.stage_entered_at ? fmt.date(opp.stage_entered_at) : t("none")} · ${mine.length} ${t("visits")}</dd>
    </dl>
    ${history.length > 0 && html`<ul class="list" data-testid="promotion-history">${history.map((p) => html`<${Request} key=${p.id} p=${p} user=${user} />`)}</ul>`}
    ${stage && html`<details class="section"><summary>${t("criteria")} · ${t("checklist")}</summary><div class="section-body">
      <p>${pick(stage, "definition")}</p>
      <p class="small">${stage.criteria_rule === "any" ? t("meetAny") : t("meetAll")}</p>
      <ul>${(stage.criteria || []).map((c) => html`<li>${pick(c)}</li>`)}</ul>
      <h4>${t("checklist")}</h4><ul>${(stage.checklist || []).map((c) => html`<li>${pick(c)}</li>`)}</ul></div></details>`}
    ${pending ? html`<p class="note" data-testid="promotion-pending">${t("promotionPending")} (${pending.kind === "lost" ? t("lostRequest") : `M${pending.to_milestone}`})</p>`
      : (opp.status || "open") === "open" && (asking
        ? html`<${Promotion} opp=${opp} stages=${stages} visits=${visits} contacts=${contacts} onDone=${() => setAsking(false)} />`
        : html`<button class="wide primary" data-testid="request-promotion" onClick=${() => setAsking(true)}>${t("requestPromotion")}${next ? ` → M${next.number}` : ""}</button>`)}
  </article>`;
}

export default function Opportunities({ id: customerId, user }) {
  const data = useData(async () => {
    const [customer, opps, stages, visits, promotions, contacts] = await Promise.all([
      get("customers", customerId), ofCustomer("opportunities", customerId), all("stages"),
      ofCustomer("visits", customerId), ofCustomer("promotions", customerId), ofCustomer("contacts", customerId)]);
    stages.sort((a, b) => a.number - b.number);
    visits.sort((a, b) => String(b.occurred_at).localeCompare(String(a.occurred_at)));
    return { customer, opps, stages, visits, promotions, contacts };
  }, [customerId]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  return html`<section data-testid="opportunity-list">
    <${Header} title=${`${t("opportunities")}: ${data.customer?.name || ""}`} back=${`#/c/${encodeURIComponent(customerId)}`} />
    ${!data.opps.length && html`<p class="muted">${t("noOpportunities")}</p>`}
    ${data.opps.map((o) => html`<${Opportunity} key=${o.id} opp=${o} ...${data} user=${user} />`)}
  </section>`;
}
