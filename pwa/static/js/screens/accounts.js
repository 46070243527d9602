// My accounts: instant search over name, city and contact names, with filters. The
// index is built once in memory (rebuilt after data changes) and only the first matches
// are rendered, so it stays fast with thousands of customers. Building it reads every
// customer and contact; a cold start shows the first page of rows the last run kept (one
// small IndexedDB record, see db.js KEPT_INDEX: a big one would be stored as a blob on
// disk and read slower than the records) and swaps in the full index when it is built.

import { html, useMemo, useState, useEffect } from "../../vendor/preact.js";
import { db, live, KEPT_INDEX, recordsEpoch } from "../db.js";
import { onChange } from "../store.js";
import { t, fmt } from "../i18n.js";

const PAGE = 50;
const DAY = 86_400_000;
let cached = null;
let kept = null;
let builtOnce = false; // from then on the fresh index is at hand: the kept one is not needed
onChange(() => { cached = null; });

/** The first page of the index the last run kept, if the records have lost nothing
 * since (else null). */
export function keptIndex() {
  if (builtOnce) return Promise.resolve(null);
  if (!kept) {
    const d = db();
    kept = d.transaction("r", d.meta, async () => {
      const [index, epoch] = [await d.meta.get(KEPT_INDEX), await recordsEpoch(d)];
      return index && index.value.epoch === epoch ? index.value.list : null;
    }).catch(() => null);
  }
  return kept;
}

/** Keep the first page of ``list`` for the next cold start (a few KB, written after every
 * build), unless records were removed since it was read. */
function keep(list, epoch) {
  const d = db();
  d.transaction("rw", d.meta, async () => {
    if ((await recordsEpoch(d)) !== epoch) return;
    await d.meta.put({ key: KEPT_INDEX, value: { epoch, list: list.slice(0, PAGE) } });
  }).catch((error) => console.warn("account index not kept", error));
}

/** [{id, name, city, abc, milestone, lastVisit, text}] sorted by name. */
export function buildIndex() {
  if (cached) return cached;
  cached = (async () => {
    const d = db();
    // One read transaction: the records and their epoch as of the same moment.
    const [epoch, customers, contacts, opps, visits] = await d.transaction(
      "r", [d.meta, d.customers, d.contacts, d.opportunities, d.visits], () => Promise.all([
        recordsEpoch(d), d.customers.toArray(), d.contacts.toArray(),
        d.opportunities.toArray(), d.visits.toArray()]));
    const names = new Map();
    for (const c of contacts) if (live(c)) names.set(c.customer_id, `${names.get(c.customer_id) || ""} ${c.name || ""}`);
    const milestone = new Map();
    for (const o of opps) {
      if (live(o) && (o.status || "open") === "open") milestone.set(o.customer_id, Math.max(milestone.get(o.customer_id) || 0, o.milestone || 1));
    }
    const last = new Map();
    for (const v of visits) {
      if (!live(v) || !v.occurred_at) continue;
      const at = Date.parse(v.occurred_at);
      if (!(last.get(v.customer_id) >= at)) last.set(v.customer_id, at);
    }
    const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
    const list = customers.filter(live).map((c) => ({
      id: c.id, name: c.name || "", city: c.city || "", abc: c.abc_class, key: c.is_key_account,
      milestone: milestone.get(c.id) || 0, lastVisit: last.get(c.id) || null,
      text: `${c.name || ""} ${c.city || ""} ${names.get(c.id) || ""}`.toLowerCase(),
    })).sort((a, b) => collator.compare(a.name, b.name));
    keep(list, epoch);
    builtOnce = true;
    kept = null;
    return list;
  })();
  return cached;
}

export function filterIndex(index, { q, abc, milestone, stale }, now = Date.now()) {
  const terms = q.toLowerCase().split(/\s+/).filter(Boolean);
  return index.filter((c) => (!abc || c.abc === abc)
    && (!milestone || c.milestone === Number(milestone))
    && (!stale || !c.lastVisit || now - c.lastVisit > 30 * DAY)
    && terms.every((term) => c.text.includes(term)));
}

export function Accounts() {
  const [index, setIndex] = useState(null);
  const [q, setQ] = useState(sessionStorage.getItem("fb.q") || "");
  const [abc, setAbc] = useState("");
  const [milestone, setMilestone] = useState("");
  const [stale, setStale] = useState(false);
  const [limit, setLimit] = useState(PAGE);
  const [partial, setPartial] = useState(false); // showing the kept first page only
  useEffect(() => {
    let built = false;
    const load = () => buildIndex().then((list) => { built = true; setPartial(false); setIndex(list); });
    // The kept first page, then the build: read side by side, the small read waits for
    // the big one in IndexedDB and the first rows show no sooner.
    keptIndex().then((list) => {
      if (list && !built) { setPartial(true); setIndex(list); }
    }).finally(load);
    return onChange(load);
  }, []);
  const matches = useMemo(() => (index ? filterIndex(index, { q, abc, milestone, stale }) : []),
    [index, q, abc, milestone, stale]);
  const onSearch = (e) => { setQ(e.target.value); setLimit(PAGE); sessionStorage.setItem("fb.q", e.target.value); };
  return html`<section class="accounts">
    <h1 class="sr-only">${t("accounts")}</h1>
    <div class="filters">
      <input type="search" class="search" data-testid="account-search" aria-label=${t("search")}
        placeholder=${t("search")} value=${q} onInput=${onSearch} />
      <div class="filter-row">
        <select aria-label=${t("abcClass")} data-testid="filter-abc" value=${abc} onChange=${(e) => setAbc(e.target.value)}>
          <option value="">${t("allClasses")}</option>
          ${["A", "B", "C"].map((v) => html`<option value=${v}>${v}</option>`)}
        </select>
        <select aria-label=${t("milestone")} data-testid="filter-milestone" value=${milestone} onChange=${(e) => setMilestone(e.target.value)}>
          <option value="">${t("anyMilestone")}</option>
          ${[1, 2, 3, 4, 5, 6, 7].map((n) => html`<option value=${n}>M${n}</option>`)}
        </select>
        <label class="check"><input type="checkbox" data-testid="filter-stale" checked=${stale}
          onChange=${(e) => setStale(e.target.checked)} /> ${t("notVisited30")}</label>
      </div>
      <p class="muted small" data-testid="account-count">${index && !partial ? t("shown", { n: Math.min(limit, matches.length), total: matches.length }) : t("loading")}</p>
    </div>
    <ul class="list" data-testid="account-list" aria-label=${t("accounts")}>
      ${matches.slice(0, limit).map((c) => html`<li key=${c.id}>
        <a class="row" href=${`#/c/${encodeURIComponent(c.id)}`} data-testid="account-item" data-id=${c.id}>
          <span class="row-main"><strong>${c.name}</strong>
            <span class="muted">${c.city}${c.lastVisit ? ` · ${t("lastVisit")} ${fmt.date(c.lastVisit)}` : ""}</span></span>
          <span class="tags">${c.abc && html`<span class=${`tag abc-${c.abc}`}>${c.abc}</span>`}
            ${c.milestone ? html`<span class="tag">M${c.milestone}</span>` : ""}</span>
        </a></li>`)}
    </ul>
    ${index && !partial && !matches.length && html`<p class="muted pad">${t("noAccounts")}</p>`}
    ${!partial && matches.length > limit && html`<button class="secondary wide" onClick=${() => setLimit(limit + PAGE)}>+${Math.min(PAGE, matches.length - limit)}</button>`}
  </section>`;
}

