"""Bad input through the whole REST API: schemathesis (Python API) generates requests from
``/api/v1/openapi.json`` for every operation, sends them with a real bearer token, and
runs its checks on each answer: no 5xx, status codes, content types, headers and bodies
that match the documented schema, schema-valid data accepted, invalid data rejected.

Stateless: every operation on its own. Stateful (``stateful=True``): schemathesis'
state machine chains operations through the OpenAPI links, where the schema has any.

Two deliberate settings: text with NUL characters is not generated as valid data (the
server refuses it with 422 on purpose, see server/http.py), and ``426 Upgrade Required``
counts as an accepted answer to a schema-valid sync message, because the schema cannot
say "schema_version must be 1" without breaking the documented upgrade path
(docs/sync-protocol.md).
"""

import time

import schemathesis
from hypothesis import HealthCheck, given, settings

ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "426", "429"]


def _config():
    # NUL characters in text are refused with 422 on purpose (PostgreSQL cannot store
    # them; server/http.py): not generated as "valid" data.
    return schemathesis.config.SchemathesisConfig.from_dict({
        "generation": {"allow-x00": False},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}})


def load(app=None, base_url=None):
    if app is not None:
        return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=_config())
    return schemathesis.openapi.from_url(base_url + "/api/v1/openapi.json", config=_config())


def run(schema, token, max_examples=5, base_url=None, seed=None):
    """Every operation, ``max_examples`` generated cases each. Returns (operations,
    cases, failures) with failures as ``[(label, text)]``."""
    headers = {"Authorization": f"Bearer {token}"}
    failures, cases, operations = [], [0], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=max_examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), derandomize=seed is not None)
        @given(operation.as_strategy())
        def check(case):
            cases[0] += 1
            kwargs = {"base_url": base_url} if base_url else {}
            case.call_and_validate(headers=headers, **kwargs)

        try:
            check()
        except BaseException as error:  # noqa: BLE001  (schemathesis raises a group)
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append((operation.label, str(error)[:2000]))
    return operations, cases[0], failures


def run_stateful(schema, token, max_examples=20, base_url=None, timeout=300):
    """schemathesis' state machine over the OpenAPI links (if the schema has none, it
    says so and this returns ``None``)."""
    headers = {"Authorization": f"Bearer {token}"}
    try:
        machine = schema.as_state_machine()
    except BaseException as error:  # noqa: BLE001
        return {"skipped": f"no state machine: {error}"[:300]}

    class Machine(machine):
        def get_call_kwargs(self, case):
            kwargs = {"headers": headers}
            if base_url:
                kwargs["base_url"] = base_url
            return kwargs

    started = time.monotonic()
    try:
        Machine.run(settings=settings(max_examples=max_examples, deadline=None,
                                      database=None, stateful_step_count=6,
                                      suppress_health_check=list(HealthCheck)))
        return {"failures": [], "seconds": round(time.monotonic() - started, 1)}
    except BaseException as error:  # noqa: BLE001
        if isinstance(error, KeyboardInterrupt):
            raise
        return {"failures": [str(error)[:2000]], "seconds": round(time.monotonic() - started, 1)}
