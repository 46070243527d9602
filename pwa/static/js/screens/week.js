// The week's plan: seven days from Monday, each with its planned visits in time order
// (a list grouped by day: one column on a phone). From the phone's records, offline too.

import { html } from "../../vendor/preact.js";
import { all } from "../store.js";
import { t, fmt, label, locale } from "../i18n.js";
import { useData, Header } from "../ui.js";
import { addDays, dayKey, mondayOf, myPlans, todayKey } from "../plans.js";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export default function Week({ id, user }) {
  const monday = mondayOf(id && DAY.test(id) ? id : todayKey());
  const days = [...Array(7).keys()].map((i) => addDays(monday, i));
  const data = useData(async () => {
    const [plans, customers] = await Promise.all([myPlans(user), all("customers")]);
    const byDay = new Map(days.map((d) => [d, []]));
    for (const p of plans) byDay.get(dayKey(p.planned_at))?.push(p);
    return { byDay, names: new Map(customers.map((c) => [c.id, c.name])) };
  }, [user.id, monday]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const dayName = new Intl.DateTimeFormat(locale(), { weekday: "short", month: "short", day: "numeric" });
  const clock = new Intl.DateTimeFormat(locale(), { timeStyle: "short" });
  const at = (key) => { const [y, m, d] = key.split("-").map(Number); return new Date(y, m - 1, d); };
  const today = todayKey();
  return html`<section data-testid="week" data-monday=${monday}>
    <${Header} title=${t("weekOf", { date: fmt.date(at(monday)) })} back="#/today" />
    <div class="actions">
      <a class="button" href=${`#/week/${addDays(monday, -7)}`} data-testid="week-prev">‹ ${t("prevWeek")}</a>
      <a class="button" href="#/week" data-testid="week-this">${t("thisWeek")}</a>
      <a class="button" href=${`#/week/${addDays(monday, 7)}`} data-testid="week-next">${t("nextWeek")} ›</a>
    </div>
    ${days.map((d) => html`<div key=${d} data-testid="week-day" data-day=${d}>
      <h2 class=${d === today ? "today" : ""}>${dayName.format(at(d))}</h2>
      ${data.byDay.get(d).length ? html`<ul class="list">${data.byDay.get(d).map((p) => html`<li key=${p.id}
          data-testid="week-plan" data-plan-id=${p.id} data-status=${p.status || "planned"}>
        <a class="row" href=${`#/plan/${encodeURIComponent(p.id)}`}>
          <strong>${clock.format(new Date(p.planned_at))}</strong>
          <span class="row-main">${data.names.get(p.customer_id) || ""}<span class="small muted"> · ${label("activity_types", p.type)}${
            p.purpose ? ` · ${p.purpose}` : ""}</span></span>
          ${p.status === "done" && html`<span class="tag">${t("plan_done")}</span>`}
        </a></li>`)}</ul>` : html`<p class="muted small">${t("noPlansDay")}</p>`}
    </div>`)}
  </section>`;
}
