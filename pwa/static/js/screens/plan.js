// A visit plan, made or moved on the phone (offline too): customer, when, how long, type,
// purpose, contacts. Saved with its outbox entry in one transaction, like every edit.

import { html, useEffect, useState } from "../../vendor/preact.js";
import { all, get, ofCustomer, save, newId } from "../store.js";
import { t } from "../i18n.js";
import { Field, Header, go, localNow } from "../ui.js";
import { localInput } from "../plans.js";

const blank = (customerId) => ({ id: newId(), customer_id: customerId || "", planned_at: localNow(),
  duration_minutes: 60, type: "customer_visit", purpose: "", contact_ids: [] });

export default function Plan({ id, customer, user }) {
  const isNew = !id || id === "new";
  const [form, setForm] = useState(null);
  const [customers, setCustomers] = useState([]);
  const [contacts, setContacts] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    (async () => {
      const list = (await all("customers")).sort((a, b) => (a.name || "").localeCompare(b.name || ""));
      setCustomers(list);
      const existing = isNew ? null : await get("visit_plans", id);
      if (existing) setForm({ ...existing, planned_at: localInput(existing.planned_at), contact_ids: existing.contact_ids || [] });
      else setForm(isNew ? blank(customer) : {}); // {}: not (or no longer) on this phone
    })();
  }, [id]);
  useEffect(() => {
    if (form?.customer_id) ofCustomer("contacts", form.customer_id).then(setContacts); else setContacts([]);
  }, [form?.customer_id]);
  if (!form) return html`<p class="muted pad">${t("loading")}</p>`;
  if (!isNew && !form.id) return html`<p class="muted pad">${t("notFound")}</p>`;

  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const toggleContact = (cid, on) => setForm({ ...form,
    contact_ids: on ? [...form.contact_ids, cid] : form.contact_ids.filter((x) => x !== cid) });
  const store = async (values) => {
    try {
      await save({ table: "visit_plans", id: form.id, values });
    } catch (err) {
      setError(err.name === "StorageFull" ? t("storageFull") : String(err.message || err));
      return false;
    }
    go("#/today");
    return true;
  };
  const submit = (e) => {
    e.preventDefault();
    if (!form.customer_id) { setError(t("chooseCustomer")); return; }
    const values = { planned_at: new Date(form.planned_at || Date.now()).toISOString(),
      duration_minutes: Number(form.duration_minutes || 0), type: form.type || "customer_visit",
      purpose: form.purpose || "", contact_ids: form.contact_ids };
    // A new plan is the writer's (the server fills the same); its customer never changes.
    store(isNew ? { customer_id: form.customer_id, rep_id: user.id, status: "planned", ...values } : values);
  };
  const cancelPlan = () => { if (confirm(t("confirmCancelPlan"))) store({ status: "cancelled" }); };
  const choices = customers.map((c) => ({ value: c.id, label: c.name }));

  return html`<form class="visit" onSubmit=${submit} data-testid="plan-form" novalidate>
    <${Header} title=${t("planEdit")} back="#/today" />
    ${isNew ? html`<${Field} name="customer" label=${t("customer")} kind="select" choices=${choices} testid="plan-customer"
        value=${form.customer_id} onInput=${(v) => setForm({ ...form, customer_id: v || "", contact_ids: [] })} />`
      : html`<p data-testid="plan-customer-name"><strong>${customers.find((c) => c.id === form.customer_id)?.name || ""}</strong></p>`}
    <${Field} name="planned_at" label=${t("plannedAt")} kind="datetime-local" testid="plan-at"
      value=${form.planned_at} onInput=${set("planned_at")} />
    <${Field} name="duration" label=${t("duration")} kind="number" min="0" testid="plan-duration"
      value=${form.duration_minutes} onInput=${set("duration_minutes")} />
    <${Field} name="type" label=${t("visitType")} kind="select" vocab="activity_types" testid="plan-type"
      value=${form.type} onInput=${set("type")} />
    <${Field} name="purpose" label=${t("purpose")} testid="plan-purpose" value=${form.purpose} onInput=${set("purpose")} />
    ${contacts.length > 0 && html`<fieldset class="field" data-testid="plan-contacts"><legend>${t("contacts")}</legend>
      ${contacts.map((c) => html`<label class="check" key=${c.id}>
        <input type="checkbox" checked=${form.contact_ids.includes(c.id)} onChange=${(e) => toggleContact(c.id, e.target.checked)} />
        ${c.name}${c.title ? ` · ${c.title}` : ""}</label>`)}</fieldset>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      ${!isNew && (form.status || "planned") === "planned"
        && html`<button type="button" class="danger" onClick=${cancelPlan} data-testid="plan-cancel">${t("cancelPlan")}</button>`}
      <button class="primary" type="submit" data-testid="plan-save">${t("save")}</button>
    </div>
  </form>`;
}
