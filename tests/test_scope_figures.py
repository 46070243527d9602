"""Pipeline figures follow scope changes (issue 19, item 8): every figure, JSON and CSV,
is computed from who sees what now. After an unshare the rep's figures hold nothing of
the account (its deals, amounts, contacts, visits); after a reassignment the account's
deals, their history included, count for the new owner and no longer for the old one."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import API, contact, create, customer, opportunity, visit

from server.access import Access
from server.extensions import db
from server.seed import open_changeset
from server.stage_defaults import DEFAULT_STAGES

FIGURES = ("funnel", "forecast", "movement", "reps", "meetings")
ACCOUNT, DEAL, PERSON, AMOUNT = "Hidden Furnace Works", "Blast furnace relining", \
    "Zhao Turncoat", "7654321"


@pytest.fixture
def stages(app, org):
    with open_changeset(db.session, Access.for_user(db.session, org.admin)) as changes:
        for stage in DEFAULT_STAGES:
            changes.put("stages", str(uuid.uuid4()), dict(stage))
    db.session.commit()


def _all_figures(client, headers):
    """Every figure as its JSON text and its CSV text, in one string to search."""
    texts = []
    for figure in FIGURES:
        for query in ({}, {"format": "csv"}):
            response = client.get(f"{API}/pipeline/{figure}", headers=headers,
                                  query_string=query)
            assert response.status_code == 200, (figure, response.get_data(as_text=True))
            texts.append(response.get_data(as_text=True) if query
                         else json.dumps(response.get_json(), ensure_ascii=False))
    return "\n".join(texts)


def _account_with_a_late_deal(client, owner, worker=None, share_with=None, approver=None):
    """An account of ``owner`` (shared with ``share_with``) where ``worker`` (default:
    the owner) has a late deal (a meeting prompt), moved 1 -> 2 through a promotion
    ``approver`` approved (when given), then turned a contact against us (another
    prompt) and made a visit."""
    worker = worker or owner
    key = customer(client, owner, ACCOUNT)["id"]
    if share_with is not None:
        assert client.post(f"{API}/customers/{key}/shares", headers=owner,
                           json={"user_id": share_with.id}).status_code == 201
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    deal = opportunity(client, worker, key, DEAL, amount=int(AMOUNT),
                       expected_close_date=yesterday)
    if approver is not None:
        request = create(client, worker, "promotions", {
            "customer_id": key, "opportunity_id": deal["id"], "from_milestone": 1,
            "to_milestone": 2, "criteria_met": [0, 1, 2]})
        assert client.patch(f"{API}/promotions/{request['id']}", headers=approver,
                            json={"status": "approved"}).status_code == 200
    person = contact(client, worker, key, PERSON, stance="accepting")
    changed = client.patch(f"{API}/contacts/{person['id']}", headers=worker,
                           json={"stance": "opponent"})
    assert changed.status_code == 200, changed.get_json()
    visit(client, worker, key, occurred_at=datetime.now(UTC).isoformat())
    return key, deal


def _counted_for(client, headers, deal_id):
    """Whose row the deal is in, figure by figure (None: not in it)."""
    funnel = client.get(f"{API}/pipeline/funnel", headers=headers).get_json()
    movement = client.get(f"{API}/pipeline/movement", headers=headers).get_json()
    forecast = client.get(f"{API}/pipeline/forecast", headers=headers).get_json()
    in_funnel = [rep["user_id"] for rep in funnel["per_rep"]
                 if sum(m["count"] for m in rep["milestones"])]
    in_movement = [d["owner_id"] for d in movement["deals"] if d["opportunity_id"] == deal_id]
    in_forecast = [c["user_id"] for c in forecast["per_rep_month"] if c["count"]]
    return in_funnel, in_movement, in_forecast


def test_an_unshared_rep_s_figures_forget_the_account(client, auth, org, stages):
    owner, shared = auth.headers(org.rep1), auth.headers(org.rep_b)
    # The shared rep works the account: their deal, their contact edit, their visit.
    key, deal = _account_with_a_late_deal(client, owner, shared, share_with=org.rep_b)
    before = _all_figures(client, shared)
    for text in (ACCOUNT, DEAL, PERSON, AMOUNT):
        assert text in before  # the test looks where the figures would show them
    reps = client.get(f"{API}/pipeline/reps", headers=shared).get_json()
    assert reps["reps"][0]["activity"]["visits"] == 1

    assert client.delete(f"{API}/customers/{key}/shares/{org.rep_b.id}",
                         headers=owner).status_code == 204

    for viewer in (org.rep_b, org.manager_b):  # the rep, and their manager through them
        after = _all_figures(client, auth.headers(viewer))
        for text in (ACCOUNT, DEAL, PERSON, AMOUNT):
            assert text not in after, (viewer.email, text)
    reps = client.get(f"{API}/pipeline/reps", headers=shared).get_json()
    assert reps["reps"][0]["activity"]["visits"] == 0
    assert reps["reps"][0]["open_deals"] == 0
    # The deal is the account's still: it counts for the account's owner, who sees it.
    assert _counted_for(client, owner, deal["id"]) == ([org.rep1.id], [org.rep1.id],
                                                       [org.rep1.id])
    assert DEAL in _all_figures(client, owner)


def test_a_reassigned_account_s_deals_count_for_the_new_owner(client, auth, org, stages):
    old, new, manager = auth.headers(org.rep1), auth.headers(org.rep2), \
        auth.headers(org.manager)
    # The deal's movement so far: 1 -> 2 through an approved promotion.
    key, deal = _account_with_a_late_deal(client, old, approver=manager)
    assert _counted_for(client, old, deal["id"]) == ([org.rep1.id], [org.rep1.id],
                                                     [org.rep1.id])
    assert DEAL not in _all_figures(client, new)

    assert client.patch(f"{API}/customers/{key}", headers=manager,
                        json={"owner_id": org.rep2.id}).status_code == 200

    after = _all_figures(client, old)
    for text in (ACCOUNT, DEAL, PERSON, AMOUNT):
        assert text not in after, text
    funnel = client.get(f"{API}/pipeline/funnel", headers=old).get_json()
    assert [c["entered"] for c in funnel["conversion"][:2]] == [0, 0]
    figures = _all_figures(client, new)
    for text in (ACCOUNT, DEAL, PERSON, AMOUNT):
        assert text in figures, text
    assert _counted_for(client, new, deal["id"]) == ([org.rep2.id], [org.rep2.id],
                                                     [org.rep2.id])
    # Its history moved with it: the new owner's conversion counts its 1 -> 2 step.
    funnel = client.get(f"{API}/pipeline/funnel", headers=new).get_json()
    assert [(c["entered"], c["advanced"]) for c in funnel["conversion"][:2]] == [(1, 1),
                                                                                (1, 0)]
    meetings = client.get(f"{API}/pipeline/meetings", headers=new).get_json()["meetings"]
    assert [(m["owner_id"], sorted(t["trigger"] for t in m["triggers"]))
            for m in meetings] == [(org.rep2.id, ["late", "stance_drop"])]
    # The manager's per-rep rows say the same.
    assert _counted_for(client, manager, deal["id"]) == ([org.rep2.id], [org.rep2.id],
                                                         [org.rep2.id])


def test_an_old_owner_who_keeps_a_share_keeps_their_deal(client, auth, org, stages):
    """A deal counts for its own owner while they see its account: handing the account
    over but sharing it back leaves the old owner's deal theirs."""
    old, manager = auth.headers(org.rep1), auth.headers(org.manager)
    key, deal = _account_with_a_late_deal(client, old)
    assert client.patch(f"{API}/customers/{key}", headers=manager,
                        json={"owner_id": org.rep2.id}).status_code == 200
    assert client.post(f"{API}/customers/{key}/shares", headers=manager,
                       json={"user_id": org.rep1.id}).status_code == 201
    assert _counted_for(client, old, deal["id"]) == ([org.rep1.id], [org.rep1.id],
                                                     [org.rep1.id])
    assert _counted_for(client, auth.headers(org.rep2), deal["id"]) == ([], [], [])
