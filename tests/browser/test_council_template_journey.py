"""Admin → Settings → Word template for papers: upload a template that lacks a style (refused
naming it), then a good one, download it and remove it; axe on each state, at desktop and
phone widths."""

import io

import docx
import pytest
from browser_support import sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def template(drop=()) -> dict:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Demo Borough Council letterhead"
    for name in drop:
        element = document.styles[name].element
        element.getparent().remove(element)
    out = io.BytesIO()
    document.save(out)
    return {
        "name": "Demo letterhead.docx",
        "mimeType": "application/msword",
        "buffer": out.getvalue(),
    }


def test_an_administrator_uploads_downloads_and_removes_the_word_template(page, check_page):
    sign_in_as(page, "admin")
    page.goto("/admin/settings")
    section = page.locator("#template")
    expect(section).to_have_text("Word template for papers")
    expect(page.get_by_text("No template uploaded")).to_be_visible()
    check_page(page, "settings-template-none")

    field = page.get_by_label("Upload the council's Word template")
    field.set_input_files(template(drop=("Heading 3",)))
    page.get_by_role("button", name="Upload template").click()
    expect(page).to_have_title("Error: Settings - qaweb")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The template has no style named Heading 3")
    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link").click()
    expect(field).to_be_focused()
    check_page(page, "settings-template-refused")

    field.set_input_files(template())
    page.get_by_role("button", name="Upload template").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Papers are now built on “Demo letterhead.docx”"
    )
    expect(page.locator(".govuk-summary-list")).to_contain_text("Demo letterhead.docx")
    for width, name in ((1280, "settings-template-in-use"), (320, "settings-template-in-use-320")):
        page.set_viewport_size({"width": width, "height": 900})
        check_page(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the template in use").click()
    saved = docx.Document(download.value.path())
    assert saved.sections[0].header.paragraphs[0].text == "Demo Borough Council letterhead"

    page.get_by_role("button", name="Remove the template and use the built-in one").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "papers are built on the built-in A4 template"
    )
    expect(page.get_by_text("No template uploaded")).to_be_visible()
