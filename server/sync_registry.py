"""The synced tables, described for the sync engine: fields, rules, validation."""

import math

from marshmallow import ValidationError, fields, missing, validate

from sync.engine import Registry, Rejected, TableSpec

from . import check_ins, leads, models, promotions, schemas, storable, visit_plans
from .access import rescope, viewers
from .extensions import sync_tables

# Long texts that are never overwritten on a conflict: both versions are kept.
TEXT_MERGE = {
    "customers": {"notes"},
    "contacts": {"notes"},
    "visits": {"notes", "outcome", "purpose"},
    "visit_plans": {"purpose"},
    "opportunities": {"notes"},
    "leads": {"note"},
}

SYNCED = [
    # (name, model, schema, scope column)
    ("customers", models.Customer, schemas.CustomerSchema, "id"),
    ("competitors", models.Competitor, schemas.CompetitorSchema, "customer_id"),
    ("contacts", models.Contact, schemas.ContactSchema, "customer_id"),
    ("contact_personal", models.ContactPersonal, schemas.ContactPersonalSchema, "customer_id"),
    ("opportunities", models.Opportunity, schemas.OpportunitySchema, "customer_id"),
    ("visits", models.Visit, schemas.VisitSchema, "customer_id"),
    ("tasks", models.Task, schemas.TaskSchema, "customer_id"),
    ("stages", models.Stage, schemas.StageSchema, None),
    ("conflicts", models.Conflict, schemas.ConflictSchema, "customer_id"),
    ("promotions", models.Promotion, schemas.PromotionSchema, "customer_id"),
    ("check_ins", models.CheckIn, schemas.CheckInSchema, "customer_id"),
    ("visit_plans", models.VisitPlan, schemas.VisitPlanSchema, "customer_id"),
    # A lead has no customer yet: it is its own scope key, as a customer is.
    ("leads", models.Lead, schemas.LeadSchema, "id"),
]

ENGINE_COLUMNS = {"id", "seq", "field_versions", "deleted", "created_at", "updated_at",
                  "created_by", "updated_by", "customer_id"}


def _validator(schema_class):
    schema = schema_class()
    # A push's mutations edit a field or two, or create a record. For a schema with no
    # hooks, a load is each field's own deserialize (marshmallow's checks and messages)
    # plus, on a create, the required fields' presence and the defaults of the absent
    # ones; so the fields are checked one by one (a third of schema.load's time for a new
    # visit). Anything else (an unknown or misnamed field, an error, an absent required
    # or defaulted field, a schema with @validates...) goes through schema.load, which
    # then reports it in marshmallow's words.
    hooks = getattr(schema, "_hooks", None)  # marshmallow's registry of @validates... hooks
    by_field = {} if hooks is None or any(hooks.values()) else {
        name: field for name, field in schema.load_fields.items() if field.data_key is None}
    # What a create must name, or leave to schema.load: every field that is required,
    # fills a default when absent, or is known only by its data_key.
    named_on_create = frozenset(
        name for name, field in schema.load_fields.items()
        if field.required or field.load_default is not missing or field.data_key is not None)

    loaders = {name: _loader(name, field) for name, field in by_field.items()}

    def load(values, creating):
        if loaders.keys() >= values.keys() and (not creating
                                                or named_on_create <= values.keys()):
            try:
                return {name: loaders[name](value, values) for name, value in values.items()}
            except ValidationError:
                pass
        try:
            return schema.load(values, partial=not creating)
        except ValidationError as error:
            raise Rejected("invalid", "Invalid fields", error.messages) from None

    def validate(values, creating):
        values.pop("id", None)
        # Whatever the field, what the database cannot store is refused here, for this
        # record alone (a push's other mutations go on), not by the insert, a 500: text
        # before the schema (whose errors would quote a dict's bad key, and are stored
        # with the push's results), dates and numbers as the schema made them.
        _refuse_unstorable(values, dates_and_numbers=False)
        loaded = load(values, creating)
        _refuse_unstorable(loaded, text=False)
        return loaded

    return validate


def _refuse_unstorable(values, **looking_at):
    unstorable = storable.problems(values, **looking_at)
    if unstorable:
        raise Rejected("invalid", "Invalid fields", unstorable)


def _loader(name, field):
    """``field.deserialize``, except that a value a plain text field takes as it is (a
    string of an allowed length or choice) is taken without it: most of a push's edits
    are such texts, and marshmallow's layers cost more than the checks."""
    plain = _plain_text(field)
    if plain is None:
        return lambda value, data: field.deserialize(value, name, data)
    return lambda value, data: value if plain(value) else field.deserialize(value, name, data)


def _plain_text(field):
    """For a ``fields.String`` checked only by lengths and choices: a test that passes
    the values its deserialize returns unchanged (any other goes to deserialize, which
    answers or words the error); None for any other field."""
    if type(field) is not fields.String or field.pre_load or field.post_load:
        return None
    rules = []
    for rule in field.validators:
        if type(rule) is validate.Length and rule.equal is None:
            rules.append((rule.min or 0, math.inf if rule.max is None else rule.max))
        elif type(rule) is validate.OneOf and all(type(c) is str for c in rule.choices):
            rules.append(frozenset(rule.choices))
        else:
            return None

    def plain(value):
        return type(value) is str and all(
            value in rule if type(rule) is frozenset else rule[0] <= len(value) <= rule[1]
            for rule in rules)
    return plain


def _owner_defaults(field):
    def on_create(policy, values):
        return {field: policy.user_id}
    return on_create


def _opportunity_defaults(policy, values):
    return {"owner_id": policy.user_id, "milestone": 1, "probability": 5, "status": "open",
            "stage_entered_at": None}


ON_CREATE = {
    "customers": _owner_defaults("owner_id"),
    "opportunities": _opportunity_defaults,
    "visits": _owner_defaults("author_id"),
    "tasks": _owner_defaults("assignee_id"),
    "promotions": promotions.on_create,
    "check_ins": check_ins.on_create,
    "visit_plans": visit_plans.on_create,
    "leads": lambda policy, values: {"owner_id": policy.user_id, "status": "new"},
}


def _customer_reassigned(changes, key, before, applied):
    """A new owner: phones that lose the customer (or its personal data) evict it, new
    viewers get it all (a new owner who saw it through a share: its personal data)."""
    if before is None or "owner_id" not in applied:
        return
    changes.policy.forget_scope()
    session = changes.session
    rescope(changes, key, viewers(session, key, owner_id=before["owner_id"]),
            viewers(session, key, owner_id=applied["owner_id"]))


# What the access rules and hooks read of a row before a write, besides the fields
# written (server/access.py checks owners; promotions.py reads the whole request).
ROW_READS = {"customers": frozenset({"owner_id"}), "opportunities": frozenset({"owner_id"}),
             "promotions": None, "leads": leads.READS, "visit_plans": frozenset({"rep_id"})}

# Stage promotions: requests and decisions re-validated on arrival; an approval moves the
# opportunity in the same ChangeSet (server/promotions.py).
# Visit plans: who plans for whom; a visit logged from a plan marks it done
# (server/visit_plans.py).
# Check-ins: created, never changed; arrival time and distance are the server's
# (server/check_ins.py).
BEFORE_WRITE = {"leads": leads.before_write,
                "promotions": promotions.before_write,
                "check_ins": check_ins.before_write,
                "visit_plans": visit_plans.plan_before_write,
                "visits": visit_plans.visit_before_write}
AFTER_WRITE = {"customers": _customer_reassigned, "promotions": promotions.after_write,
               "visits": visit_plans.visit_after_write,
               "leads": _customer_reassigned}


def _spec(name, model, schema_class, scope_column):
    table = model.__table__
    fields = tuple(c.name for c in table.columns if c.name not in ENGINE_COLUMNS)
    load_fields = schema_class().load_fields
    loadable = {f.data_key or key for key, f in load_fields.items()}
    writable = frozenset(loadable & (set(fields) | {"customer_id"}))
    return TableSpec(
        name=name, table=table, fields=fields, writable=writable,
        validate=_validator(schema_class), text_merge=frozenset(TEXT_MERGE.get(name, ())),
        scope_column=scope_column, on_create=ON_CREATE.get(name),
        before_write=BEFORE_WRITE.get(name), after_write=AFTER_WRITE.get(name),
        sensitive=name == "contact_personal",
        # Personal data about a contact goes with the contact.
        deleted_with="contacts" if name == "contact_personal" else None,
        # Conflict records are the engine's: seen as the record they are about.
        about_column="table_name" if name == "conflicts" else None,
        creatable=name != "conflicts",
        required=frozenset(f.data_key or key for key, f in load_fields.items() if f.required),
        # A promotion request is withdrawn, not erased: its history must stay; a
        # check-in is the record of a visit that happened.
        deletable=name not in ("conflicts", "promotions", "check_ins"),
        row_reads=ROW_READS.get(name, frozenset()))


def build_registry():
    return Registry({name: _spec(*entry) for entry in SYNCED for name in [entry[0]]},
                    sync_tables)


registry = build_registry()
