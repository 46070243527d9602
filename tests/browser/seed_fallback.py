"""A minimal demo organisation for the browser tests, used only when the app has no
``seed-demo`` command yet: users and a team straight into the database (records are
then created through the sync API, as a phone would)."""

import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

import sqlalchemy as sa  # noqa: E402

from server import create_app  # noqa: E402
from server.extensions import db, sync_tables  # noqa: E402
from server.models import Team, User  # noqa: E402
from server.passwords import hash_password  # noqa: E402

PASSWORD = "fieldbook-demo"

if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        if db.session.scalar(sa.select(sa.func.count()).select_from(sync_tables.state)) == 0:
            db.session.execute(sa.insert(sync_tables.state).values(id=1, seq=0, pruned_seq=0))
        pw = hash_password(PASSWORD)
        team = Team(name="East")
        db.session.add(team)
        db.session.flush()
        users = {}
        for email, name, role in [("admin@demo", "Admin", "admin"),
                                  ("manager@demo", "Manager Li", "manager"),
                                  ("rep1@demo", "Rep Wang", "rep"),
                                  ("rep2@demo", "Rep Zhao", "rep")]:
            users[role if role != "rep" else email] = User(
                email=email, name=name, role=role, password_hash=pw, locale="en",
                team_id=None if role == "admin" else team.id)
        db.session.add_all(users.values())
        db.session.flush()
        team.manager_id = users["manager"].id
        db.session.commit()
