"""The QA Board's quarterly report in the browser: the QA officer opens last quarter's
report (the demo's draft), writes two more sections' analysis and submits it; the Board
member signs it off and downloads the board paper. Screenshots at 1280 and 320 pixels wide,
axe on each page."""

import io

from browser_support import sign_in_as
from docx import Document
from playwright.sync_api import expect


def test_officer_writes_and_submits_and_the_board_signs_off(page, check_page):
    sign_in_as(page, "qa.officer")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Quality assurance report for the QA Board").click()
    expect(page.get_by_role("heading", name="Quality assurance report")).to_be_visible()
    check_page(page, "qa-report-index")
    page.get_by_role("button", name="Open the report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quality assurance report: Q")
    # The case-file audit programme's figures, read through its summary.
    expect(page.locator("#section-case_audits")).to_contain_text("Audits completed")
    check_page(page, "qa-report-1280")

    for key, words in (
        ("thematic", "The thematic audit found plans rarely record the child's words."),
        ("actions", "Overdue actions are concentrated in two teams."),
    ):
        page.locator(f"#section-{key}").get_by_role("link", name="Write the analysis").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Analysis:")
        if key == "thematic":
            check_page(page, "qa-report-analysis")
        page.get_by_label("What we learned").fill(words)
        page.get_by_label("What changes next").fill("Team managers review them monthly.")
        page.get_by_role("button", name="Save the analysis").click()
        expect(page.locator(f"#section-{key}")).to_contain_text(words)

    page.get_by_role("button", name="Submit to the QA Board").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Report submitted to the QA Board."
    )
    report_url = page.url

    sign_in_as(page, "qa.board")
    page.goto(report_url)
    page.get_by_role("link", name="Sign off or return the report").click()
    check_page(page, "qa-report-decision")
    page.get_by_label("Sign off the report").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Report signed off.")
    expect(page.get_by_text("Signed off", exact=True).first).to_be_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the board paper (Word)").click()
    with open(info.value.path(), "rb") as handle:
        paper = Document(io.BytesIO(handle.read()))
    text = "\n".join(p.text for p in paper.paragraphs)
    assert "Overdue actions are concentrated in two teams." in text
    assert "Contents" in text and paper.inline_shapes

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(report_url)
    check_page(page, "qa-report-320")
