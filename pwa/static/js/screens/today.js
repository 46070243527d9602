// Today (今日): the day's planned visits in time order, one tap from each to log it, and
// the overdue next actions. Everything from the phone's own records: works offline.

import { html, useState } from "../../vendor/preact.js";
import { all } from "../store.js";
import { t, fmt, label, locale } from "../i18n.js";
import { useData, Header } from "../ui.js";
import { dayKey, downloadCalendar, myPlans, todayKey } from "../plans.js";
import { NearbyLink } from "../nearby.js";

const timeFormat = () => new Intl.DateTimeFormat(locale(), { timeStyle: "short" });

function CalendarExport() {
  const [failed, setFailed] = useState(false);
  const run = () => downloadCalendar().then(() => setFailed(false), () => setFailed(true));
  return html`<button type="button" class="button" onClick=${run} data-testid="export-calendar">
      ${t("exportCalendar")}</button>
    ${failed && html`<p class="error small" role="alert" data-testid="export-calendar-error">${t("calendarFailed")}</p>`}`;
}

export default function Today({ user }) {
  const data = useData(async () => {
    const [plans, tasks, customers] = await Promise.all([myPlans(user), all("tasks"), all("customers")]);
    const today = todayKey();
    return {
      today, names: new Map(customers.map((c) => [c.id, c.name])),
      plans: plans.filter((p) => dayKey(p.planned_at) === today),
      overdue: tasks.filter((x) => !x.done && x.due_date && x.due_date < today
        && (!x.assignee_id || x.assignee_id === user.id)).sort((a, b) => a.due_date.localeCompare(b.due_date)),
    };
  }, [user.id]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const clock = timeFormat();
  const plan = (p) => {
    const done = p.status === "done";
    const customer = encodeURIComponent(p.customer_id);
    return html`<li class="card" key=${p.id} data-testid="today-plan" data-plan-id=${p.id} data-status=${p.status || "planned"}>
      <a class="row" href=${done ? `#/c/${customer}` : `#/c/${customer}/visit/${encodeURIComponent(p.id)}`}
        data-testid="today-plan-open">
        <strong data-testid="today-plan-time">${clock.format(new Date(p.planned_at))}</strong>
        <span class="row-main"><span data-testid="today-plan-customer">${data.names.get(p.customer_id) || ""}</span>
          <span class="small muted"> · ${label("activity_types", p.type)}${p.purpose ? ` · ${p.purpose}` : ""}</span></span>
        <span class="tag">${done ? t("plan_done") : t("logFromPlan")}</span>
      </a>
      ${!done && html`<a class="small" href=${`#/plan/${encodeURIComponent(p.id)}`} data-testid="today-plan-edit">${t("movePlan")}</a>`}
    </li>`;
  };
  const task = (x) => html`<li class="card" key=${x.id} data-testid="today-overdue">
    <strong>${x.what}</strong>
    <div class="small"><a href=${`#/c/${encodeURIComponent(x.customer_id)}`}>${data.names.get(x.customer_id) || ""}</a>
      · <span class="due-overdue">${fmt.date(x.due_date)}</span>${x.who ? ` · ${x.who}` : ""}</div></li>`;
  return html`<section data-testid="today">
    <${Header} title=${t("todayTitle", { date: fmt.date(Date.now()) })} />
    <div class="actions">
      <a class="button primary" href="#/plan/new" data-testid="plan-new">${t("planVisit")}</a>
      <a class="button" href="#/week" data-testid="open-week">${t("week")}</a>
      <${NearbyLink} />
      <${CalendarExport} />
    </div>
    <h2>${t("plannedVisits")} (${data.plans.length})</h2>
    ${data.plans.length ? html`<ul class="list" data-testid="today-plans">${data.plans.map(plan)}</ul>`
      : html`<p class="muted">${t("noPlansToday")}</p>`}
    <h2>${t("overdueActions")} (${data.overdue.length})</h2>
    ${data.overdue.length ? html`<ul class="list">${data.overdue.map(task)}</ul>` : html`<p class="muted">${t("noOverdue")}</p>`}
  </section>`;
}
