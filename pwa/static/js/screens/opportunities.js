// Opportunities of a customer: milestone with its criteria and checklist (from the stage
// template), history, and "request promotion", which queues a `promotions` put offline.

import { html, useState } from "../../vendor/preact.js";
import { get, ofCustomer, all, save, newId } from "../store.js";
import { t, label, fmt, pick } from "../i18n.js";
import { useData, Header, Field } from "../ui.js";

function Promotion({ opp, next, visits, contacts, onDone }) {
  const [met, setMet] = useState([]);
  const [justification, setJustification] = useState("");
  const [visitIds, setVisitIds] = useState([]);
  const toggle = (list, set, v, on) => set(on ? [...list, v] : list.filter((x) => x !== v));
  const rule = next.criteria_rule === "any" ? met.length >= 1 : met.length === (next.criteria || []).length;
  const submit = async (e) => {
    e.preventDefault();
    await save({ table: "promotions", id: newId(), values: {
      opportunity_id: opp.id, customer_id: opp.customer_id, from_milestone: opp.milestone || 1,
      to_milestone: next.number, criteria_met: met, justification, visit_ids: visitIds,
      contact_ids: contacts.filter((c) => visits.some((v) => visitIds.includes(v.id) && (v.contact_ids || []).includes(c.id))).map((c) => c.id),
      status: "pending" } });
    onDone();
  };
  return html`<form class="card" onSubmit=${submit} data-testid="promotion-form">
    <h3>${t("requestPromotion")}: M${next.number} ${pick(next, "name")}</h3>
    <p class="small">${next.criteria_rule === "any" ? t("meetAny") : t("meetAll")}</p>
    <ul class="criteria">${(next.criteria || []).map((c, i) => html`<li key=${i}><label class="check">
      <input type="checkbox" data-testid="criterion" checked=${met.includes(i)} onChange=${(e) => toggle(met, setMet, i, e.target.checked)} />${pick(c)}</label></li>`)}</ul>
    <${Field} name="justification" label=${t("justification")} kind="textarea" testid="promotion-justification" value=${justification} onInput=${setJustification} />
    ${visits.length > 0 && html`<fieldset class="field"><legend>${t("linkedVisits")}</legend>
      ${visits.slice(0, 10).map((v) => html`<label class="check" key=${v.id}><input type="checkbox" checked=${visitIds.includes(v.id)}
        onChange=${(e) => toggle(visitIds, setVisitIds, v.id, e.target.checked)} />${label("activity_types", v.type)} · ${fmt.date(v.occurred_at)}</label>`)}</fieldset>`}
    <div class="actions"><button type="button" onClick=${onDone}>${t("cancel")}</button>
      <button class="primary" type="submit" disabled=${!rule} data-testid="promotion-submit">${t("requestPromotion")}</button></div>
  </form>`;
}

function Opportunity({ opp, stages, visits, promotions, contacts }) {
  const [asking, setAsking] = useState(false);
  const m = opp.milestone || 1;
  const stage = stages.find((s) => s.number === m);
  const next = stages.find((s) => s.number === m + 1);
  const pending = promotions.find((p) => p.opportunity_id === opp.id && (p.status || "pending") === "pending");
  const mine = visits.filter((v) => v.opportunity_id === opp.id);
  const history = promotions.filter((p) => p.opportunity_id === opp.id)
    .sort((a, b) => String(b.created_at || "").localeCompare(String(a.created_at || "")));
  return html`<article class="card" data-testid="opportunity" data-id=${opp.id}>
    <h3>${opp.name}</h3>
    <div class="steps" aria-label=${`${t("milestone")} ${m} / 7`}>${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<span class=${n <= m ? "on" : ""}></span>`)}</div>
    <dl class="kv">
      <dt>${t("milestone")}</dt><dd data-testid="opportunity-milestone">M${m} ${stage ? pick(stage, "name") : ""}</dd>
      <dt>${t("probability")}</dt><dd>${opp.probability ?? stage?.probability ?? 0}%</dd>
      <dt>${t("amount")}</dt><dd>${fmt.money(opp.amount, opp.currency)}</dd>
      <dt>${t("closeDate")}</dt><dd>${fmt.date(opp.expected_close_date)}</dd>
      <dt>${t("buyingStage")}</dt><dd>${label("buying_stages", opp.buying_stage)}</dd>
      <dt>${t("history")}</dt><dd>${opp.stage_entered_at ? fmt.date(opp.stage_entered_at) : t("none")} · ${mine.length} ${t("visits")}</dd>
    </dl>
    ${history.length > 0 && html`<ul class="small" data-testid="promotion-history">${history.map((p) => html`<li key=${p.id}>
      ${t("promotionStatus", { from: p.from_milestone, to: p.to_milestone, status: t(p.status === "pending" ? "pending_" : p.status || "pending_") })}
      ${p.created_at ? ` · ${fmt.date(p.created_at)}` : ""}${p.decision_comment || p.comment ? ` · ${p.decision_comment || p.comment}` : ""}</li>`)}</ul>`}
    ${stage && html`<details class="section"><summary>${t("criteria")} · ${t("checklist")}</summary><div class="section-body">
      <p>${pick(stage, "definition")}</p>
      <p class="small">${stage.criteria_rule === "any" ? t("meetAny") : t("meetAll")}</p>
      <ul>${(stage.criteria || []).map((c) => html`<li>${pick(c)}</li>`)}</ul>
      <h4>${t("checklist")}</h4><ul>${(stage.checklist || []).map((c) => html`<li>${pick(c)}</li>`)}</ul></div></details>`}
    ${pending ? html`<p class="note" data-testid="promotion-pending">${t("promotionPending")} (M${pending.to_milestone})</p>`
      : next && (opp.status || "open") === "open" && (asking
        ? html`<${Promotion} opp=${opp} next=${next} visits=${mine.length ? mine : visits} contacts=${contacts} onDone=${() => setAsking(false)} />`
        : html`<button class="wide primary" data-testid="request-promotion" onClick=${() => setAsking(true)}>${t("requestPromotion")} → M${next.number}</button>`)}
  </article>`;
}

export default function Opportunities({ id: customerId }) {
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
    ${data.opps.map((o) => html`<${Opportunity} key=${o.id} opp=${o} ...${data} />`)}
  </section>`;
}
