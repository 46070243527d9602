"""The app's static contract, without a browser: CSP-safe shell, the service worker's
explicit precache list, installability, the bundled vocabularies and the first-load
JavaScript budget (<= 60 KB as transferred: gzip bodies and headers)."""

import gzip
import json
import re
import struct
from pathlib import Path

import pytest

from server import create_app, domain, pwa

STATIC = Path(pwa.STATIC_DIR)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
       "base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
FIRST_LOAD_BUDGET = 60 * 1024
TESTID = re.compile(r"""(?:data-testid|testid)=["']([a-z0-9_-]+)["']""")
STATIC_IMPORT = re.compile(r"""(?:^|;|\n)\s*(?:import|export)\s[^;'"]*?from\s*["']([^"']+)["']""")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("static") / "x.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}",
                      "SECRET_KEY": "static-tests-secret-0123456789abcdef0123456789"})
    return app.test_client()


def precache_list():
    source = (STATIC / "sw.js").read_text()
    block = re.search(r"const PRECACHE = \[(.*?)\];", source, re.S).group(1)
    return re.findall(r'"([^"]+)"', block)


def test_shell_is_served_with_the_csp_and_no_inline_code(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"\sstyle\s*=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"


def test_app_code_has_no_eval_and_no_inline_style_strings():
    for path in list((STATIC / "js").rglob("*.js")) + list((STATIC / "sync").glob("*.js")):
        code = path.read_text()
        assert "eval(" not in code and "new Function" not in code, path
        assert not re.search(r"\sstyle=", code), f"{path}: style attribute string"


def test_service_worker_precaches_every_app_file(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "__APP_VERSION__" not in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-cache"
    listed = precache_list()
    files = {"/static/" + p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*")
             if p.is_file() and p.name not in ("sw.js", "index.html", "manifest.webmanifest")}
    assert files == {u for u in listed if u.startswith("/static/")}
    assert "/" in listed and "/manifest.webmanifest" in listed
    for url in listed:
        assert client.get(url).status_code == 200, url


def test_service_worker_version_follows_the_files():
    version = pwa.app_version()
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert pwa.app_version() == version


def test_installable_manifest_with_png_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        data = client.get(icon["src"]).get_data()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", data[16:24])
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add(width)
    assert {192, 512} <= sizes


def test_bundled_vocabularies_match_the_server():
    source = (STATIC / "js" / "vocab.js").read_text()
    bundled = json.loads(re.search(r"export const VOCAB = (\{.*?\});\n", source).group(1))
    for name, vocabulary in domain.VOCABULARIES.items():
        assert bundled[name] == domain.labels(vocabulary), name
    assert bundled["currencies"] == list(domain.CURRENCIES)
    assert f"GIFT_VALUE_CAP = {domain.GIFT_VALUE_CAP};" in source


def first_load_modules():
    """main.js and everything it imports statically (what the sign-in screen needs; the
    signed-in app, js/app.js, is a dynamic import)."""
    seen, todo = [], [STATIC / "js" / "main.js"]
    while todo:
        path = todo.pop().resolve()
        if path in seen:
            continue
        seen.append(path)
        for spec in STATIC_IMPORT.findall(path.read_text()):
            todo.append(path.parent / spec)
    return seen


def test_first_load_javascript_budget(client):
    modules = first_load_modules()
    names = {p.relative_to(STATIC).as_posix() for p in modules}
    assert names == {"js/main.js", "vendor/preact.js", "js/i18n.js", "js/api.js", "js/session.js"}
    # The shell preloads exactly these, so none of them waits for main.js to arrive.
    shell = client.get("/").get_data(as_text=True)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="/static/([^"]+)"', shell))
    assert preloaded == names - {"js/main.js"}
    # As Lighthouse counts it: the body as sent (gzip) plus the response headers (the HTTP
    # server adds its own few, ~100 bytes; tests/browser/test_first_load.py counts those).
    total = 0
    for name in sorted(names):
        response = client.get("/static/" + name, headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip", name
        total += len(response.get_data()) + sum(len(f"{k}: {v}\r\n") for k, v in response.headers)
    print(f"first-load JS: {len(modules)} modules, {total} bytes (gzip and headers)")
    assert total <= FIRST_LOAD_BUDGET


def test_text_assets_are_sent_gzipped(client):
    plain = client.get("/static/vendor/dexie.js")
    zipped = client.get("/static/vendor/dexie.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype == "text/javascript"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    worker = client.get("/sw.js", headers={"Accept-Encoding": "gzip"})
    assert worker.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(worker.get_data()) == client.get("/sw.js").get_data()
    assert "Content-Encoding" not in client.get("/static/icons/icon-192.png",
                                                headers={"Accept-Encoding": "gzip"}).headers


def test_a_file_the_browser_holds_is_revalidated_not_sent_again(client):
    """The worker's precache revalidates (cache: "no-cache"): an unchanged file answers
    304 with no body; the tag follows the content."""
    gz = {"Accept-Encoding": "gzip"}
    first = client.get("/static/js/main.js", headers=gz)
    tag = first.headers["ETag"]
    again = client.get("/static/js/main.js", headers={**gz, "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == "no-cache"
    stale = client.get("/static/js/main.js", headers={**gz, "If-None-Match": '"old"'})
    assert stale.status_code == 200 and stale.get_data() == first.get_data()
    assert client.get("/static/js/app.js", headers=gz).headers["ETag"] != tag
    assert 'cache: "no-cache"' in (STATIC / "sw.js").read_text()


def test_every_data_testid_is_documented():
    """docs/testing.md lists every data-testid the app's code spells out literally."""
    docs = (Path(pwa.STATIC_DIR).parents[1] / "docs" / "testing.md").read_text()
    documented = set(re.findall(r"`([a-z0-9_<>*-]+)`", docs))
    used = set()
    for path in (STATIC / "js").rglob("*.js"):
        used |= set(TESTID.findall(path.read_text()))
    assert used, "no data-testids found"
    # A prefix such as "background" (quick-edit sections) is documented as `background-*`.
    missing = [u for u in used if u not in documented and f"{u}-*" not in documented]
    assert sorted(missing) == []
