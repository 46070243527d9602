// The decision chain (决策链): contacts by level with their stance colour, who decides,
// coaches, opponents and the missing key roles; personal data in its own section, shown
// only when the pull delivered it (owner rep, their manager, admins).

import { html, useState } from "../../vendor/preact.js";
import { get, ofCustomer, save, newId, remove } from "../store.js";
import { t, label, options, lang } from "../i18n.js";
import { useData, Field, Header, Section } from "../ui.js";
import { KEY_CONTACT_ROLES } from "../vocab.js";
import { PERSONAL, fieldLabel } from "../fields.js";

const LEVELS = ["executive", "management", "operations", null];

function ContactForm({ initial, customerId, existing, onDone }) {
  const [d, setD] = useState(initial);
  const set = (k) => (v) => setD({ ...d, [k]: v });
  const toggleRole = (role, on) => setD({ ...d, roles: on ? [...d.roles, role] : d.roles.filter((r) => r !== role) });
  const submit = async (e) => {
    e.preventDefault();
    if (!d.name.trim()) return;
    const { id, ...values } = d;
    await save({ table: "contacts", id, values: { ...values, customer_id: customerId } });
    onDone();
  };
  // The server deletes the personal data about them with the contact.
  const drop = async () => {
    if (!window.confirm(t("confirmDeleteContact", { name: initial.name }))) return;
    await remove("contacts", d.id);
    onDone();
  };
  return html`<form class="card" onSubmit=${submit} data-testid="contact-form">
    <${Field} name="name" label=${t("name")} testid="contact-name" value=${d.name} onInput=${set("name")} required />
    <${Field} name="title" label=${t("title")} value=${d.title} onInput=${set("title")} />
    <${Field} name="department" label=${t("department")} value=${d.department} onInput=${set("department")} />
    <${Field} name="phone" label=${t("phone")} kind="tel" value=${d.phone} onInput=${set("phone")} />
    <${Field} name="level" label=${t("level")} kind="select" vocab="contact_levels" testid="contact-level" value=${d.level} onInput=${set("level")} />
    <${Field} name="stance" label=${t("stance")} kind="select" vocab="stances" testid="contact-stance" value=${d.stance} onInput=${set("stance")} />
    <${Field} name="mindshare" label=${t("mindshare")} kind="select" vocab="high_low" value=${d.mindshare} onInput=${set("mindshare")} />
    <${Field} name="heartshare" label=${t("heartshare")} kind="select" vocab="high_low" value=${d.heartshare} onInput=${set("heartshare")} />
    <fieldset class="field"><legend>${t("roles")}</legend>
      ${options("contact_roles").map((o) => html`<label class="check" key=${o.value}>
        <input type="checkbox" checked=${d.roles.includes(o.value)} onChange=${(e) => toggleRole(o.value, e.target.checked)} />${o[lang()]}</label>`)}
    </fieldset>
    <div class="actions"><button type="button" onClick=${onDone}>${t("cancel")}</button>
      <button class="primary" type="submit" data-testid="contact-save">${t("save")}</button></div>
    ${existing && html`<button type="button" class="danger wide" data-testid="contact-delete" onClick=${drop}>${t("deleteContact")}</button>`}
  </form>`;
}

function Personal({ contact, personal, customerId }) {
  const [draft, setDraft] = useState(null);
  const row = personal || {};
  const filled = Object.keys(PERSONAL).filter((f) => row[f]);
  const submit = async (e) => {
    e.preventDefault();
    // contact_personal's id is the contact's id.
    await save({ table: "contact_personal", id: contact.id, values: { ...draft, customer_id: customerId } });
    setDraft(null);
  };
  if (draft) {
    return html`<form class="card" onSubmit=${submit} data-testid="personal-form"><h3>${contact.name}</h3>
      ${Object.keys(PERSONAL).map((f) => html`<${Field} key=${f} name=${`p-${f}`} label=${fieldLabel(PERSONAL, f)} kind="textarea"
        testid=${`personal-${f}`} value=${draft[f]} onInput=${(v) => setDraft({ ...draft, [f]: v })} />`)}
      <div class="actions"><button type="button" onClick=${() => setDraft(null)}>${t("cancel")}</button>
        <button class="primary" type="submit" data-testid="personal-save">${t("save")}</button></div></form>`;
  }
  return html`<div class="card" data-testid="personal-card"><h3>${contact.name}</h3>
    <dl class="kv">${filled.map((f) => html`<dt>${fieldLabel(PERSONAL, f)}</dt><dd>${row[f]}</dd>`)}</dl>
    ${!filled.length && html`<p class="muted">${t("none")}</p>`}
    <button class="wide" data-testid="personal-edit" aria-label=${`${t("edit")}: ${t("personal")} ${contact.name}`}
      onClick=${() => setDraft(Object.fromEntries(Object.keys(PERSONAL).map((f) => [f, row[f] || ""])))}>${t("edit")}</button></div>`;
}

export default function Chain({ id: customerId, user }) {
  const [editing, setEditing] = useState(null);
  const data = useData(async () => ({
    customer: await get("customers", customerId),
    contacts: await ofCustomer("contacts", customerId),
    personal: await ofCustomer("contact_personal", customerId),
  }), [customerId]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const { contacts } = data;
  const has = (role) => contacts.some((c) => (c.roles || []).includes(role));
  const withRole = (role) => contacts.filter((c) => (c.roles || []).includes(role));
  const missing = KEY_CONTACT_ROLES.filter((r) => !has(r));
  const opponents = contacts.filter((c) => ["opponent", "non_supporter"].includes(c.stance));
  const names = (list) => (list.length ? list.map((c) => c.name).join(", ") : t("none"));
  const personalById = new Map(data.personal.map((p) => [p.id, p]));
  // Personal data arrives only for those allowed to see it; the owner rep always is.
  const mayEditPersonal = data.customer?.owner_id === user?.id || ["manager", "admin"].includes(user?.role);
  const blank = { id: newId(), name: "", title: "", department: "", phone: "", level: null, roles: [], stance: null, mindshare: null, heartshare: null };

  return html`<section class="chain" data-testid="decision-chain">
    <${Header} title=${`${t("decisionChain")}: ${data.customer?.name || ""}`} back=${`#/c/${encodeURIComponent(customerId)}`} />
    <dl class="kv" data-testid="chain-summary">
      <dt>${t("whoDecides")}</dt><dd>${names(withRole("decision_maker"))}</dd>
      <dt>${t("coaches")}</dt><dd>${names(withRole("coach"))}</dd>
      <dt>${t("opponents")}</dt><dd>${names(opponents)}</dd>
      <dt>${t("missingRoles")}</dt><dd data-testid="missing-roles">${missing.length
        ? missing.map((r) => html`<span class="pill missing">${label("contact_roles", r)}</span>`) : t("none")}</dd>
    </dl>
    ${editing ? html`<${ContactForm} key=${editing.id} initial=${editing} customerId=${customerId}
        existing=${contacts.some((c) => c.id === editing.id)} onDone=${() => setEditing(null)} />`
      : html`<button class="wide primary" data-testid="add-contact" onClick=${() => setEditing(blank)}>${t("addContact")}</button>`}
    ${!contacts.length && html`<p class="muted">${t("noContacts")}</p>`}
    ${LEVELS.map((level) => {
      const group = contacts.filter((c) => (c.level || null) === level);
      if (!group.length) return null;
      return html`<h2>${level ? label("contact_levels", level) : t("otherLevel")}</h2>
        ${group.map((c) => html`<div class=${`card stance stance-${c.stance || "none"}`} key=${c.id} data-testid="contact-card">
          <h3>${c.name} <span class="muted small">${[c.title, c.department].filter(Boolean).join(" · ")}</span></h3>
          <div>${(c.roles || []).map((r) => html`<span class="pill">${label("contact_roles", r)}</span>`)}</div>
          <div class="small">${t("stance")}: <strong>${label("stances", c.stance)}</strong>
            · ${t("mindshare")}: ${label("high_low", c.mindshare)} · ${t("heartshare")}: ${label("high_low", c.heartshare)}</div>
          <button class="wide" onClick=${() => setEditing({ ...blank, ...c, roles: c.roles || [] })}>${t("edit")}</button>
        </div>`)}`;
    })}
    ${(data.personal.length > 0 || mayEditPersonal) && html`<${Section} title=${t("personal")} open=${false}>
      ${contacts.filter((c) => personalById.has(c.id) || mayEditPersonal).map((c) => html`<${Personal} key=${c.id}
        contact=${c} personal=${personalById.get(c.id)} customerId=${customerId} />`)}
    </${Section}>`}
  </section>`;
}
