// Hybrid logical clocks, the same string format as sync/hlc.py:
// "<ms:13 digits>-<counter:5 digits>-<node>"; plain string comparison is clock order.
// Pure: no DOM, no IndexedDB. Time is injected so tests control it.

export const ZERO = "0000000000000-00000-";

export function format(ms, counter, node) {
  return `${String(ms).padStart(13, "0")}-${String(counter).padStart(5, "0")}-${node}`;
}

export function parse(text) {
  if (typeof text !== "string") throw new TypeError(`not an HLC timestamp: ${text}`);
  const first = text.indexOf("-");
  const second = first < 0 ? -1 : text.indexOf("-", first + 1);
  if (second < 0) throw new TypeError(`not an HLC timestamp: ${text}`);
  const ms = text.slice(0, first);
  const counter = text.slice(first + 1, second);
  if (!/^\d{13}$/.test(ms) || !/^\d{5}$/.test(counter)) {
    throw new TypeError(`not an HLC timestamp: ${text}`);
  }
  return { ms: Number(ms), counter: Number(counter), node: text.slice(second + 1) };
}

export function isValid(text) {
  try { parse(text); return true; } catch { return false; }
}

/** Pull a timestamp that runs ahead of `nowMs` back to it (as the server does). */
export function clamp(text, nowMs) {
  const t = parse(text);
  return t.ms <= nowMs ? text : format(nowMs, t.counter, t.node);
}

/** One device's clock. `state` ({ms, counter}) is what the app persists between runs. */
export class Clock {
  constructor(node, now = () => Date.now(), state = null) {
    this.node = node;
    this.now = now;
    this.last = { ms: state?.ms ?? 0, counter: state?.counter ?? 0 };
  }

  /** A timestamp later than every one this clock issued or received. */
  tick() {
    const wall = Math.floor(this.now());
    if (wall > this.last.ms) this.last = { ms: wall, counter: 0 };
    else this.last = { ms: this.last.ms, counter: this.last.counter + 1 };
    return format(this.last.ms, this.last.counter, this.node);
  }

  /** Move past a timestamp seen from elsewhere, so later ticks order after it. */
  receive(text) {
    const seen = parse(text);
    if (seen.ms > this.last.ms || (seen.ms === this.last.ms && seen.counter > this.last.counter)) {
      this.last = { ms: seen.ms, counter: seen.counter };
    }
  }

  state() {
    return { ms: this.last.ms, counter: this.last.counter };
  }
}
