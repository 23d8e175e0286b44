"""Practice Week in a real browser: set up, schedule (one clash refused), invite, record,
book a session, coverage and the week's workbook, with axe on each page."""

import re
from datetime import timedelta

import pytest
from browser_support import fill_tool, follow, sign_in_as
from icalendar import Calendar
from openpyxl import load_workbook
from playwright.sync_api import expect

from qaweb.core.timefmt import today_london

pytestmark = pytest.mark.browser


def _fill_date(page, name, day):
    page.locator(f"#{name}-day").fill(str(day.day))
    page.locator(f"#{name}-month").fill(str(day.month))
    page.locator(f"#{name}-year").fill(str(day.year))


def _options(page, select_id):
    return [
        (o.get_attribute("value"), o.inner_text().strip())
        for o in page.locator(f"#{select_id} option").all()
        if o.get_attribute("value")
    ]


def _schedule(page, observer_label, practitioner_value, day, starts="10am", ends="11am"):
    page.locator("#observer_id").select_option(label=observer_label)
    page.locator("#practitioner_id").select_option(value=practitioner_value)
    page.locator("#meeting_type_id").select_option(index=1)
    _fill_date(page, "day", day)
    page.get_by_label("Start time").fill(starts)
    page.get_by_label("End time").fill(ends)
    page.get_by_label("Place or meeting link").fill("Family home")
    page.get_by_label("Case reference").fill("246810")
    page.locator("#family_agreed").check()
    page.get_by_label("End time").dispatch_event("change")


def test_organiser_schedules_observer_records_and_the_week_is_reported(page, check_page, tmp_path):
    monday = today_london() + timedelta(days=21 - today_london().weekday())
    sign_in_as(page, "organiser")
    page.get_by_role("link", name="Practice weeks", exact=True).click()
    check_page(page, "practice-weeks-index")
    page.get_by_role("button", name="Set up a practice week").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the theme of the week")
    check_page(page, "practice-week-form-errors")
    page.get_by_label("Theme").fill("Voice of the child")
    _fill_date(page, "starts_on", monday)
    _fill_date(page, "ends_on", monday + timedelta(days=4))
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Voice of the child")
    page.get_by_role("button", name="Open the week to staff").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The week is open")
    check_page(page, "practice-week-open")
    week_url = page.url

    # Five observations, each on its own day or time; the first by the demo observer.
    follow(page.get_by_role("button", name="Schedule an observation"))
    observers = [label for _, label in _options(page, "observer_id")]
    demo_observer = next(label for label in observers if label.startswith("Marsh, Helen"))
    others = [label for label in observers if label != demo_observer]
    names = {label.split(" (")[0] for label in observers}
    practitioners = [
        value
        for value, label in _options(page, "practitioner_id")
        if label.split(" (")[0] not in names
    ]
    first_url = None
    for n in range(5):
        if n:
            page.goto(week_url)
            page.get_by_role("button", name="Schedule an observation").click()
        observer = demo_observer if n == 0 else others[n]
        _schedule(page, observer, practitioners[n], monday + timedelta(days=n))
        expect(page.locator("#clashes")).to_contain_text("No clashes")
        if n == 0:
            check_page(page, "observation-schedule-form")
        page.get_by_role("button", name="Schedule the observation").click()
        expect(page.locator(".govuk-notification-banner")).to_contain_text("scheduled")
        if n == 0:
            first_url = page.url

    # A sixth, for the demo observer at an overlapping time, is refused.
    page.goto(week_url)
    page.get_by_role("button", name="Schedule an observation").click()
    _schedule(page, demo_observer, practitioners[5], monday, "10:30am", "11:30am")
    expect(page.locator("#clashes")).to_contain_text("This cannot be booked")
    expect(page.locator("#clashes")).to_contain_text("Helen Marsh is already observing")
    check_page(page, "observation-clash-in-place")
    page.get_by_role("button", name="Schedule the observation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("This cannot be booked")
    check_page(page, "observation-clash-refused")

    # The observer's invite.
    page.goto(first_url)
    check_page(page, "observation-scheduled")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the calendar invite (.ics)").click()
    path = tmp_path / "invite.ics"
    download.value.save_as(path)
    (event,) = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART").hour == 10
    assert str(event.decoded("DTSTART").tzinfo) == "Europe/London"
    assert "mailto:observer@demo-council.example" in [str(a) for a in event["ATTENDEE"]]

    page.goto(week_url)
    page.get_by_role("button", name="Schedule board").click()
    expect(page.locator(".qaweb-board .qaweb-card")).to_have_count(5)
    check_page(page, "practice-week-board")

    # The observer records it, with the family's feedback.
    sign_in_as(page, "observer")
    expect(page.locator("main")).to_contain_text("Observe ")
    page.goto(first_url)
    page.get_by_role("button", name="Start the observation form").click()
    check_page(page, "observation-form")
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(first_url)
    page.locator("input[name=family_feedback][value=given]").check()
    page.locator("input[name=child_feedback][value=not_appropriate]").check()
    page.get_by_role("button", name="Save feedback choices").click()
    page.get_by_role("link", name="Record the family's feedback").click()
    check_page(page, "observation-family-feedback")
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(first_url)
    page.get_by_role("link", name="Record the reflections and themes").click()
    page.get_by_label("The practitioner's reflections").fill("Would slow the pace next time.")
    page.get_by_label("Voice and lived experience of the child").check()
    page.get_by_role("button", name="Save").click()
    check_page(page, "observation-ready-to-complete")
    page.get_by_role("button", name="Complete the observation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Observation completed")
    check_page(page, "observation-completed")

    # A practitioner books a place on a learning session of this week's demo practice week.
    sign_in_as(page, "practitioner")
    page.get_by_role("link", name="Practice weeks", exact=True).click()
    page.get_by_role("link", name="Relationship-based practice").click()
    booking = page.locator(".qaweb-booking").last
    booking.get_by_role("button", name=re.compile("^(Book a place|Join the waiting list)")).click()
    expect(booking).to_contain_text(re.compile("You have a place|waiting list"))
    check_page(page, "practice-week-sessions")

    # Coverage and the week's workbook.
    sign_in_as(page, "organiser")
    page.goto(week_url)
    page.get_by_role("button", name="Coverage").click()
    expect(page.locator("main")).to_contain_text("Observations by team")
    check_page(page, "practice-week-coverage")
    page.goto(week_url)
    page.get_by_role("button", name="Week's report").click()
    expect(page.locator("main")).to_contain_text("20.0%")  # 1 of 5 completed
    check_page(page, "practice-week-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report workbook (.xlsx)").click()
    path = tmp_path / "report.xlsx"
    download.value.save_as(path)
    workbook = load_workbook(path)
    key = {r[0]: r[1] for r in workbook["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert key["Completed"] == 1 and key["Observations planned"] == 5
