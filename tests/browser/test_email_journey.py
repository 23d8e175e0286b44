"""Email in a real browser: the administrator sends the queued mail to the development
mailbox and opens a meeting request and its calendar file; a person switches a kind of
email to the daily digest; the forgotten-password page. Axe on each page."""

import pytest
from browser_support import sign_in_as
from icalendar import Calendar
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_admin_reads_the_development_mailbox_and_a_meeting_request(page, check_page):
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Outbox").click()
    expect(page.locator("h1")).to_have_text("Outbox")
    check_page(page, "email-outbox")
    page.locator("#status").select_option("queued")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results")).to_contain_text("Queued")
    page.get_by_role("link", name="read the development mailbox").click()
    page.get_by_role("button", name="Send queued email now").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sent ")
    check_page(page, "email-mailbox")
    page.get_by_label("Subject or recipient contains").fill("observation booked")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main")).to_contain_text("Calendar invite attached")
    page.get_by_role("link", name="Practice observation booked").first.click()
    expect(page.locator("main")).to_contain_text("The calendar file attached")
    check_page(page, "email-meeting-request")
    with page.expect_download() as download:
        page.get_by_role("link", name=".ics").first.click()
    with open(download.value.path(), "rb") as handle:
        calendar = Calendar.from_ical(handle.read())
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]).startswith("Practice observation:")


def test_a_person_takes_actions_in_the_daily_email(page, check_page):
    sign_in_as(page, "practitioner")
    page.get_by_role("link", name="Priya Shah").click()
    page.get_by_role("link", name="Choose which emails you get").click()
    check_page(page, "email-preferences")
    page.locator("input[name=action][value=digest]").check()
    page.locator("#digest_hour").select_option("7")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    expect(page.locator("input[name=action][value=digest]")).to_be_checked()
    expect(page.locator("input[name=complaint_reminder][value=off]")).to_have_count(0)


def test_forgotten_password_says_the_same_for_any_address(page, check_page):
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    check_page(page, "email-forgot-password")
    page.get_by_label("Email address").fill("nobody@demo-council.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    check_page(page, "email-reset-sent")
