// Leads (线索), offline: capture one in seconds (a few fields, saved with its outbox entry
// in one transaction), see the list, qualify a lead into a customer, a contact and maybe
// an opportunity (made on the phone and linked from the lead, in one transaction: the
// server checks the links when they arrive), or disqualify it with a reason. While the
// rep types, records on the phone that look alike are shown (js/lookalike.js).
// The business-card photo waits for attachments (issue 16): the form has no photo yet.

import { html, useEffect, useState } from "../../vendor/preact.js";
import { all, get, save, newId } from "../store.js";
import { addStrings, t, label } from "../i18n.js";
import { Field, Header, go, useData } from "../ui.js";
import { lookalikes } from "../lookalike.js";

addStrings({
  en: {
    newLead: "New lead", company: "Company", leadSource: "Source", note: "Note", noLeads: "No leads yet.",
    looksLike: "Looks like what you already have:", kind_customers: "customer", kind_contacts: "contact",
    kind_leads: "lead", qualify: "Qualify", disqualify: "Disqualify", disqualifyReason: "Why disqualify",
    reasonRequired: "Say why the lead is disqualified.",
    existingCustomer: "An existing customer", customerName: "Customer name", makeContact: "Add {name} as a contact",
    opportunityName: "Opportunity (optional)", qualifiedInto: "Qualified into", nameRequired: "Enter the lead's name.",
    leadSaved: "Lead saved on this phone",
  },
  zh: {
    newLead: "新建线索", company: "公司", leadSource: "来源", note: "备注", noLeads: "暂无线索。",
    looksLike: "与已有记录相似：", kind_customers: "客户", kind_contacts: "联系人", kind_leads: "线索",
    qualify: "转化为客户", disqualify: "作废", disqualifyReason: "作废原因", reasonRequired: "请填写作废原因。",
    existingCustomer: "已有客户", customerName: "客户名称", makeContact: "将{name}添加为联系人",
    opportunityName: "商机（可选）", qualifiedInto: "已转化为", nameRequired: "请填写线索姓名。",
    leadSaved: "线索已保存在本机",
  },
});

export default function Leads({ id, user }) {
  if (!id) return html`<${LeadList} />`;
  if (id === "new") return html`<${LeadForm} user=${user} />`;
  return html`<${LeadDetail} id=${id} />`;
}

const STATUS_ORDER = { new: 0, qualified: 1, disqualified: 2 };

function LeadList() {
  const leads = useData(async () => (await all("leads")).sort((a, b) =>
    (STATUS_ORDER[a.status || "new"] - STATUS_ORDER[b.status || "new"]) || (a.name || "").localeCompare(b.name || "")), []);
  if (!leads) return html`<p class="muted pad">${t("loading")}</p>`;
  return html`<section data-testid="lead-list">
    <${Header} title=${t("leads")} />
    <p><a class="button primary" href="#/leads/new" data-testid="lead-new">＋ ${t("newLead")}</a></p>
    ${!leads.length && html`<p class="muted">${t("noLeads")}</p>`}
    <ul class="list">${leads.map((x) => html`<li class="card" key=${x.id} data-testid="lead-item" data-status=${x.status || "new"}>
      <a href=${`#/leads/${encodeURIComponent(x.id)}`}><strong>${x.name}</strong>${x.company ? ` · ${x.company}` : ""}</a>
      <div class="small">${label("lead_statuses", x.status || "new")}${x.source ? ` · ${label("lead_sources", x.source)}` : ""}</div>
    </li>`)}</ul>
  </section>`;
}

/** What on the phone looks like `asked` ({name, company, phone}), as a warning. */
function Lookalikes({ asked, exclude }) {
  const [found, setFound] = useState([]);
  useEffect(() => {
    let alive = true;
    lookalikes(asked, exclude).then((byTable) => {
      if (alive) setFound(Object.entries(byTable).flatMap(([table, rows]) => rows.map((row) => ({ table, row }))));
    });
    return () => { alive = false; };
  }, [asked.name, asked.company, asked.phone, exclude]);
  if (!found.length) return null;
  const link = ({ table, row }) => (table === "customers" ? `#/c/${encodeURIComponent(row.id)}`
    : table === "contacts" ? `#/c/${encodeURIComponent(row.customer_id)}/chain` : `#/leads/${encodeURIComponent(row.id)}`);
  return html`<div class="card" role="status" data-testid="lead-duplicates"><p class="warn-text">${t("looksLike")}</p>
    <ul>${found.map((x) => html`<li key=${x.table + x.row.id} data-testid="lead-duplicate" data-table=${x.table}>
      <a href=${link(x)}>${x.row.name}</a> <span class="small">(${t(`kind_${x.table}`)}${x.row.company ? ` · ${x.row.company}` : ""}${
        x.row.phone ? ` · ${x.row.phone}` : ""})</span></li>`)}</ul></div>`;
}

function LeadForm({ user }) {
  const [form, setForm] = useState(() => ({ id: newId(), name: "", company: "", phone: "", source: null, note: "" }));
  const [error, setError] = useState(null);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = async (e) => {
    e.preventDefault();
    if (!form.name.trim()) { setError(t("nameRequired")); return; }
    const { id, ...values } = form;
    try {
      // New and the writer's, as the server makes it (server/sync_registry.py ON_CREATE).
      await save({ table: "leads", id, values: { ...values, name: values.name.trim(), status: "new", owner_id: user.id } });
    } catch (err) {
      setError(err.name === "StorageFull" ? t("storageFull") : String(err.message || err));
      return;
    }
    go("#/leads");
  };
  return html`<form class="visit" onSubmit=${submit} data-testid="lead-form" novalidate>
    <${Header} title=${t("newLead")} back="#/leads" />
    <${Field} name="name" label=${t("name")} testid="lead-name" required value=${form.name} onInput=${set("name")} />
    <${Field} name="company" label=${t("company")} testid="lead-company" value=${form.company} onInput=${set("company")} />
    <${Field} name="phone" label=${t("phone")} kind="tel" testid="lead-phone" value=${form.phone} onInput=${set("phone")} />
    <${Lookalikes} asked=${form} exclude=${form.id} />
    <${Field} name="source" label=${t("leadSource")} kind="select" vocab="lead_sources" testid="lead-source"
      value=${form.source} onInput=${set("source")} />
    <${Field} name="note" label=${t("note")} kind="textarea" testid="lead-note" value=${form.note} onInput=${set("note")} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions"><button class="primary" type="submit" data-testid="lead-save">${t("save")}</button></div>
  </form>`;
}

function LeadDetail({ id }) {
  const data = useData(async () => {
    const lead = await get("leads", id);
    const customer = lead?.qualified_customer_id ? await get("customers", lead.qualified_customer_id) : null;
    return { lead, customer };
  }, [id]);
  const [acting, setActing] = useState(null); // "qualify" | "disqualify"
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const { lead, customer } = data;
  if (!lead) return html`<p class="muted pad">${t("notFound")}</p>`;
  const status = lead.status || "new";
  return html`<section data-testid="lead-detail" data-status=${status}>
    <${Header} title=${lead.name} back="#/leads" />
    <p><strong>${label("lead_statuses", status)}</strong>${lead.source ? ` · ${label("lead_sources", lead.source)}` : ""}</p>
    ${lead.company && html`<p>${t("company")}: ${lead.company}</p>`}
    ${lead.phone && html`<p>${t("phone")}: <a href=${`tel:${lead.phone}`}>${lead.phone}</a></p>`}
    ${lead.note && html`<p class="small">${lead.note}</p>`}
    ${status === "qualified" && html`<p data-testid="lead-qualified-into">${t("qualifiedInto")}:
      <a href=${`#/c/${encodeURIComponent(lead.qualified_customer_id)}`}>${customer?.name || lead.qualified_customer_id}</a></p>`}
    ${status === "disqualified" && html`<p data-testid="lead-disqualified">${t("disqualifyReason")}: ${lead.disqualify_reason}</p>`}
    ${status === "new" && !acting && html`<div class="actions">
      <button type="button" class="danger" data-testid="lead-disqualify" onClick=${() => setActing("disqualify")}>${t("disqualify")}</button>
      <button type="button" class="primary" data-testid="lead-qualify" onClick=${() => setActing("qualify")}>${t("qualify")}</button></div>`}
    ${acting === "qualify" && html`<${QualifyForm} lead=${lead} onDone=${() => setActing(null)} />`}
    ${acting === "disqualify" && html`<${DisqualifyForm} lead=${lead} onDone=${() => setActing(null)} />`}
  </section>`;
}

function useSaving(onDone) {
  const [error, setError] = useState(null);
  const run = async (changes) => {
    try {
      await save(changes);
    } catch (err) {
      setError(err.name === "StorageFull" ? t("storageFull") : String(err.message || err));
      return;
    }
    onDone();
  };
  return [error, setError, run];
}

/** The customer (new, or one on the phone), a contact from the lead, maybe a deal: made
 * here and linked from the lead, all in one local transaction (one push, in order). */
function QualifyForm({ lead, onDone }) {
  const customers = useData(async () => (await all("customers")).sort((a, b) => (a.name || "").localeCompare(b.name || "")), []);
  const [form, setForm] = useState({ existing: "", name: lead.company || lead.name, contact: true, opportunity: "" });
  const [error, setError, run] = useSaving(onDone);
  const set = (field) => (value) => setForm({ ...form, [field]: value });
  const submit = (e) => {
    e.preventDefault();
    if (!form.existing && !form.name.trim()) { setError(t("nameRequired")); return; }
    const customerId = form.existing || newId();
    // What the lead becomes is its owner's (a manager qualifies for their rep).
    const changes = form.existing ? [] : [{ table: "customers", id: customerId, values: { name: form.name.trim(), owner_id: lead.owner_id } }];
    const links = { status: "qualified", qualified_customer_id: customerId };
    if (form.contact) {
      links.qualified_contact_id = newId();
      changes.push({ table: "contacts", id: links.qualified_contact_id,
        values: { customer_id: customerId, name: lead.name, phone: lead.phone, email: lead.email } });
    }
    if (form.opportunity.trim()) {
      links.qualified_opportunity_id = newId();
      changes.push({ table: "opportunities", id: links.qualified_opportunity_id,
        values: { customer_id: customerId, name: form.opportunity.trim(), owner_id: lead.owner_id } });
    }
    changes.push({ table: "leads", id: lead.id, values: links });
    run(changes);
  };
  // "—" (no existing customer) makes a new one.
  const choices = (customers || []).map((c) => ({ value: c.id, label: c.name }));
  return html`<form class="visit" onSubmit=${submit} data-testid="qualify-form" novalidate>
    <${Field} name="existing" label=${t("existingCustomer")} kind="select" choices=${choices} testid="qualify-existing"
      value=${form.existing} onInput=${(v) => set("existing")(v || "")} />
    ${!form.existing && html`<${Field} name="customer" label=${t("customerName")} testid="qualify-customer-name"
      value=${form.name} onInput=${set("name")} />`}
    ${!form.existing && html`<${Lookalikes} asked=${{ name: "", company: form.name, phone: "" }} exclude=${lead.id} />`}
    <label class="check"><input type="checkbox" data-testid="qualify-contact" checked=${form.contact}
      onChange=${(e) => set("contact")(e.target.checked)} /> ${t("makeContact", { name: lead.name })}</label>
    <${Field} name="opportunity" label=${t("opportunityName")} testid="qualify-opportunity"
      value=${form.opportunity} onInput=${set("opportunity")} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      <button type="button" onClick=${onDone}>${t("cancel")}</button>
      <button class="primary" type="submit" data-testid="qualify-save">${t("qualify")}</button></div>
  </form>`;
}

function DisqualifyForm({ lead, onDone }) {
  const [reason, setReason] = useState("");
  const [error, setError, run] = useSaving(onDone);
  const submit = (e) => {
    e.preventDefault();
    if (!reason.trim()) { setError(t("reasonRequired")); return; }
    run({ table: "leads", id: lead.id, values: { status: "disqualified", disqualify_reason: reason.trim() } });
  };
  return html`<form class="visit" onSubmit=${submit} data-testid="disqualify-form" novalidate>
    <${Field} name="reason" label=${t("disqualifyReason")} kind="textarea" testid="disqualify-reason" required
      value=${reason} onInput=${setReason} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      <button type="button" onClick=${onDone}>${t("cancel")}</button>
      <button class="danger" type="submit" data-testid="disqualify-save">${t("disqualify")}</button></div>
  </form>`;
}
