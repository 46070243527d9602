// "Near me" (附近客户): the rep's customers ordered by distance from where the phone is.
// nearest() is a pure function over records already on the phone, so it works offline and
// is timed on its own (bench/app.py nearby_sort_5000, target <= 50 ms for 5,000 customers).
// The screen is screens/nearby.js; its strings and the link on Today live here.

import { html } from "../vendor/preact.js";
import { distanceM } from "./checkin.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  en: {
    nearby: "Near me", nearbyNeedsFix: "Without the phone's position the customers cannot be put in order of distance. Find them in My accounts instead.",
    nearbyRetry: "Try again", nearbyRelocate: "Locate again", nearbyUnlocated: "{n} customers have no recorded location and are not listed.",
    nearbyNone: "None of your customers has a recorded location yet.", nearbyNavigate: "Navigate",
    nearbyMap: "Web map", nearbyCall: "Call", distM: "{m} m", distKm: "{km} km",
  },
  zh: {
    nearby: "附近客户", nearbyNeedsFix: "没有手机的位置，无法按距离排列客户。请在“我的客户”中查找。",
    nearbyRetry: "重试", nearbyRelocate: "重新定位", nearbyUnlocated: "{n} 个客户未记录位置，未列出。",
    nearbyNone: "您的客户都还没有记录位置。", nearbyNavigate: "导航",
    nearbyMap: "网页地图", nearbyCall: "拨打", distM: "{m} 米", distKm: "{km} 公里",
  },
});

/** The way in, on the Today screen. */
export const NearbyLink = () => html`<a class="button" href="#/nearby" data-testid="open-nearby">${t("nearby")}</a>`;

const located = (c) => Number.isFinite(c.latitude) && Number.isFinite(c.longitude);

/** The ``limit`` customers nearest to ``here`` ({latitude, longitude}), nearest first, each
 * a copy with ``distance_m``; those without a recorded location are only counted.
 * Returns {nearest, located, unlocated}. Ties keep the order of ``customers``. */
export function nearest(customers, here, limit = Infinity) {
  // One typed array of distances and one of indices: nothing allocated per customer, and
  // the sort compares plain numbers. Only the rows returned are copied.
  const distances = new Float64Array(customers.length);
  const order = new Uint32Array(customers.length);
  let count = 0;
  for (let i = 0; i < customers.length; i++) {
    if (!located(customers[i])) continue;
    distances[i] = distanceM(here, customers[i]);
    order[count++] = i;
  }
  const sorted = order.subarray(0, count).sort((a, b) => distances[a] - distances[b] || a - b);
  const shown = sorted.subarray(0, Math.min(limit, count));
  return {
    nearest: Array.from(shown, (i) => ({ ...customers[i], distance_m: distances[i] })),
    located: count,
    unlocated: customers.length - count,
  };
}
