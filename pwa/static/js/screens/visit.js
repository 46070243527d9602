// Log a visit: type, contacts met, purpose, notes, outcome, cost, gift value and the next
// actions (what, who, by when, checkpoint). Every keystroke is kept as a draft in
// IndexedDB, so closing the app never loses typing; saving writes the visit and its
// tasks with their outbox entries in one transaction.

import { html, useEffect, useState } from "../../vendor/preact.js";
import { get, ofCustomer, save, drafts, newId } from "../store.js";
import { t } from "../i18n.js";
import { Field, Header, go, localNow } from "../ui.js";
import { GIFT_VALUE_CAP, VOCAB } from "../vocab.js";
import { planDone, visitFromPlan } from "../plans.js";
import { CheckIns } from "../checkin.js";

const blankAction = () => ({ key: newId(), what: "", who: "", due_date: "", checkpoint: "" });
const blank = () => ({
  id: newId(), type: "customer_visit", occurred_at: localNow(), duration_minutes: "", contact_ids: [],
  opportunity_id: null, purpose: "", notes: "", outcome: "", cost_amount: "", cost_currency: "CNY",
  gift_value: "", actions: [],
});

/** A new visit's form prefilled from a planned visit of this customer (#/c/<id>/visit/<plan>). */
async function fromPlan(planId, customerId) {
  const plan = planId ? await get("visit_plans", planId) : null;
  return plan && plan.customer_id === customerId ? { ...blank(), ...visitFromPlan(plan) } : null;
}

export default function Visit({ id: customerId, plan: planId, user }) {
  const key = planId ? `visit:${customerId}:${planId}` : `visit:${customerId}`;
  const [form, setForm] = useState(null);
  const [ctx, setCtx] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    (async () => {
      const [customer, contacts, opps] = await Promise.all([get("customers", customerId),
        ofCustomer("contacts", customerId), ofCustomer("opportunities", customerId)]);
      setCtx({ customer, contacts, opps: opps.filter((o) => (o.status || "open") === "open") });
      setForm((await drafts.get(key)) || (await fromPlan(planId, customerId)) || blank());
    })();
  }, [customerId, planId]);
  if (!form || !ctx) return html`<p class="muted pad">${t("loading")}</p>`;

  const update = (patch) => {
    const next = { ...form, ...patch };
    setForm(next);
    drafts.put(key, next); // on every input
  };
  const set = (field) => (value) => update({ [field]: value });
  const setAction = (i, field) => (value) => update({
    actions: form.actions.map((a, j) => (j === i ? { ...a, [field]: value } : a)) });
  const toggleContact = (id, on) => update({
    contact_ids: on ? [...form.contact_ids, id] : form.contact_ids.filter((x) => x !== id) });
  const gift = Number(form.gift_value || 0);
  const currencies = (VOCAB.currencies || ["CNY"]).map((c) => ({ value: c, label: c }));

  const submit = async (e) => {
    e.preventDefault();
    if (!form.purpose.trim()) { setError(t("purposeRequired")); return; }
    if (gift > GIFT_VALUE_CAP) { setError(t("giftCap", { cap: GIFT_VALUE_CAP })); return; }
    const visit = {
      customer_id: customerId, opportunity_id: form.opportunity_id || null, type: form.type,
      contact_ids: form.contact_ids, occurred_at: new Date(form.occurred_at || Date.now()).toISOString(),
      duration_minutes: Number(form.duration_minutes || 0), purpose: form.purpose, notes: form.notes,
      outcome: form.outcome, cost_amount: Number(form.cost_amount || 0), cost_currency: form.cost_currency || "CNY",
      gift_value: gift, ...(form.plan_id ? { plan_id: form.plan_id } : {}),
    };
    const tasks = form.actions.filter((a) => a.what.trim()).map((a) => ({
      table: "tasks", id: a.key, values: {
        customer_id: customerId, visit_id: form.id, assignee_id: user.id, what: a.what, who: a.who,
        due_date: a.due_date || null, checkpoint: a.checkpoint, done: false } }));
    try {
      // Logged from a plan: the plan is done in the same transaction.
      await save([{ table: "visits", id: form.id, values: visit }, ...tasks,
        ...(form.plan_id ? [planDone(form.plan_id, form.id)] : [])]);
    } catch (err) {
      // Nothing was kept (one transaction): the form stays as typed, with the reason.
      setError(err.name === "StorageFull" ? t("storageFull") : String(err.message || err));
      return;
    }
    await drafts.drop(key);
    go(form.plan_id ? "#/today" : `#/c/${encodeURIComponent(customerId)}`);
  };
  const discard = async () => { await drafts.drop(key); go(`#/c/${encodeURIComponent(customerId)}`); };

  return html`<form class="visit" onSubmit=${submit} data-testid="visit-form" data-plan-id=${form.plan_id || ""} novalidate>
    <${Header} title=${`${t("logVisit")}: ${ctx.customer?.name || ""}`} back=${`#/c/${encodeURIComponent(customerId)}`} />
    <p class="muted small" data-testid="draft-note">${t("draftKept")}</p>
    <${CheckIns} customerId=${customerId} visitId=${form.id} />
    <${Field} name="type" label=${t("visitType")} kind="select" vocab="activity_types" testid="visit-type"
      value=${form.type} onInput=${set("type")} />
    <${Field} name="occurred_at" label=${t("occurredAt")} kind="datetime-local" testid="visit-occurred-at"
      value=${form.occurred_at} onInput=${set("occurred_at")} />
    <${Field} name="duration" label=${t("duration")} kind="number" min="0" testid="visit-duration"
      value=${form.duration_minutes} onInput=${set("duration_minutes")} />
    ${ctx.opps.length > 0 && html`<${Field} name="opportunity" label=${t("opportunity")} kind="select" testid="visit-opportunity"
      choices=${ctx.opps.map((o) => ({ value: o.id, label: o.name }))} value=${form.opportunity_id} onInput=${set("opportunity_id")} />`}
    <fieldset class="field" data-testid="visit-contacts"><legend>${t("contactsMet")}</legend>
      ${ctx.contacts.length ? ctx.contacts.map((c) => html`<label class="check" key=${c.id}>
        <input type="checkbox" checked=${form.contact_ids.includes(c.id)} onChange=${(e) => toggleContact(c.id, e.target.checked)} />
        ${c.name}${c.title ? ` · ${c.title}` : ""}</label>`) : html`<p class="muted">${t("noContacts")}</p>`}
    </fieldset>
    <${Field} name="purpose" label=${t("purpose")} testid="visit-purpose" value=${form.purpose} onInput=${set("purpose")} required />
    <${Field} name="notes" label=${t("notes")} kind="textarea" testid="visit-notes" value=${form.notes} onInput=${set("notes")} />
    <${Field} name="outcome" label=${t("outcome")} kind="textarea" testid="visit-outcome" value=${form.outcome} onInput=${set("outcome")} />
    <div class="actions">
      <${Field} name="cost" label=${t("cost")} kind="number" min="0" step="0.01" testid="visit-cost" value=${form.cost_amount} onInput=${set("cost_amount")} />
      <${Field} name="currency" label=${t("currency")} kind="select" choices=${currencies} testid="visit-currency" value=${form.cost_currency} onInput=${set("cost_currency")} />
    </div>
    <${Field} name="gift" label=${t("giftValue")} kind="number" min="0" step="0.01" testid="visit-gift" value=${form.gift_value}
      onInput=${set("gift_value")} hint=${gift > GIFT_VALUE_CAP ? t("giftCap", { cap: GIFT_VALUE_CAP }) : null} />
    <h2>${t("nextActions")}</h2>
    ${form.actions.map((a, i) => html`<div class="card" key=${a.key} data-testid="next-action">
      <${Field} name=${`what-${i}`} label=${t("what")} testid="action-what" value=${a.what} onInput=${setAction(i, "what")} />
      <${Field} name=${`who-${i}`} label=${t("who")} testid="action-who" value=${a.who} onInput=${setAction(i, "who")} />
      <${Field} name=${`due-${i}`} label=${t("due")} kind="date" testid="action-due" value=${a.due_date} onInput=${setAction(i, "due_date")} />
      <${Field} name=${`checkpoint-${i}`} label=${t("checkpoint")} testid="action-checkpoint" value=${a.checkpoint} onInput=${setAction(i, "checkpoint")} />
      <button type="button" class="danger" onClick=${() => update({ actions: form.actions.filter((_, j) => j !== i) })}>${t("removeAction")}</button>
    </div>`)}
    <button type="button" class="wide" data-testid="add-action" onClick=${() => update({ actions: [...form.actions, blankAction()] })}>${t("addAction")}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      <button type="button" onClick=${discard} data-testid="visit-discard">${t("cancel")}</button>
      <button class="primary" type="submit" data-testid="visit-save">${t("saveVisit")}</button>
    </div>
  </form>`;
}

