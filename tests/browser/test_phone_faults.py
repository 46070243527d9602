"""The phone-side fault proof, short (``python -m reliability phone`` runs 5 x 80 steps
on each database; docs/reliability.md): one Chromium phone, served by a real gunicorn,
killed mid-save and mid-sync, its session expired and shared by two reps while mostly
offline, ends with every visit it kept on the server exactly once."""

import os

import pytest

from reliability import phone
from reliability.env import Database, Server

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def deployment(request, tmp_path):
    database = (Database.sqlite(str(tmp_path)) if request.param == "sqlite"
                else Database.postgresql("phone"))
    try:
        database.prepare(0, seed=False)
        with Server(database, workers=2, log_path=str(tmp_path / "gunicorn.log")) as server:
            yield database, server
    finally:
        database.drop()


def test_kills_expiry_and_a_second_user_lose_and_double_nothing(deployment, browser):
    database, server = deployment
    result = phone.exercise(database, server, steps=14, seed=3, browser=browser)
    assert result["kept_on_phone"] > 0 and result["on_server"] == result["kept_on_phone"]
    assert result["lost"] == result["doubled"] == result["unexpected"] == 0
