"""The complaints report and the annual report in the browser: the officer narrows the
report to a service area with the keyboard, writes the year's self-assessment and downloads
the annual report; a service manager sees their own area only. Screenshots at 1280 and 320
pixels wide, axe on each page."""

import io
import re

from browser_support import sign_in_as
from docx import Document
from playwright.sync_api import expect


def test_officer_reads_the_report_by_area_writes_the_self_assessment_and_downloads_the_paper(
    page, check_page
):
    sign_in_as(page, "complaints")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/complaints/report?quarter=0")
    expect(page.get_by_role("heading", name="Timescales by team")).to_be_visible()
    check_page(page, "complaints-report-1280")
    # Keyboard only: to the service-area list, choose the second area; the figures follow.
    area = page.locator("#area")
    area.focus()
    chosen = page.locator("#area option").nth(1).inner_text()
    page.keyboard.press("ArrowDown")
    if area.input_value() == "":  # a closed select on some platforms needs Alt+ArrowDown
        area.select_option(index=1)
    expect(page.locator("#results [role=status]")).to_contain_text(chosen)
    expect(page).to_have_url(re.compile(r"area=\d+"))
    check_page(page, "complaints-report-area-1280")

    page.get_by_role("link", name="Write the self-assessment").click()
    expect(page.get_by_role("heading", name="Self-assessment")).to_be_visible()
    check_page(page, "complaints-self-assessment")
    box = page.get_by_label("Self-assessment")
    box.fill(box.input_value() + "\nReviewed by the complaints officer.")
    page.get_by_role("button", name="Save the self-assessment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Self-assessment for")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the annual report (Word)").click()
    with open(info.value.path(), "rb") as handle:
        body = handle.read()
    text = "\n".join(p.text for p in Document(io.BytesIO(body)).paragraphs)
    assert "Reviewed by the complaints officer." in text
    assert "Complaints not accepted" in text

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/complaints/report")
    check_page(page, "complaints-report-320")


def test_service_manager_sees_their_own_area_only(page, check_page):
    sign_in_as(page, "service.manager")
    page.goto("/complaints/report?quarter=0&area=999")
    expect(page.locator("#area")).to_have_count(0)
    status = page.locator("#results [role=status]")
    expect(status).not_to_contain_text("All service areas")
    check_page(page, "complaints-report-service-manager")


def test_officer_records_a_complaint_as_not_accepted(page, check_page):
    sign_in_as(page, "complaints")
    page.goto("/complaints/new")
    page.locator("#received_on-day").fill("2")
    page.locator("#received_on-month").fill("11")
    page.locator("#received_on-year").fill("2026")
    page.get_by_label("How it was made").select_option(label="Letter")
    page.get_by_label("Who complained").select_option(label="Parent")
    page.get_by_label("Complainant's name").fill("Jo Bloggs")
    page.get_by_label("Delay").check()
    page.get_by_label("Summary of the complaint").fill("A conference in 2023")
    page.get_by_role("button", name="Save the complaint").click()
    page.get_by_role("button", name="Not accepted").click()
    check_page(page, "complaints-not-accepted")
    page.get_by_role("button", name="Record as not accepted").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select why the complaint was not accepted"
    )
    page.get_by_label("Made more than a year after the matter").check()
    page.get_by_label("Note (optional)").fill("Told in writing; Ombudsman's details given")
    page.get_by_role("button", name="Record as not accepted").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("not accepted")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Ombudsman's details given")
    # Nothing is owed on a complaint not accepted: no escalation, no extension.
    expect(page.get_by_role("button", name="Escalate")).to_have_count(0)
    expect(page.get_by_role("link", name="Extend")).to_have_count(0)
    page.set_viewport_size({"width": 320, "height": 800})
    check_page(page, "complaints-not-accepted-complaint-320")
