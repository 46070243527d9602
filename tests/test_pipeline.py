"""Pipeline figures against hand-computed expectations on a small fixed data set, scope
per role, CSV export, and targets.

The data set (team A: manager, rep1, rep2; team B: rep_b), T = today (UTC):

| deal | owner | cur | amount  | milestone (p%) | status | close       | stage since |
|------|-------|-----|---------|----------------|--------|-------------|-------------|
| A    | rep1  | CNY | 100000  | 2 (10) *       | open   | 2031-01-15  | T-50        |
| B    | rep1  | CNY | 200000  | 4 (50) **      | open   | 2031-01-20  | T-5         |
| C    | rep1  | USD |  50000  | 3 (25)         | open   | 2031-02-10  | T-10        |
| D    | rep1  | CNY |      0  | 1 (5)          | open   | 2031-01-01  | (created T) |
| E    | rep1  | CNY |  80000  | 3 (0)          | lost   | 2031-01-05  | T-20        |
| W    | rep1  | CNY | 300000  | 6 (100)        | won    | 2031-01-10  | T-30        |
| F    | rep2  | CNY |  50000  | 5 (75)         | open   | T+7         | T-3         |
| G    | rep2  | EUR |  10000  | 1 (5)          | open   | 2020-06-30  | T-3         |
| H    | rep_b | CNY | 999999  | 2 (10)         | open   | 2031-01-15  | T-1         |

\\* A reached 2 through an approved promotion (today); ** B has a pending request 4 -> 5.
Targets: rep1 2031-01 CNY 220000, rep1 2031-03 CNY 1000, rep2 2031-01 CNY 50000,
rep_b 2031-01 CNY 10. A contact at F's customer turned opponent today.
"""

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from api_helpers import API, assert_error

from server.access import Access
from server.extensions import db
from server.models import Target
from server.seed import open_changeset
from server.stage_defaults import DEFAULT_STAGES

T = None  # today (UTC): set as each test starts, not when the module is imported


@pytest.fixture(autouse=True)
def _today():
    """The server dates what it writes by its own clock: a suite that runs across
    midnight (UTC) must not compare with the day it was imported on."""
    global T
    T = datetime.now(UTC).date()


def _at(day):
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _opp(customer_id, owner, currency, amount, milestone, probability, close, since,
         status="open"):
    return {"customer_id": customer_id, "owner_id": owner.id, "name": "deal",
            "currency": currency, "amount": Decimal(amount), "milestone": milestone,
            "probability": probability, "status": status, "expected_close_date": close,
            "stage_entered_at": _at(since) if since else None}


@pytest.fixture
def data(app, org):
    ids = {name: str(uuid.uuid4()) for name in "ABCDEFGHW"}
    cust = {name: str(uuid.uuid4()) for name in ("c1", "c2", "c3", "cb")}
    admin = Access.for_user(db.session, org.admin)
    with open_changeset(db.session, admin) as changes:
        for stage in DEFAULT_STAGES:
            changes.put("stages", str(uuid.uuid4()), dict(stage))
        for key, owner in (("c1", org.rep1), ("c2", org.rep2), ("c3", org.rep2),
                           ("cb", org.rep_b)):
            changes.put("customers", cust[key], {"name": key, "owner_id": owner.id},
                        authoritative=True)
        rows = {
            "A": _opp(cust["c1"], org.rep1, "CNY", 100000, 1, 5, date(2031, 1, 15), None),
            "B": _opp(cust["c1"], org.rep1, "CNY", 200000, 4, 50, date(2031, 1, 20),
                      T - timedelta(days=5)),
            "C": _opp(cust["c1"], org.rep1, "USD", 50000, 3, 25, date(2031, 2, 10),
                      T - timedelta(days=10)),
            "D": _opp(cust["c1"], org.rep1, "CNY", 0, 1, 5, date(2031, 1, 1), None),
            "E": _opp(cust["c1"], org.rep1, "CNY", 80000, 3, 0, date(2031, 1, 5),
                      T - timedelta(days=20), status="lost"),
            "W": _opp(cust["c1"], org.rep1, "CNY", 300000, 6, 100, date(2031, 1, 10),
                      T - timedelta(days=30), status="won"),
            "F": _opp(cust["c2"], org.rep2, "CNY", 50000, 5, 75, T + timedelta(days=7),
                      T - timedelta(days=3)),
            "G": _opp(cust["c3"], org.rep2, "EUR", 10000, 1, 5, date(2020, 6, 30),
                      T - timedelta(days=3)),
            "H": _opp(cust["cb"], org.rep_b, "CNY", 999999, 2, 10, date(2031, 1, 15),
                      T - timedelta(days=1)),
        }
        for name, values in rows.items():
            changes.put("opportunities", ids[name], values, authoritative=True)
        # A moves 1 -> 2 through a request by rep1 approved by the manager
        changes.policy = Access.for_user(db.session, org.rep1)
        request_a, request_b = str(uuid.uuid4()), str(uuid.uuid4())
        changes.put("promotions", request_a, {
            "customer_id": cust["c1"], "opportunity_id": ids["A"], "from_milestone": 1,
            "to_milestone": 2, "criteria_met": [0, 1, 2]})
        changes.put("promotions", request_b, {
            "customer_id": cust["c1"], "opportunity_id": ids["B"], "from_milestone": 4,
            "to_milestone": 5, "criteria_met": [0]})
        changes.policy = Access.for_user(db.session, org.manager)
        changes.put("promotions", request_a, {"status": "approved"})
        changes.policy = admin
        changes.put("opportunities", ids["A"], {"stage_entered_at": _at(T - timedelta(50))},
                    authoritative=True)
        # a contact at F's customer turns opponent; one at c1 improves (no trigger)
        turncoat, fan = str(uuid.uuid4()), str(uuid.uuid4())
        changes.put("contacts", turncoat, {"customer_id": cust["c2"], "name": "Wu",
                                           "stance": "accepting"})
        changes.put("contacts", fan, {"customer_id": cust["c1"], "name": "Fan",
                                      "stance": "accepting"})
        changes.put("contacts", turncoat, {"stance": "opponent"})
        changes.put("contacts", fan, {"stance": "supporter"})
        # a newcomer at F's customer who is against us from the start counts too
        changes.put("contacts", str(uuid.uuid4()), {"customer_id": cust["c2"], "name": "Qin",
                                                    "stance": "non_supporter"})
        # activity: rep1 a visit (CNY 300) and a gift (CNY 500); rep2 a tech exchange (USD)
        for author, customer_id, kind, cost, currency, gift in (
                (org.rep1, cust["c1"], "customer_visit", 300, "CNY", 0),
                (org.rep1, cust["c1"], "gift", 500, "CNY", 500),
                (org.rep2, cust["c2"], "technical_exchange", 100, "USD", 0)):
            changes.put("visits", str(uuid.uuid4()), {
                "customer_id": customer_id, "author_id": author.id, "type": kind,
                "occurred_at": _at(T - timedelta(days=1)), "cost_amount": Decimal(cost),
                "cost_currency": currency, "gift_value": Decimal(gift)}, authoritative=True)
    for user, month, amount in ((org.rep1, "2031-01", 220000), (org.rep1, "2031-03", 1000),
                                (org.rep2, "2031-01", 50000), (org.rep_b, "2031-01", 10)):
        db.session.add(Target(user_id=user.id, month=month, currency="CNY",
                              amount=Decimal(amount), set_by=org.admin.id))
    db.session.commit()
    return ids


def get(client, headers, figure, **query):
    response = client.get(f"{API}/pipeline/{figure}", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_forecast_targets_coverage_and_currencies(client, auth, org, data):
    manager = auth.headers(org.manager)
    figure = get(client, manager, "forecast", **{"from": "2031-01-01", "to": "2031-02-28"})
    # A 100000x10% + B 200000x50% + D 0x5%; requested: B at 75% instead of 50%
    assert figure["totals"] == [
        {"currency": "CNY", "count": 3, "amount": 300000.0, "weighted": 110000.0,
         "requested_weighted": 160000.0},
        {"currency": "USD", "count": 1, "amount": 50000.0, "weighted": 12500.0,
         "requested_weighted": 12500.0}]
    cells = [(c["name"], c["month"], c["currency"], c["count"], c["weighted"],
              c["requested_weighted"], c["target"], c["coverage"], c["requested_coverage"])
             for c in figure["per_rep_month"]]
    assert cells == [
        ("rep1", "2031-01", "CNY", 3, 110000.0, 160000.0, 220000.0, 0.5, 0.7273),
        ("rep1", "2031-02", "USD", 1, 12500.0, 12500.0, None, None, None),  # no target
        ("rep2", "2031-01", "CNY", 0, 0.0, 0.0, 50000.0, 0.0, 0.0)]  # target, no pipeline
    team = [(t["month"], t["currency"], t["weighted"], t["target"], t["coverage"],
             t["requested_coverage"]) for t in figure["team_month"]]
    assert team == [("2031-01", "CNY", 110000.0, 270000.0, 0.4074, 0.5926),
                    ("2031-02", "USD", 12500.0, None, None, None)]

    # CSV: the same rows, sectioned, with a BOM for Excel
    response = client.get(f"{API}/pipeline/forecast", headers=manager, query_string={
        "from": "2031-01-01", "to": "2031-02-28", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["section"] for r in rows] == ["total"] * 2 + ["rep_month"] * 3 + ["team_month"] * 2
    assert rows[2]["coverage"] == "0.5" and rows[3]["coverage"] == ""

    # a rep sees only their own figures; another team's rep is out of reach
    mine = get(client, auth.headers(org.rep1), "forecast", month="2031-01")
    assert {c["user_id"] for c in mine["per_rep_month"]} == {org.rep1.id}
    assert_error(client.get(f"{API}/pipeline/forecast?rep_id={org.rep2.id}",
                            headers=auth.headers(org.rep1)), 404)
    assert_error(client.get(f"{API}/pipeline/forecast?rep_id={org.rep_b.id}",
                            headers=manager), 404)
    assert_error(client.get(f"{API}/pipeline/forecast?month=2031-01&from=2031-01-01",
                            headers=manager), 422)
    west = get(client, auth.headers(org.admin), "forecast", month="2031-01",
               team_id=org.team_b.id)
    assert [(c["name"], c["weighted"], c["target"]) for c in west["per_rep_month"]] == [
        ("rep_b", 99999.9, 10.0)]


def test_funnel_and_conversion(client, auth, org, data):
    manager = auth.headers(org.manager)
    figure = get(client, manager, "funnel")
    by_number = {m["milestone"]: (m["count"], m["amounts"]) for m in figure["milestones"]}
    assert by_number[1] == (2, [
        {"currency": "CNY", "count": 1, "amount": 0.0, "weighted": 0.0},  # D: zero amount
        {"currency": "EUR", "count": 1, "amount": 10000.0, "weighted": 500.0}])
    assert by_number[2] == (1, [{"currency": "CNY", "count": 1, "amount": 100000.0,
                                 "weighted": 10000.0}])
    assert by_number[3][1] == [{"currency": "USD", "count": 1, "amount": 50000.0,
                                "weighted": 12500.0}]  # E is lost: not in the funnel
    assert by_number[5][1][0]["weighted"] == 37500.0
    assert by_number[6] == (0, []) and by_number[7] == (0, [])  # W is won
    assert [r["name"] for r in figure["per_rep"]] == ["manager", "rep1", "rep2"]
    # reached 1..7 of the 8 deals of team A (any status): 8, 6, 5, 3, 2, 1, 0
    rates = [(c["from_milestone"], c["entered"], c["advanced"], c["rate"])
             for c in figure["conversion"]]
    assert rates == [(1, 8, 6, 0.75), (2, 6, 5, 0.8333), (3, 5, 3, 0.6), (4, 3, 2, 0.6667),
                     (5, 2, 1, 0.5), (6, 1, 0, 0.0)]
    # in a period: only entries dated in it (all created today; A entered 2 today)
    today = get(client, manager, "funnel", **{"from": T.isoformat(), "to": T.isoformat()})
    assert [(c["entered"], c["advanced"], c["rate"]) for c in today["conversion"][:3]] == [
        (8, 6, 0.75), (1, 0, 0.0), (0, 0, None)]
    # period on expected close for the open deals: January 2031 has D, A, B
    january = get(client, manager, "funnel", month="2031-01")
    assert [m["count"] for m in january["milestones"]] == [1, 1, 0, 1, 0, 0, 0]
    # another manager sees only their team
    west = get(client, auth.headers(org.manager_b), "funnel")
    assert sum(m["count"] for m in west["milestones"]) == 1


def test_movement_reps_and_meeting_prompts(client, auth, org, data):
    manager = auth.headers(org.manager)
    moving = get(client, manager, "movement", as_of=T.isoformat())
    deals = {d["opportunity_id"]: d for d in moving["deals"]}
    a, g = deals[data["A"]], deals[data["G"]]
    assert (a["days_in_stage"], a["stall_days"], a["stalled"], a["late"]) == (50, 45, True, False)
    assert deals[data["D"]]["days_in_stage"] == 0  # falls back to created_at
    assert (g["late"], g["days_late"]) == (True, (T - date(2020, 6, 30)).days)
    assert [d["opportunity_id"] for d in moving["deals"]][0] == data["A"]
    assert moving["milestones"][1]["stalled"] == 1 and moving["milestones"][0]["late"] == 1

    reps = get(client, manager, "reps", as_of=T.isoformat())
    rep1 = next(r for r in reps["reps"] if r["user_id"] == org.rep1.id)
    rep2 = next(r for r in reps["reps"] if r["user_id"] == org.rep2.id)
    # rep1 has A B C D E W: reached 6, 5, 4, 2, 1, 1, 0
    assert [(c["entered"], c["advanced"], c["rate"], c["below_scope"])
            for c in rep1["conversion"][:2]] == [(6, 5, 0.8333, False), (5, 4, 0.8, True)]
    assert rep2["conversion"][0]["rate"] == 0.5 and rep2["conversion"][0]["below_scope"]
    assert (rep1["open_deals"], rep1["stalled_deals"]) == (4, 1)
    assert rep1["activity"] == {
        "visits": 2, "unplanned_visits": 2,
        "plans": {"planned": 0, "done": 0, "missed": 0, "cancelled": 0},
        "by_type": [{"type": "customer_visit", "count": 1},
                                 {"type": "gift", "count": 1}],
        "cost": [{"currency": "CNY", "amount": 800.0}],
        "gifts": [{"currency": "CNY", "count": 1, "value": 500.0}]}
    assert rep2["activity"]["cost"] == [{"currency": "USD", "amount": 100.0}]

    meetings = get(client, manager, "meetings", as_of=T.isoformat())["meetings"]
    assert [(m["opportunity_id"], [t["trigger"] for t in m["triggers"]]) for m in meetings] == [
        (data["F"], ["stance_drop", "bid_approaching"]), (data["A"], ["stalled"]),
        (data["G"], ["late"])]
    assert [(c["contact_name"], c["stance"]) for c in
            meetings[0]["triggers"][0]["detail"]["contacts"]] == [
        ("Wu", "opponent"), ("Qin", "non_supporter")]
    assert meetings[0]["triggers"][1]["detail"] == {"days_to_close": 7}
    assert [item["key"] for item in meetings[0]["agenda"]] == [
        "background", "decision_chain", "dynamics", "strengths", "strategy", "next_actions"]
    short = get(client, manager, "meetings", as_of=T.isoformat(), bid_days=5)["meetings"]
    f_only = next(m for m in short if m["opportunity_id"] == data["F"])
    assert [t["trigger"] for t in f_only["triggers"]] == ["stance_drop"]
    csv_rows = client.get(f"{API}/pipeline/meetings?format=csv", headers=manager)
    assert csv_rows.get_data(as_text=True).count("\r\n") == 1 + 4  # header + 4 triggers


def test_targets_api(client, auth, org, app):
    manager, rep = auth.headers(org.manager), auth.headers(org.rep1)
    body = {"user_id": org.rep1.id, "month": "2031-04", "amount": 5000}
    made = client.post(f"{API}/targets", headers=manager, json=body)
    assert made.status_code == 201, made.get_json()
    target = made.get_json()
    assert (target["currency"], target["set_by"]) == ("CNY", org.manager.id)
    assert_error(client.post(f"{API}/targets", headers=manager, json=body), 409)
    assert_error(client.post(f"{API}/targets", headers=manager,
                             json={**body, "user_id": org.rep_b.id}), 403)
    assert_error(client.post(f"{API}/targets", headers=manager,
                             json={**body, "user_id": org.manager.id}), 403)
    assert_error(client.post(f"{API}/targets", headers=rep, json=body), 403)
    assert_error(client.post(f"{API}/targets", headers=manager, json={**body, "month": "2031-13"}),
                 422)
    assert client.post(f"{API}/targets", headers=auth.headers(org.admin),
                       json={**body, "user_id": org.manager.id}).status_code == 201
    assert client.get(f"{API}/targets", headers=rep).get_json()["total"] == 1
    assert client.get(f"{API}/targets", headers=manager).get_json()["total"] == 2
    assert_error(client.get(f"{API}/targets/{target['id']}", headers=auth.headers(org.rep2)),
                 404)
    changed = client.patch(f"{API}/targets/{target['id']}", headers=manager,
                           json={"amount": 7500})
    assert changed.get_json()["amount"] == 7500.0
    assert_error(client.patch(f"{API}/targets/{target['id']}", headers=rep,
                              json={"amount": 1}), 403)
    assert client.delete(f"{API}/targets/{target['id']}", headers=manager).status_code == 204
