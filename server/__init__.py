"""Fieldbook's Flask application: ``create_app`` builds it (the app-factory pattern)."""

import logging

from flask import Flask

from . import config, errors
from .extensions import db, jwt, limiter, migrate, openapi


class InsecureConfiguration(RuntimeError):
    """Raised at start-up when a production app would run with the default secret."""


def create_app(test_config=None):
    app = Flask(__name__, static_folder=None)
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_mapping(config.from_environment())
    if test_config:
        app.config.from_mapping(test_config)
    _refuse_default_secret(app)
    app.config.setdefault("JWT_SECRET_KEY", app.config["SECRET_KEY"])
    logging.basicConfig(level=logging.INFO)

    from . import database, http, tokens

    database.engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    jwt.init_app(app)
    limiter.init_app(app)
    openapi.init_app(app)
    errors.register(app)
    database.configure(app)
    tokens.configure(jwt)
    http.configure(app)
    _register_blueprints(app)

    from . import cli

    cli.register(app)
    return app


def _refuse_default_secret(app):
    if app.config["SECRET_KEY"] == config.DEFAULT_SECRET and not (app.debug or app.testing):
        raise InsecureConfiguration(
            "FIELDBOOK_SECRET_KEY is not set: refusing to start with the default secret key "
            "outside debug and test (make run generates one in var/secret_key).")


def _migrations_dir():
    import os

    return os.path.join(os.path.dirname(__file__), "migrations")


def _register_blueprints(app):
    from . import pwa
    from .api import register_all

    register_all(app, openapi)
    app.register_blueprint(pwa.bp)
