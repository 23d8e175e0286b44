"""A Save button pressed twice sends one request, and saves one record."""

import re

import pytest
from browser_support import sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Press the button twice in a row, as a double click does, and count the submits that got
# through to the form (the form's own listener stops the navigation, to stay on the page).
PRESS_TWICE = """
async () => {
  const button = [...document.querySelectorAll('main form[method=post] button')]
    .find((b) => b.textContent.includes('Save action'));
  const form = button.form;
  let sent = 0;
  form.addEventListener('submit', (event) => { sent += 1; event.preventDefault(); });
  button.click();
  button.click();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return {sent, disabled: button.disabled};
}
"""


def test_a_save_button_sends_its_form_once_and_is_disabled_meanwhile(page):
    sign_in_as(page, "qa.officer")
    page.goto("/actions/new")
    result = page.evaluate(PRESS_TWICE)
    assert result == {"sent": 1, "disabled": True}


def test_double_clicking_log_a_complaint_logs_one(page):
    sign_in_as(page, "complaints")
    page.goto("/complaints/new")
    page.locator("#received_on-day").fill("3")
    page.locator("#received_on-month").fill("11")
    page.locator("#received_on-year").fill("2026")
    page.get_by_label("How it was made").select_option(label="Letter")
    page.get_by_label("Who complained").select_option(label="Parent")
    page.get_by_label("Complainant's name").fill("Dee Doubleclick")
    page.get_by_label("Delay").check()
    page.get_by_label("Summary of the complaint").fill("Pressed twice")
    page.get_by_role("button", name="Save the complaint").dblclick()
    expect(page.locator(".govuk-notification-banner").first).to_contain_text("logged")
    page.goto("/complaints/?q=Pressed+twice&status=all")
    expect(page.get_by_role("link", name=re.compile(r"^CMP-2026-"))).to_have_count(1)
