"""Nothing typed is lost in a real browser: signed out in another tab while filling in an
observation, "Save this section" keeps the answers, says so, and saves once signed in
again; leaving with unsaved answers asks first (issue 13)."""

import re

import pytest
from browser_support import sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ANSWER = "Invented: the worker and mother planned contact together."


def test_signed_out_in_another_tab_the_answers_stay_and_save_after_signing_in(page, check_page):
    sign_in_as(page, "observer")
    page.get_by_role("link", name=re.compile("^Observe ")).first.click()
    page.get_by_role("button", name="Start the observation form").click()
    section = page.locator("section.qaweb-tool-section").first
    section.locator("textarea").first.fill(ANSWER)
    later = page.locator("section.qaweb-tool-section").nth(1).locator("textarea").first
    later.fill("Invented: not saved yet.")

    # Signed out in another tab.
    other = page.context.new_page()
    other.goto(page.url)
    other.get_by_role("button", name="Sign out").click()

    section.get_by_role("button", name=re.compile("^Save this section")).click()
    problem = page.locator("#qaweb-form-problem")
    expect(problem).to_contain_text("You have been signed out")
    expect(problem.get_by_role("link", name=re.compile("Sign in in a new tab"))).to_have_attribute(
        "target", "_blank"
    )
    expect(section.locator("textarea").first).to_have_value(ANSWER)
    assert page.locator("form input[name=password]").count() == 0  # no sign-in page swapped in
    check_page(page, "signed-out-message")

    # Signed in again in the other tab (a new session and form token), then Save again.
    sign_in_as(other, "observer")
    other.close()
    section.get_by_role("button", name=re.compile("^Save this section")).click()
    expect(section.get_by_role("status")).to_contain_text("Saved")
    expect(section.locator("textarea").first).to_have_value(ANSWER)

    # The later section was never saved: leaving asks first.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
