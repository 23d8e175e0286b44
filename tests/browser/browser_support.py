"""Helpers for the browser journeys."""

import shutil
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


def have_chromium() -> bool:
    return shutil.which("chromium") is not None or Path(CHROMIUM).exists()
