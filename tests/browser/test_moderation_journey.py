"""Moderation in a real browser, with axe on every page and screenshots at 1280 and 320
pixels wide: the QA officer draws last month's moderation sample and names a moderator;
the moderator grades the case blind, submits and compares; the panel (chaired by the QA
officer) agrees a changed overall grade with its reason and confirms; the auditor reads
the panel's feedback."""

import re
import sqlite3
from datetime import date

import pytest
from browser_support import fill_tool, follow, sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _last_month() -> date:
    today = date.today()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


def _both_widths(page, check_page, name):
    check_page(page, f"moderation-{name}")
    page.set_viewport_size({"width": 320, "height": 900})
    check_page(page, f"moderation-{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_moderation_panel_journey(page, check_page, live_database):
    page.set_viewport_size({"width": 1280, "height": 900})
    month = _last_month()

    # The QA officer draws last month's moderation sample again and names a moderator.
    sign_in_as(page, "qa.officer")
    page.goto("/moderation/")
    _both_widths(page, check_page, "index")
    page.goto(f"/moderation/months/{month.year}/{month.month}")
    page.get_by_role("button", name="Draw the moderation sample again").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Moderation sample drawn")
    _both_widths(page, check_page, "sample")
    links = page.get_by_role("link", name=re.compile("^Name the moderator"))
    line_urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert line_urls
    named = None
    for url in line_urls:
        page.goto(url)
        helen = page.locator("#moderator option", has_text="Marsh, Helen").first.text_content()
        page.get_by_label("Moderator").select_option(label=helen)
        page.get_by_role("button", name="Name the moderator").click()
        # Wait for the answer (named, or refused with the reason) before reading it.
        answered = page.locator(".govuk-notification-banner--success, .govuk-error-summary")
        expect(answered.first).to_be_visible()
        if page.locator(".govuk-notification-banner--success").count():
            named = page.url
            break
    assert named, "no audit in the sample that Helen Marsh may moderate"
    _both_widths(page, check_page, "line")
    reference = page.get_by_role("heading", level=1).text_content().split()[-1]

    # The moderator grades the case blind: the audit and the auditor's grades are hidden.
    sign_in_as(page, "observer")
    expect(page.locator("main")).to_contain_text(f"Moderation of {reference}")
    page.get_by_role("link", name=re.compile(f"Moderation of {reference}")).first.click()
    expect(page.locator("main")).not_to_contain_text("Auditor's grade")
    page.get_by_role("button", name="Start grading").click()
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(named)
    page.get_by_role("button", name="Submit the moderation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Moderation submitted")
    expect(page.locator("main")).to_contain_text("The auditor's and the moderator's grades")
    _both_widths(page, check_page, "compared")

    # The QA officer arranges the panel, chairs it and records a changed overall grade.
    sign_in_as(page, "qa.officer")
    page.goto("/moderation/panels")
    _both_widths(page, check_page, "panels")
    page.get_by_role("button", name="Arrange a panel meeting").click()
    page.get_by_label(re.compile(f"{reference}: case")).check()
    page.get_by_label("Notes (optional)").fill("Monthly panel: grades and learning")
    _both_widths(page, check_page, "panel-new")
    page.get_by_role("button", name="Save the panel meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("arranged")
    _both_widths(page, check_page, "panel")
    page.get_by_role("link", name=reference).click()
    follow(page.get_by_role("button", name="Record the panel's outcome"))
    overall = page.locator("fieldset", has_text="Overall grade")
    audited = re.search(r"Auditor: (.+?)\.", overall.text_content()).group(1)
    other = next(
        o.strip()
        for o in page.locator("#grade_overall option").all_text_contents()
        if o.strip() not in ("Select", audited)
    )
    page.locator("#grade_overall").select_option(label=other)
    page.locator("#reason_overall").fill("")
    page.get_by_label("Development areas for the auditor").fill(
        "Weigh the plan against the child's needs"
    )
    page.get_by_role("button", name="Save the panel's outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give the reason the agreed grade for overall grade differs from the auditor's"
    )
    _both_widths(page, check_page, "outcome-error")
    for box in page.locator(".govuk-form-group--error textarea").all():
        box.fill("The plan has no contingency")
    expect(page.get_by_label("Development areas for the auditor")).to_have_value(
        "Weigh the plan against the child's needs"
    )
    page.get_by_role("button", name="Save the panel's outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("outcome is saved")
    page.get_by_role("button", name="Confirm the panel's moderation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("moderation is confirmed")
    _both_widths(page, check_page, "confirmed")

    # The auditor reads the panel's feedback from My work.
    # Their sign-in is looked up, not guessed from the name: the demo numbers the emails of
    # people who share a name (jane.smith2) and keeps apostrophes and hyphens.
    line_id = int(named.rstrip("/").rsplit("/", 1)[-1])
    with sqlite3.connect(live_database) as conn:
        (email,) = conn.execute(
            "SELECT u.email FROM moderation_line l JOIN case_audit a ON a.id = l.audit_id"
            ' JOIN "user" u ON u.id = a.auditor_id WHERE l.id = ?',
            (line_id,),
        ).fetchone()
    sign_in_as(page, email.split("@")[0])
    page.get_by_role("link", name=re.compile(f"The panel's moderation of {reference}")).click()
    expect(page.locator("#agreed-overall")).to_contain_text(other)
    expect(page.locator("#agreed-overall")).to_contain_text("The plan has no contingency")
    expect(page.locator("#feedback")).to_contain_text("Weigh the plan against the child's needs")
    _both_widths(page, check_page, "feedback")
