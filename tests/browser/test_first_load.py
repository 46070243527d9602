"""The first load's JavaScript, as the browser receives it, stays within 60 KB gzip."""

BUDGET = 60 * 1024


def test_first_load_javascript_over_the_wire(server, phone):
    page = phone().new_page()
    scripts = []
    page.on("requestfinished", lambda r: scripts.append(r) if r.resource_type == "script" else None)
    page.goto(server.url + "/")
    page.get_by_test_id("login-email").wait_for()
    page.wait_for_load_state("networkidle")
    sizes = {r.url.split("/static/")[-1]: r.sizes()["responseBodySize"] for r in scripts}
    total = sum(sizes.values())
    print(f"first-load JS over the wire: {len(sizes)} files, {total} bytes")
    assert "js/main.js" in sizes and "vendor/dexie.js" in sizes
    assert not any("screens/visit" in url for url in sizes)
    assert total <= BUDGET, sizes
