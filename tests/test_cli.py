"""Admin commands: create-user (then a real login), export-customer-data, the console script."""

import json
import os
import subprocess
import sys

import sqlalchemy as sa

from server.extensions import db
from server.models import Customer, Team, User
from server.seed import seed_demo

PASSWORD = "a sturdy password 42"


def login(client, email, password):
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_create_user_from_stdin_then_log_in(app, runner, client):
    result = runner.invoke(args=["create-user", "rep9@example.com", "--name", "赵敏 Zhao Min",
                                 "--role", "rep", "--team", "华南 / South", "--password-stdin"],
                           input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "created team" in result.output
    user = db.session.scalar(sa.select(User).where(User.email == "rep9@example.com"))
    assert user.role == "rep" and user.name == "赵敏 Zhao Min"
    assert db.session.get(Team, user.team_id).name == "华南 / South"
    assert PASSWORD not in user.password_hash and user.password_hash.startswith("$argon2id$")
    response = login(client, "rep9@example.com", PASSWORD)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["user"]["role"] == "rep"
    assert login(client, "rep9@example.com", "wrong password!").status_code == 401


def test_create_user_prompts_for_the_password_twice(app, runner, client):
    result = runner.invoke(args=["create-user", "boss@example.com", "--name", "Boss",
                                 "--role", "manager", "--team", "North"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # the prompt hides the input
    team = db.session.scalar(sa.select(Team).where(Team.name == "North"))
    manager = db.session.scalar(sa.select(User).where(User.email == "boss@example.com"))
    assert team.manager_id == manager.id  # a manager of a team without one leads it
    assert login(client, "boss@example.com", PASSWORD).status_code == 200


def test_create_user_refusals(app, runner):
    runner.invoke(args=["create-user", "a@example.com", "--name", "A", "--role", "admin",
                        "--password-stdin"], input=PASSWORD + "\n")
    duplicate = runner.invoke(args=["create-user", "A@example.com", "--name", "A2", "--role",
                                    "rep", "--password-stdin"], input=PASSWORD + "\n")
    assert duplicate.exit_code != 0 and "exists already" in duplicate.output
    short = runner.invoke(args=["create-user", "b@example.com", "--name", "B", "--role", "rep",
                                "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "at least" in short.output
    role = runner.invoke(args=["create-user", "c@example.com", "--name", "C", "--role", "boss",
                               "--password-stdin"], input=PASSWORD + "\n")
    assert role.exit_code != 0
    no_flag = runner.invoke(args=["create-user", "d@example.com", "--name", "D", "--role", "rep",
                                  "--password", PASSWORD])
    assert no_flag.exit_code != 0  # there is no flag that takes a secret
    emails = set(db.session.scalars(sa.select(User.email)))
    assert emails == {"a@example.com"}


def test_export_customer_data(app, runner, tmp_path):
    seed_demo()
    customer = db.session.scalar(sa.select(Customer).where(
        Customer.name == "无锡华光电力设备有限公司"))
    target = tmp_path / "handover"
    result = runner.invoke(args=["export-customer-data", customer.id, str(target)])
    assert result.exit_code == 0, result.output
    files = sorted(os.listdir(target))
    assert files == sorted(["customer.json", "competitors.json", "contacts.json",
                            "contact_personal.json", "opportunities.json", "visits.json",
                            "tasks.json", "history.json", "manifest.json"])

    def load(name):
        return json.loads((target / name).read_text(encoding="utf-8"))

    profile = load("customer.json")
    assert profile["name"] == "无锡华光电力设备有限公司"
    assert profile["owner"]["email"] == "rep1@demo"
    assert "installed_base" in profile and "purchase_plans" in profile
    manifest = load("manifest.json")
    for name in ("contacts", "opportunities", "visits", "tasks", "competitors"):
        items = load(f"{name}.json")
        assert len(items) == manifest["counts"][name] > 0, name
        assert all(item["customer_id"] == customer.id for item in items)
    contact_ids = {c["id"] for c in load("contacts.json")}
    assert all(p["id"] in contact_ids for p in load("contact_personal.json"))
    assert {o["milestone"] for o in load("opportunities.json")}
    assert isinstance(load("visits.json")[0]["cost_amount"], str)  # exact decimals
    assert any(entry["op"] == "create" for entry in load("history.json"))
    missing = runner.invoke(args=["export-customer-data", "no-such-id", str(tmp_path / "x")])
    assert missing.exit_code != 0 and "no customer" in missing.output


def test_console_script_is_the_flask_cli(tmp_path):
    env = {**os.environ, "FIELDBOOK_SECRET_KEY": "a-test-secret-key-for-the-console-0123456789",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    code = "from server.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", code, "--help"], env=env, cwd=os.getcwd(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for command in ("create-user", "seed-demo", "export-customers", "import-customers",
                    "export-customer-data", "db", "run"):
        assert command in result.stdout, command
