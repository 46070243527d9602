"""Stage promotions and pipeline figures on phones (docs/pipeline.md): a rep requests a
promotion offline, the manager approves it on another phone, the rep sees the new
milestone; the pipeline screen shows cached figures offline; screenshots in both
languages."""

import time
import uuid

import pytest
import requests

from .pwa_pages import SCREENSHOTS, login, shot, sync, wait_pending
from .test_screens import A11Y


def _hlc():
    return f"{int(time.time() * 1000):013d}-00000-testseed"


def _deal(server, name, contact_roles=None):
    """A customer of rep1 with one open opportunity at milestone 1 (and optionally a contact)."""
    customer_id = server.create_customer("rep1@demo", name)
    opp_id = str(uuid.uuid4())
    mutations = [
        {
            "op": "put",
            "table": "opportunities",
            "key": opp_id,
            "hlc": _hlc(),
            "base": {},
            "fields": {
                "customer_id": customer_id,
                "name": f"{name} retrofit",
                "amount": 120000,
                "currency": "CNY",
            },
        }
    ]
    if contact_roles is not None:
        mutations.append(
            {
                "op": "put",
                "table": "contacts",
                "key": str(uuid.uuid4()),
                "hlc": _hlc(),
                "base": {},
                "fields": {
                    "customer_id": customer_id,
                    "name": "Zhou Min",
                    "roles": contact_roles,
                    "stance": "ally",
                },
            }
        )
    result = server.push("rep1@demo", mutations)
    assert all(r["status"] == "applied" for r in result["results"]), result
    return customer_id, opp_id


def _open_form(page, server, customer_id, opp_id):
    page.goto(f"{server.url}/#/c/{customer_id}/opps")
    card = page.locator(f"[data-testid=opportunity][data-id='{opp_id}']")
    card.get_by_test_id("request-promotion").click()
    return card, card.get_by_test_id("promotion-form")


def test_rep_requests_offline_manager_approves_on_another_phone(server, phone):
    name = f"Promo {uuid.uuid4().hex[:6]}"
    customer_id, opp_id = _deal(server, name)

    # The rep, offline: request M1 -> M2 with every criterion (M2's rule is "all").
    rep_ctx = phone()
    rep = rep_ctx.new_page()
    login(rep, server, "rep1@demo")
    rep_ctx.set_offline(True)
    card, form = _open_form(rep, server, customer_id, opp_id)
    assert form.get_by_test_id("promotion-target").input_value() == "2"
    send = form.get_by_test_id("promotion-send")
    boxes = form.get_by_test_id("criterion").all()
    assert len(boxes) == 3
    boxes[0].check()
    assert send.is_disabled()  # "all": one box is not enough
    for box in boxes:
        box.check()
    form.get_by_test_id("promotion-justification").fill("Org chart drawn; coach found in IT.")
    # Thin evidence is shown before sending (M2 wants a visit in stage and a coach).
    warnings = [
        w.get_attribute("data-warning") for w in form.get_by_test_id("promotion-warning").all()
    ]
    assert warnings == ["no_visit_in_stage", "missing_role:coach"]
    assert send.is_enabled()
    send.click()
    card.get_by_test_id("promotion-pending").wait_for()
    wait_pending(rep, 1)
    rep_ctx.set_offline(False)
    sync(rep)
    rows = server.query(
        "SELECT id, status, from_milestone, to_milestone, evidence_warnings "
        "FROM promotions WHERE opportunity_id = ?",
        opp_id,
    )
    assert len(rows) == 1 and rows[0][1:4] == ("pending", 1, 2)
    assert "no_visit_in_stage" in rows[0][4]
    promotion_id = rows[0][0]

    # The manager, on another phone: the badge counts it, the inbox lists it.
    mgr_ctx = phone()
    mgr = mgr_ctx.new_page()
    login(mgr, server, "manager@demo")
    badge = mgr.get_by_test_id("promotion-badge")
    badge.wait_for()
    assert int(badge.get_attribute("data-count")) >= 1
    mgr.get_by_test_id("nav-promotions").click()
    item = mgr.locator(f"[data-testid=promotion-item][data-id='{promotion_id}']")
    item.click()
    detail = mgr.get_by_test_id("promotion-detail")
    detail.wait_for()
    assert "Org chart drawn" in detail.get_by_test_id("promotion-justification-text").inner_text()
    assert detail.get_by_test_id("promotion-warning").count() == 2
    mgr.get_by_test_id("promotion-reject").click()  # rejecting needs a comment
    mgr.get_by_test_id("promotion-error").wait_for()
    mgr.get_by_test_id("promotion-comment").fill("Good work, go for the technical exchange.")
    mgr.get_by_test_id("promotion-approve").click()
    mgr.get_by_test_id("promotion-list").wait_for()
    wait_pending(mgr, 1)
    sync(mgr)
    assert server.query(
        "SELECT status, decision_comment FROM promotions WHERE id = ?", promotion_id
    ) == [("approved", "Good work, go for the technical exchange.")]
    assert server.query(
        "SELECT milestone, probability, status FROM opportunities WHERE id = ?", opp_id
    ) == [(2, 10, "open")]

    # The rep's phone syncs: the new milestone and the manager's comment.
    sync(rep)
    rep.goto(f"{server.url}/#/c/{customer_id}/opps")
    card = rep.locator(f"[data-testid=opportunity][data-id='{opp_id}']")
    card.get_by_test_id("opportunity-milestone").filter(has_text="M2").wait_for()
    status = card.locator(f"[data-testid=promotion-status][data-id='{promotion_id}']")
    assert status.get_attribute("data-status") == "approved"
    assert "technical exchange" in status.get_by_test_id("promotion-decision").inner_text()
    assert card.get_by_test_id("request-promotion").inner_text().endswith("M3")


def _pipeline_as_manager(server, phone):
    """A manager's phone, signed in, on the pipeline screen: (context, page)."""
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "manager@demo")
    page.get_by_test_id("nav-pipeline").click()
    return ctx, page


def _get(server, token, path, **params):
    r = requests.get(f"{server.url}{path}", params=params, timeout=10,
                     headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    return r.json()


def test_manager_pipeline_cached_offline(server, phone):
    ctx, page = _pipeline_as_manager(server, phone)
    funnel = page.get_by_test_id("pipeline-funnel")
    funnel.wait_for()
    assert funnel.get_by_test_id("funnel-stage").count() == 7
    assert (
        sum(int(s.get_attribute("data-count")) for s in funnel.get_by_test_id("funnel-stage").all())
        > 0
    )
    as_of = page.get_by_test_id("pipeline-as-of")
    at = as_of.get_attribute("data-at")
    for testid in ("pipeline-forecast", "pipeline-movement", "pipeline-reps", "pipeline-meetings"):
        page.get_by_test_id(testid).wait_for()

    ctx.set_offline(True)
    page.reload()
    funnel.wait_for()
    assert page.get_by_test_id("pipeline-as-of").get_attribute("data-at") == at
    assert "Offline" in page.get_by_test_id("pipeline-as-of").inner_text()
    assert funnel.get_by_test_id("funnel-stage").count() == 7
    assert page.get_by_test_id("pipeline-refresh").is_disabled()


@pytest.mark.parametrize("locale,tag", [("en-US", "en"), ("zh-CN", "zh")])
def test_promotion_and_pipeline_screens(server, phone, locale, tag):
    errors = []
    customer_id, opp_id = _deal(
        server, f"Shots {tag} {uuid.uuid4().hex[:6]}", contact_roles=["user"]
    )
    ctx = phone(locale=locale)
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, server, "rep1@demo")
    card, form = _open_form(page, server, customer_id, opp_id)
    form.get_by_test_id("criterion").first.check()
    form.get_by_test_id("promotion-target").select_option("4")  # a skip: reason required
    form.get_by_test_id("promotion-skip-reason").wait_for()
    for box in form.get_by_test_id("criterion").all():
        box.check()
    assert form.get_by_test_id("promotion-send").is_disabled()
    form.get_by_test_id("promotion-skip-reason").fill("Technical exchange and tests done together.")
    form.get_by_test_id("promotion-contacts").locator("input").first.check()
    form.get_by_test_id("promotion-warnings").wait_for()
    assert page.evaluate(A11Y) == []
    form.screenshot(path=str(SCREENSHOTS / f"promotion-request-{tag}.png"))
    form.get_by_test_id("promotion-send").click()
    # The rep withdraws it again; the server records the withdrawal.
    card.get_by_test_id("promotion-withdraw").click()
    card.locator("[data-testid=promotion-status][data-status=withdrawn]").wait_for()
    sync(page)
    assert server.query(
        "SELECT status, to_milestone, skip_reason FROM promotions WHERE opportunity_id = ?", opp_id
    ) == [("withdrawn", 4, "Technical exchange and tests done together.")]
    shot(page, f"promotion-history-{tag}")

    mgr = phone(locale=locale).new_page()
    mgr.on("pageerror", lambda e: errors.append(str(e)))
    login(mgr, server, "manager@demo")
    mgr.get_by_test_id("nav-promotions").click()
    mgr.get_by_test_id("promotion-item").first.wait_for()
    assert mgr.evaluate(A11Y) == []
    shot(mgr, f"promotion-inbox-{tag}")
    mgr.get_by_test_id("promotion-item").first.click()
    mgr.get_by_test_id("promotion-approve").wait_for()
    assert mgr.evaluate(A11Y) == []
    mgr.screenshot(path=str(SCREENSHOTS / f"promotion-detail-{tag}.png"), full_page=True)
    mgr.get_by_test_id("nav-pipeline").click()
    mgr.get_by_test_id("pipeline-meetings").wait_for()
    shot(mgr, f"pipeline-{tag}")
    mgr.locator("[data-testid=pipeline-rep] summary").first.click()
    mgr.locator("[data-testid=pipeline-meeting] summary").first.click()
    assert mgr.evaluate(A11Y) == []
    mgr.screenshot(path=str(SCREENSHOTS / f"pipeline-full-{tag}.png"), full_page=True)
    assert errors == []


def test_stale_decision_comes_back_refused(server, phone):
    """The manager approves offline a request the rep withdrew meanwhile: the server
    re-validates the decision on arrival, refuses it (stale) and the phone lists it."""
    import requests

    customer_id, opp_id = _deal(server, f"Stale {uuid.uuid4().hex[:6]}")
    promotion_id = str(uuid.uuid4())
    result = server.push(
        "rep1@demo",
        [
            {
                "op": "put",
                "table": "promotions",
                "key": promotion_id,
                "hlc": _hlc(),
                "base": {},
                "fields": {
                    "customer_id": customer_id,
                    "opportunity_id": opp_id,
                    "kind": "promote",
                    "from_milestone": 1,
                    "to_milestone": 2,
                    "criteria_met": [0, 1, 2],
                    "justification": "Done.",
                    "status": "pending",
                },
            }
        ],
    )
    assert result["results"][0]["status"] == "applied", result
    ctx = phone()
    mgr = ctx.new_page()
    login(mgr, server, "manager@demo")
    ctx.set_offline(True)
    mgr.goto(f"{server.url}/#/promotions/{promotion_id}")
    mgr.get_by_test_id("promotion-comment").fill("Approved from the road.")
    mgr.get_by_test_id("promotion-approve").click()
    mgr.get_by_test_id("promotion-decided").wait_for()
    wait_pending(mgr, 1)

    token = server.login("rep1@demo")["access_token"]
    r = requests.patch(
        f"{server.url}/api/v1/promotions/{promotion_id}",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
        json={"status": "withdrawn"},
    )
    assert r.status_code == 200, r.text

    ctx.set_offline(False)
    sync(mgr)
    assert server.query("SELECT status FROM promotions WHERE id = ?", promotion_id) == [
        ("withdrawn",)
    ]
    assert server.query("SELECT milestone FROM opportunities WHERE id = ?", opp_id) == [(1,)]
    mgr.get_by_test_id("nav-conflicts").click()
    refused = mgr.get_by_test_id("setaside-list")
    refused.wait_for()
    assert "Promotion" in refused.inner_text() and "stale" in refused.inner_text()
    mgr.goto(f"{server.url}/#/promotions/{promotion_id}")
    mgr.locator("[data-testid=promotion-detail][data-status=withdrawn]").wait_for()


def test_manager_narrows_the_pipeline_to_a_rep_and_a_month(server, phone):
    """The figures for one rep and one month are the server's for those arguments; the
    phone keeps them, with the filter they answer, for offline."""
    token = server.login("manager@demo")["access_token"]
    rep_id = server.query("SELECT id FROM users WHERE email = 'rep1@demo'")[0][0]
    month = server.query(
        "SELECT substr(expected_close_date, 1, 7) FROM opportunities WHERE owner_id = ? "
        "AND status = 'open' AND expected_close_date IS NOT NULL AND deleted = 0 "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", rep_id)[0][0]

    def expected(**query):
        funnel = _get(server, token, "/api/v1/pipeline/funnel", **query)
        return [m["count"] for m in funnel["milestones"]]

    def shown():
        return [int(s.get_attribute("data-count"))
                for s in page.get_by_test_id("funnel-stage").all()]

    def wait_shown(counts):
        page.wait_for_function(
            """counts => JSON.stringify([...document.querySelectorAll('[data-testid=funnel-stage]')]
                 .map((s) => Number(s.dataset.count))) === JSON.stringify(counts)""", arg=counts)

    everyone, rep_only = expected(), expected(rep_id=rep_id)
    rep_month = expected(rep_id=rep_id, month=month)
    assert sum(everyone) > sum(rep_only) > sum(rep_month) > 0
    ctx, page = _pipeline_as_manager(server, phone)
    page.get_by_test_id("pipeline-funnel").wait_for()
    wait_shown(everyone)
    page.get_by_test_id("pipeline-rep-filter").select_option(rep_id)
    wait_shown(rep_only)
    page.get_by_test_id("pipeline-month").fill(month)
    wait_shown(rep_month)
    assert page.evaluate(A11Y) == []

    ctx.set_offline(True)
    page.reload()
    page.get_by_test_id("pipeline-funnel").wait_for()
    assert shown() == rep_month
    assert page.get_by_test_id("pipeline-month").input_value() == month
    assert page.get_by_test_id("pipeline-rep-filter").input_value() == rep_id
    assert page.get_by_test_id("pipeline-rep-filter").is_disabled()


def test_manager_sets_changes_and_clears_a_reps_target(server, phone):
    token = server.login("manager@demo")["access_token"]
    rep_id = server.query("SELECT id FROM users WHERE email = 'rep1@demo'")[0][0]
    manager_id = server.query("SELECT id FROM users WHERE email = 'manager@demo'")[0][0]

    def stored():
        listed = _get(server, token, "/api/v1/targets", month="2031-07", user_id=rep_id)
        return [(x["currency"], float(x["amount"])) for x in listed["items"]]

    _ctx, page = _pipeline_as_manager(server, phone)
    card = page.get_by_test_id("pipeline-targets")
    card.wait_for()
    card.get_by_test_id("target-month").fill("2031-07")
    amount = card.locator(f"[data-testid=target-amount][data-user='{rep_id}']")
    page.wait_for_function("() => !document.querySelector('[data-testid=targets-save]').disabled")
    assert card.locator(f"[data-user='{manager_id}']").count() == 0  # not their own
    assert page.evaluate(A11Y) == []
    steps = (("250000", [("CNY", 250000.0)]), ("300000.5", [("CNY", 300000.5)]), ("", []))
    for saves, (typed, expected) in enumerate(steps, 1):
        amount.fill(typed)
        card.get_by_test_id("targets-save").click()
        page.wait_for_function(
            "n => document.querySelector('[data-testid=pipeline-targets]').dataset.saves == n",
            arg=saves)
        assert card.get_by_test_id("targets-note").inner_text() == "Targets saved."
        assert stored() == expected
        assert amount.input_value() == typed  # what the server now holds, read back
