"""Blueprints, one module per resource, registered by create_app."""

from . import (
    activities,
    audit,
    auth,
    check_ins,
    contacts,
    customers,
    leads,
    meta,
    opportunities,
    pipeline,
    promotions,
    stages,
    sync,
    users,
    visit_plans,
)

API_BLUEPRINTS = [auth.bp, meta.bp, sync.bp,
                  customers.bp, customers.competitors_bp, contacts.bp, contacts.personal_bp,
                  opportunities.bp, activities.visits_bp, activities.tasks_bp,
                  stages.bp, stages.conflicts_bp, users.users_bp, users.teams_bp, audit.bp,
                  promotions.bp, promotions.history_bp, pipeline.bp, pipeline.targets_bp,
                  visit_plans.bp, check_ins.bp, leads.bp]


def register_all(app, openapi):
    openapi.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in API_BLUEPRINTS:
        openapi.register_blueprint(blueprint)
    app.register_blueprint(meta.health)
