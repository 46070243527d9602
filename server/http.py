"""HTTP concerns shared by every response: security headers, CORS, gzip both ways."""

import gzip
import io
import json
import re
from decimal import Decimal

import orjson
from flask import jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from . import storable
from .errors import ApiError, error_body

# The PWA loads only its own scripts and styles: no inline script, no third party.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
       "base-uri 'self'; frame-ancestors 'none'; form-action 'self'")

GZIP_MIN_BYTES = 1024
# The escapes of a NUL or of a surrogate in a JSON text: only a body with one of them can
# hold text a database cannot store (valid UTF-8 has no surrogates, and a raw NUL byte is
# not JSON), so only such a body is parsed and looked at before its view.
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class JSONProvider(DefaultJSONProvider):
    """JSON through orjson, with Flask's own conversions for what orjson leaves to it.

    A push or pull answers with thousands of values, and orjson writes them in a fraction
    of the standard module's time. Dates keep Flask's format; money (Decimal) is a JSON
    number, as the OpenAPI document says, not a string; text goes out as UTF-8, not as
    ``\\u`` escapes (half the bytes for Chinese before gzip; after gzip a first sync's
    7.77 MB became 7.63 MB, while a one-change pull of ~1.5 KB grew from 725 to 755
    bytes, the escapes compressing well in a small body). Keys keep the order they were
    built in (sorted, as Flask does, a first sync took 7.74 MB: sorting buys nothing). A
    value orjson cannot write (an integer wider than 64 bits) falls back to the standard
    module.
    """

    def dumps(self, obj, **kwargs):
        if kwargs:  # indent, sort_keys...: the caller wants the standard module's way
            return super().dumps(obj, **kwargs)
        return self._orjson(obj).decode()

    def loads(self, s, **kwargs):
        # orjson refuses a body nested deeper than 1,024 levels with a ValueError (400),
        # where the standard module would exhaust the stack (tests/test_fuzz_sync.py).
        # It reads UTF-8 only, as RFC 8259 asks of JSON between systems.
        if not kwargs:
            return orjson.loads(s)
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None

    def response(self, *args, **kwargs):
        if self._app.debug:  # indented for people reading responses
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._orjson(obj) + b"\n",
                                        mimetype=self.mimetype)

    def _orjson(self, obj):
        try:
            return orjson.dumps(obj, default=self.default, option=_ORJSON_OPTIONS)
        except orjson.JSONEncodeError:
            return super().dumps(obj).encode()

    @staticmethod
    def default(value):
        if isinstance(value, Decimal):
            return float(value)
        return DefaultJSONProvider.default(value)


# Dates through ``default`` (Flask's HTTP-date format, as before orjson); keys that are
# not strings (marshmallow numbers a list's items in its errors) as strings.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def configure(app):
    app.json = JSONProvider(app)
    app.wsgi_app = GunzipRequests(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        # The app's own pages may ask for the position (check-ins); no embedded page may.
        headers.setdefault("Permissions-Policy",
                           "camera=(), microphone=(self), geolocation=(self)")
        if request.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        _allow_origin(app, response)
        return _gzip(response)

    @app.before_request
    def _refuse_unstorable_text():
        # Text no database can store (server/storable.py) fails deep inside the insert, a
        # 500: refuse it at the door, for every endpoint and every key and value alike
        # (schemathesis found a NUL in a login email). A query string cannot carry a
        # surrogate (werkzeug decodes it as UTF-8), only a NUL.
        errors = storable.problems(dict(request.args.lists()))
        if errors:
            raise ApiError(422, storable.TEXT_PROBLEM, {"query": errors})
        errors = _unstorable_in_body(app.view_functions.get(request.endpoint))
        if errors:
            raise ApiError(422, storable.TEXT_PROBLEM, {"json": errors})

    @app.errorhandler(RecursionError)
    def _nested_too_deeply(error):
        # webargs parses request bodies with the stdlib json module: a body of thousands
        # of nested brackets raises RecursionError there. That is malformed input (400);
        # any other RecursionError stays a 500.
        try:
            json.loads(request.get_data(cache=True))
        except RecursionError:
            response = jsonify(error_body(400, "JSON nested too deeply"))
            response.status_code = 400
            return response
        except ValueError:
            pass
        raise error


def checks_text_per_record(door_part):
    """Mark a view that refuses unstorable text per record itself (the push: one
    mutation is rejected, not the whole push); ``door_part(body)`` is what of the body
    the door still checks. Put it right under the route decorator."""
    def mark(view):
        view.text_for_the_door = door_part
        return view
    return mark


def _unstorable_in_body(view):
    """The field errors for the unstorable text of a JSON body, at its top-level keys."""
    if not request.is_json:
        return None
    raw = request.get_data(cache=True)
    if _MAYBE_UNSTORABLE.search(raw) is None:
        return None
    try:
        # The standard module, as webargs will: orjson refuses surrogates outright.
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None  # not JSON: the parser answers 400 in its turn
    body = getattr(view, "text_for_the_door", lambda whole: whole)(body)
    if isinstance(body, dict):
        return storable.problems(body, dates_and_numbers=False)
    why = storable.problem(body, dates_and_numbers=False)
    return {"_schema": [why]} if why is not None else None


def _allow_origin(app, response):
    # CORS is closed unless FIELDBOOK_CORS_ORIGINS names the origins to trust.
    origin = request.headers.get("Origin")
    if origin and origin in app.config.get("CORS_ORIGINS", []):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"


def accepts_gzip():
    return "gzip" in request.headers.get("Accept-Encoding", "")


def mark_gzipped(response):
    """Mark ``response``, whose body is gzip, as such (and as varying with the request's
    Accept-Encoding, for caches)."""
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def _gzip(response):
    if (response.direct_passthrough or response.status_code < 200 or not accepts_gzip()
            or "Content-Encoding" in response.headers
            or not response.mimetype.startswith(("application/json", "text/csv"))):
        return response
    data = response.get_data()
    if len(data) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6))
    return mark_gzipped(response)


class GunzipRequests:
    """WSGI middleware: accept ``Content-Encoding: gzip`` request bodies, with a size cap
    on the *decompressed* body so a small zip bomb cannot exhaust memory."""

    def __init__(self, app, max_bytes):
        self.app = app
        self.max_bytes = max_bytes

    def __call__(self, environ, start_response):
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
            try:
                body = self._inflate(environ)
            except (RequestEntityTooLarge, BadRequest) as error:
                return _plain_error(error, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_CONTENT_ENCODING"]
        return self.app(environ, start_response)

    def _inflate(self, environ):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.max_bytes:
            raise RequestEntityTooLarge()
        raw = environ["wsgi.input"].read(length)
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                body = stream.read(self.max_bytes + 1)
        except (OSError, EOFError) as error:
            raise BadRequest("Request body is not valid gzip") from error
        if len(body) > self.max_bytes:
            raise RequestEntityTooLarge()
        return body


def _plain_error(error, start_response):
    # Outside Flask here, so the error shape is written by hand (same shape).
    body = json.dumps(error_body(error.code, error.description)).encode()
    start_response(f"{error.code} {error.name}", [
        ("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
