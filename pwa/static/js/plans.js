// Visit plans (拜访计划) on the phone: local days, the rep's plans, and the visit logged
// from a plan. Imported by the today, week, plan and visit screens only (lazily loaded),
// with their strings, so the first load does not carry them.

import { all } from "./store.js";
import { addStrings } from "./i18n.js";
import { call } from "./api.js";
import { saveFile } from "./ui.js";

addStrings({
  en: {
    todayTitle: "Today, {date}", plannedVisits: "Planned visits", noPlansToday: "No visits planned today.",
    overdueActions: "Overdue next actions", noOverdue: "No overdue next actions.", planVisit: "Plan a visit",
    week: "Week", weekOf: "Week of {date}", prevWeek: "Previous week", nextWeek: "Next week",
    thisWeek: "This week", noPlansDay: "Nothing planned", planEdit: "Visit plan", plannedAt: "Date and time",
    customer: "Customer", chooseCustomer: "Choose a customer.", cancelPlan: "Cancel this plan",
    confirmCancelPlan: "Cancel this planned visit?", movePlan: "Move or edit", logFromPlan: "Check in and log",
    plan_planned: "planned", plan_done: "done", plan_cancelled: "cancelled", contacts: "Contacts",
    fromPlan: "From the plan of {when}",
    exportCalendar: "Add to my calendar (.ics)",
    calendarFailed: "The calendar file comes from the server: connect and try again.",
  },
  zh: {
    todayTitle: "今日 {date}", plannedVisits: "计划拜访", noPlansToday: "今天没有计划的拜访。",
    overdueActions: "逾期的下一步行动", noOverdue: "没有逾期的下一步行动。", planVisit: "计划拜访",
    week: "本周", weekOf: "{date} 这一周", prevWeek: "上一周", nextWeek: "下一周",
    thisWeek: "本周", noPlansDay: "无计划", planEdit: "拜访计划", plannedAt: "日期和时间",
    customer: "客户", chooseCustomer: "请选择客户。", cancelPlan: "取消此计划",
    confirmCancelPlan: "取消这次计划的拜访？", movePlan: "改期或编辑", logFromPlan: "签到并记录",
    plan_planned: "已计划", plan_done: "已完成", plan_cancelled: "已取消", contacts: "联系人",
    fromPlan: "来自 {when} 的计划",
    exportCalendar: "导出到手机日历 (.ics)",
    calendarFailed: "日历文件由服务器生成:请联网后重试。",
  },
});

const pad = (n) => String(n).padStart(2, "0");

/** The local day ("YYYY-MM-DD") of a time: an ISO string, an HTTP date (as a pull sends
 * datetimes) or milliseconds. */
export function dayKey(value) {
  const d = new Date(value);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export const todayKey = () => dayKey(Date.now());

/** The day `n` days after the local day `key`. */
export function addDays(key, n) {
  const [y, m, d] = key.split("-").map(Number);
  return dayKey(new Date(y, m - 1, d + n));
}

/** The Monday of the week holding the local day `key`. */
export function mondayOf(key) {
  const [y, m, d] = key.split("-").map(Number);
  return addDays(key, -((new Date(y, m - 1, d).getDay() + 6) % 7));
}

/** A time as a datetime-local input's value, in local time. */
export function localInput(value) {
  const d = new Date(value);
  return `${dayKey(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export const timeOf = (value) => new Date(value).getTime();

/** The plans this user is to carry out (theirs, or made for them), not cancelled, in
 * time order. A plan made on this phone carries its rep too. */
export async function myPlans(user) {
  return (await all("visit_plans"))
    .filter((p) => (p.rep_id || user.id) === user.id && (p.status || "planned") !== "cancelled")
    .sort((a, b) => timeOf(a.planned_at) - timeOf(b.planned_at));
}

/** A visit form's fields prefilled from a plan: the visit keeps the plan's link. */
export function visitFromPlan(plan) {
  return { type: plan.type || "customer_visit", purpose: plan.purpose || "",
    contact_ids: [...(plan.contact_ids || [])], duration_minutes: plan.duration_minutes || "", plan_id: plan.id };
}

/** The change that marks a plan done by `visitId`, saved with the visit (the server's
 * hook does the same when the visit arrives, so both agree). */
export const planDone = (planId, visitId) => ({ table: "visit_plans", id: planId,
  values: { status: "done", visit_id: visitId } });

/** The rep's plans (a week back, two months ahead: the server's window) as an iCalendar
 * file for the phone's own calendar app. The server writes it (RFC 5545, one library):
 * online only. */
export async function downloadCalendar() {
  const text = await call("/api/v1/visit-plans/calendar.ics", undefined, "GET", { text: true });
  saveFile(`fieldbook-plans-${todayKey()}.ics`, "text/calendar", text);
}
