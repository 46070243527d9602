// "Near me" (附近客户), #/nearby: the customers on this phone nearest to where the rep
// stands, with navigate and call links. Everything is local (the records in IndexedDB,
// the fix from the Geolocation API, which needs no network), so it works offline.

import { html, useEffect, useMemo, useState } from "../../vendor/preact.js";
import { db, live } from "../db.js";
import { locate } from "../checkin.js";
import { nearest } from "../nearby.js";
import { t, locale } from "../i18n.js";
import { useData, Header } from "../ui.js";

const PAGE = 20;

/** 850 m, 2.3 km, 120 km. */
export function distanceText(metres) {
  const number = (v, digits) => new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(v);
  if (metres < 1000) return t("distM", { m: number(Math.round(metres), 0) });
  return t("distKm", { km: number(metres / 1000, metres < 100_000 ? 1 : 0) });
}

// Two links to the phone's maps. geo: (RFC 5870) hands the coordinates to whatever maps
// app the phone has (Amap, Baidu, Google, an offline one) on Android; iOS Safari ignores
// geo:, so an https link goes beside it. That one is Amap's URI API: reachable in China,
// where Google Maps is not, it opens the Amap app when installed and its web map when
// not, and coordinate=wgs84 says these are raw GPS coordinates (Amap's own are GCJ-02,
// offset by up to ~500 m).
export function geoLink(c) {
  return `geo:${c.latitude},${c.longitude}?q=${c.latitude},${c.longitude}(${encodeURIComponent(c.name || "")})`;
}

export function webMapLink(c) {
  const q = new URLSearchParams({ position: `${c.longitude},${c.latitude}`, name: c.name || "",
    coordinate: "wgs84", callnative: "1" });
  return `https://uri.amap.com/marker?${q}`;
}

/** The customer's own phone, else the first contact's that has one. */
function phoneOf(c, contactPhones) {
  if (c.phone) return { number: c.phone, who: "" };
  return contactPhones.get(c.id) || null;
}

async function loadCustomers() {
  const d = db();
  const [customers, contacts] = await d.transaction("r", [d.customers, d.contacts],
    () => Promise.all([d.customers.toArray(), d.contacts.toArray()]));
  const contactPhones = new Map();
  for (const p of contacts) {
    if (live(p) && p.phone && !contactPhones.has(p.customer_id)) contactPhones.set(p.customer_id, { number: p.phone, who: p.name || "" });
  }
  return { customers: customers.filter(live), contactPhones };
}

function NearbyItem({ c, phone }) {
  return html`<li data-testid="nearby-item" data-id=${c.id} data-distance=${c.distance_m}>
    <a class="row" href=${`#/c/${encodeURIComponent(c.id)}`}>
      <span class="row-main"><strong>${c.name}</strong>
        <span class="muted">${[c.city, c.address].filter(Boolean).join(" · ")}</span></span>
      <span class="tag" data-testid="nearby-distance">${distanceText(c.distance_m)}</span>
    </a>
    <div class="actions">
      <a class="button primary" href=${geoLink(c)} data-testid="nearby-navigate">${t("nearbyNavigate")}</a>
      <a class="button" href=${webMapLink(c)} target="_blank" rel="noopener" data-testid="nearby-map">${t("nearbyMap")}</a>
      ${phone && html`<a class="button" href=${`tel:${phone.number.replace(/[^\d+]/g, "")}`} data-testid="nearby-call">
        ${t("nearbyCall")}${phone.who ? ` ${phone.who}` : ""}</a>`}
    </div>
  </li>`;
}

/** No usable fix: say why, and list nothing. The customers in any other order would read
 * as "nearest first" on this screen, which is the one thing they would not be. */
function NoFix({ reason, onRetry }) {
  return html`<div class="note" role="alert" data-testid="nearby-no-fix" data-reason=${reason}>
    <p><strong>${t(`np_${reason}`)}</strong></p><p>${t("nearbyNeedsFix")}</p>
    <div class="actions"><button type="button" data-testid="nearby-retry" onClick=${onRetry}>${t("nearbyRetry")}</button>
      <a class="button" href="#/">${t("accounts")}</a></div>
  </div>`;
}

export default function Nearby() {
  const [fix, setFix] = useState(null); // null while locating
  const [limit, setLimit] = useState(PAGE);
  const relocate = () => { setFix(null); locate().then(setFix); };
  useEffect(relocate, []);
  const data = useData(loadCustomers, []);
  const placed = fix && fix.latitude != null;
  const result = useMemo(() => (data && placed ? nearest(data.customers, fix, limit) : null), [data, fix, limit]);
  let body;
  if (!fix) body = html`<p class="muted" role="status" data-testid="nearby-locating">${t("locating")}</p>`;
  else if (!placed) body = html`<${NoFix} reason=${fix.no_position_reason} onRetry=${relocate} />`;
  else if (!result) body = html`<p class="muted">${t("loading")}</p>`;
  else {
    body = html`
      ${fix.no_position_reason === "low_accuracy" && html`<p class="warn-text" data-testid="nearby-low-accuracy">${t("np_low_accuracy")}</p>`}
      ${!result.located && html`<p class="muted" data-testid="nearby-none">${t("nearbyNone")}</p>`}
      <ul class="list" data-testid="nearby-list">${result.nearest.map((c) => html`<${NearbyItem} key=${c.id} c=${c}
        phone=${phoneOf(c, data.contactPhones)} />`)}</ul>
      ${result.located > limit && html`<button class="secondary wide" data-testid="nearby-more"
        onClick=${() => setLimit(limit + PAGE)}>+${Math.min(PAGE, result.located - limit)}</button>`}
      ${result.unlocated > 0 && html`<p class="muted small" data-testid="nearby-unlocated" data-count=${result.unlocated}>
        ${t("nearbyUnlocated", { n: result.unlocated })}</p>`}
      <button type="button" class="wide" data-testid="nearby-relocate" onClick=${relocate}>${t("nearbyRelocate")}</button>`;
  }
  return html`<section data-testid="nearby">
    <${Header} title=${t("nearby")} back="#/today" />
    ${body}
  </section>`;
}
