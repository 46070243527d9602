// Customer profile: contact details, the four kinds of customer data, quick edit.

import { html, useState } from "../../vendor/preact.js";
import { get, ofCustomer, save, newId, remove } from "../store.js";
import { t, label, fmt, options, lang } from "../i18n.js";
import { useData, Field, Header, Section } from "../ui.js";
import { BACKGROUND, OPPORTUNITY_INFO, fieldLabel } from "../fields.js";
import { CustomerLocation } from "../checkin.js";

const CONTACT_FIELDS = ["city", "address", "phone", "email", "website", "industry"];
const CLASS_FIELDS = [
  ["abc_class", "abcClass", "abc_classes"], ["loyalty", "loyalty", "loyalty"],
  ["relationship_level", "relationship", "relationship_ladder"],
  ["potential_profit", "potentialProfit", "high_low"], ["payback_period", "paybackPeriod", "short_long"],
];
const STRATEGY = { "high/short": "full", "high/long": "selective", "low/short": "quick", "low/long": "drop" };

/** Quick edit of a group of fields: view mode, or a small form saved as one put. */
function Editable({ title, testid, fields, record, table = "customers", render, open }) {
  const [draft, setDraft] = useState(null);
  const onSave = async () => {
    await save({ table, id: record.id, values: draft });
    setDraft(null);
  };
  return html`<${Section} title=${title} open=${open}>
    ${draft ? html`<form onSubmit=${(e) => { e.preventDefault(); onSave(); }} data-testid=${`${testid}-form`}>
        ${fields.map((f) => html`<${Field} key=${f.name} name=${f.name} label=${f.label} kind=${f.kind || "text"} vocab=${f.vocab}
          testid=${`edit-${f.name}`} value=${draft[f.name]} onInput=${(v) => setDraft({ ...draft, [f.name]: v })} />`)}
        <div class="actions"><button type="button" onClick=${() => setDraft(null)}>${t("cancel")}</button>
          <button class="primary" type="submit" data-testid=${`${testid}-save`}>${t("save")}</button></div>
      </form>`
      : html`${render()}<button class="wide" data-testid=${`${testid}-edit`} aria-label=${`${t("edit")}: ${title}`}
          onClick=${() => setDraft(Object.fromEntries(fields.map((f) => [f.name, record[f.name] ?? (f.kind === "select" ? null : "")])))}>${t("edit")}</button>`}
  </${Section}>`;
}

/** Key-account criteria, each rated 1..5, and the key-account flag. */
function KeyAccount({ record }) {
  const [draft, setDraft] = useState(null);
  const criteria = options("key_account_criteria");
  const stars = (n) => (n ? "★".repeat(n) + "☆".repeat(5 - n) : t("none"));
  const submit = async (e) => {
    e.preventDefault();
    const ratings = Object.fromEntries(Object.entries(draft.ratings).filter(([, v]) => v).map(([k, v]) => [k, Number(v)]));
    await save({ table: "customers", id: record.id, values: { key_account_criteria: ratings, is_key_account: draft.key } });
    setDraft(null);
  };
  const scale = [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: `${n} ${"★".repeat(n)}` }));
  return html`<${Section} title=${t("keyAccountCriteria")} open=${false}>
    ${draft ? html`<form onSubmit=${submit} data-testid="key-account-form">
        <label class="check"><input type="checkbox" data-testid="edit-is_key_account" checked=${draft.key}
          onChange=${(e) => setDraft({ ...draft, key: e.target.checked })} />${t("keyAccount")}</label>
        ${criteria.map((o) => html`<${Field} key=${o.value} name=${`kac-${o.value}`} label=${o[lang()]} kind="select" choices=${scale}
          testid=${`edit-criterion-${o.value}`} value=${draft.ratings[o.value] ? String(draft.ratings[o.value]) : ""}
          onInput=${(v) => setDraft({ ...draft, ratings: { ...draft.ratings, [o.value]: v } })} />`)}
        <div class="actions"><button type="button" onClick=${() => setDraft(null)}>${t("cancel")}</button>
          <button class="primary" type="submit" data-testid="key-account-save">${t("save")}</button></div></form>`
      : html`<dl class="kv"><dt>${t("keyAccount")}</dt><dd>${record.is_key_account ? "✓" : "—"}</dd>
        ${criteria.map((o) => html`<dt>${o[lang()]}</dt><dd aria-label=${`${(record.key_account_criteria || {})[o.value] || 0} / 5`}>${stars((record.key_account_criteria || {})[o.value])}</dd>`)}</dl>
        <button class="wide" data-testid="key-account-edit" aria-label=${`${t("edit")}: ${t("keyAccountCriteria")}`}
          onClick=${() => setDraft({ key: !!record.is_key_account, ratings: { ...(record.key_account_criteria || {}) } })}>${t("edit")}</button>`}
  </${Section}>`;
}

const kv = (pairs) => html`<dl class="kv">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v || t("none")}</dd>`)}</dl>`;

function Competitors({ customerId, list }) {
  const [draft, setDraft] = useState(null);
  const set = (k) => (v) => setDraft({ ...draft, [k]: v });
  return html`<${Section} title=${`${t("competitors")} (${list.length})`} open=${false}>
    ${list.map((c) => html`<div class="card" key=${c.id}><h3>${c.competitor} ${c.product ? `· ${c.product}` : ""}</h3>
      ${kv([[t("satisfaction"), label("satisfaction", c.satisfaction)], [t("repName"), c.rep_name],
        [t("sellingStyle"), c.selling_style], [t("relationship"), c.relationship]])}</div>`)}
    ${draft ? html`<form onSubmit=${async (e) => { e.preventDefault(); const { id, ...values } = draft; await save({ table: "competitors", id, values: { ...values, customer_id: customerId } }); setDraft(null); }}>
        <${Field} label=${t("competitor")} value=${draft.competitor} onInput=${set("competitor")} required />
        <${Field} label=${t("product")} value=${draft.product} onInput=${set("product")} />
        <${Field} label=${t("satisfaction")} kind="select" vocab="satisfaction" value=${draft.satisfaction} onInput=${set("satisfaction")} />
        <${Field} label=${t("repName")} value=${draft.rep_name} onInput=${set("rep_name")} />
        <${Field} label=${t("sellingStyle")} kind="textarea" value=${draft.selling_style} onInput=${set("selling_style")} />
        <${Field} label=${t("relationship")} kind="textarea" value=${draft.relationship} onInput=${set("relationship")} />
        <div class="actions"><button type="button" onClick=${() => setDraft(null)}>${t("cancel")}</button>
          <button class="primary" type="submit">${t("save")}</button></div></form>`
      : html`<button class="wide" onClick=${() => setDraft({ id: newId(), competitor: "", product: "", satisfaction: null, rep_name: "", selling_style: "", relationship: "" })}>${t("addCompetitor")}</button>`}
  </${Section}>`;
}

export default function Customer({ id }) {
  const data = useData(async () => {
    const customer = await get("customers", id);
    if (!customer) return { customer: null };
    const [competitors, visits, opps] = await Promise.all([
      ofCustomer("competitors", id), ofCustomer("visits", id), ofCustomer("opportunities", id)]);
    visits.sort((a, b) => String(b.occurred_at).localeCompare(String(a.occurred_at)));
    return { customer, competitors, visits, opps };
  }, [id]);
  if (data === undefined) return html`<p class="muted pad">${t("loading")}</p>`;
  const c = data.customer;
  if (!c) return html`<${Header} title=${t("notFound")} back="#/" />`;
  const text = (group) => Object.keys(group).map((name) => ({ name, label: fieldLabel(group, name), kind: "textarea" }));
  const strategy = STRATEGY[`${c.potential_profit}/${c.payback_period}`];
  const base = `#/c/${encodeURIComponent(id)}`;
  return html`<article class="customer">
    <${Header} title=${html`<span data-testid="customer-name">${c.name}</span>`} back="#/" />
    <p class="muted">${[c.city, c.industry].filter(Boolean).join(" · ")} ${c.is_key_account ? html`<span class="tag">${t("keyAccount")}</span>` : ""}</p>
    <div class="actions">
      <a class="button primary" href=${`${base}/visit`} data-testid="log-visit">${t("logVisit")}</a>
      <a class="button" href=${`${base}/chain`} data-testid="open-chain">${t("decisionChain")}</a>
      <a class="button" href=${`${base}/opps`} data-testid="open-opportunities">${t("opportunities")} (${data.opps.length})</a>
    </div>
    <${Editable} title=${t("contactInfo")} testid="contact-info" record=${c} open=${true}
      fields=${[{ name: "name", label: t("name") }, ...CONTACT_FIELDS.map((f) => ({ name: f, label: t(f === "email" ? "email" : f) }))]}
      render=${() => kv(CONTACT_FIELDS.map((f) => [t(f), c[f]]))} />
    <${CustomerLocation} customer=${c} />
    <${Editable} title=${t("classification")} testid="classification" record=${c} open=${true}
      fields=${CLASS_FIELDS.map(([f, l, v]) => ({ name: f, label: t(l), kind: "select", vocab: v }))}
      render=${() => html`${kv([...CLASS_FIELDS.map(([f, l, v]) => [t(l), label(v, c[f])]),
        [t("strategy"), strategy ? label("development_strategy", strategy) : ""]])}`} />
    <${KeyAccount} record=${c} />
    <${Editable} title=${t("background")} testid="background" record=${c} open=${false} fields=${text(BACKGROUND)}
      render=${() => kv(Object.keys(BACKGROUND).map((f) => [fieldLabel(BACKGROUND, f), c[f]]))} />
    <${Competitors} customerId=${id} list=${data.competitors} />
    <${Editable} title=${t("salesOpportunity")} testid="opportunity-info" record=${c} open=${false} fields=${text(OPPORTUNITY_INFO)}
      render=${() => kv(Object.keys(OPPORTUNITY_INFO).map((f) => [fieldLabel(OPPORTUNITY_INFO, f), c[f]]))} />
    <${Editable} title=${t("notes")} testid="notes" record=${c} open=${false} fields=${[{ name: "notes", label: t("notes"), kind: "textarea" }]}
      render=${() => html`<p class="prewrap">${c.notes || t("none")}</p>`} />
    <${Section} title=${`${t("visits")} (${data.visits.length})`} open=${false}>
      <ul class="list" data-testid="visit-list">${data.visits.slice(0, 30).map((v) => html`<li class="card" key=${v.id} data-testid="visit-item">
        <strong>${label("activity_types", v.type)}</strong> · ${fmt.datetime(v.occurred_at)}
        ${v.purpose && html`<div>${t("purpose")}: ${v.purpose}</div>`}<div class="prewrap">${v.notes}</div>
        <button type="button" class="danger" data-testid="visit-delete" aria-label=${t("deleteVisitOf", { when: fmt.datetime(v.occurred_at) })}
          onClick=${async () => { if (window.confirm(t("confirmDeleteVisit"))) await remove("visits", v.id); }}>${t("deleteVisit")}</button></li>`)}</ul>
    </${Section}>
  </article>`;
}
