"""Visit plans on the phone: planned offline, on the today screen, logged from the plan,
synced (the server agrees the plan is done and the visit keeps its link), and the week."""

import json
import time
import uuid

from .pwa_pages import local, login, shot, sync, wait_pending


def _local_day(page, days_from_today=0):
    """A local day (YYYY-MM-DD) as the phone counts days."""
    return page.evaluate("""n => { const d = new Date(); d.setDate(d.getDate() + n);
      const p = (x) => String(x).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }""",
                         days_from_today)


def _plan_offline(page, customer_id, when, purpose, kind="technical_exchange"):
    page.goto(page.url.split("#")[0] + "#/today")
    page.get_by_test_id("plan-new").click()
    page.get_by_test_id("plan-customer").select_option(customer_id)
    page.get_by_test_id("plan-at").fill(when)
    page.get_by_test_id("plan-type").select_option(kind)
    page.get_by_test_id("plan-purpose").fill(purpose)
    page.get_by_test_id("plan-save").click()
    page.get_by_test_id("today").wait_for()


def test_plan_today_log_the_visit_offline_then_sync(server, phone):
    tag = uuid.uuid4().hex[:6]
    name = f"Planned Steel {tag}"
    customer_id = server.create_customer("rep1@demo", name, city="Wuxi")
    contact_id = server.create("rep1@demo", "contacts", {"customer_id": customer_id,
                                                         "name": f"Li Wei {tag}"})
    server.create("rep1@demo", "tasks", {"customer_id": customer_id, "due_date": "2020-01-02",
                                         "what": f"Send the quote {tag}"})
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")

    ctx.set_offline(True)
    page.get_by_test_id("nav-today").click()
    page.get_by_test_id("today").wait_for()
    page.get_by_test_id("today-overdue").filter(has_text=f"Send the quote {tag}").wait_for()

    # Plan a visit for today, offline, with the contact to meet.
    today = _local_day(page)
    page.get_by_test_id("plan-new").click()
    page.get_by_test_id("plan-customer").select_option(customer_id)
    page.get_by_test_id("plan-contacts").get_by_label(f"Li Wei {tag}").check()
    page.get_by_test_id("plan-at").fill(f"{today}T10:30")
    page.get_by_test_id("plan-type").select_option("technical_exchange")
    page.get_by_test_id("plan-purpose").fill("Bring the samples")
    page.get_by_test_id("plan-save").click()
    planned = page.get_by_test_id("today-plan").filter(has_text=name)
    planned.wait_for()
    plan_id = planned.get_attribute("data-plan-id")
    assert planned.get_attribute("data-status") == "planned"
    wait_pending(page, 1)
    shot(page, "today-en")

    # One tap: the visit form comes prefilled from the plan; saving marks it done.
    planned.get_by_test_id("today-plan-open").click()
    form = page.get_by_test_id("visit-form")
    form.wait_for()
    assert form.get_attribute("data-plan-id") == plan_id
    assert page.get_by_test_id("visit-type").input_value() == "technical_exchange"
    assert page.get_by_test_id("visit-purpose").input_value() == "Bring the samples"
    assert page.get_by_test_id("visit-contacts").get_by_label(f"Li Wei {tag}").is_checked()
    page.get_by_test_id("visit-notes").fill("Samples handed over.")
    page.get_by_test_id("visit-save").click()
    page.get_by_test_id("today").wait_for()
    page.locator(f"[data-testid=today-plan][data-plan-id='{plan_id}'][data-status=done]").wait_for()
    wait_pending(page, 3)  # the plan, the visit, the plan done
    assert local(page, "visit_plans", plan_id)["status"] == "done"

    # A plan on another day of the week: on the week view, not on today's list.
    later = _local_day(page, 3)
    _plan_offline(page, customer_id, f"{later}T15:00", f"Follow up {tag}")
    assert page.get_by_test_id("today-plan").filter(has_text=f"Follow up {tag}").count() == 0
    page.goto(f"{server.url}/#/week/{later}")
    day = page.locator(f"[data-testid=week-day][data-day='{later}']")
    day.get_by_test_id("week-plan").filter(has_text=f"Follow up {tag}").wait_for()
    wait_pending(page, 4)

    ctx.set_offline(False)
    sync(page)
    [(status, visit_id, contacts)] = server.query(
        "SELECT status, visit_id, contact_ids FROM visit_plans WHERE id = ?", plan_id)
    assert status == "done" and json.loads(contacts) == [contact_id]
    assert server.query("SELECT plan_id, notes FROM visits WHERE id = ?", visit_id) == [
        (plan_id, "Samples handed over.")]
    assert server.query("SELECT count(*) FROM visit_plans WHERE customer_id = ? AND "
                        "status = 'planned'", customer_id) == [(1,)]


def test_the_week_shows_a_plan_the_manager_made_for_the_rep(server, phone):
    name = f"Manager Planned {uuid.uuid4().hex[:6]}"
    customer_id = server.create_customer("rep1@demo", name)
    [(rep_id,)] = server.query("SELECT id FROM users WHERE email = 'rep1@demo'")
    ctx = phone("zh-CN")
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    day = _local_day(page, 1)
    plan_id = server.create("manager@demo", "visit_plans", {
        "customer_id": customer_id, "rep_id": rep_id, "type": "site_visit",
        "planned_at": page.evaluate("d => new Date(`${d}T09:00`).toISOString()", day),
        "purpose": "参观样板工厂"})
    sync(page)
    page.goto(f"{server.url}/#/week/{day}")
    entry = page.locator(f"[data-testid=week-day][data-day='{day}'] [data-plan-id='{plan_id}']")
    entry.wait_for()
    assert name in entry.inner_text() and "参观考察" in entry.inner_text()
    shot(page, "week-zh")


def test_the_plans_go_to_the_phones_calendar_as_an_ics_file(server, phone):
    """Online, "Add to my calendar" downloads the server's iCalendar of the rep's plans;
    offline it says it needs a connection instead of failing silently."""
    tag = uuid.uuid4().hex[:6]
    customer_id = server.create_customer("rep1@demo", f"Calendar Works {tag}", city="Wuxi")
    planned_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))
    plan_id = server.create("rep1@demo", "visit_plans", {
        "customer_id": customer_id, "type": "customer_visit", "planned_at": planned_at,
        "purpose": f"Boiler survey {tag}"})
    ctx = phone()
    page = ctx.new_page()
    login(page, server, "rep1@demo")
    page.get_by_test_id("nav-today").click()
    with page.expect_download() as download:
        page.get_by_test_id("export-calendar").click()
    assert download.value.suggested_filename.endswith(".ics")
    text = open(download.value.path(), encoding="utf-8").read()
    assert text.startswith("BEGIN:VCALENDAR") and f"UID:{plan_id}" in text
    assert f"Boiler survey {tag}" in text.replace("\r\n ", "")
    ctx.set_offline(True)
    page.get_by_test_id("export-calendar").click()
    page.get_by_test_id("export-calendar-error").wait_for()
