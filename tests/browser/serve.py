"""Run the real app for the browser tests: ``python tests/browser/serve.py PORT``.

Uses create_app exactly as production does, but for the login rate limit.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from server import create_app  # noqa: E402

# Dozens of sign-ins a minute from one address is the suite, not an attack: loosen only
# the login rate limit (the lockout and everything else stay as in production).
app = create_app({"LOGIN_RATE_LIMIT": "1000 per minute"})

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]), threaded=True, use_reloader=False)
