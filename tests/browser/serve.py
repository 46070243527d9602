"""Run the real app for the browser tests: ``python tests/browser/serve.py PORT``.

Uses create_app exactly as production does, but for the login rate limit and one fault
this file adds around it (never part of the app): a push whose body carries
``SERVER_FAULT`` answers 500, as a server bug would, so the tests can prove that one
mutation the server keeps failing on does not stop a phone's sync.
"""

import io
import json
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from server import create_app  # noqa: E402

SERVER_FAULT = b"SERVER-FAULT-500"


def failing_on_marked_pushes(wsgi_app):
    """WSGI middleware: 500 (the app's error shape) for a push that carries the marker."""
    def app(environ, start_response):
        if environ.get("PATH_INFO") == "/api/v1/sync/push":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            if SERVER_FAULT in body:
                payload = json.dumps({"code": 500, "status": "Internal Server Error",
                                      "message": "Injected by tests/browser/serve.py"})
                start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "application/json")])
                return [payload.encode()]
            environ["wsgi.input"] = io.BytesIO(body)
        return wsgi_app(environ, start_response)
    return app


def main(port):
    # Dozens of sign-ins a minute from one address is the suite, not an attack: loosen
    # only the login rate limit (the lockout and everything else stay as in production).
    app = create_app({"LOGIN_RATE_LIMIT": "1000 per minute"})
    app.wsgi_app = failing_on_marked_pushes(app.wsgi_app)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main(int(sys.argv[1]))
