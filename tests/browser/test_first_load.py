"""A first visit of the sign-in page downloads at most 60 KB of JavaScript, counted the
way Lighthouse counts its "script" transfer size; the service worker then precaches the
rest of the app after load, so the app still opens offline after that first visit."""

BUDGET = 60 * 1024

# Lighthouse's transferSize is Chromium's encoded data length: the response headers plus
# the body as sent (gzip), for every request of the page whose type is "script", until the
# network and the CPU have been quiet for a while. The service worker's own requests (its
# script and its precache) are not the page's: Lighthouse does not count them.
QUIET_MS = 2000


def test_first_load_javascript_as_lighthouse_counts_it(server, phone):
    ctx = phone()
    worker_fetches = []  # the service worker's requests (its precache) are the context's
    ctx.on("requestfinished", lambda r: worker_fetches.append(r) if r.service_worker else None)
    page = ctx.new_page()
    scripts = []
    page.on("requestfinished", lambda r: scripts.append(r) if r.resource_type == "script" else None)
    page.goto(server.url + "/")
    page.get_by_test_id("login-email").wait_for()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(QUIET_MS)  # anything loaded "when idle" would count too
    sizes = {}
    for request in scripts:
        s = request.sizes()
        sizes[request.url.split("/static/")[-1]] = s["responseHeadersSize"] + s["responseBodySize"]
    total = sum(sizes.values())
    print(f"first-load JS as transferred (headers + gzip body): {len(sizes)} files, "
          f"{total} bytes ({total / 1024:.1f} KB): {sizes}")
    assert "js/main.js" in sizes
    # The signed-in app (Dexie, the shell, the sync client, the screens) is not downloaded
    # for the sign-in screen.
    assert not any(name in url for url in sizes
                   for name in ("dexie", "js/app.js", "screens/", "sync/", "js/db.js"))
    assert all(r.response().header_value("content-encoding") == "gzip" for r in scripts), sizes
    assert total <= BUDGET, sizes

    # Reading "is anyone signed in?" without Dexie must not create the database either.
    assert page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)") == []

    # After load the worker installed and holds the whole app: the next start needs no
    # network for any file.
    cached = page.evaluate("""async () => {
      await navigator.serviceWorker.ready;
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith('fieldbook-shell-')));
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    }""")
    assert {"/", "/static/js/app.js", "/static/vendor/dexie.js", "/static/js/screens/visit.js",
            "/static/sync/client.js"} <= set(cached)
    # The precache revalidates what the page has just downloaded: 304, no body again.
    def revalidated():
        return {r.url.split("/static/")[-1]: r.sizes()["responseBodySize"]
                for r in worker_fetches if r.url.split("/static/")[-1] in sizes}
    for _ in range(50):  # the worker's request events may trail its activation a little
        if revalidated().keys() == sizes.keys():
            break
        page.wait_for_timeout(100)
    again = revalidated()
    assert again == {name: 0 for name in sizes}, again
