// The pull's integrity checksum (docs/sync-protocol.md, "Integrity checksum"):
// sum mod 2^48 of h(table, id, seq) over the live records in scope, where h is the first
// 12 hex digits of sha256("<table>/<id>/<seq>") read as an integer; sent as 12 hex digits.
// Pure apart from crypto.subtle. 2^49 < 2^53, so plain Numbers add exactly.

export const MODULUS = 2 ** 48;
const encoder = new TextEncoder();

/** h(table, id, seq) as a Number below 2^48. */
export async function recordHash(table, id, seq) {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(`${table}/${id}/${seq}`));
  const bytes = new Uint8Array(digest, 0, 6);
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return value;
}

export function add(sum, hash) {
  return (sum + hash) % MODULUS;
}

export function subtract(sum, hash) {
  return (sum - hash + MODULUS) % MODULUS;
}

export function toHex(sum) {
  return sum.toString(16).padStart(12, "0");
}

export function fromHex(text) {
  return parseInt(text, 16);
}

/** The checksum of a list of [table, id, seq] triples, as 12 hex digits. */
export async function checksumOf(records) {
  let sum = 0;
  for (const [table, id, seq] of records) sum = add(sum, await recordHash(table, id, seq));
  return toHex(sum);
}
