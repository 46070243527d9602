// Check-in and check-out on site (签到/签退), and the customer's location.
//
// A tap takes the phone's time and asks the Geolocation API (which needs no network) for
// a fix; whatever it answers, the check-in is saved on the phone at once, with its
// outbox entry, and syncs like any record. Denied, unavailable or timed out: the
// check-in has no position and says why; a fix coarser than LOW_ACCURACY_M is kept but
// marked low_accuracy. The distance to the customer's recorded location and the "far"
// flag are computed here for the rep, and again by the server (server/check_ins.py),
// whose values win once synced. The server never refuses a far check-in: it flags it.

import { html, useState } from "../vendor/preact.js";
import { getMeta, setMeta } from "./db.js";
import { get, ofCustomer, save, newId } from "./store.js";
import { addStrings, t, fmt } from "./i18n.js";
import { useData } from "./ui.js";

export const LOW_ACCURACY_M = 1000;
export const DEFAULT_FAR_METERS = 500; // the server's default (FIELDBOOK_CHECKIN_FAR_METERS)
const EARTH_RADIUS_M = 6371008.8; // as server/check_ins.py
const FIX_TIMEOUT_MS = 15000;
const FAR_SETTING = "checkinFarMeters"; // the rep's own threshold, in meta; none: the server's
// The Geolocation API's error codes, as the server's no_position_reason words them.
const REASONS = { 1: "denied", 2: "unavailable", 3: "timeout" };

addStrings({
  en: {
    checkIn: "Check in", checkOut: "Check out", checkIns: "Check-in and check-out", locating: "Locating…",
    ci_in: "Checked in", ci_out: "Checked out", accuracy: "±{m} m",
    fromCustomer: "{m} m from the customer", farFromCustomer: "Far from the customer",
    noCustomerLocation: "The customer's location is not recorded",
    np_denied: "No position: location permission denied", np_unavailable: "No position: the phone has no fix",
    np_timeout: "No position: no fix in time", np_low_accuracy: "Low accuracy: the position may be off",
    setCustomerLocation: "Set as this customer's location", location: "Location",
    latitude: "Latitude", longitude: "Longitude", locationPair: "Enter both latitude and longitude, or neither.",
    locationRange: "Latitude is -90 to 90, longitude -180 to 180.", noLocation: "Not recorded",
    farSetting: "Far-from-customer warning (metres)", farSettingHint: "Empty: the server's {m} m",
    table_check_ins: "Check-ins",
  },
  zh: {
    checkIn: "签到", checkOut: "签退", checkIns: "签到与签退", locating: "正在定位…",
    ci_in: "已签到", ci_out: "已签退", accuracy: "±{m} 米",
    fromCustomer: "距客户 {m} 米", farFromCustomer: "距客户过远",
    noCustomerLocation: "尚未记录客户位置",
    np_denied: "无位置:定位权限被拒绝", np_unavailable: "无位置:手机无法定位",
    np_timeout: "无位置:定位超时", np_low_accuracy: "精度低:位置可能不准",
    setCustomerLocation: "设为该客户的位置", location: "位置",
    latitude: "纬度", longitude: "经度", locationPair: "纬度和经度须同时填写或同时留空。",
    locationRange: "纬度在 -90 到 90 之间,经度在 -180 到 180 之间。", noLocation: "未记录",
    farSetting: "距客户过远提醒(米)", farSettingHint: "留空:使用服务器的 {m} 米",
    table_check_ins: "签到",
  },
});

/** Great-circle distance in metres (haversine), to the decimetre, as the server's. */
export function distanceM(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const dp = rad(b.latitude - a.latitude);
  const dl = rad(b.longitude - a.longitude);
  const h = Math.sin(dp / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dl / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))) * 10) / 10;
}

const placed = (p) => p && p.latitude != null && p.longitude != null;

/** The position now, or why there is none; never rejects. */
export function locate() {
  return new Promise((resolve) => {
    if (!navigator.geolocation) { resolve({ no_position_reason: "unavailable" }); return; }
    navigator.geolocation.getCurrentPosition(({ coords }) => resolve({
      latitude: coords.latitude, longitude: coords.longitude, accuracy_m: coords.accuracy,
      no_position_reason: coords.accuracy > LOW_ACCURACY_M ? "low_accuracy" : null,
    }), (error) => resolve({ no_position_reason: REASONS[error.code] || "unavailable" }),
    // A fresh fix (no cached one): the check-in is the proof of being there now.
    { enableHighAccuracy: true, timeout: FIX_TIMEOUT_MS, maximumAge: 0 });
  });
}

/** The far threshold: the rep's own (settings), else the server's (GET /api/v1/meta). */
export async function farMeters() {
  const own = await getMeta(FAR_SETTING);
  if (own) return own;
  return (await getMeta("vocab"))?.checkin_far_meters || DEFAULT_FAR_METERS;
}

/** Take a check-in (kind "in" or "out") for a visit of a customer and save it locally. */
export async function takeCheckIn(customerId, visitId, kind) {
  const deviceAt = new Date().toISOString(); // the tap, not the moment the fix came
  const position = await locate();
  const customer = await get("customers", customerId);
  const record = {
    customer_id: customerId, visit_id: visitId, kind, device_at: deviceAt, latitude: null, longitude: null,
    accuracy_m: null, ...position, distance_m: null, far: false,
  };
  if (placed(record) && placed(customer)) {
    record.distance_m = distanceM(customer, record);
    record.far = record.distance_m > (await farMeters());
  }
  const id = newId();
  await save({ table: "check_ins", id, values: record });
  return id;
}

function CheckInItem({ c, customer }) {
  const located = placed(c);
  const here = located && placed(customer) && customer.latitude === c.latitude && customer.longitude === c.longitude;
  return html`<li class="card" data-testid="checkin-item" data-kind=${c.kind} data-far=${c.far ? "1" : "0"}
      data-distance=${c.distance_m ?? ""} data-reason=${c.no_position_reason || ""}>
    <strong>${t(`ci_${c.kind}`)}</strong> · ${fmt.datetime(c.device_at)}
    ${located && html` · <span class="small">${t("accuracy", { m: fmt.number(Math.round(c.accuracy_m || 0)) })}</span>`}
    ${c.distance_m != null && html`<div data-testid="checkin-distance">${t("fromCustomer", { m: fmt.number(Math.round(c.distance_m)) })}</div>`}
    ${c.far && html`<div class="warn-text" data-testid="checkin-far">${t("farFromCustomer")}</div>`}
    ${located && c.distance_m == null && !here && html`<div class="muted small">${t("noCustomerLocation")}</div>`}
    ${c.no_position_reason && html`<div class=${c.no_position_reason === "low_accuracy" ? "warn-text" : "muted"}
      data-testid="checkin-reason">${t(`np_${c.no_position_reason}`)}</div>`}
    ${located && !here && html`<button type="button" class="wide" data-testid="checkin-set-location"
      onClick=${() => save({ table: "customers", id: c.customer_id, values: { latitude: c.latitude, longitude: c.longitude } })}>
      ${t("setCustomerLocation")}</button>`}
  </li>`;
}

/** The check-in/check-out buttons of a visit and its check-ins so far. */
export function CheckIns({ customerId, visitId }) {
  const [busy, setBusy] = useState(false);
  const data = useData(async () => {
    const [customer, all] = await Promise.all([get("customers", customerId), ofCustomer("check_ins", customerId)]);
    const list = all.filter((c) => c.visit_id === visitId);
    list.sort((a, b) => String(a.device_at).localeCompare(String(b.device_at)));
    return { customer, list };
  }, [customerId, visitId]);
  const take = async (kind) => {
    setBusy(true);
    try { await takeCheckIn(customerId, visitId, kind); } finally { setBusy(false); }
  };
  if (!data) return null;
  return html`<fieldset class="field" data-testid="checkins"><legend>${t("checkIns")}</legend>
    <ul class="list">${data.list.map((c) => html`<${CheckInItem} key=${c.id} c=${c} customer=${data.customer} />`)}</ul>
    ${busy && html`<p class="muted" role="status" data-testid="checkin-locating">${t("locating")}</p>`}
    <div class="actions">
      <button type="button" data-testid="check-in" disabled=${busy} onClick=${() => take("in")}>${t("checkIn")}</button>
      <button type="button" data-testid="check-out" disabled=${busy} onClick=${() => take("out")}>${t("checkOut")}</button>
    </div>
  </fieldset>`;
}

/** A typed coordinate: a number in range, or null when empty. Throws a message. */
function coordinate(text, limit) {
  if (String(text ?? "").trim() === "") return null;
  const value = Number(text);
  if (!Number.isFinite(value) || Math.abs(value) > limit) throw new Error(t("locationRange"));
  return value;
}

/** The customer's location (customer screen): shown, and typed in. */
export function CustomerLocation({ customer }) {
  const [draft, setDraft] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    try {
      const latitude = coordinate(draft.latitude, 90);
      const longitude = coordinate(draft.longitude, 180);
      if ((latitude === null) !== (longitude === null)) throw new Error(t("locationPair"));
      await save({ table: "customers", id: customer.id, values: { latitude, longitude } });
      setDraft(null);
      setError(null);
    } catch (err) { setError(err.message); }
  };
  const field = (name) => html`<div class="field"><label for=${`loc-${name}`}>${t(name)}</label>
    <input id=${`loc-${name}`} type="number" step="any" data-testid=${`edit-${name}`} value=${draft[name]}
      onInput=${(e) => setDraft({ ...draft, [name]: e.target.value })} /></div>`;
  if (draft) {
    return html`<form data-testid="location-form" onSubmit=${submit} novalidate>
      ${field("latitude")}${field("longitude")}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" onClick=${() => { setDraft(null); setError(null); }}>${t("cancel")}</button>
        <button class="primary" type="submit" data-testid="location-save">${t("save")}</button></div></form>`;
  }
  return html`<div data-testid="customer-location" data-latitude=${customer.latitude ?? ""} data-longitude=${customer.longitude ?? ""}>
    <dl class="kv"><dt>${t("location")}</dt>
      <dd>${placed(customer) ? `${customer.latitude}, ${customer.longitude}` : t("noLocation")}</dd></dl>
    <button type="button" class="wide" data-testid="location-edit"
      onClick=${() => setDraft({ latitude: customer.latitude ?? "", longitude: customer.longitude ?? "" })}>${t("edit")}: ${t("location")}</button>
  </div>`;
}

/** Settings: the rep's own far threshold for the phone's warning (empty: the server's). */
export function FarSetting() {
  const data = useData(async () => ({ own: await getMeta(FAR_SETTING),
    server: (await getMeta("vocab"))?.checkin_far_meters || DEFAULT_FAR_METERS }), []);
  if (!data) return null;
  const change = async (text) => {
    const value = Number(text);
    await setMeta(FAR_SETTING, text.trim() && Number.isFinite(value) && value > 0 ? value : null);
  };
  return html`<div class="field"><label for="far-meters">${t("farSetting")}</label>
    <input id="far-meters" type="number" min="1" step="1" data-testid="far-meters" value=${data.own ?? ""}
      placeholder=${String(data.server)} onChange=${(e) => change(e.target.value)} />
    <p class="hint">${t("farSettingHint", { m: fmt.number(data.server) })}</p></div>`;
}
