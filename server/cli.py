"""Admin commands: ``flask --app server:create_app <command>``, or ``fieldbook <command>``.

- ``create-user EMAIL --name --role --team``: password from a prompt or ``--password-stdin``
- ``seed-demo [--if-empty]``: the stage template and the demo organisation
- ``export-customers FILE.csv [--owner EMAIL]`` / ``import-customers FILE.csv --owner EMAIL``
- ``export-customer-data CUSTOMER_ID DIR``: everything about one customer, as JSON
- ``sync-prune --days 90``: forget old tombstones and stored push results, and sign-in
  sessions expired that long
"""

import sys
import time

import click
import sqlalchemy as sa
from flask.cli import FlaskGroup

from . import domain
from .extensions import db
from .models import AuthSession, Team, User
from .passwords import hash_password

MIN_PASSWORD = 10


def register(app):
    for command in (create_user, seed_demo, export_customers, import_customers,
                    export_customer_data, sync_prune):
        app.cli.add_command(command)


def _user_by_email(email):
    user = db.session.scalar(sa.select(User).where(
        sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def _read_password(from_stdin):
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD} characters")
    return password


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Display name")
@click.option("--role", required=True, type=click.Choice(list(domain.ROLES)))
@click.option("--team", "team_name", help="Team name (created if it does not exist); a "
              "manager becomes the manager of a team that has none")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input")
def create_user(email, name, role, team_name, password_stdin):
    """Create a user. The password is prompted for (or read from stdin), never a flag."""
    email = email.strip()
    if "@" not in email or len(email) > 254:
        raise click.ClickException(f"not an email address: {email}")
    if db.session.scalar(sa.select(User.id).where(
            sa.func.lower(User.email) == email.lower())) is not None:
        raise click.ClickException(f"a user with email {email} exists already")
    password = _read_password(password_stdin)
    team = None
    if team_name:
        team = db.session.scalar(sa.select(Team).where(Team.name == team_name))
        if team is None:
            team = Team(name=team_name)
            db.session.add(team)
            db.session.flush()
            click.echo(f"created team {team_name}")
    user = User(email=email, name=name, role=role, team_id=team.id if team else None,
                password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    if team is not None and role == "manager" and team.manager_id is None:
        team.manager_id = user.id
        click.echo(f"{email} manages {team_name}")
    db.session.commit()
    click.echo(f"created {role} {email} ({user.id})")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any user exists (first start)")
def seed_demo(if_empty):
    """Create the stage template and the demo organisation (password fieldbook-demo)."""
    from .seed import AlreadySeeded
    from .seed import seed_demo as run

    started = time.perf_counter()
    try:
        demo = run(if_empty=if_empty)
    except AlreadySeeded as error:
        raise click.ClickException(str(error)) from None
    if demo is None:
        click.echo("users exist already: demo data not seeded")
        return
    counts = ", ".join(f"{count} {table}" for table, count in demo.counts.items())
    click.echo(f"seeded the demo organisation in {time.perf_counter() - started:.1f}s: "
               f"{counts}")
    click.echo("log in as admin@demo, manager@demo, rep1@demo or rep2@demo "
               "with the password fieldbook-demo")


@click.command("export-customers")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--owner", help="Only this rep's customers (email)")
def export_customers(path, owner):
    """Export customers to CSV (UTF-8 with BOM, opens in Excel)."""
    from .csv_io import export_customers as run

    owner_id = _user_by_email(owner).id if owner else None
    count = run(path, owner_id=owner_id)
    click.echo(f"exported {count} customers to {path}")


@click.command("import-customers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", required=True, help="The rep the customers belong to (email)")
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing")
def import_customers(path, owner, dry_run):
    """Import customers from CSV: rows with an id update that customer, others create one.

    Every row is validated; bad rows are reported by row number (the header is row 1)
    and not imported. The exit status is 1 when any row was refused.
    """
    from .csv_io import CsvError
    from .csv_io import import_customers as run

    user = _user_by_email(owner)
    try:
        report = run(path, user, dry_run=dry_run)
    except CsvError as error:
        raise click.ClickException(str(error)) from None
    for row, errors in report.errors:
        for field, messages in errors.items():
            click.echo(f"row {row}: {field}: {'; '.join(map(str, messages))}", err=True)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.created} new and {report.updated} updated customers, "
               f"{report.unchanged} unchanged, {len(report.errors)} rows refused")
    if report.errors:
        sys.exit(1)


@click.command("export-customer-data")
@click.argument("customer_id")
@click.argument("directory", type=click.Path(file_okay=False))
def export_customer_data(customer_id, directory):
    """Everything about one customer as JSON files in DIRECTORY (e.g. for a handover)."""
    from .csv_io import export_customer_data as run

    try:
        written = run(customer_id, directory)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {', '.join(written)} to {directory}")


@click.command("sync-prune")
@click.option("--days", default=90, show_default=True, type=click.IntRange(min=1),
              help="Keep tombstones, stored push results, evictions and expired sign-in "
              "sessions this many days")
def sync_prune(days):
    """Forget sync history older than --days; phones older than that re-download. Sign-in
    sessions that expired before then go too (their tokens expired with them)."""
    from datetime import UTC, datetime, timedelta

    from sync.prune import prune

    from . import login_throttle, rate_limit_storage, tokens
    from .access import SYSTEM
    from .sync_registry import registry

    older_than = datetime.now(UTC) - timedelta(days=days)
    counts = prune(db.session, registry, SYSTEM, older_than)
    counts["auth_sessions"] = db.session.execute(sa.delete(AuthSession).where(
        AuthSession.expires_at < older_than)).rowcount
    # Sign-in counters that no longer slow anyone down (server/login_throttle.py).
    counts["login_throttle"] = login_throttle.prune(tokens.clock())
    counts["rate_limit_counters"] = rate_limit_storage.prune(db.session)
    db.session.commit()
    click.echo(", ".join(f"{name}: {count}" for name, count in counts.items()))


def main():
    """The ``fieldbook`` console script: ``flask --app server:create_app`` under one name."""
    from . import create_app

    FlaskGroup(create_app=create_app, help="Fieldbook: admin commands, db migrations, "
               "run and shell.").main(prog_name="fieldbook")
