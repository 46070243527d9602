// Pipeline figures (docs/pipeline.md): the funnel, forecast against target, stalled and
// overdue deals, per-rep bottlenecks and activity mix, project-analysis meeting prompts.
// Computed by the server for the user's scope; the latest answers are cached in
// IndexedDB (meta "pipeline", each with the time it was fetched) and shown offline.
// Charts are plain SVG (attributes, no style attributes, CSP-safe), no chart library.

import { html, useEffect, useState } from "../../vendor/preact.js";
import { getMeta, setMeta } from "../db.js";
import { call } from "../api.js";
import { t, label, fmt, pick } from "../i18n.js";
import { Header } from "../ui.js";
import "../strings-pipeline.js";
import Targets from "./targets.js";

export const FIGURES = ["funnel", "forecast", "movement", "reps", "meetings"];
const pct = (v) => (v == null ? t("none") : new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 }).format(v));
const money = (rows, field = "amount") => (rows || []).map((r) => fmt.money(r[field], r.currency)).join(" + ") || fmt.money(0);

/** A horizontal bar, `share` of the width (0..1); centred for the funnel. */
function Bar({ share, centred, kind = "" }) {
  const w = Math.max(1.5, Math.min(1, share || 0) * 100);
  return html`<svg class=${`bar ${kind}`} viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
    <rect x=${centred ? (100 - w) / 2 : 0} y="0" width=${w} height="10" rx="1" /></svg>`;
}

function Funnel({ data }) {
  const rows = data.milestones || [];
  const max = Math.max(1, ...rows.map((m) => m.count));
  const conv = Object.fromEntries((data.conversion || []).map((c) => [c.from_milestone, c]));
  return html`<section class="card" aria-labelledby="h-funnel"><h2 id="h-funnel">${t("funnel")}</h2>
    <ol class="funnel" data-testid="pipeline-funnel">${rows.map((m) => html`<li key=${m.milestone} data-testid="funnel-stage"
        data-milestone=${m.milestone} data-count=${m.count}>
      <div class="funnel-label"><strong>M${m.milestone} ${pick(m, "name")}</strong> <span>${m.count} ${t("deals")} · ${m.probability}%</span></div>
      <${Bar} share=${m.count / max} centred=${true} />
      <div class="small">${money(m.amounts)} · ${t("weighted")} ${money(m.amounts, "weighted")}
        ${conv[m.milestone]?.rate != null ? ` · → M${m.milestone + 1} ${pct(conv[m.milestone].rate)}` : ""}</div></li>`)}</ol></section>`;
}

function Forecast({ data }) {
  const months = (data.team_month || []).filter((r) => r.target != null);
  const rows = months.length ? months : (data.team_month || []).slice(0, 3);
  return html`<section class="card" data-testid="pipeline-forecast" aria-labelledby="h-forecast"><h2 id="h-forecast">${t("forecastTitle")}</h2>
    <dl class="kv">${(data.totals || []).map((r) => html`<dt>${t("total")} ${r.currency}</dt>
      <dd>${fmt.money(r.amount, r.currency)} · ${t("weighted")} ${fmt.money(r.weighted, r.currency)} · ${t("requestedWeighted")} ${fmt.money(r.requested_weighted, r.currency)}</dd>`)}</dl>
    ${rows.map((r) => {
      const max = Math.max(1, r.weighted, r.requested_weighted, r.target || 0);
      return html`<div class="forecast-month" key=${`${r.month}-${r.currency}`} data-testid="forecast-month" data-month=${r.month || ""}>
        <h3>${r.month || t("noMonth")} · ${r.currency} · ${t("coverage")} <span class=${r.coverage != null && r.coverage < 1 ? "warn-text" : ""}>${pct(r.coverage)}</span>
          (${pct(r.requested_coverage)})</h3>
        <div class="legend small">${t("weighted")}: ${fmt.money(r.weighted, r.currency)}</div><${Bar} share=${r.weighted / max} kind="weighted" />
        <div class="legend small">${t("requestedWeighted")}: ${fmt.money(r.requested_weighted, r.currency)}</div><${Bar} share=${r.requested_weighted / max} kind="requested" />
        <div class="legend small">${t("target")}: ${r.target == null ? t("none") : fmt.money(r.target, r.currency)}</div><${Bar} share=${(r.target || 0) / max} kind="target" />
      </div>`;
    })}</section>`;
}

function Movement({ data }) {
  const stuck = (data.deals || []).filter((d) => d.stalled || d.late).slice(0, 15);
  return html`<section class="card" data-testid="pipeline-movement" aria-labelledby="h-movement"><h2 id="h-movement">${t("movementTitle")}</h2>
    ${!stuck.length && html`<p class="muted">${t("nothingStuck")}</p>`}
    <ul class="list">${stuck.map((d) => html`<li key=${d.opportunity_id}><a class="row" href=${`#/c/${encodeURIComponent(d.customer_id)}/opps`}>
      <span class="row-main"><strong>M${d.milestone} ${d.name}</strong>
      <span class="small muted">${d.customer_name} · ${d.owner_name} · ${fmt.money(d.amount, d.currency)}</span>
      <span class="small">${d.stalled ? html`<b class="warn-text">${t("stalled")}</b> ` : ""}${t("daysInStage", { days: d.days_in_stage, limit: d.stall_days })}
        ${d.late ? html` · <b class="warn-text">${t("daysLate", { days: d.days_late })}</b>` : ""}</span></span></a></li>`)}</ul></section>`;
}

function Reps({ data }) {
  return html`<section class="card" data-testid="pipeline-reps" aria-labelledby="h-reps"><h2 id="h-reps">${t("repsTitle")}</h2>
    ${(data.reps || []).map((r) => {
      const types = r.activity?.by_type || [];
      const max = Math.max(1, ...types.map((x) => x.count));
      return html`<details class="section" key=${r.user_id} data-testid="pipeline-rep"><summary>${r.name} · ${r.open_deals} ${t("openDeals")} · ${r.stalled_deals} ${t("stalledDeals")}</summary>
        <div class="section-body"><h3>${t("conversion")}</h3><ul class="plain">${(r.conversion || []).map((c) => html`<li key=${c.from_milestone}
          class=${c.below_scope ? "warn-text" : ""}>M${c.from_milestone} → M${c.to_milestone}: ${pct(c.rate)} (${c.advanced}/${c.entered}) · ${pct(c.scope_rate)}
          ${c.below_scope ? ` · ${t("belowScope")}` : ""}</li>`)}</ul>
        <h3>${t("activity")} · ${r.activity?.visits || 0}</h3>
        <ul class="plain">${types.map((x) => html`<li key=${x.type}><span class="small">${label("activity_types", x.type)} · ${x.count}</span><${Bar} share=${x.count / max} /></li>`)}</ul>
        <p class="small">${t("cost")}: ${money(r.activity?.cost)} · ${t("gifts")}: ${(r.activity?.gifts || []).map((g) => `${g.count} · ${fmt.money(g.value, g.currency)}`).join(" + ") || 0}</p>
        </div></details>`;
    })}</section>`;
}

function Meetings({ data }) {
  const list = data.meetings || [];
  return html`<section class="card" data-testid="pipeline-meetings" aria-labelledby="h-meetings"><h2 id="h-meetings">${t("meetingsTitle")}</h2>
    ${!list.length && html`<p class="muted">${t("noMeetings")}</p>`}
    ${list.slice(0, 15).map((m) => html`<details class="section" key=${m.opportunity_id} data-testid="pipeline-meeting">
      <summary>M${m.milestone} ${m.name} · ${m.triggers.map((tr) => t(`trig_${tr.trigger}`)).join(", ")}</summary>
      <div class="section-body"><p class="small muted">${m.customer_name} · ${m.owner_name} · ${fmt.money(m.amount, m.currency)} · ${fmt.date(m.expected_close_date)}</p>
        <ul>${m.triggers.map((tr) => html`<li key=${tr.trigger}>${pick(tr)}</li>`)}</ul>
        <h3>${t("agenda")}</h3><ol>${(m.agenda || []).map((a) => html`<li key=${a.key}>${pick(a)}</li>`)}</ol>
        <a class="button wide" href=${`#/c/${encodeURIComponent(m.customer_id)}/opps`}>${t("opportunities")}</a></div></details>`)}</section>`;
}

const sameFilter = (a, b) => (a?.month || "") === (b?.month || "") && (a?.rep_id || "") === (b?.rep_id || "");

/** The figures' query string: a month (else all open deals) and a rep (else the scope). */
function query(filter) {
  const q = new URLSearchParams();
  if (filter.month) q.set("month", filter.month);
  if (filter.rep_id) q.set("rep_id", filter.rep_id);
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** Fetch every figure for ``filter``; keep each answer with the time it arrived, and the
 * filter they answer (figures of another filter are dropped, never shown under this
 * one). The reps of the unfiltered answer are the rep filter's choices. */
async function refresh(cache, filter) {
  const next = sameFilter(cache?.filter, filter) ? { ...(cache || {}) } : { repChoices: cache?.repChoices };
  next.filter = filter;
  const answers = await Promise.allSettled(FIGURES.map((f) => call(`/api/v1/pipeline/${f}${query(filter)}`, undefined, "GET")));
  const at = Date.now();
  let failure = null;
  answers.forEach((a, i) => {
    if (a.status === "fulfilled") next[FIGURES[i]] = { at, data: a.value };
    else failure = failure || a.reason;
  });
  if (!filter.rep_id && next.reps?.at === at) {
    next.repChoices = (next.reps.data.reps || []).map((r) => ({ value: r.user_id, label: r.name }));
  }
  await setMeta("pipeline", next);
  return { cache: next, failure };
}

/** Period and rep (managers and admins); they need the server, so offline they show
 * which figures the phone holds and cannot be changed. */
function Filters({ filter, choices, showReps, disabled, onChange }) {
  return html`<div class="pipeline-filters" data-testid="pipeline-filters">
    <div class="field"><label for="pf-month">${t("period")}</label>
      <input id="pf-month" type="month" data-testid="pipeline-month" value=${filter.month || ""} disabled=${disabled}
        onChange=${(e) => onChange({ month: e.target.value || "" })} />
      <p class="hint">${t("periodHint")}</p></div>
    ${showReps && html`<div class="field"><label for="pf-rep">${t("repFilter")}</label>
      <select id="pf-rep" data-testid="pipeline-rep-filter" value=${filter.rep_id || ""} disabled=${disabled}
        onChange=${(e) => onChange({ rep_id: e.target.value })}>
        <option value="">${t("everyone")}</option>
        ${(choices || []).map((o) => html`<option value=${o.value}>${o.label}</option>`)}
      </select></div>`}
  </div>`;
}

export default function Pipeline({ user }) {
  const [cache, setCache] = useState(undefined);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const load = async (current, filter = current?.filter || {}) => {
    if (!navigator.onLine) return;
    setBusy(true);
    try {
      const { cache: fresh, failure } = await refresh(current, filter);
      setCache(fresh);
      // A network failure (offline) keeps the cached figures quietly; a refusal is shown.
      setError(failure && failure.status ? t("loadFailed", { message: failure.message }) : null);
    } finally { setBusy(false); }
  };
  useEffect(() => { getMeta("pipeline").then((c) => { setCache(c || {}); load(c || {}); }); }, []);
  if (cache === undefined) return html`<p class="muted pad">${t("loading")}</p>`;
  const at = Math.min(...FIGURES.map((f) => cache[f]?.at).filter(Boolean));
  const has = Number.isFinite(at);
  return html`<section data-testid="pipeline">
    <${Header} title=${t("pipeline")} />
    <div class="actions">
      ${has && html`<p class="small" data-testid="pipeline-as-of" data-at=${at}>${navigator.onLine ? t("asOf", { when: fmt.datetime(at) })
        : t("cachedOffline", { when: fmt.datetime(at) })}</p>`}
      <button type="button" data-testid="pipeline-refresh" disabled=${busy || !navigator.onLine} onClick=${() => load(cache)}>${t("refresh")}</button>
    </div>
    <${Filters} filter=${cache.filter || {}} choices=${cache.repChoices} showReps=${user?.role !== "rep"}
      disabled=${busy || !navigator.onLine} onChange=${(patch) => load(cache, { ...(cache.filter || {}), ...patch })} />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${!has && !busy && html`<p class="muted" data-testid="pipeline-empty">${t("noFigures")}</p>`}
    ${cache.funnel && html`<${Funnel} data=${cache.funnel.data} />`}
    ${cache.forecast && html`<${Forecast} data=${cache.forecast.data} />`}
    ${user && user.role !== "rep" && html`<${Targets} reps=${(cache.repChoices || []).filter((r) => r.value !== user.id)}
      month=${cache.filter?.month} onSaved=${() => load(cache)} />`}
    ${cache.movement && html`<${Movement} data=${cache.movement.data} />`}
    ${cache.reps && html`<${Reps} data=${cache.reps.data} />`}
    ${cache.meetings && html`<${Meetings} data=${cache.meetings.data} />`}
  </section>`;
}
