"""The QA Board's quarterly report in the browser: the QA officer opens last quarter's
report (the demo's draft), writes two more sections' analysis and submits it; the Board
member signs it off, downloads the board paper, asks for the inspection evidence pack,
watches its progress (made by the real `flask jobs worker` the lane starts beside gunicorn)
and downloads it. Screenshots at 1280 and 320 pixels wide, axe on each page."""

import io
import zipfile

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
    page.set_viewport_size({"width": 1280, "height": 900})

    # The inspection evidence pack: asked for on the reports page, made in the background.
    page.get_by_role("link", name="Quality assurance reports").click()
    expect(page.get_by_role("heading", name="Prepare an inspection evidence pack")).to_be_visible()
    page.get_by_role("button", name="Prepare the pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inspection evidence pack:")
    status = page.locator("#pack-status")
    expect(status).to_have_attribute("aria-live", "polite")
    # Progress shows while the worker makes it (htmx asks every 2 seconds).
    expect(status).to_contain_text("files made", timeout=120_000)
    check_page(page, "evidence-pack-progress")
    expect(status).to_contain_text("Your pack is ready", timeout=300_000)
    check_page(page, "evidence-pack-ready")
    link = page.get_by_role("link", name="Download the inspection evidence pack (.zip)")
    link.focus()
    expect(link).to_be_focused()
    with page.expect_download() as info:
        link.press("Enter")
    with open(info.value.path(), "rb") as handle:
        bundle = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = bundle.namelist()
    assert "00-index.docx" in names and any(n.startswith("qa-reports/") for n in names)
    index = Document(io.BytesIO(bundle.read("00-index.docx")))
    cells = [c.text for t in index.tables for row in t.rows for c in row.cells]
    assert set(names) <= set(cells)
    # The signed-off quarter's paper holds the analysis written above.
    signed = [n for n in names if n.startswith("qa-reports/")]
    texts = [
        "\n".join(p.text for p in Document(io.BytesIO(bundle.read(n))).paragraphs) for n in signed
    ]
    assert any("Overdue actions are concentrated in two teams." in t for t in texts)
