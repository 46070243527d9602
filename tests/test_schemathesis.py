"""schemathesis against /api/v1/openapi.json, in-process, with a real bearer token:
no 5xx and no answer that breaks the documented schema, for every operation. The full
run (``python -m reliability``) sends many more cases to gunicorn; see
reliability/api_fuzz.py for the checks and the one setting (426 on sync)."""

import sqlalchemy as sa
from conftest import PASSWORD

from reliability import api_fuzz
from server.extensions import db


def test_every_operation_answers_within_its_schema(app, org, auth):
    token = auth.login(org.rep1, PASSWORD)["access_token"]
    db.session.commit()
    schema = api_fuzz.load(app=app)
    operations, cases, failures = api_fuzz.run(schema, token, max_examples=2, seed=1)
    assert operations >= 70 and cases >= operations
    assert failures == [], "\n\n".join(f"{label}\n{text}" for label, text in failures)
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT 1")) == 1  # the database is still fine
