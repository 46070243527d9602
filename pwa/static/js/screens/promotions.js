// A manager's approvals: the pending promotion requests awaiting them (newest first), and
// one request's evidence with approve / reject. A decision is a `put` of {status,
// decision_comment} on the promotion, queued offline like every edit; the server
// re-validates it on arrival and a stale one comes back refused (conflicts screen).

import { html, useState } from "../../vendor/preact.js";
import { get, all, ofCustomer, save, awaitingMe, getMeta } from "../store.js";
import { t, label, fmt, pick } from "../i18n.js";
import { useData, Header, Field, go } from "../ui.js";
import { warningText, requestedAt, decidedAt, newestFirst as newest } from "../strings-pipeline.js";

/** A decision made on this phone that the server has not confirmed yet (see store.js `_orig`). */
const unsynced = (p) => Boolean(p._orig && "status" in p._orig);
const what = (p) => (p.kind === "lost" ? t("lostOf", { from: p.from_milestone }) : t("promotionOf", { from: p.from_milestone, to: p.to_milestone }));

/** Rep names from the cached pipeline figures (phones hold no user list). */
async function names() {
  const reps = (await getMeta("pipeline"))?.reps?.data?.reps || [];
  return Object.fromEntries(reps.map((r) => [r.user_id, r.name]));
}

function Item({ p, opp, customer, who }) {
  return html`<li data-testid="promotion-item" data-id=${p.id} data-status=${p.status || "pending"}>
    <a class="row" href=${`#/promotions/${encodeURIComponent(p.id)}`}><span class="row-main">
      <strong>${opp?.name || t("opportunity")} · ${what(p)}</strong>
      ${(p.status || "pending") !== "pending" && html`<span class=${`small status-${p.status}`}>${t(p.status)}${unsynced(p) ? ` · ${t("pending", { n: 1 })}` : ""}</span>`}
      <span class="small muted">${customer?.name || ""}${who ? ` · ${who}` : ""}${requestedAt(p) ? ` · ${fmt.datetime(requestedAt(p))}` : ""}</span>
      ${(p.evidence_warnings || []).length > 0 && html`<span class="small warn-text">⚠ ${p.evidence_warnings.length}</span>`}
    </span><span aria-hidden="true">›</span></a></li>`;
}

function Inbox({ user }) {
  const data = useData(async () => {
    const waiting = (await awaitingMe(user)).sort(newest);
    const decided = (await all("promotions")).filter((p) => ["approved", "rejected"].includes(p.status)
      && (p.decided_by === user?.id || unsynced(p))).sort(newest).slice(0, 10);
    const list = [...waiting, ...decided];
    const opps = await Promise.all(list.map((p) => get("opportunities", p.opportunity_id)));
    const customers = await Promise.all(list.map((p) => get("customers", p.customer_id)));
    const byId = Object.fromEntries(list.map((p, i) => [p.id, { opp: opps[i], customer: customers[i] }]));
    return { waiting, decided, byId, who: await names() };
  }, [user?.id]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const item = (p) => html`<${Item} key=${p.id} p=${p} ...${data.byId[p.id]} who=${data.who[p.requested_by]} />`;
  return html`<section>
    <${Header} title=${t("awaitingYou")} />
    <p class="small" data-testid="promotion-count" data-count=${data.waiting.length}>${t("awaiting", { n: data.waiting.length })}</p>
    <ul class="list" data-testid="promotion-list">${data.waiting.map(item)}</ul>
    ${!data.waiting.length && html`<p class="muted">${t("noneAwaiting")}</p>`}
    ${data.decided.length > 0 && html`<h2>${t("recentlyDecided")}</h2><ul class="list" data-testid="promotion-decided">${data.decided.map(item)}</ul>`}
  </section>`;
}

function Detail({ id, user }) {
  const [comment, setComment] = useState("");
  const [error, setError] = useState(null);
  const data = useData(async () => {
    const p = await get("promotions", id);
    if (!p) return { p: null };
    const [opp, customer, stages, visits, contacts, who] = await Promise.all([get("opportunities", p.opportunity_id),
      get("customers", p.customer_id), all("stages"), ofCustomer("visits", p.customer_id), ofCustomer("contacts", p.customer_id), names()]);
    return { p, opp, customer, who: who[p.requested_by], stage: stages.find((s) => s.number === p.to_milestone),
      visits: visits.filter((v) => (p.visit_ids || []).includes(v.id)), contacts: contacts.filter((c) => (p.contact_ids || []).includes(c.id)) };
  }, [id]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const { p, opp, customer, stage, visits, contacts } = data;
  if (!p) return html`<section><${Header} title=${t("awaitingYou")} back="#/promotions" /><p>${t("notFound")}</p></section>`;
  const status = p.status || "pending";
  const canDecide = status === "pending" && p.requested_by && p.requested_by !== user?.id;
  const decide = async (verdict) => {
    if (verdict === "rejected" && !comment.trim()) { setError(t("rejectNeedsComment")); return; }
    await save({ table: "promotions", id: p.id, values: { status: verdict, decision_comment: comment.trim() } });
    go("#/promotions");
  };
  const met = new Set(p.criteria_met || []);
  return html`<section data-testid="promotion-detail" data-id=${p.id} data-status=${status}>
    <${Header} title=${`${opp?.name || t("opportunity")} · ${what(p)}`} back="#/promotions" />
    <dl class="kv">
      <dt>${t("accounts")}</dt><dd><a href=${`#/c/${encodeURIComponent(p.customer_id)}/opps`}>${customer?.name || t("none")}</a></dd>
      ${data.who && html`<dt>${t("requestedBy")}</dt><dd>${data.who}</dd>`}
      <dt>${t("requestedAt")}</dt><dd>${fmt.datetime(requestedAt(p))}</dd>
      ${decidedAt(p) && html`<dt>${t("decidedAt")}</dt><dd>${fmt.datetime(decidedAt(p))}</dd>`}
      <dt>${t("status")}</dt><dd data-testid="promotion-status">${t(status === "pending" ? "pending_" : status)}</dd>
      ${opp && html`<dt>${t("amount")}</dt><dd>${fmt.money(opp.amount, opp.currency)} · ${opp.probability ?? 0}%</dd>`}
      ${p.kind === "lost" && html`<dt>${t("lostReason")}</dt><dd>${label("lost_reasons", p.lost_reason)}${p.lost_note ? ` · ${p.lost_note}` : ""}</dd>`}
      ${p.skip_reason && html`<dt>${t("skipReason")}</dt><dd>${p.skip_reason}</dd>`}
    </dl>
    ${(p.evidence_warnings || []).length > 0 && html`<div class="note" data-testid="promotion-warnings"><strong>${t("thinEvidence")}</strong>
      <ul>${p.evidence_warnings.map((w) => html`<li key=${w} data-testid="promotion-warning" data-warning=${w}>${warningText(w, t, label)}</li>`)}</ul></div>`}
    ${stage && html`<h2>${t("criteriaMet")} · ${stage.criteria_rule === "any" ? t("meetAny") : t("meetAll")}</h2>
      <p class="small">${pick(stage, "definition")}</p>
      <ul class="criteria-met" data-testid="promotion-criteria">${(stage.criteria || []).map((c, i) => html`<li key=${i} class=${met.has(i) ? "met" : "unmet"}>
        <span aria-hidden="true">${met.has(i) ? "✓" : "✗"}</span> ${pick(c)}${met.has(i) ? "" : html` <span class="sr-only">(${t("notMet")})</span>`}</li>`)}</ul>`}
    <h2>${t("justification")}</h2><p class="prewrap" data-testid="promotion-justification-text">${p.justification || t("none")}</p>
    <h2>${t("linkedVisits")}</h2>
    ${visits.length ? html`<ul class="list">${visits.map((v) => html`<li key=${v.id} class="small">${label("activity_types", v.type)} · ${fmt.date(v.occurred_at)}
      ${v.purpose ? ` · ${v.purpose}` : ""}${v.outcome ? html`<div class="muted prewrap">${v.outcome}</div>` : ""}</li>`)}</ul>` : html`<p class="muted">${t("none")}</p>`}
    <h2>${t("linkedContacts")}</h2>
    ${contacts.length ? html`<ul class="list">${contacts.map((c) => html`<li key=${c.id} class="small">${c.name}${c.title ? ` · ${c.title}` : ""}
      ${(c.roles || []).map((r) => html` <span class="pill">${label("contact_roles", r)}</span>`)}</li>`)}</ul>` : html`<p class="muted">${t("none")}</p>`}
    ${p.decision_comment && html`<h2>${t("decisionComment")}</h2><p class="prewrap" data-testid="promotion-decision">${p.decision_comment}</p>`}
    ${unsynced(p) && status !== "pending" && html`<p class="note">${t("waitingSync")}</p>`}
    ${canDecide && html`<div class="card">
      <${Field} name="comment" label=${t("comment")} kind="textarea" testid="promotion-comment" value=${comment}
        onInput=${(v) => { setComment(v); setError(null); }} />
      ${error && html`<p class="error" role="alert" data-testid="promotion-error">${error}</p>`}
      <div class="actions">
        <button type="button" class="danger" data-testid="promotion-reject" onClick=${() => decide("rejected")}>${t("reject")}</button>
        <button type="button" class="primary" data-testid="promotion-approve" onClick=${() => decide("approved")}>${t("approve")}</button>
      </div></div>`}
  </section>`;
}

export default function Promotions({ id, user }) {
  return id ? html`<${Detail} id=${id} user=${user} />` : html`<${Inbox} user=${user} />`;
}
