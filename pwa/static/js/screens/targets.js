// Monthly targets (销售目标) of a manager's reps, set from the pipeline screen. Targets
// are not synced (docs/pipeline.md): this card talks to /api/v1/targets directly, so it
// works online only; the forecast's coverage compares each target with its currency.

import { html, useEffect, useRef, useState } from "../../vendor/preact.js";
import { call } from "../api.js";
import { t } from "../i18n.js";
import { localNow } from "../ui.js";
import { VOCAB } from "../vocab.js";

const thisMonth = () => localNow().slice(0, 7);

/** ``{user_id: {id, amount}}`` of the month's targets in one currency. */
async function targetsOf(month, currency) {
  const page = await call(`/api/v1/targets?month=${month}&currency=${currency}&page_size=200`, undefined, "GET");
  return Object.fromEntries((page.items || []).map((x) => [x.user_id, { id: x.id, amount: x.amount }]));
}

const storedText = (stored, userId) => (stored?.[userId] ? String(Number(stored[userId].amount)) : "");

/** One request per rep whose amount was changed: set (POST), change (PATCH) or clear
 * (DELETE). ``amounts`` holds only what was typed. */
async function saveTargets({ month, currency, stored, amounts }) {
  const requests = Object.entries(amounts).flatMap(([userId, text]) => {
    const before = stored[userId];
    const amount = text === "" ? null : Number(text);
    if (amount === (before ? Number(before.amount) : null)) return [];
    if (amount === null) return [call(`/api/v1/targets/${before.id}`, undefined, "DELETE")];
    if (before) return [call(`/api/v1/targets/${before.id}`, { amount }, "PATCH")];
    return [call("/api/v1/targets", { user_id: userId, month, currency, amount })];
  });
  const failed = (await Promise.allSettled(requests)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

export default function Targets({ reps, month: shownMonth, onSaved }) {
  const [month, setMonth] = useState(shownMonth || thisMonth());
  const [currency, setCurrency] = useState("CNY");
  const [stored, setStored] = useState(null);
  const [amounts, setAmounts] = useState({});
  const [note, setNote] = useState(null);
  const [saves, setSaves] = useState(0);  // successful saves, for the tests to wait on
  const latest = useRef(null);  // the month and currency shown: older answers are dropped
  const online = navigator.onLine;
  const load = async () => {
    if (!online || !month) return;
    const key = `${month}/${currency}`;
    latest.current = key;
    setStored(null);
    try {
      const found = await targetsOf(month, currency);
      if (latest.current !== key) return;
      setStored(found);
      setAmounts({});
    } catch (error) { setNote({ error: true, text: t("loadFailed", { message: error.message }) }); }
  };
  useEffect(() => { setNote(null); load(); }, [month, currency]);
  const submit = async (e) => {
    e.preventDefault();
    setNote(null);
    try {
      await saveTargets({ month, currency, stored: stored || {}, amounts });
      await load();
      setNote({ text: t("targetsSaved") });
      setSaves(saves + 1);
      onSaved();
    } catch (error) { setNote({ error: true, text: t("targetsFailed", { message: error.message }) }); }
  };
  const disabled = !online || stored === null;
  return html`<form class="card" data-testid="pipeline-targets" data-saves=${saves} aria-labelledby="h-targets" onSubmit=${submit}>
    <h2 id="h-targets">${t("targetsTitle")}</h2>
    ${!online && html`<p class="muted">${t("targetsOnline")}</p>`}
    <div class="actions">
      <div class="field"><label for="tg-month">${t("month")}</label>
        <input id="tg-month" type="month" data-testid="target-month" value=${month} disabled=${!online}
          onChange=${(e) => setMonth(e.target.value)} /></div>
      <div class="field"><label for="tg-currency">${t("currency")}</label>
        <select id="tg-currency" data-testid="target-currency" value=${currency} disabled=${!online}
          onChange=${(e) => setCurrency(e.target.value)}>
          ${(VOCAB.currencies || ["CNY"]).map((c) => html`<option value=${c}>${c}</option>`)}
        </select></div>
    </div>
    ${reps.map((r) => html`<div class="field" key=${r.value}><label for=${`tg-${r.value}`}>${r.label}</label>
      <input id=${`tg-${r.value}`} type="number" min="0" step="0.01" inputmode="decimal" data-testid="target-amount"
        data-user=${r.value} value=${amounts[r.value] ?? storedText(stored, r.value)} disabled=${disabled}
        onInput=${(e) => setAmounts({ ...amounts, [r.value]: e.target.value })} /></div>`)}
    ${!reps.length && html`<p class="muted">${t("none")}</p>`}
    ${note && html`<p class=${note.error ? "error" : "small"} role=${note.error ? "alert" : "status"} data-testid="targets-note">${note.text}</p>`}
    <button class="primary wide" type="submit" data-testid="targets-save" disabled=${disabled}>${t("saveTargets")}</button>
  </form>`;
}
