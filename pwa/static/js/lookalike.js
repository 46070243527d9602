// What looks like a duplicate of a lead or a new customer: the rules of server/leads.py
// (normal_name, names_alike, phones_alike), checked against the same vectors
// (tests/vectors/lookalike.json), and the phone's own search of what it holds.

import { all } from "./store.js";

const CJK_SUFFIXES = ["股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司"];
const WORD_SUFFIXES = new Set(["co", "company", "corp", "corporation", "inc", "incorporated",
  "limited", "llc", "ltd", "gmbh", "plc", "group"]);
const CJK = /[\u3400-\u9fff]/;

/** A name as compared: width and case folded, legal-form words dropped, spaces and
 * punctuation gone ("Acme Co., Ltd." and "ACME" are "acme"). */
export function normalName(text) {
  const words = (text || "").normalize("NFKC").toLowerCase().match(/[\p{L}\p{N}_]+/gu) || [];
  while (words.length > 1 && WORD_SUFFIXES.has(words[words.length - 1])) words.pop();
  let joined = words.join("").replaceAll("_", "");
  for (const suffix of CJK_SUFFIXES) {
    if (joined.endsWith(suffix) && joined.length > suffix.length + 1) { joined = joined.slice(0, -suffix.length); break; }
  }
  return joined;
}

/** Equal once normalised, or one contains the other, when the shorter is long enough
 * to mean something (2 Chinese characters, 3 letters otherwise). */
export function namesAlike(a, b) {
  const x = normalName(a), y = normalName(b);
  const shorter = x.length <= y.length ? x : y;
  if (shorter.length < (CJK.test(shorter) ? 2 : 3)) return false;
  return x === y || x.includes(y) || y.includes(x);
}

export const phoneDigits = (text) => ((text || "").normalize("NFKC").match(/\p{Nd}/gu) || []).join("");

/** The same digits, or the same number with a prefix on one side; fewer than 7 digits
 * match nothing. */
export function phonesAlike(a, b) {
  const x = phoneDigits(a), y = phoneDigits(b);
  if (Math.min(x.length, y.length) < 7) return false;
  return x === y || x.endsWith(y) || y.endsWith(x);
}

// Which column of each table is compared with which of the lead's names (as the server).
const SOURCES = [
  ["customers", { name: ["company", "name"] }],
  ["contacts", { name: ["name"] }],
  ["leads", { name: ["name"], company: ["company"] }],
];
export const SHOWN = 10;

/** The records on this phone that look like `asked` ({name, company, phone}):
 * {customers, contacts, leads}, up to SHOWN each; `exclude`: the lead being edited. */
export async function lookalikes(asked, exclude = null) {
  const found = {};
  for (const [table, compared] of SOURCES) {
    const rows = (await all(table)).filter((row) => row.id !== exclude && looksAlike(row, compared, asked));
    found[table] = rows.slice(0, SHOWN);
  }
  return found;
}

function looksAlike(row, compared, asked) {
  if (phonesAlike(row.phone, asked.phone)) return true;
  return Object.entries(compared).some(([column, names]) => names.some((n) => namesAlike(row[column], asked[n])));
}
