"""Journeys in a real browser, with axe on every page visited."""

import re

import pytest
from browser_support import fill_tool, follow, sign_in_as
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NAV_BY_ROLE = {
    "practitioner": ["My work", "Actions", "Practice weeks"],
    "team.manager": [
        "My work",
        "Actions",
        "Supervision",
        "Case-file audits",
        "Practice weeks",
    ],
    "service.manager": [
        "My work",
        "Actions",
        "Supervision",
        "Case-file audits",
        "Practice weeks",
        "Thematic",
        "Complaints",
    ],
    "observer": ["My work", "Actions", "Practice weeks"],
    "organiser": ["My work", "Actions", "Practice weeks"],
    "qa.officer": [
        "My work",
        "Actions",
        "Supervision",
        "Case-file audits",
        "Practice weeks",
        "Thematic",
    ],
    "qa.board": ["My work", "Actions", "Practice weeks", "Thematic"],
    "complaints": ["My work", "Actions", "Practice weeks", "Complaints"],
    "admin": ["My work", "Actions", "Practice weeks", "Complaints", "Admin"],
}

EXTRA_PAGES = {
    "qa.officer": ["/actions/all", "/actions/new", "/account/password"],
    "team.manager": ["/actions/team"],
    "admin": [
        "/admin/users",
        "/admin/users/new",
        "/admin/teams",
        "/admin/teams/new",
        "/admin/service-areas",
        "/admin/users/import",
        "/admin/settings",
    ],
}


def test_sign_in_page_and_errors_pass_axe(page, check_page):
    page.goto("/sign-in")
    expect(page).to_have_title("Sign in - qaweb")
    check_page(page, "sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Error: Sign in - qaweb")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    check_page(page, "sign-in-errors")


def test_scripts_run_under_the_content_security_policy(page):
    sign_in_as(page, "qa.officer")
    csp = page.request.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    # GOV.UK Frontend's body classes, set by qaweb.js rather than an inline script...
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    assert page.evaluate("window.htmx.config.allowEval") is False
    # ...and htmx added no inline <style> (its indicator rules are in qaweb.css).
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    # (The journeys below use htmx and GOV.UK components; each fails on any CSP violation.)


@pytest.mark.parametrize("role", list(NAV_BY_ROLE))
def test_each_role_sees_its_navigation_and_every_page_passes_axe(page, check_page, role):
    sign_in_as(page, role)
    nav = page.locator(".govuk-service-navigation__list .govuk-service-navigation__item a")
    labels = [t.strip() for t in nav.all_inner_texts()]
    assert labels[: len(NAV_BY_ROLE[role])] == NAV_BY_ROLE[role]
    assert "Admin" not in labels or role == "admin"
    hrefs = [
        a.get_attribute("href")
        for a in nav.all()
        if "service-navigation__link" in (a.get_attribute("class") or "")
    ]
    hrefs = [h for h in hrefs if h and not h.startswith("/account")]
    for href in dict.fromkeys(hrefs + EXTRA_PAGES.get(role, [])):
        page.goto(href)
        assert page.title().endswith(" - qaweb")
        name = f"{role}-{href.strip('/').replace('/', '-') or 'home'}"
        check_page(page, name)


def test_qa_officer_filters_completes_and_exports_actions(page, check_page, tmp_path):
    sign_in_as(page, "qa.officer")
    page.goto("/actions/all")
    total_text = page.locator("#results p").first.inner_text()
    page.evaluate("window.__notReloaded = true")

    # Filter with htmx: the list updates in place and the URL records the filter.
    page.get_by_label("Only overdue actions").check()
    expect(page).to_have_url(re.compile(r"overdue=y"))
    expect(page.locator("#results p").first).not_to_have_text(total_text)
    assert page.evaluate("window.__notReloaded") is True
    rows = page.locator("#actions-table tbody tr")
    expect(rows.first).to_contain_text("Overdue")
    check_page(page, "actions-all-overdue")

    # Complete the first one in place; a missing field is reported in the row.
    first = rows.first
    row_id = first.get_attribute("id")
    reference = first.locator(".govuk-hint").first.inner_text().split(" ")[0]
    first.get_by_role("link", name=re.compile("^Complete")).click()
    form_row = page.locator(f"#{row_id}")
    expect(form_row.get_by_label("Evidence of completion")).to_be_visible()
    check_page(page, "actions-complete-in-row")
    form_row.get_by_role("button", name="Mark as completed").click()
    expect(form_row.locator(".govuk-error-summary")).to_contain_text(
        "Enter the evidence that the action is complete"
    )
    form_row.get_by_label("Evidence of completion").fill(
        "Discussed at team meeting; minutes saved."
    )
    form_row.get_by_role("button", name="Mark as completed").click()
    expect(page.locator(f"#{row_id}")).to_contain_text("Completed")
    assert page.evaluate("window.__notReloaded") is True

    # Export what the filters show and read the file back.
    shown = int(
        re.search(r"([\d,]+) action", page.locator("#results p").first.inner_text())
        .group(1)
        .replace(",", "")
    )
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Export to Excel")).click()
    path = tmp_path / "actions.xlsx"
    download_info.value.save_as(path)
    workbook = load_workbook(path)
    sheet = workbook["Actions"]
    # The completed action is no longer overdue: the export has the rest, as the filter says.
    assert sheet.max_row - 1 == shown - 1
    references = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert reference.startswith("ACT-") and reference not in references
    assert {row[9] for row in sheet.iter_rows(min_row=2, values_only=True)} == {"Yes"}


def test_qa_officer_filters_actions_by_owner_name(page, check_page):
    sign_in_as(page, "qa.officer")
    page.goto("/actions/all")
    page.evaluate("window.__notReloaded = true")
    owner = page.locator("#actions-table tbody tr").first.locator("td").nth(1)
    name = owner.inner_text().split("\n")[0].strip()

    # A name nobody has: the GOV.UK error appears in place, linked to the box.
    box = page.get_by_label("Owner")
    box.fill("Nobody ByThisname")
    box.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("No member of staff matches ‘Nobody ByThisname’")
    expect(page).to_have_title(re.compile("^Error: All actions"))
    expect(page.locator("#owner-error")).to_be_visible()
    expect(page.locator("#actions-table")).to_have_count(0)
    # The list replaced itself: one heading, one filter form, the error summary on top.
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("form.qaweb-filters")).to_have_count(1)
    expect(page.locator("main .govuk-error-summary + .govuk-grid-row h1")).to_have_count(1)
    check_page(page, "actions-owner-error")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Owner")).to_be_focused()

    # Put right: the error goes and every row is that person's.
    page.get_by_label("Owner").fill(name)
    page.get_by_label("Owner").press("Enter")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("h1")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"owner="))
    rows = page.locator("#actions-table tbody tr")
    expect(rows.first).to_be_visible()
    for cell in rows.locator("td:nth-child(2)").all_inner_texts():
        assert cell.split("\n")[0].strip() == name
    assert page.evaluate("window.__notReloaded") is True


def test_admin_adds_a_team_with_errors_shown(page, check_page):
    sign_in_as(page, "admin")
    page.goto("/admin/teams/new")
    page.get_by_role("button", name="Save team").click()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name of the team")
    check_page(page, "admin-team-errors")
    page.get_by_label("Name").fill("Hawthorns")
    page.get_by_label("Service area").select_option(label="Children in Need and Protection")
    page.get_by_role("button", name="Save team").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Team Hawthorns saved")


def test_admin_uploads_the_bedford_tool_previews_and_publishes_it(page, check_page):
    from pathlib import Path

    bedford = (
        Path(__file__).resolve().parents[2] / "qaweb/tools/starter/bedford/case_file_audit.yaml"
    )
    sign_in_as(page, "admin")
    page.goto("/admin/tools/")
    expect(page.get_by_role("heading", name="Case-file audit")).to_be_visible()
    check_page(page, "tools-index")

    # A file with a mistake is refused with the line of the problem.
    page.goto("/admin/tools/upload")
    check_page(page, "tools-upload")
    broken = bedford.read_text().replace("kind: yes_partly_no", "kind: yes_or_no", 1)
    page.get_by_label("Tool file").set_input_files(
        files=[{"name": "bedford.yaml", "mimeType": "application/yaml", "buffer": broken.encode()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#problems")).to_contain_text("unknown question kind 'yes_or_no'")
    check_page(page, "tools-upload-problems")

    page.get_by_label("Tool file").set_input_files(str(bedford))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("loaded as a draft")
    expect(page.get_by_role("heading", name="1. Standard 1: Assessment")).to_be_visible()
    page.get_by_text("What good looks like").first.click()
    check_page(page, "tools-bedford-preview")

    # Trying the preview: required answers are named.
    page.get_by_role("button", name="Check the answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Does this child have an appropriate and up-to-date assessment?"
    )
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is published")

    page.goto("/admin/tools/")
    rows = page.locator("table").filter(has_text="bedford_case_file_audit")
    expect(rows).to_contain_text("Published")
    expect(page.locator("table").filter(has_text="wokingham_case_file_audit")).to_contain_text(
        "Published"
    )
    page.goto("/admin/tools/grading-scale")
    check_page(page, "tools-grading-scale")


def test_team_manager_walks_an_audit_from_plan_to_reflective_session(page, check_page):
    sign_in_as(page, "team.manager")
    page.get_by_role("link", name=re.compile("^Supervision audit of ")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Supervision audit of")
    check_page(page, "supervision-audit-planned")
    audit_url = page.url
    page.get_by_role("button", name="Start the audit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit started")

    page.get_by_role("link", name="Record the audit details").click()
    page.get_by_role("button", name="Save the audit details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the audit")
    check_page(page, "supervision-details-errors")
    page.locator("#audited_on-day").fill("1")
    page.locator("#audited_on-month").fill("10")
    page.locator("#audited_on-year").fill("2026")
    page.get_by_label("Supervision files reviewed").fill("3")
    page.get_by_label("Strengths").fill("Regular, reflective supervision.")
    page.get_by_role("button", name="Save the audit details").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit details saved")

    # The audit form: a section saved in place, then the whole form completed.
    page.get_by_role("link", name="Fill in the supervision-audit form").click()
    check_page(page, "supervision-audit-form")
    first_section = page.locator("section.qaweb-tool-section").first
    first_section.locator("input.govuk-input--width-5").first.fill("4")
    first_section.get_by_role("button", name=re.compile("^Save this section")).click()
    expect(first_section.get_by_role("status")).to_contain_text("Saved")
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(audit_url)

    # Feedback taken in conversation, then the audit is finished and reflected on.
    page.get_by_role("button", name="Record feedback taken in conversation").click()
    check_page(page, "supervision-feedback-form")
    fill_tool(page)
    page.get_by_role("button", name="Complete", exact=True).click()
    expect(page).to_have_url(audit_url)
    page.get_by_role("button", name="Finish the audit").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Audit finished")
    page.get_by_role("button", name="Record the reflective session").click()
    check_page(page, "supervision-reflective")
    page.locator("#reflective_on-day").fill("2")
    page.locator("#reflective_on-month").fill("10")
    page.locator("#reflective_on-year").fill("2026")
    page.get_by_label("Notes of the session").fill("Findings discussed with the supervisor.")
    page.get_by_role("button", name=re.compile("Record the session")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the audit is complete")
    check_page(page, "supervision-audit-completed")


def test_planner_and_service_manager_pages_pass_axe(page, check_page):
    sign_in_as(page, "qa.officer")
    page.goto("/supervision/plan")
    expect(page.get_by_role("heading", name="Plan supervision audits")).to_be_visible()
    check_page(page, "supervision-plan")
    page.goto("/supervision/coverage")
    check_page(page, "supervision-coverage")
    page.get_by_label("Service area").select_option(label="Children in Need and Protection")
    expect(page).to_have_url(re.compile(r"area=\d+"))
    expect(page.locator("#results")).to_contain_text("Brambles")


def test_terms_of_reference_drafted_returned_resubmitted_and_approved(page, check_page):
    sign_in_as(page, "qa.officer")
    page.goto("/thematic/plan")
    check_page(page, "thematic-plan")
    follow(page.get_by_role("link", name="Voice of the child"))
    audit_url = page.url
    check_page(page, "thematic-planned")
    page.get_by_role("button", name="Write the terms of reference").click()
    page.get_by_label("Why this audit, and why now").fill(
        "Core audits found children's words missing from their plans."
    )
    page.get_by_label("Line of enquiry 1").fill("Is the child seen alone?")
    page.get_by_role("button", name="Add a line of enquiry").click()
    expect(page.get_by_label("Line of enquiry 2")).to_be_focused()
    page.get_by_label("Line of enquiry 2").fill("Do plans use the child's own words?")
    page.get_by_label("Bespoke audit tool").check()
    lead = page.get_by_label("Lead", exact=True)  # people are listed "Surname, First name (Team)"
    lead.select_option(lead.locator("option", has_text="Adebayo, Quinn").get_attribute("value"))
    for field, (d, m) in {
        "start_on": (1, 1),
        "fieldwork_end_on": (28, 2),
        "report_due_on": (31, 3),
    }.items():
        page.locator(f"#{field}-day").fill(str(d))
        page.locator(f"#{field}-month").fill(str(m))
        page.locator(f"#{field}-year").fill("2027")
    check_page(page, "thematic-terms-form")
    page.get_by_role("button", name="Save the terms of reference").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Terms of reference saved")
    page.get_by_role("button", name="Submit to the QA Board").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("submitted to the QA Board")

    sign_in_as(page, "qa.board")
    page.get_by_role("link", name="Voice of the child").click()
    page.get_by_role("button", name="Approve or return the terms").click()
    check_page(page, "thematic-decision")
    page.get_by_label("Return them with comments").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what needs to change")
    check_page(page, "thematic-decision-errors")
    page.get_by_label("Comments", exact=True).fill("Add the views of parents and carers.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Terms returned")

    sign_in_as(page, "qa.officer")
    page.goto(audit_url)
    expect(page.locator(".govuk-warning-text")).to_contain_text("Add the views of parents")
    page.get_by_role("button", name="Edit the terms of reference").click()
    page.get_by_label("Views of parents and carers").check()
    page.get_by_role("button", name="Save the terms of reference").click()
    page.get_by_role("button", name="Submit to the QA Board").click()

    sign_in_as(page, "qa.board")
    page.goto(audit_url)
    page.get_by_role("button", name="Approve or return the terms").click()
    page.get_by_label("Approve the terms of reference").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("approved")
    page.get_by_role("link", name="Compare with 1").click()
    expect(page.locator("table.qaweb-compare ins").first).to_contain_text(
        "Views of parents and carers"
    )
    check_page(page, "thematic-compare")
    page.goto(audit_url + "/print")
    check_page(page, "thematic-print")
    # The Print button works without an inline onclick (the CSP refuses those).
    page.evaluate("window.print = () => { window.__printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed") is True


def test_complaints_officer_logs_extends_escalates_closes_and_logs_a_compliment(page, check_page):
    sign_in_as(page, "complaints")
    page.goto("/complaints/")
    check_page(page, "complaints-list")
    page.get_by_role("button", name="Log a complaint").click()
    page.locator("#received_on-day").fill("19")
    page.locator("#received_on-month").fill("12")
    page.locator("#received_on-year").fill("2025")
    page.get_by_label("How it was made").select_option(label="Letter")
    page.get_by_label("Who complained").select_option(label="Parent")
    page.get_by_label("Complainant's name").fill("Jo Bloggs")
    page.get_by_label("Delay").check()
    page.get_by_label("Summary of the complaint").fill("No visit for six weeks")
    check_page(page, "complaints-new")
    page.get_by_role("button", name="Save the complaint").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Stage 1 response due 7 January 2026"
    )
    check_page(page, "complaints-complaint")
    page.get_by_role("link", name=re.compile("^Extend")).click()
    page.get_by_label("Reason for the extension").fill("Investigating officer on leave")
    page.get_by_role("button", name="Extend the deadline").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("21 January 2026")
    page.get_by_role("link", name=re.compile("^Record progress")).click()
    check_page(page, "complaints-stage")
    page.locator("#responded_on-day").fill("15")
    page.locator("#responded_on-month").fill("1")
    page.locator("#responded_on-year").fill("2026")
    page.get_by_label("Outcome").select_option(label="Not upheld")
    page.get_by_role("button", name="Save the stage").click()
    page.get_by_role("button", name="Escalate").click()
    page.locator("#started_on-day").fill("2")
    page.locator("#started_on-month").fill("2")
    page.locator("#started_on-year").fill("2026")
    check_page(page, "complaints-escalate")
    page.get_by_role("button", name="Escalate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Stage 2")
    page.get_by_role("button", name="Close the complaint").click()
    page.get_by_role("button", name="Close the complaint").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Record the response")
    page.get_by_role("link", name="Back to the complaint").click()
    page.get_by_role("link", name=re.compile("^Record progress")).first.click()
    page.locator("#responded_on-day").fill("20")
    page.locator("#responded_on-month").fill("2")
    page.locator("#responded_on-year").fill("2026")
    page.get_by_label("Outcome").select_option(label="Partially upheld")
    page.get_by_role("button", name="Save the stage").click()
    page.get_by_role("button", name="Close the complaint").click()
    page.get_by_role("button", name="Close the complaint").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("closed")
    page.goto("/complaints/compliments")
    page.get_by_label("From", exact=True).select_option(label="Parent or carer")
    page.get_by_label("What was valued").fill("She listened to my son")
    page.get_by_role("button", name="Save the compliment").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Compliment logged")
    check_page(page, "complaints-compliments")
    page.goto("/complaints/report")
    check_page(page, "complaints-report")


def test_complaint_with_three_points_escalated_unanswered_and_answered_point_by_point(
    page, check_page
):
    """Issue 14: a complaint set out as three points; Stage 1 never answered, so the complainant
    goes to Stage 2 (Stage 1 stays on record as not answered and out of time); Stage 2 answers
    each point, and its outcome comes from them."""
    sign_in_as(page, "complaints")
    page.goto("/complaints/new")
    page.locator("#received_on-day").fill("2")
    page.locator("#received_on-month").fill("11")
    page.locator("#received_on-year").fill("2026")
    page.get_by_label("How it was made").select_option(label="Email")
    page.get_by_label("Who complained").select_option(label="Parent")
    page.get_by_label("Complainant's name").fill("Jo Testperson")
    page.get_by_label("Communication").check()
    page.get_by_label("Summary of the complaint").fill("Invented: no Stage 1 reply ever came")
    page.get_by_label("Points of complaint (optional)").fill(
        "1. Three visits were cancelled without notice\n"
        "2. Calls were not returned for three weeks\n"
        "3. The plan was changed without the family"
    )
    check_page(page, "complaints-new-with-points")
    page.get_by_role("button", name="Save the complaint").click()
    # Received Mon 2 Nov 2026: 10 working days, due Mon 16 Nov 2026.
    expect(page.locator(".govuk-notification-banner")).to_contain_text("16 November 2026")
    points = page.locator("#points + ol > li")
    expect(points).to_have_count(3)
    expect(points.nth(1)).to_contain_text("Calls were not returned for three weeks")

    # Nothing was ever sent at Stage 1: escalate without inventing a response.
    page.get_by_role("button", name="Escalate").click()
    page.locator("#started_on-day").fill("20")
    page.locator("#started_on-month").fill("11")
    page.locator("#started_on-year").fill("2026")
    page.get_by_role("button", name="Escalate").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Stage 2")
    stage_one = page.locator(".govuk-summary-card", has_text="Stage 1: local resolution")
    expect(stage_one).to_contain_text("Not answered")
    expect(stage_one).to_contain_text("Out of time")

    # Stage 2's people, then its response point by point.
    page.get_by_role("link", name="People and dates of Stage 2: investigation").click()
    page.get_by_label("Investigating officer's name").fill("Morgan Hale")
    page.get_by_role(
        "group", name="Is the investigating officer internal or external?"
    ).get_by_label("External").check()
    page.locator("#investigating_officer_on-day").fill("23")
    page.locator("#investigating_officer_on-month").fill("11")
    page.locator("#investigating_officer_on-year").fill("2026")
    check_page(page, "complaints-stage-2-people")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")

    page.get_by_role("link", name="Record progress of Stage 2: investigation").click()
    page.locator("#responded_on-day").fill("27")
    page.locator("#responded_on-month").fill("11")
    page.locator("#responded_on-year").fill("2026")
    for number, outcome in ((1, "Upheld"), (2, "Not upheld")):
        group = page.get_by_role("group", name=re.compile(f"^Point {number}:"))
        group.get_by_label(outcome, exact=True).check()
    page.get_by_role("button", name="Save the stage").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the outcome of point 3")
    check_page(page, "complaints-stage-points-error")
    summary.get_by_role("link", name=re.compile("point 3")).click()
    group = page.get_by_role("group", name=re.compile("^Point 3:"))
    group.get_by_label("Unable to determine", exact=True).check()
    page.get_by_role("button", name="Save the stage").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("saved")
    stage_two = page.locator(".govuk-summary-card", has_text="Stage 2: investigation")
    # Upheld, not upheld, unable to determine: one upheld, so partly upheld.
    expect(stage_two).to_contain_text("27 November 2026 (Partially upheld, from the points)")
    expect(stage_two).to_contain_text("Morgan Hale (external), appointed 23 November 2026")
    expect(points.nth(2)).to_contain_text("Stage 2: Unable to determine")
    check_page(page, "complaints-complaint-with-points")
    page.set_viewport_size({"width": 320, "height": 900})
    check_page(page, "complaints-complaint-with-points-320")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The statement of complaint: move point 3 up, by keyboard.
    page.get_by_role("link", name="Add, change or reorder the points").click()
    page.get_by_role("button", name="Move up point 3").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now point 2")
    expect(page.locator(".qaweb-points > li").nth(1)).to_contain_text("The plan was changed")
    check_page(page, "complaints-points")
    # A complaint cannot be linked to itself.
    page.get_by_role("link", name="Back to the complaint").click()
    reference = page.locator("h1").inner_text().removeprefix("Complaint ").strip()
    page.get_by_role("link", name="Link a complaint about the same family or matter").click()
    page.get_by_label("Reference of the complaint to link").fill(reference)
    page.get_by_label("Same family").check()
    page.get_by_role("button", name="Link the complaints").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be linked to itself")
    check_page(page, "complaints-links-error")
