"""Helpers for the browser journeys."""

import shutil
import subprocess
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "qaweb-demo-2026"
DOMAIN = "demo-council.example"


def demo_email(prefix: str) -> str:
    return f"{prefix}@{DOMAIN}"


def sign_in_as(page, prefix: str):
    page.context.clear_cookies()  # whoever was signed in before is signed out
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(demo_email(prefix))
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def follow(target) -> None:
    """Click ``target`` (a Playwright locator: a link, or a button that opens another page)
    and return once the page it opens has loaded.

    A plain ``click()`` returns as soon as the click is sent. Reads that do not wait
    (``page.url``, ``count()``, ``all()``, ``evaluate``) then see the page before, or one
    still arriving: on a busy machine the organiser's list of observers was read from the
    week page, which has no such list. Use this for every click that opens a page and is
    followed by such a read."""
    with target.page.expect_navigation(wait_until="load"):
        target.click()


def stop_server(server: subprocess.Popen, grace: float = 30.0) -> None:
    """Stop the server under test without ever failing the run: on a loaded machine gunicorn
    can take longer than any fixed timeout to stop, so ask (SIGTERM), wait, then kill."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        server.kill()
        try:
            server.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass  # the tests have their answer; the operating system reaps it


def have_chromium() -> bool:
    return shutil.which("chromium") is not None or Path(CHROMIUM).exists()


# Fills every question of a tool form with a plausible answer (first choice of each).
FILL_TOOL = """
() => {
  const form = document.querySelector('form.qaweb-tool-form');
  const seen = new Set();
  form.querySelectorAll('input[type=radio], .govuk-checkboxes input[type=checkbox]').forEach(
    (el) => { if (!seen.has(el.name)) { el.checked = true; seen.add(el.name); } });
  form.querySelectorAll('textarea').forEach((el) => { el.value = 'Seen in the records.'; });
  form.querySelectorAll('input.govuk-input--width-5').forEach((el) => { el.value = '3'; });
  const today = new Date();
  form.querySelectorAll('input.govuk-date-input__input').forEach((el) => {
    el.value = el.id.endsWith('-day') ? today.getDate()
      : el.id.endsWith('-month') ? today.getMonth() + 1 : today.getFullYear() - 1;
  });
  form.querySelectorAll('input[type=text]:not(.govuk-date-input__input):not(.govuk-input--width-5)')
    .forEach((el) => { if (el.name.startsWith('q_')) el.value = 'The last six months'; });
}
"""


def fill_tool(page):
    """Answer every question of the QA tool form on the page (``FILL_TOOL``), once the whole
    form has arrived: the click that opens a form returns before the new page has loaded,
    and on a busy machine a form filled while it is still arriving loses its last part (the
    overall judgement)."""
    from playwright.sync_api import expect

    expect(page.locator("form.qaweb-tool-form")).to_be_visible()
    page.wait_for_load_state("load")
    page.evaluate(FILL_TOOL)
