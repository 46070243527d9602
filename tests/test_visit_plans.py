"""Visit plans (拜访计划): REST and push alike, who plans for whom, a visit logged from a
plan marks it done, and the iCalendar export."""

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from api_helpers import API, assert_error, create, customer, new_id, visit
from icalendar import Calendar
from sync_helpers import Device

PLANS = f"{API}/visit-plans"
MONDAY = "2025-03-03T01:30:00Z"  # 09:30 in Shanghai


def plan(client, headers, customer_id, expect=201, **fields):
    body = {"customer_id": customer_id, "type": "customer_visit", "planned_at": MONDAY,
            "purpose": "Meet the chief engineer"}
    return create(client, headers, "visit-plans", {**body, **fields}, expect=expect)


def at(text):
    """A datetime from REST (ISO 8601) or a pull (Flask's HTTP date)."""
    if text.endswith("GMT"):
        return parsedate_to_datetime(text)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def listed(client, headers, query=""):
    page = client.get(f"{PLANS}?{query}", headers=headers)
    assert page.status_code == 200, page.get_json()
    return [item["id"] for item in page.get_json()["items"]]


def pulled_plans(device):
    changes, _page = device.pull()
    return {c["id"]: c["data"] for c in changes
            if c["table"] == "visit_plans" and c["op"] == "put"}


def test_plan_made_moved_and_cancelled_over_rest(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    made = plan(client, headers, key, duration_minutes=45)
    assert (made["rep_id"], made["status"]) == (org.rep1.id, "planned")
    later = plan(client, headers, key, planned_at="2025-03-05T06:00:00Z", purpose="Demo")
    moved = client.patch(f"{PLANS}/{made['id']}", headers=headers,
                         json={"planned_at": "2025-03-04T02:00:00Z"})
    assert at(moved.get_json()["planned_at"]) == at("2025-03-04T02:00:00Z")
    assert listed(client, headers) == [made["id"], later["id"]]  # in time order
    window = "from=2025-03-04T00:00:00Z&to=2025-03-05T00:00:00Z"
    assert listed(client, headers, window) == [made["id"]]
    cancelled = client.patch(f"{PLANS}/{made['id']}", headers=headers,
                             json={"status": "cancelled"})
    assert cancelled.get_json()["status"] == "cancelled"
    assert listed(client, headers, "status=planned") == [later["id"]]
    assert listed(client, headers, f"rep_id={org.rep2.id}") == []
    for bad in ({"type": "bribe"}, {"status": "maybe"}, {"planned_at": "soon"},
                {"duration_minutes": 24 * 60 + 1}, {"contact_ids": ["nope"]}):
        errors = assert_error(client.post(PLANS, headers=headers, json={
            "customer_id": key, "type": "customer_visit", "planned_at": MONDAY, **bad}),
            422)["errors"]["json"]
        assert set(errors) == set(bad), errors


def test_plan_made_moved_and_cancelled_by_push(client, auth, org):
    headers = auth.headers(org.rep1)
    key = customer(client, headers)["id"]
    phone = Device(client, headers)
    plan_id = new_id()
    results = phone.push(
        phone.put("visit_plans", plan_id, {"customer_id": key, "type": "site_visit",
                                           "planned_at": MONDAY, "contact_ids": []}),
        phone.put("visit_plans", plan_id, {"planned_at": "2025-03-06T03:00:00Z"}),
    )["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    other = Device(client, auth.headers(org.manager), "manager")
    seen = pulled_plans(other)[plan_id]
    assert (seen["rep_id"], at(seen["planned_at"]), seen["status"]) == (
        org.rep1.id, at("2025-03-06T03:00:00Z"), "planned")
    [cancel] = phone.push(phone.put("visit_plans", plan_id,
                                    {"status": "cancelled"}))["results"]
    assert cancel["status"] == "applied", cancel
    assert client.get(f"{PLANS}/{plan_id}", headers=headers).get_json()["status"] == "cancelled"


def test_who_plans_for_whom(client, auth, org):
    """A manager plans for their own reps (REST and push), not for another team's; a rep
    only for themselves; a plan's rep must see its customer."""
    rep1, manager = auth.headers(org.rep1), auth.headers(org.manager)
    account = customer(client, rep1)["id"]
    for_rep = plan(client, manager, account, rep_id=org.rep1.id)
    assert listed(client, rep1) == [for_rep["id"]]  # on the rep's list and phone
    assert listed(client, rep1, f"rep_id={org.rep1.id}") == [for_rep["id"]]
    phone = Device(client, manager, "manager")
    [pushed] = phone.push(phone.put("visit_plans", new_id(), {
        "customer_id": account, "type": "gift", "planned_at": MONDAY,
        "rep_id": org.rep1.id}))["results"]
    assert pushed["status"] == "applied", pushed

    own_account_b = customer(client, auth.headers(org.rep_b), "West Steel")["id"]
    assert_error(client.post(PLANS, headers=manager, json={
        "customer_id": account, "type": "gift", "planned_at": MONDAY,
        "rep_id": org.rep_b.id}), 403)
    [refused] = phone.push(phone.put("visit_plans", new_id(), {
        "customer_id": account, "type": "gift", "planned_at": MONDAY,
        "rep_id": org.rep_b.id}))["results"]
    assert (refused["status"], refused["reason"]) == ("rejected", "forbidden"), refused
    assert_error(client.post(PLANS, headers=rep1, json={
        "customer_id": account, "type": "gift", "planned_at": MONDAY,
        "rep_id": org.rep2.id}), 403)
    # rep1 cannot hand the manager's plan for them on to rep2, nor take one over.
    assert_error(client.patch(f"{PLANS}/{for_rep['id']}", headers=rep1,
                              json={"rep_id": org.rep2.id}), 403)
    # rep2 is the manager's too, but does not see rep1's account.
    errors = assert_error(client.post(PLANS, headers=manager, json={
        "customer_id": account, "type": "gift", "planned_at": MONDAY,
        "rep_id": org.rep2.id}), 422)["errors"]["json"]
    assert set(errors) == {"rep_id"}
    admin_plan = plan(client, auth.headers(org.admin), own_account_b, rep_id=org.rep_b.id)
    assert admin_plan["rep_id"] == org.rep_b.id


def test_another_teams_rep_sees_and_writes_nothing(client, auth, org):
    rep1, rep_b = auth.headers(org.rep1), auth.headers(org.rep_b)
    account = customer(client, rep1)["id"]
    made = plan(client, rep1, account)
    missing = assert_error(client.get(f"{PLANS}/{new_id()}", headers=rep_b), 404)
    assert assert_error(client.get(f"{PLANS}/{made['id']}", headers=rep_b), 404) == missing
    assert_error(client.patch(f"{PLANS}/{made['id']}", headers=rep_b,
                              json={"planned_at": "2025-04-01T00:00:00Z"}), 404)
    assert_error(client.delete(f"{PLANS}/{made['id']}", headers=rep_b), 404)
    assert listed(client, rep_b) == []
    phone = Device(client, rep_b, "rep_b")
    edit, new = phone.push(
        phone.put("visit_plans", made["id"], {"planned_at": "2025-04-01T00:00:00Z"}),
        phone.put("visit_plans", new_id(), {"customer_id": account, "type": "gift",
                                            "planned_at": MONDAY}))["results"]
    assert (edit["reason"], new["reason"]) == ("not_found", "not_found"), (edit, new)
    assert pulled_plans(phone) == {}
    assert at(client.get(f"{PLANS}/{made['id']}", headers=rep1).get_json()["planned_at"]) \
        == at(MONDAY)


def test_a_visit_logged_from_a_plan_marks_it_done(client, auth, org):
    """REST and push alike: the visit keeps plan_id, the plan is done and names the visit,
    and every phone pulls both."""
    headers = auth.headers(org.rep1)
    account = customer(client, headers)["id"]
    by_rest, by_push = plan(client, headers, account), plan(client, headers, account)
    logged = visit(client, headers, account, plan_id=by_rest["id"])
    assert logged["plan_id"] == by_rest["id"]
    done = client.get(f"{PLANS}/{by_rest['id']}", headers=headers).get_json()
    assert (done["status"], done["visit_id"]) == ("done", logged["id"])

    phone = Device(client, headers)
    visit_id = new_id()
    [result] = phone.push(phone.put("visits", visit_id, {
        "customer_id": account, "type": "customer_visit", "occurred_at": MONDAY,
        "plan_id": by_push["id"]}))["results"]
    assert result["status"] == "applied", result
    manager_phone = Device(client, auth.headers(org.manager), "manager")
    seen = pulled_plans(manager_phone)[by_push["id"]]
    assert (seen["status"], seen["visit_id"]) == ("done", visit_id)
    assert listed(client, headers, "status=planned") == []

    # A plan of another customer is no plan for this visit; the visit is not made.
    other = customer(client, headers, "Nanjing Glass")["id"]
    elsewhere = plan(client, headers, other)
    errors = assert_error(client.post(f"{API}/visits", headers=headers, json={
        "customer_id": account, "type": "customer_visit", "occurred_at": MONDAY,
        "plan_id": elsewhere["id"]}), 422)["errors"]["json"]
    assert set(errors) == {"plan_id"}
    assert client.get(f"{PLANS}/{elsewhere['id']}", headers=headers).get_json()["status"] \
        == "planned"


def _calendar(client, headers, query):
    response = client.get(f"{PLANS}/calendar.ics?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    raw = response.get_data()
    assert b"\n" not in raw.replace(b"\r\n", b""), "every line ends in CRLF"
    return raw, Calendar.from_ical(raw)


def test_the_calendar_export_is_valid_icalendar_of_the_right_plans(client, auth, org):
    rep1, manager = auth.headers(org.rep1), auth.headers(org.manager)
    account = customer(client, rep1, "Wuxi Steel, East; Plant 2")["id"]
    tricky = "Quote, samples; a \\ back-slash\nand a 2nd line 中文"
    first = plan(client, rep1, account, purpose=tricky, duration_minutes=90,
                 planned_at="2025-03-03T09:30:00+08:00")
    second = plan(client, rep1, account, purpose="", planned_at="2025-03-04T06:00:00Z")
    cancelled = plan(client, rep1, account, status="cancelled")
    outside = plan(client, rep1, account, planned_at="2025-05-01T00:00:00Z")
    plan(client, rep1, customer(client, rep1, "Other")["id"], planned_at=MONDAY,
         rep_id=org.rep1.id)  # rep1's, on another account: also in
    planned_for_rep2 = plan(client, auth.headers(org.rep2),
                            customer(client, auth.headers(org.rep2), "Rep2 Co")["id"])

    window = "from=" + quote("2025-03-01T00:00:00Z") + "&to=" + quote("2025-04-01T00:00:00Z")
    raw, cal = _calendar(client, rep1, window)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert first["id"] in events and second["id"] in events
    assert not {cancelled["id"], outside["id"], planned_for_rep2["id"]} & set(events)
    assert len(events) == 3
    event = events[first["id"]]
    assert event.decoded("DTSTART") == datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    assert b"DTSTART:20250303T013000Z\r\n" in raw  # UTC, as the brief and phones expect
    assert str(event["SUMMARY"]) == f"Wuxi Steel, East; Plant 2: {tricky}"
    assert b"Wuxi Steel\\, East\\; Plant 2: Quote\\, samples\\; a \\\\ back-slash\\nand" in \
        raw.replace(b"\r\n ", b"")  # RFC 5545 text escaping, once unfolded
    assert str(events[second["id"]]["SUMMARY"]) == "Wuxi Steel, East; Plant 2"

    # A manager exports their rep's plan; another team's rep gets an empty calendar.
    _raw, for_manager = _calendar(client, manager, f"{window}&rep_id={org.rep1.id}")
    assert {str(e["UID"]) for e in for_manager.walk("VEVENT")} == set(events)
    _raw, for_rep_b = _calendar(client, auth.headers(org.rep_b),
                                f"{window}&rep_id={org.rep1.id}")
    assert for_rep_b.walk("VEVENT") == []
    assert_error(client.get(f"{PLANS}/calendar.ics?from=never", headers=rep1), 422)
    assert_error(client.get(f"{PLANS}/calendar.ics"), 401)


def test_planned_against_done_in_the_reps_figure(client, auth, org):
    """The manager's per-rep figure counts a rep's plans of the window by what became of
    them (done, missed: still open after their day, cancelled) and the visits logged
    without a plan, JSON and CSV."""
    headers = auth.headers(org.rep1)
    account = customer(client, headers)["id"]
    done = plan(client, headers, account, planned_at="2025-03-03T01:30:00Z")
    visit(client, headers, account, plan_id=done["id"], occurred_at="2025-03-03T02:00:00Z")
    plan(client, headers, account, planned_at="2025-03-04T01:30:00Z")  # missed
    plan(client, headers, account, planned_at="2025-03-06T01:30:00Z")  # still ahead
    cancelled = plan(client, headers, account, planned_at="2025-03-05T01:30:00Z")
    client.patch(f"{PLANS}/{cancelled['id']}", headers=headers, json={"status": "cancelled"})
    visit(client, headers, account, occurred_at="2025-03-04T03:00:00Z")  # unplanned
    plan(client, auth.headers(org.rep2), customer(client, auth.headers(org.rep2))["id"])
    query = "from=2025-03-01&to=2025-03-09&as_of=2025-03-05"
    figure = client.get(f"{API}/pipeline/reps?{query}", headers=auth.headers(org.manager))
    assert figure.status_code == 200, figure.get_json()
    by_rep = {r["user_id"]: r["activity"] for r in figure.get_json()["reps"]}
    assert by_rep[org.rep1.id]["plans"] == {"planned": 3, "done": 1, "missed": 1,
                                             "cancelled": 1}
    assert by_rep[org.rep1.id]["unplanned_visits"] == 1
    assert by_rep[org.rep2.id]["plans"]["planned"] == 1
    csv = client.get(f"{API}/pipeline/reps?{query}&format=csv",
                     headers=auth.headers(org.manager)).get_data(as_text=True)
    assert any(line.startswith("plans,") and org.rep1.id in line for line in csv.splitlines())
