"""The field app (PWA): the shell at ``/``, its static files, the service worker at ``/sw.js``.

The files live in ``pwa/static``. The service worker is served from the root so its scope
is the whole origin; its cache version is derived from the content of the files it
precaches, so any change to the app installs a new worker and drops the old caches.
"""

import gzip
import hashlib
import mimetypes
import os
import re
from functools import lru_cache

from flask import Blueprint, Response, abort, request, send_from_directory
from werkzeug.security import safe_join

from .http import accepts_gzip, mark_gzipped

STATIC_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "pwa", "static"))

bp = Blueprint("pwa", __name__)

# Files whose changes matter to a phone; hashed into the service worker's cache version.
_VERSIONED = re.compile(r"\.(js|css|html|webmanifest|png|svg|json)$")


@bp.get("/")
def shell():
    """The app shell; every screen is reached from it by hash routes (``#/c/<id>``)."""
    return _static("index.html", cache="no-cache")


@bp.get("/sw.js")
def service_worker():
    """The service worker, with its cache version filled in (gzipped like the other scripts)."""
    body = _service_worker(app_version())
    if accepts_gzip():
        response = mark_gzipped(Response(_gzip_bytes(body), mimetype="text/javascript"))
    else:
        response = Response(body, mimetype="text/javascript")
    # Browsers check for a new worker on every navigation; never serve a stale one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return _static("manifest.webmanifest", cache="no-cache", mimetype="application/manifest+json")


@bp.get("/static/<path:filename>")
def static(filename):
    """App files; the service worker keeps its own copies, so the HTTP cache stays short."""
    if filename == "sw.js":
        abort(404)
    return _static(filename, cache="no-cache")


# Text assets are sent gzipped (compressed once per file version, kept in memory).
_COMPRESSIBLE = re.compile(r"\.(js|css|html|webmanifest|json|svg)$")


def _static(filename, cache, mimetype=None):
    path = safe_join(STATIC_DIR, filename)
    if path and _COMPRESSIBLE.search(filename) and os.path.isfile(path) and accepts_gzip():
        st = os.stat(path)
        body, etag = _gzipped(path, st.st_mtime_ns, st.st_size)
        response = mark_gzipped(Response(body, mimetype=mimetype or _mimetype(filename)))
        # A tag from the content (the same on every app node): the service worker's
        # precache revalidates, and a file the page has just loaded answers 304, no body.
        response.set_etag(etag)
        response.make_conditional(request)
    else:
        response = send_from_directory(STATIC_DIR, filename, mimetype=mimetype, max_age=0)
    response.headers["Cache-Control"] = cache
    return response


def _mimetype(filename):
    if filename.endswith(".js"):
        return "text/javascript"
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


@lru_cache(maxsize=128)
def _gzipped(path, _mtime_ns, _size):
    """(gzip body, entity tag) of a file version."""
    with open(path, "rb") as fh:
        content = fh.read()
    return gzip.compress(content, compresslevel=9), hashlib.sha256(content).hexdigest()[:20]


@lru_cache(maxsize=4)
def _service_worker(version):
    # The version hashes sw.js itself too, so a changed worker is never served stale.
    with open(os.path.join(STATIC_DIR, "sw.js"), encoding="utf-8") as fh:
        return fh.read().replace("__APP_VERSION__", version).encode()


@lru_cache(maxsize=4)
def _gzip_bytes(body):
    return gzip.compress(body, compresslevel=9)


@lru_cache(maxsize=1)
def _version_of_tree(stamp):
    digest = hashlib.sha256()
    for root, _dirs, files in sorted(os.walk(STATIC_DIR)):
        for name in sorted(files):
            if _VERSIONED.search(name):
                path = os.path.join(root, name)
                digest.update(os.path.relpath(path, STATIC_DIR).encode())
                with open(path, "rb") as fh:
                    digest.update(fh.read())
    return digest.hexdigest()[:12]


def app_version():
    """A short hash of the app's files (recomputed when any of them changes on disk)."""
    stamp = []
    for root, _dirs, files in os.walk(STATIC_DIR):
        for name in files:
            if _VERSIONED.search(name):
                st = os.stat(os.path.join(root, name))
                stamp.append((root, name, st.st_mtime_ns, st.st_size))
    return _version_of_tree(tuple(sorted(stamp)))
