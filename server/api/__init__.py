"""Blueprints, one module per resource, registered by create_app."""

from . import auth, meta, sync

API_BLUEPRINTS = [auth.bp, meta.bp, sync.bp]


def register_all(app, openapi):
    openapi.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in API_BLUEPRINTS:
        openapi.register_blueprint(blueprint)
    app.register_blueprint(meta.health)
