// Small shared UI pieces: the data hook, form fields, routing helpers.

import { html, useEffect, useState, useRef } from "../vendor/preact.js";
import { onChange } from "./store.js";
import { t, options, lang } from "./i18n.js";

/** Run an async loader now, when deps change and whenever local data changes. */
export function useData(loader, deps = []) {
  const [data, setData] = useState(undefined);
  const version = useRef(0);
  useEffect(() => {
    let alive = true;
    const run = () => {
      const mine = ++version.current;
      loader().then((v) => { if (alive && mine === version.current) setData(v); },
        (e) => console.error(e));
    };
    run();
    const off = onChange(run);
    return () => { alive = false; off(); };
  }, deps);
  return data;
}

export const go = (hash) => { location.hash = hash; };

/** Hand `text` to the phone as a downloaded file (an export, a calendar). */
export function saveFile(name, type, text) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const pad = (n) => String(n).padStart(2, "0");

/** Now, in local time, as a datetime-local input's value ("YYYY-MM-DDTHH:MM"); its first
 * 10 characters are a date input's value, its first 7 a month input's. */
export function localNow() {
  const d = new Date();
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

/** A labelled control. kind: text | textarea | number | date | datetime-local | select | email | tel */
export function Field({ label, value, onInput, kind = "text", vocab, choices, testid, name, required, min, step, hint }) {
  const id = useRef(nextId(name || "f")).current;
  const common = { id, name, "data-testid": testid, required };
  let control;
  if (kind === "textarea") {
    control = html`<textarea ...${common} rows="4" value=${value ?? ""} onInput=${(e) => onInput(e.target.value)}></textarea>`;
  } else if (kind === "select") {
    const list = choices || options(vocab).map((o) => ({ value: o.value, label: o[lang()] || o.en }));
    control = html`<select ...${common} value=${value ?? ""} onChange=${(e) => onInput(e.target.value || null)}>
      <option value="">${t("none")}</option>
      ${list.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>`;
  } else {
    control = html`<input ...${common} type=${kind} min=${min} step=${step} value=${value ?? ""}
      onInput=${(e) => onInput(e.target.value)} />`;
  }
  return html`<div class="field"><label for=${id}>${label}</label>${control}${hint && html`<p class="hint">${hint}</p>`}</div>`;
}

export function Header({ title, back }) {
  return html`<div class="screen-head">
    ${back && html`<a class="back" href=${back} aria-label=${t("back")}>‹</a>`}
    <h1>${title}</h1>
  </div>`;
}

export function Section({ title, children, open = true }) {
  return html`<details class="section" open=${open}><summary>${title}</summary><div class="section-body">${children}</div></details>`;
}
