"""Users and teams. Admins write; a manager reads their teams' users; everyone reads
themselves. Team moves and manager changes move customers between phones, so they go
through scope_changes."""

import functools

from flask_jwt_extended import current_user, jwt_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, or_, select

from .. import scope_changes, tokens
from ..access import Access
from ..domain import ROLES
from ..errors import ApiError
from ..extensions import db
from ..models import Team, User
from ..passwords import hash_password
from ..schemas.common import uuid_ref
from .listing import ListArgs, page_schema, paginate, patch_schema, search
from .resource import BEARER

users_bp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                     description="People: admins manage them")
teams_bp = Blueprint("teams", __name__, url_prefix="/api/v1/teams",
                     description="Sales teams and their managers: admins manage them")

LOCALES = ["zh-CN", "en"]


class AccountSchema(Schema):
    """A user as the admin screens see it (the password is write-only)."""

    id = fields.String(dump_only=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    name = fields.String(required=True, validate=validate.Length(1, 120))
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    team_id = uuid_ref(allow_none=True)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    active = fields.Boolean()
    password = fields.String(required=True, load_only=True, validate=validate.Length(10, 200))
    created_at = fields.AwareDateTime(dump_only=True)


class TeamSchema(Schema):
    id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 120))
    territory = fields.String(allow_none=True, validate=validate.Length(max=120))
    manager_id = uuid_ref(allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)


AccountPatchSchema = patch_schema(AccountSchema)
TeamPatchSchema = patch_schema(TeamSchema)


class UserFilters(ListArgs):
    team_id = uuid_ref()
    role = fields.String(validate=validate.OneOf(list(ROLES)))
    active = fields.Boolean()


class TeamFilters(ListArgs):
    pass


def admin_required(view):
    """Refuse non-admins before the body is even validated (403, never 422)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.role != "admin":
            raise ApiError(403, "Only admins manage users and teams")
        return view(*args, **kwargs)
    return wrapper


def _admin_access():
    return Access.for_user(db.session, current_user)


def _field_error(field, message):
    return ApiError(422, message, {"json": {field: [message]}})


# -- users ------------------------------------------------------------------------------
def _visible_users():
    """Admins: everyone; managers: their teams and themselves; reps: themselves."""
    query = select(User)
    if current_user.role == "admin":
        return query
    managed = select(Team.id).where(Team.manager_id == current_user.id)
    if current_user.role == "manager":
        return query.where(or_(User.id == current_user.id, User.team_id.in_(managed)))
    return query.where(User.id == current_user.id)


def _user_or_404(key):
    user = db.session.scalar(_visible_users().where(User.id == str(key)))
    if user is None:
        raise ApiError(404, "No such user")
    return user


def _check_team(team_id):
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise _field_error("team_id", "No such team.")


def _check_email_free(email, user_id=None):
    taken = db.session.scalar(select(User.id).where(
        func.lower(User.email) == email.strip().lower(), User.id != (user_id or "")))
    if taken is not None:
        raise ApiError(409, "A user with this email exists")


@users_bp.route("", methods=["GET"])
@jwt_required()
@users_bp.arguments(UserFilters, location="query")
@users_bp.response(200, page_schema(AccountSchema))
@users_bp.doc(security=BEARER)
def list_users(args):
    """Users you may see, by name."""
    query = _visible_users()
    for name in ("team_id", "role", "active"):
        if name in args:
            query = query.where(getattr(User, name) == args[name])
    if args.get("q"):
        query = query.where(search(args["q"], User.name, User.email))
    return paginate(db.session, query.order_by(User.name, User.id), args)


@users_bp.route("/<uuid:key>", methods=["GET"])
@jwt_required()
@users_bp.response(200, AccountSchema)
@users_bp.doc(security=BEARER)
def read_user(key):
    """One user (yourself, your team's as a manager, anyone as an admin)."""
    return _user_or_404(key)


@users_bp.route("", methods=["POST"])
@jwt_required()
@admin_required
@users_bp.arguments(AccountSchema)
@users_bp.response(201, AccountSchema)
@users_bp.doc(security=BEARER)
def create_user(data):
    """Create a user (admins); the password is stored as an Argon2id hash."""
    _check_team(data.get("team_id"))
    _check_email_free(data["email"])
    user = User(password_hash=hash_password(data.pop("password")), **data)
    db.session.add(user)
    db.session.commit()
    return user


@users_bp.route("/<uuid:key>", methods=["PATCH"])
@jwt_required()
@admin_required
@users_bp.arguments(AccountPatchSchema)
@users_bp.response(200, AccountSchema)
@users_bp.doc(security=BEARER)
def update_user(data, key):
    """Change a user (admins): name, role, team, locale, password; ``active: false``
    deactivates. Both end every session of the user at once (reactivating revives none)."""
    access = _admin_access()
    user = _user_or_404(key)
    _check_user_change(user, data)
    ends = ("deactivated" if data.get("active") is False
            else "password" if "password" in data else None)
    if "password" in data:
        data["password_hash"] = hash_password(data.pop("password"))
    moves_team = "team_id" in data and data["team_id"] != user.team_id
    # To or from admin, everything the user sees changes: their phones start again.
    restarts = "role" in data and (data["role"] == "admin") != (user.role == "admin")
    if not moves_team and not restarts:
        _change_user(user, data, ends)
        db.session.commit()
        return user
    affected = scope_changes.seen_through({user.id}) if moves_team else set()
    db.session.rollback()  # nothing pending: scope_changes starts its own transaction

    def change(changes):
        _change_user(db.session.get(User, str(key)), data, ends)
        if restarts:
            scope_changes.restart_phones(changes, str(key))

    scope_changes.apply(access, affected, change)
    return db.session.get(User, str(key))


def _check_user_change(user, data):
    if "email" in data:
        _check_email_free(data["email"], user.id)
    _check_team(data.get("team_id"))
    if user.id == current_user.id and (data.get("active") is False
                                       or data.get("role", "admin") != "admin"):
        raise ApiError(409, "Admins cannot deactivate or demote themselves")
    if data.get("role", "manager") != "manager" and db.session.scalar(
            select(Team.id).where(Team.manager_id == user.id)) is not None:
        raise ApiError(409, "This user manages a team: give the team another manager first")


def _change_user(user, data, ends):
    """Assign, and with ``ends`` (password or deactivated) end the user's sessions in the
    same transaction."""
    _assign(user, data)
    if ends:
        tokens.end_user_sessions(user, ends)


def _assign(obj, data):
    for name, value in data.items():
        setattr(obj, name, value)


# -- teams ------------------------------------------------------------------------------
def _visible_teams():
    query = select(Team)
    if current_user.role == "admin":
        return query
    return query.where(or_(Team.id == current_user.team_id, Team.manager_id == current_user.id))


def _team_or_404(key):
    team = db.session.scalar(_visible_teams().where(Team.id == str(key)))
    if team is None:
        raise ApiError(404, "No such team")
    return team


def _check_manager(manager_id):
    if manager_id is None:
        return
    user = db.session.get(User, manager_id)
    if user is None or not user.active or user.role != "manager":
        raise _field_error("manager_id", "Not an active user with the manager role.")


def _check_name_free(name, team_id=None):
    if db.session.scalar(select(Team.id).where(Team.name == name,
                                               Team.id != (team_id or ""))) is not None:
        raise ApiError(409, "A team with this name exists")


@teams_bp.route("", methods=["GET"])
@jwt_required()
@teams_bp.arguments(TeamFilters, location="query")
@teams_bp.response(200, page_schema(TeamSchema))
@teams_bp.doc(security=BEARER)
def list_teams(args):
    """Teams you belong to or manage (all of them for admins)."""
    query = _visible_teams()
    if args.get("q"):
        query = query.where(search(args["q"], Team.name, Team.territory))
    return paginate(db.session, query.order_by(Team.name, Team.id), args)


@teams_bp.route("/<uuid:key>", methods=["GET"])
@jwt_required()
@teams_bp.response(200, TeamSchema)
@teams_bp.doc(security=BEARER)
def read_team(key):
    """One team."""
    return _team_or_404(key)


@teams_bp.route("", methods=["POST"])
@jwt_required()
@admin_required
@teams_bp.arguments(TeamSchema)
@teams_bp.response(201, TeamSchema)
@teams_bp.doc(security=BEARER)
def create_team(data):
    """Create a team (admins). It has no members yet, so nobody's scope changes."""
    _check_manager(data.get("manager_id"))
    _check_name_free(data["name"])
    team = Team(**data)
    db.session.add(team)
    db.session.commit()
    return team


@teams_bp.route("/<uuid:key>", methods=["PATCH"])
@jwt_required()
@admin_required
@teams_bp.arguments(TeamPatchSchema)
@teams_bp.response(200, TeamSchema)
@teams_bp.doc(security=BEARER)
def update_team(data, key):
    """Rename a team or change its manager (admins); the old manager's phones drop the
    team's customers, the new manager's receive them."""
    access = _admin_access()
    team = _team_or_404(key)
    _check_manager(data.get("manager_id"))
    if "name" in data:
        _check_name_free(data["name"], team.id)
    if data.get("manager_id", team.manager_id) == team.manager_id:
        _assign(team, data)
        db.session.commit()
        return team
    members = set(db.session.scalars(select(User.id).where(User.team_id == team.id)))
    affected = scope_changes.seen_through(members)
    db.session.rollback()
    scope_changes.apply(access, affected, lambda _changes: _assign(
        db.session.get(Team, str(key)), data))
    return db.session.get(Team, str(key))


@teams_bp.route("/<uuid:key>", methods=["DELETE"])
@jwt_required()
@admin_required
@teams_bp.response(204)
@teams_bp.doc(security=BEARER)
def delete_team(key):
    """Delete an empty team (admins); move its members elsewhere first."""
    team = _team_or_404(key)
    if db.session.scalar(select(User.id).where(User.team_id == team.id).limit(1)):
        raise ApiError(409, "The team still has members: move them first")
    db.session.delete(team)
    db.session.commit()
