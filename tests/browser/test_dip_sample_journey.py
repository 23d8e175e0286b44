"""Dip samples in a real browser, with axe on every page and screenshots at 1280 and 320
pixels wide: the QA officer sets up a dip sample from typed case numbers and reads a finished
one's results; the demo team manager answers a case with the keyboard alone, each answer
saved as it is chosen, and marks it done."""

import re

import pytest
from browser_support import follow, sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _both_widths(page, check_page, name):
    check_page(page, f"dip-samples-{name}")
    page.set_viewport_size({"width": 320, "height": 900})
    check_page(page, f"dip-samples-{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_answers_a_dip_sample_case_with_the_keyboard(page, check_page):
    page.set_viewport_size({"width": 1280, "height": 900})

    # The QA officer reaches dip samples from the case-file audits page and sets one up.
    sign_in_as(page, "qa.officer")
    page.get_by_role("link", name="Case-file audits").first.click()
    page.get_by_role("link", name=re.compile("^Dip samples")).click()
    expect(page.get_by_role("heading", name="Dip samples", level=1)).to_be_visible()
    _both_widths(page, check_page, "index")
    page.get_by_role("button", name="Set up a dip sample").click()
    _both_widths(page, check_page, "new")
    page.get_by_label("Title").fill("Genograms in Brambles")
    for name, (day, month, year) in (("starts_on", (1, 1, 2027)), ("ends_on", (31, 1, 2027))):
        page.locator(f"#{name}-day").fill(str(day))
        page.locator(f"#{name}-month").fill(str(month))
        page.locator(f"#{name}-year").fill(str(year))
    page.get_by_label("Case numbers").fill("DS-1, Brambles\nDS 2, Brambles\nDS-3, Brambles")
    page.get_by_role("button", name="Set up the dip sample").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Line 2: case number 'DS 2' has spaces or hidden characters in it"
    )
    _both_widths(page, check_page, "new-error")
    page.get_by_label("Case numbers").fill("DS-1, Brambles\nDS-2, Brambles\nDS-3, Brambles")
    page.get_by_role("button", name="Set up the dip sample").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("set up with 3 cases")
    _both_widths(page, check_page, "sample")

    # The finished dip sample's results.
    page.goto("/dip-samples/")
    page.get_by_role("link", name=re.compile("^Results of Chronologies")).click()
    expect(page.get_by_role("heading", name=re.compile("^Results: "))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Compliance by question")
    _both_widths(page, check_page, "results")

    # The demo team manager opens their dip sample from My work.
    sign_in_as(page, "team.manager")
    page.get_by_role("link", name=re.compile(r"cases? to answer$")).first.click()
    page.get_by_label("Show cases").select_option("to_do")
    expect(page).to_have_url(re.compile(r"status=to_do"))
    follow(page.locator("#cases table a").first)
    expect(page.get_by_role("heading", name=re.compile(r"^Case "), level=1)).to_be_visible()
    case_number = page.get_by_role("heading", level=1).inner_text().removeprefix("Case ")
    _both_widths(page, check_page, "case")

    # Keyboard only: the first answer of each question is chosen with Space (Yes), two are
    # moved on with the arrow keys, and Tab goes to the next question. Each is saved as it
    # is chosen, and focus stays where the person is.
    status = page.locator("#save-status")
    radios = page.locator("input[type=radio][value=yes]")
    questions = radios.count()
    radios.first.focus()
    for n in range(questions):
        page.keyboard.press("Space")
        if n in (0, 3):
            page.keyboard.press("ArrowRight")  # Partly
        expect(status).to_contain_text("Saved")
        focused = page.evaluate("document.activeElement.name")
        assert focused == radios.nth(n).get_attribute("name"), focused
        page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Partly").first).to_be_checked()
    page.keyboard.type("Chronology ends in the spring.")
    page.keyboard.press("Tab")  # Save
    page.keyboard.press("Tab")  # Save and mark as done
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {case_number} done")
    _both_widths(page, check_page, "next-case")
