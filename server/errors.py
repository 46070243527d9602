"""One JSON error shape for every 4xx and 5xx, API and PWA alike.

    {"code": 422, "status": "Unprocessable Entity", "message": "...",
     "errors": {"json": {"name": ["Missing data for required field."]}}}

``errors`` appears only for validation failures. docs/api.md documents it;
tests/test_errors.py checks every path produces it.
"""

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class ApiError(HTTPException):
    """An error with our own message and optional field errors, e.g. ApiError(409, ...)."""

    def __init__(self, code, message, errors=None, **extra):
        super().__init__(description=message)
        self.code = code
        self.errors = errors
        self.extra = extra


def error_body(code, message, errors=None, **extra):
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"code": code, "status": HTTP_STATUS_CODES.get(code, "Error"), "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def handle_http_exception(error):
    data = getattr(error, "data", None) or {}
    errors = getattr(error, "errors", None) or data.get("messages")
    extra = getattr(error, "extra", None) or {}
    body = error_body(error.code, error.description or error.name, errors, **extra)
    response = jsonify(body)
    response.status_code = error.code
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def handle_unexpected(error):
    # The details go to the log, never to the client.
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError("Internal server error"))


def register(app):
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
