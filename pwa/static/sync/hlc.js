// Hybrid logical clocks, the same strings as sync/hlc.py, and nothing else:
// "<ms: 13 ASCII digits>-<counter: 5 ASCII digits>-<node: 1-64 of A-Z a-z 0-9 - _>",
// ms 0..9999999999999, counter 0..99999. Fixed widths make plain string comparison the
// clock order, so a string outside the grammar (a non-ASCII digit, a sixth counter digit)
// is refused, and the tick after counter 99999 carries into the next millisecond.
// Pure: no DOM, no IndexedDB. Time is injected so tests control it.

export const MAX_MS = 9999999999999;
export const MAX_COUNTER = 99999;
const NODE = /^[A-Za-z0-9_-]{1,64}$/;
const GRAMMAR = /^([0-9]{13})-([0-9]{5})-([A-Za-z0-9_-]{1,64})$/;

export function format(ms, counter, node) {
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= MAX_MS && Number.isInteger(counter)
        && counter >= 0 && counter <= MAX_COUNTER && NODE.test(node))) {
    throw new RangeError(`outside the HLC grammar: ${ms}, ${counter}, ${node}`);
  }
  return `${String(ms).padStart(13, "0")}-${String(counter).padStart(5, "0")}-${node}`;
}

export function parse(text) {
  const match = typeof text === "string" ? GRAMMAR.exec(text) : null;
  if (!match) throw new TypeError(`not an HLC timestamp: ${text}`);
  return { ms: Number(match[1]), counter: Number(match[2]), node: match[3] };
}

export function isValid(text) {
  try { parse(text); return true; } catch { return false; }
}

/** Pull a timestamp that runs ahead of `nowMs` back to it (as the server does). */
export function clamp(text, nowMs) {
  const t = parse(text);
  return t.ms <= nowMs ? text : format(nowMs, t.counter, t.node);
}

/** The next {ms, counter}: past counter 99999, the next millisecond's first. */
function after({ ms, counter }) {
  return counter < MAX_COUNTER ? { ms, counter: counter + 1 } : { ms: ms + 1, counter: 0 };
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
    this.last = wall > this.last.ms ? { ms: wall, counter: 0 } : after(this.last);
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
