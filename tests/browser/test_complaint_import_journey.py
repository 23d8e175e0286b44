"""The complaints officer brings in last year's log: template, columns, preview, import."""

from pathlib import Path

import pytest
from browser_support import sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LOG = Path(__file__).resolve().parents[1] / "field" / "complaints-log-2025-26.csv"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def narrow_screenshot(page, name):
    """The page as a phone shows it (320 px wide), kept beside the full-width one."""
    page.set_viewport_size({"width": 320, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-320.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})


def test_complaints_officer_imports_a_years_log(page, check_page, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in_as(page, "complaints")
    page.goto("/complaints/")
    page.get_by_role("button", name="Import the old log").click()
    expect(page).to_have_title("Import the old log - qaweb")
    check_page(page, "complaints-import")
    page.get_by_role("link", name="Read the columns and their meanings").click()
    expect(page.locator("h1")).to_have_text("Columns of the old log")
    check_page(page, "complaints-import-columns")
    page.go_back()

    # A file with a problem first: every problem named, nothing imported.
    bad = tmp_path / "log-with-problems.csv"
    lines = LOG.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text("\n".join([lines[0], lines[1].replace("07/04/2025", "31/04/2025")]))
    page.get_by_label("The log").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page).to_have_title("Error: Check the complaints log - qaweb")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Row 2: Received date: '31/04/2025' is not a date"
    )
    expect(page.get_by_role("button", name="Import the rows")).to_have_count(0)
    check_page(page, "complaints-import-problems")
    page.get_by_role("link", name="Import another file").click()

    page.get_by_label("Complaints", exact=True).check()
    page.get_by_label("The log").set_input_files(str(LOG))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("h1")).to_have_text("Check the complaints log")
    expect(page.locator("main")).to_contain_text("7 rows: 7 new, 0 already imported")
    expect(page.locator("main")).to_contain_text(
        "Stage 1 from 19 December 2025, due 7 January 2026: answered 9 January 2026, late"
    )
    check_page(page, "complaints-import-preview")
    narrow_screenshot(page, "complaints-import-preview")
    page.get_by_role("button", name="Import the rows").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Log imported: 7 complaints added"
    )
    page.goto("/complaints/?status=all&q=OLD-2025")
    expect(page.locator("#results")).to_contain_text("7 complaints")
    expect(page.locator("#results")).to_contain_text("Sam Taylor")
    check_page(page, "complaints-list-imported")
