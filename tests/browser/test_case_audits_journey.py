"""Case-file audits in a real browser, with axe on every page and screenshots at 1280 and
320 pixels wide: the QA officer imports a case list and draws and allocates the sample; an
auditor completes an audit with family feedback and the practitioner conversation; the
practitioner reads and responds; the team manager opens the team's summary."""

import re
from datetime import date

import pytest
from browser_support import demo_email, fill_tool, follow, sign_in_as
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _next_month() -> date:
    today = date.today()
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def _both_widths(page, check_page, name):
    check_page(page, f"case-audits-{name}")
    page.set_viewport_size({"width": 320, "height": 900})
    check_page(page, f"case-audits-{name}-320")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_case_file_audit_programme_journey(page, check_page, tmp_path):
    page.set_viewport_size({"width": 1280, "height": 900})
    month = _next_month()

    # The QA officer imports next month's case list, draws and allocates the sample.
    sign_in_as(page, "qa.officer")
    page.get_by_role("link", name="Case-file audits").first.click()
    expect(page.get_by_role("heading", name="Case-file audits", level=1)).to_be_visible()
    _both_widths(page, check_page, "index")
    page.get_by_role("button", name="Import a case list").click()
    _both_widths(page, check_page, "import")
    rows = ["Case number,Case type,Team,Practitioner email,Date opened,Flags,Closed"]
    for n in range(1, 7):
        rows.append(f"J{n:03d},Child in need,Brambles,{demo_email('practitioner')},01/03/2026,,No")
    rows.append(f"J100,Child protection,Brambles,{demo_email('team.manager')},,,No")
    upload = tmp_path / "cases.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page.get_by_label("Month the list is for").select_option(month.strftime("%Y-%m"))
    page.get_by_label("Case list").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the case list")).to_be_visible()
    expect(page.locator("main")).to_contain_text("7 rows: 7 new, 0 to update, 0 unchanged.")
    _both_widths(page, check_page, "import-preview")
    page.get_by_role("button", name="Import the cases").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Cases imported")
    page.get_by_label("Cases per team").fill("2")
    page.get_by_label("Rules (optional)").fill("every child protection")
    page.get_by_role("button", name="Draw the sample").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Sample drawn")
    expect(page.locator("table")).to_contain_text("Every child protection case")
    _both_widths(page, check_page, "sample")
    page.get_by_role("link", name=re.compile("^Swap out")).first.click()
    _both_widths(page, check_page, "swap")
    page.get_by_label("Why is this case swapped out?").fill("In court proceedings this month")
    page.get_by_role("button", name="Swap the case out").click()
    expect(page.locator("table")).to_contain_text("Swapped out: In court proceedings")
    page.get_by_role("button", name="Allocate to auditors").click()
    _both_widths(page, check_page, "allocate")
    page.get_by_role("button", name="Confirm the allocation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("audits allocated")
    page.goto("/case-audits/reports")
    _both_widths(page, check_page, "report")
    page.goto("/case-audits/settings")
    _both_widths(page, check_page, "settings")

    # An auditor completes an audit in progress with family feedback and the conversation.
    sign_in_as(page, "team.manager")
    follow(page.get_by_role("link", name=re.compile(r"^Audit case \d+")).first)
    audit_url = page.url
    _both_widths(page, check_page, "audit")
    page.get_by_role("link", name=re.compile("the case-file audit form")).click()
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(audit_url)
    page.get_by_role("link", name=re.compile("^Record the sources")).click()
    _both_widths(page, check_page, "record")
    page.get_by_label("Sources read").fill("Visits 3, 17 and 31 January; the plan; supervision")
    page.locator("#child_feedback").check()
    page.get_by_label("What the child said").fill("My worker listens to me")
    page.locator("#family_feedback-2").check()
    page.get_by_label("Why the parents' or carers' feedback was not obtained").fill(
        "Father declined to speak to the auditor"
    )
    page.locator("#conversation_on-day").fill("2")
    page.locator("#conversation_on-month").fill("1")
    page.locator("#conversation_on-year").fill("2026")
    page.get_by_label("Reflections from the conversation").fill("We reflected on drift")
    page.get_by_label("Your judgement").fill("The plan is good in this case")
    page.get_by_label("The action taken").fill("as a result of weekly core groups")
    page.get_by_label("The impact for the child").fill("leading to school every day")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(audit_url)
    page.get_by_role("button", name="Complete and share the audit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit completed")
    expect(page.locator("main")).to_contain_text("Father declined to speak to the auditor")

    # The team manager opens the team's summary.
    page.goto("/case-audits/summary")
    expect(page.get_by_role("heading", name=re.compile("^Brambles, "))).to_be_visible()
    _both_widths(page, check_page, "summary")

    # The practitioner reads an audit shared with them and responds.
    sign_in_as(page, "practitioner")
    page.get_by_role("link", name=re.compile(r"^Audit of case \d+")).first.click()
    _both_widths(page, check_page, "shared")
    page.get_by_label("Your response to the audit").fill("Thank you: I will update the plan.")
    page.get_by_role("button", name="Send your response").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Your response is added")
    expect(page.locator("main")).to_contain_text("Thank you: I will update the plan.")
