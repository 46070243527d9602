"""Stage promotions: who requests and decides, evidence warnings, re-validation of stale
requests and decisions, offline decisions through sync, approvals moving the deal."""

import uuid

import pytest
from api_helpers import API, assert_error, contact, customer, opportunity, visit
from sync_helpers import Device

from server.access import Access
from server.extensions import db
from server.seed import open_changeset
from server.stage_defaults import DEFAULT_STAGES


def install_stages():
    """The default stage template, written as the server writes it."""
    with open_changeset(db.session, Access("seed", "admin", None)) as changes:
        for stage in DEFAULT_STAGES:
            changes.put("stages", str(uuid.uuid4()), dict(stage))
    db.session.commit()


@pytest.fixture
def deal(app, client, auth, org):
    """rep1's customer with a coach and a decision maker, and an opportunity at 1."""
    install_stages()
    rep = auth.headers(org.rep1)
    cust = customer(client, rep)["id"]
    coach = contact(client, rep, cust, name="Coach Zhou", roles=["coach"])["id"]
    boss = contact(client, rep, cust, name="GM Qian", roles=["decision_maker"])["id"]
    opp = opportunity(client, rep, cust, amount=100000)["id"]
    return {"customer_id": cust, "opportunity_id": opp, "coach": coach, "boss": boss}


def request(deal, **fields):
    body = {"customer_id": deal["customer_id"], "opportunity_id": deal["opportunity_id"],
            "from_milestone": 1, "to_milestone": 2, "criteria_met": [0, 1, 2],
            "justification": "Decision chain mapped, coach in place"}
    return {**body, **fields}


def post(client, headers, body):
    return client.post(f"{API}/promotions", headers=headers, json=body)


def decide(client, headers, key, status, comment="ok"):
    return client.patch(f"{API}/promotions/{key}", headers=headers,
                        json={"status": status, "decision_comment": comment})


def get_opp(client, headers, key):
    return client.get(f"{API}/opportunities/{key}", headers=headers).get_json()


def test_request_approve_history_and_badge(client, auth, org, deal):
    rep, manager = auth.headers(org.rep1), auth.headers(org.manager)
    made = post(client, rep, request(deal))
    assert made.status_code == 201, made.get_json()
    promo = made.get_json()
    assert promo["status"] == "pending" and promo["requested_by"] == org.rep1.id
    # stage 2 wants a visit in the stage and a coach: neither is attached
    assert promo["evidence_warnings"] == ["no_visit_in_stage", "missing_role:coach"]
    # only one pending request per opportunity
    assert_error(post(client, rep, request(deal)), 409)

    counts = client.get(f"{API}/promotions/count", headers=manager).get_json()
    assert counts == {"awaiting_me": 1, "mine_pending": 0, "pending": 1}
    mine = client.get(f"{API}/promotions/count", headers=rep).get_json()
    assert mine == {"awaiting_me": 0, "mine_pending": 1, "pending": 1}
    inbox = client.get(f"{API}/promotions?status=pending&awaiting_me=true", headers=manager)
    assert [p["id"] for p in inbox.get_json()["items"]] == [promo["id"]]

    # nobody decides their own request; a colleague rep may not; another team cannot see it
    assert_error(decide(client, rep, promo["id"], "approved"), 403)
    assert_error(decide(client, auth.headers(org.rep2), promo["id"], "approved"), 404)
    assert_error(decide(client, auth.headers(org.manager_b), promo["id"], "approved"), 404)
    # a rejection needs a reason
    assert_error(decide(client, manager, promo["id"], "rejected", comment=""), 422)

    approved = decide(client, manager, promo["id"], "approved", "Good work, coach confirmed")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved" and body["decided_by"] == org.manager.id
    assert body["decided_at"]
    opp = get_opp(client, rep, deal["opportunity_id"])
    assert (opp["milestone"], opp["probability"], opp["status"]) == (2, 10, "open")
    assert opp["stage_entered_at"]
    # a second decision is stale
    assert_error(decide(client, manager, promo["id"], "rejected"), 409)
    assert client.get(f"{API}/promotions/count", headers=manager).get_json()["awaiting_me"] == 0

    history = client.get(f"{API}/opportunities/{deal['opportunity_id']}/history", headers=rep)
    assert history.status_code == 200
    events = [(e["event"], e["user_id"]) for e in history.get_json()["events"]]
    assert events == [("created", org.rep1.id), ("requested", org.rep1.id),
                      ("approved", org.manager.id), ("changed", org.manager.id)]
    approval = history.get_json()["events"][2]
    assert approval["fields"]["decision_comment"] == "Good work, coach confirmed"
    assert history.get_json()["events"][3]["fields"]["milestone"] == 2
    assert history.get_json()["promotions"][0]["id"] == promo["id"]
    assert_error(client.get(f"{API}/opportunities/{deal['opportunity_id']}/history",
                            headers=auth.headers(org.rep_b)), 404)


def test_request_rules(client, auth, org, deal):
    rep, manager, admin = (auth.headers(u) for u in (org.rep1, org.manager, org.admin))
    # "all" criteria: every index; indexes must exist
    errors = assert_error(post(client, rep, request(deal, criteria_met=[0, 2])), 422)
    assert "criteria_met" in errors["errors"]["json"]
    assert_error(post(client, rep, request(deal, criteria_met=[0, 1, 2, 7])), 422)
    # forwards only, known milestones, a skip needs a reason
    assert_error(post(client, rep, request(deal, to_milestone=1)), 422)
    assert_error(post(client, rep, request(deal, to_milestone=9, skip_reason="x")), 422)
    skip = assert_error(post(client, rep, request(deal, to_milestone=3, criteria_met=[1])), 422)
    assert "skip_reason" in skip["errors"]["json"]
    # "any" criteria (stage 3): at least one
    assert_error(post(client, rep, request(deal, to_milestone=3, criteria_met=[],
                                           skip_reason="Tech exchange done early")), 422)
    # stale: the opportunity is at 1, not 2
    stale = assert_error(post(client, rep, request(deal, from_milestone=2, to_milestone=3,
                                                   criteria_met=[0])), 409)
    assert "milestone 1" in stale["message"]
    # server fields cannot be sent; a request is created pending
    assert_error(post(client, rep, request(deal, evidence_warnings=[])), 422)
    assert_error(post(client, rep, request(deal, status="approved")), 422)
    # visits and contacts must belong to the customer
    assert_error(post(client, rep, request(deal, contact_ids=[str(uuid.uuid4())])), 422)
    # outsiders: another team's rep cannot see it; a shared rep is not the owner
    assert_error(post(client, auth.headers(org.rep_b), request(deal)), 404)
    share = client.post(f"{API}/customers/{deal['customer_id']}/shares", headers=rep,
                        json={"user_id": org.rep2.id})
    assert share.status_code == 201
    assert_error(post(client, auth.headers(org.rep2), request(deal)), 403)

    # a skip with a reason and full evidence: a visit in the stage with the coach
    visit(client, rep, deal["customer_id"], opportunity_id=deal["opportunity_id"],
          occurred_at="2099-01-01T09:00:00Z", contact_ids=[deal["coach"]])
    skipped = post(client, rep, request(deal, to_milestone=3, criteria_met=[1],
                                         skip_reason="Tests accepted during deep contact"))
    assert skipped.status_code == 201, skipped.get_json()
    promo = skipped.get_json()
    assert promo["evidence_warnings"] == []
    # a sent request is frozen; only the requester withdraws it
    assert_error(client.patch(f"{API}/promotions/{promo['id']}", headers=rep,
                              json={"justification": "changed"}), 422)
    assert_error(decide(client, manager, promo["id"], "withdrawn"), 403)
    withdrawn = decide(client, rep, promo["id"], "withdrawn", comment="")
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert_error(decide(client, manager, promo["id"], "approved"), 409)
    assert get_opp(client, rep, deal["opportunity_id"])["milestone"] == 1

    # a manager may request for the rep; then the manager cannot decide it, the admin can
    by_manager = post(client, manager, request(deal, to_milestone=6, criteria_met=[0],
                                               skip_reason="Signed straight after tender"))
    assert by_manager.status_code == 201, by_manager.get_json()
    key = by_manager.get_json()["id"]
    assert_error(decide(client, manager, key, "approved"), 403)
    assert decide(client, admin, key, "approved").status_code == 200
    opp = get_opp(client, rep, deal["opportunity_id"])
    assert (opp["milestone"], opp["probability"], opp["status"]) == (6, 100, "won")
    # closed deals take no more requests
    assert_error(post(client, rep, request(deal, from_milestone=6, to_milestone=7,
                                           criteria_met=[0, 1])), 409)


def test_lost_request_and_rejection(client, auth, org, deal):
    rep, manager = auth.headers(org.rep1), auth.headers(org.manager)
    lost = {"customer_id": deal["customer_id"], "opportunity_id": deal["opportunity_id"],
            "kind": "lost", "from_milestone": 1}
    assert_error(post(client, rep, lost), 422)  # a reason is required
    made = post(client, rep, {**lost, "lost_reason": "budget_cut",
                              "lost_note": "Project cancelled by HQ"}).get_json()
    assert made["to_milestone"] is None and made["evidence_warnings"] == []
    rejected = decide(client, manager, made["id"], "rejected", "Talk to the GM first")
    assert rejected.get_json()["status"] == "rejected"
    assert get_opp(client, rep, deal["opportunity_id"])["status"] == "open"
    again = post(client, rep, {**lost, "lost_reason": "budget_cut",
                               "lost_note": "GM confirmed"}).get_json()
    assert decide(client, manager, again["id"], "approved").status_code == 200
    opp = get_opp(client, rep, deal["opportunity_id"])
    assert (opp["status"], opp["lost_reason"], opp["lost_note"], opp["probability"]) == (
        "lost", "budget_cut", "GM confirmed", 0)


def test_offline_requests_and_decisions_through_sync(client, auth, org, deal):
    rep_phone = Device(client, auth.headers(org.rep1), "rep-phone")
    rep_tablet = Device(client, auth.headers(org.rep1), "rep-tablet")
    boss_phone = Device(client, auth.headers(org.manager), "boss-phone")
    for device in (rep_phone, rep_tablet, boss_phone):
        device.pull()

    # the rep requests offline; the server fills in who and the warnings
    key = str(uuid.uuid4())
    result = rep_phone.push(rep_phone.put("promotions", key, request(deal)))
    assert result["results"][0]["status"] == "applied", result
    changes, _ = boss_phone.pull()
    pulled = [c for c in changes if c["table"] == "promotions"]
    assert pulled[0]["data"]["requested_by"] == org.rep1.id
    assert pulled[0]["data"]["evidence_warnings"] == ["no_visit_in_stage", "missing_role:coach"]

    # devices write request fields only
    bad = rep_phone.push(
        rep_phone.put("promotions", key, {"decided_by": org.rep1.id}),
        rep_phone.put("promotions", key, {"status": "approved"}),
        rep_phone.put("promotions", str(uuid.uuid4()), request(deal)),
        rep_phone.put("opportunities", deal["opportunity_id"], {"milestone": 5}))
    assert [(r["status"], r.get("reason")) for r in bad["results"]] == [
        ("rejected", "read_only_field"), ("rejected", "forbidden"), ("rejected", "stale"),
        ("rejected", "read_only_field")]

    # the manager approves offline; the rep's other device receives the move
    approve = boss_phone.put("promotions", key, {"status": "approved",
                                                 "decision_comment": "Agreed"})
    result = boss_phone.push(approve)
    assert result["results"][0]["status"] == "applied", result
    changes, _ = rep_tablet.pull()
    moved = [c["data"] for c in changes if c["table"] == "opportunities"]
    assert (moved[-1]["milestone"], moved[-1]["probability"]) == (2, 10)
    promo = [c["data"] for c in changes if c["table"] == "promotions"][-1]
    assert (promo["status"], promo["decided_by"]) == ("approved", org.manager.id)

    # the rep's tablet still believed the deal was at 1 when it queued a lost request
    # and the manager decided a request the admin had already rejected: both stale
    stale = rep_phone.push(rep_phone.put("promotions", str(uuid.uuid4()), {
        **request(deal), "kind": "lost", "lost_reason": "price"}))
    assert stale["results"][0]["reason"] == "stale"
    assert "milestone 2" in stale["results"][0]["message"]
    second = str(uuid.uuid4())
    rep_phone.push(rep_phone.put("promotions", second, request(
        deal, from_milestone=2, to_milestone=3, criteria_met=[0])))
    boss_phone.pull()
    offline_decision = boss_phone.put("promotions", second, {"status": "approved"})
    assert decide(client, auth.headers(org.admin), second, "rejected", "Too early").status_code \
        == 200
    late = boss_phone.push(offline_decision)
    assert (late["results"][0]["status"], late["results"][0]["reason"]) == ("rejected", "stale")
    assert get_opp(client, auth.headers(org.rep1), deal["opportunity_id"])["milestone"] == 2
