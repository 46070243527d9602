// My tasks: next actions due today and overdue.

import { html } from "../../vendor/preact.js";
import { all, save } from "../store.js";
import { t, fmt } from "../i18n.js";
import { useData, Header, localNow } from "../ui.js";

const today = () => localNow().slice(0, 10);

export default function Tasks({ user }) {
  const data = useData(async () => {
    const [tasks, customers] = await Promise.all([all("tasks"), all("customers")]);
    const names = new Map(customers.map((c) => [c.id, c.name]));
    const now = today();
    const mine = tasks.filter((x) => !x.done && x.due_date && x.due_date <= now && (!x.assignee_id || x.assignee_id === user.id))
      .sort((a, b) => a.due_date.localeCompare(b.due_date));
    return { now, names, overdue: mine.filter((x) => x.due_date < now), due: mine.filter((x) => x.due_date === now) };
  }, [user.id]);
  if (!data) return html`<p class="muted pad">${t("loading")}</p>`;
  const item = (x) => html`<li class="card" key=${x.id} data-testid="task-item">
    <label class="check"><input type="checkbox" aria-label=${t("done")} onChange=${() => save({ table: "tasks", id: x.id, values: { done: true } })} />
      <span><strong>${x.what}</strong></span></label>
    <div class="small"><a href=${`#/c/${encodeURIComponent(x.customer_id)}`}>${data.names.get(x.customer_id) || ""}</a>
      · <span class=${x.due_date < data.now ? "due-overdue" : ""}>${fmt.date(x.due_date)}</span>
      ${x.who ? ` · ${x.who}` : ""}${x.checkpoint ? ` · ${t("checkpoint")}: ${x.checkpoint}` : ""}</div></li>`;
  return html`<section data-testid="task-list">
    <${Header} title=${t("tasks")} />
    ${!data.overdue.length && !data.due.length && html`<p class="muted">${t("noTasks")}</p>`}
    ${data.overdue.length > 0 && html`<h2>${t("overdue")} (${data.overdue.length})</h2><ul class="list">${data.overdue.map(item)}</ul>`}
    ${data.due.length > 0 && html`<h2>${t("dueToday")} (${data.due.length})</h2><ul class="list">${data.due.map(item)}</ul>`}
  </section>`;
}
