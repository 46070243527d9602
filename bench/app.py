"""The field app: Lighthouse (mobile, simulated slow 4G) on the first load, and timings in
Chromium with Playwright: offline cold start with 5,000 customers in IndexedDB, search,
saving a visit, the "near me" sort. Needs /usr/bin/chromium and npm (Lighthouse goes into
bench/node_modules)."""

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from .common import PASSWORD, add_reps, gunicorn, make_app, seed

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}

FIRST_ITEM = """(() => {
  // Checked every animation frame from the first script on: the time of the first frame
  // that has an account row in it.
  window.__firstItem = null;
  const tick = () => {
    if (document.querySelector('[data-testid=account-item]')) {
      window.__firstItem = performance.now();
    } else {
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame(tick);
})();"""

SEARCH = """async (term) => {
  const input = document.querySelector('[data-testid=account-search]');
  const before = [...document.querySelectorAll('[data-testid=account-item]')]
    .map((e) => e.textContent).join('|');
  const t0 = performance.now();
  input.value = term;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  for (;;) {
    await new Promise((r) => requestAnimationFrame(r));
    const now = [...document.querySelectorAll('[data-testid=account-item]')]
      .map((e) => e.textContent).join('|');
    if (now !== before) return performance.now() - t0;
    if (performance.now() - t0 > 5000) return null;
  }
}"""

SAVE_VISIT = """async () => {
  const badge = document.querySelector('[data-testid=pending-count]');
  const before = Number(badge ? badge.dataset.count : 0);
  const t0 = performance.now();
  document.querySelector('[data-testid=visit-save]').click();
  for (;;) {
    await new Promise((r) => setTimeout(r, 0));
    const b = document.querySelector('[data-testid=pending-count]');
    if (b && Number(b.dataset.count) > before) return performance.now() - t0;
    if (performance.now() - t0 > 5000) return null;
  }
}"""

NEARBY_SORT = """async ([count, runs]) => {
  const { nearest } = await import('/static/js/nearby.js');
  // Customers spread over about 110 km by 95 km around Suzhou (a fixed pseudo-random
  // pattern: every run sorts the same data), one in ten without a location.
  const customers = Array.from({ length: count }, (_, i) => ({
    id: `c${i}`, name: `Customer ${i}`, city: 'Suzhou', phone: '0512-6000 0000',
    latitude: i % 10 ? 30.8 + ((i * 7919) % 1000) / 1000 : null,
    longitude: i % 10 ? 120.1 + ((i * 104729) % 1000) / 1000 : null }));
  const here = { latitude: 31.3, longitude: 120.6 };
  const times = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const { nearest: shown } = nearest(customers, here, 20); // the screen's first page
    times.push(performance.now() - t0);
    if (shown.length !== 20) return null;
  }
  return times;
}"""


def nearby_sort(results, page, count=5000, runs=11):
    """The "near me" sort (pwa/static/js/nearby.js) over ``count`` generated customers,
    called in the page: the screen's own work once the records and the fix are at hand."""
    times = page.evaluate(NEARBY_SORT, [count, runs])
    name = f"nearby_sort_{count}"
    if not times:
        results.error(name, "nearest() did not return the first page")
        return
    results.add(name, round(statistics.median(times), 1), "ms",
                note=(f"median of {runs}: nearest() over {count} customers (9 in 10 with a "
                      "location) to the first 20, in Chromium; target <= 50 ms"),
                runs=[round(t, 1) for t in times])


def ensure_lighthouse():
    cli = HERE / "node_modules" / "lighthouse" / "cli" / "index.js"
    if not cli.exists():
        # npm ci: exactly the versions of package-lock.json, which it leaves as it is.
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=HERE, check=True, capture_output=True, timeout=600)
    return cli


def lighthouse(results, base, runs=3):
    cli = ensure_lighthouse()
    reports = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "report.json"
            subprocess.run(["node", str(cli), base + "/", "--output=json",
                            f"--output-path={out}", "--only-categories=performance",
                            "--quiet", f"--chrome-flags={' '.join(CHROME_FLAGS)}"],
                           env={**os.environ, "CHROME_PATH": CHROMIUM}, check=True,
                           capture_output=True, timeout=300)
            reports.append(json.loads(out.read_text()))

    def median(get):
        return statistics.median(get(r) for r in reports)

    def scripts(report):
        # Lighthouse's "script" transfer: headers plus the body as sent (gzip) of each
        # request the page made; the service worker's own requests are not among them.
        items = report["audits"]["network-requests"]["details"]["items"]
        return {i["url"].split("/", 3)[-1]: i.get("transferSize", 0)
                for i in items if i.get("resourceType") == "Script"}

    def script_bytes(report):
        return sum(scripts(report).values())

    score = median(lambda r: r["categories"]["performance"]["score"] * 100)
    note = f"median of {runs}, mobile, simulated slow 4G"
    results.add("lighthouse_performance", round(score), "score", note=note + "; target >= 95")
    results.add("lighthouse_fcp", round(median(
        lambda r: r["audits"]["first-contentful-paint"]["numericValue"])), "ms", note=note)
    results.add("lighthouse_tti", round(median(
        lambda r: r["audits"]["interactive"]["numericValue"])), "ms", note=note)
    results.add("first_load_transfer", round(median(
        lambda r: r["audits"]["total-byte-weight"]["numericValue"]) / 1024, 1), "KB",
        note="every byte of the first load, as transferred (gzip)")
    results.add("first_load_js", round(median(script_bytes) / 1024, 1), "KB gzip",
                note="scripts of the first load as transferred; target <= 60 KB",
                files=scripts(reports[0]))


def browser_timings(results, base, email, customers, runs=5):
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    args = [f for f in CHROME_FLAGS if not f.startswith("--headless")]
    try:
        with sync_playwright() as p:
            def launch():
                return p.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, headless=True, args=args, **PHONE)

            ctx = launch()
            page = ctx.new_page()
            page.goto(base + "/")
            page.get_by_test_id("login-email").fill(email)
            page.get_by_test_id("login-password").fill(PASSWORD)
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id("account-list").wait_for(timeout=60_000)
            page.wait_for_function(
                "() => { const s = document.querySelector('[data-testid=sync-status]');"
                " return s && s.dataset.state === 'idle' && Number(s.dataset.lastSync) > 0; }",
                timeout=300_000)
            page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                                   timeout=30_000)
            try:
                nearby_sort(results, page)
            except Exception as error:  # noqa: BLE001 - report it, keep the other timings
                results.error("nearby_sort_5000", f"{type(error).__name__}: {error}"[:300])
            ctx.close()
            starts, searches, saves = [], [], []
            for run in range(runs):
                ctx = launch()
                ctx.set_offline(True)
                ctx.add_init_script(FIRST_ITEM)
                for stale in ctx.pages:  # opened before the init script: not measured
                    stale.close()
                page = ctx.new_page()
                page.goto(base + "/")
                page.wait_for_function("() => typeof window.__firstItem === 'number'",
                                       timeout=60_000)
                starts.append(page.evaluate("() => window.__firstItem"))
                for term in ["#4242", "苏州", f"#{run + 1}7"]:
                    elapsed = page.evaluate(SEARCH, term)
                    if elapsed is not None:
                        searches.append(elapsed)
                page.evaluate(SEARCH, "")
                page.locator("[data-testid=account-item]").first.click()
                page.get_by_test_id("log-visit").click()
                page.get_by_test_id("visit-notes").fill(f"Bench visit {run}")
                purpose = page.get_by_test_id("visit-purpose")
                if purpose.count():
                    purpose.fill("Bench")
                saved = page.evaluate(SAVE_VISIT)
                if saved is not None:
                    saves.append(saved)
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    results.add("offline_cold_start", round(statistics.median(starts)), "ms",
                note=(f"median of {len(starts)}: navigation to the first account row, "
                      f"offline, {customers} customers in IndexedDB; target <= 1000 ms"),
                runs=[round(s) for s in starts])
    if searches:
        results.add(f"search_{customers}", round(statistics.median(searches), 1), "ms",
                    note=(f"median of {len(searches)}: input event to the changed list "
                          "(next animation frame); target <= 50 ms"),
                    runs=[round(s, 1) for s in searches])
    else:
        results.error(f"search_{customers}", "the list never changed after typing")
    if saves:
        results.add("save_visit", round(statistics.median(saves), 1), "ms",
                    note=f"median of {len(saves)}: tap on save to the outbox badge counting it",
                    runs=[round(s, 1) for s in saves])
    else:
        results.error("save_visit", "the outbox badge never counted the saved visit")


def run_lighthouse(results, url):
    """Only the Lighthouse figures (``python -m bench --only lighthouse``): a first visit
    of the sign-in page needs no data."""
    make_app(url)
    with gunicorn(url, workers=2) as base:
        lighthouse(results, base)


def run(results, url, customers=5000):
    app = make_app(url)
    (rep_id, email), = add_reps(app, 1)
    seed(app, rep_id, customers, contacts=1, visits=0)
    with gunicorn(url, workers=2) as base:
        try:
            lighthouse(results, base)
        except Exception as error:  # noqa: BLE001 - report and go on to the next figure
            results.error("lighthouse_performance", f"{type(error).__name__}: {error}"[:300])
        try:
            browser_timings(results, base, email, customers)
        except Exception as error:  # noqa: BLE001
            results.error("offline_cold_start", f"{type(error).__name__}: {error}"[:300])
