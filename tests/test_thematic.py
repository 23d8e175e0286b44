import io
import re

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.thematic import services
from qaweb.thematic.models import TermsVersion, ThematicAudit


@pytest.fixture
def people(make_user, make_team):
    team = make_team("Impact and Inspection")
    return {
        "qa": make_user("qa_officer", team=team, first_name="Quinn", last_name="Adebayo"),
        "board": make_user("qa_board", first_name="Beatrice", last_name="Lowe"),
        "psw": make_user(
            "practitioner",
            team=team,
            first_name="Paula",
            last_name="Wright",
            job_title="Principal Social Worker",
        ),
        "tm": make_user("team_manager"),
        "sm": make_user("service_manager"),
    }


def planned(title="Voice of the child"):
    audit = services.add_to_plan(title, today_london().year, 3, None)
    db.session.commit()
    return audit


def terms_post(audit, psw, **changes):
    data = {
        "version": audit.version,
        "title": "Voice of the child",
        "context": "Core audits found the child's voice thin in plans.",
        "prompted_by": ["core_audits"],
        "sample_method": "random",
        "sample_size": "20",
        "lines-0": "Is the child seen alone?",
        "lines-1": "Do plans reflect what children say?",
        "methodology": ["bespoke_tool", "children_views"],
        "lead_id": psw.id,
        "members": "Practice consultant A\nPractice consultant B",
        "start_on": ["1", "1", "2027"],
        "fieldwork_end_on": ["28", "2", "2027"],
        "report_due_on": ["31", "3", "2027"],
    }
    data.update(changes)
    return data


def test_validation_names_each_problem(client, people):
    audit = planned()
    sign_in(client, people["qa"])
    page = client.post(
        f"/thematic/{audit.id}/terms",
        data=terms_post(
            audit,
            people["psw"],
            **{
                "lines-0": "",
                "lines-1": "",
                "sample_size": "",
                "fieldwork_end_on": ["1", "12", "2026"],
                "report_due_on": ["1", "11", "2026"],
            },
        ),
    ).get_data(as_text=True)
    assert "Error: Terms of reference" in page
    for message in (
        "Enter at least one key line of enquiry",
        "Enter the sample size, as a case sample is chosen",
        "Fieldwork ends must be the same as or after the start",
        "Report due must be the same as or after fieldwork ends",
    ):
        assert message in page, message
    assert db.session.get(ThematicAudit, audit.id).status == "planned"


def test_lines_of_enquiry_are_added_reordered_and_removed_in_place(client, people):
    audit = planned()
    sign_in(client, people["qa"])
    hx = {"HX-Request": "true"}
    url = f"/thematic/{audit.id}/terms"
    base = {"title": "T", "lines-0": "First", "lines-1": "Second"}
    body = client.post(url, headers=hx, data={**base, "line_action": "add"}).get_data(as_text=True)
    assert "<html" not in body and 'id="lines-2"' in body and "autofocus" in body
    body = client.post(url, headers=hx, data={**base, "line_action": "up-1"}).get_data(as_text=True)
    assert body.index('value="Second"') < body.index('value="First"')
    body = client.post(url, headers=hx, data={**base, "line_action": "remove-0"}).get_data(
        as_text=True
    )
    assert 'value="First"' not in body and 'value="Second"' in body
    # Without JavaScript the same buttons return the whole page.
    page = client.post(url, data={**base, "line_action": "add"}).get_data(as_text=True)
    assert "<html" in page and 'id="lines-2"' in page
    assert db.session.get(ThematicAudit, audit.id).status == "planned"  # nothing saved


def test_the_sign_off_workflow_and_who_may_do_each_step(client, app, people):
    audit = planned()
    url = f"/thematic/{audit.id}"
    sign_in(client, people["qa"])
    client.post(f"{url}/terms", data=terms_post(audit, people["psw"]))
    audit = db.session.get(ThematicAudit, audit.id)
    assert audit.status == "draft" and audit.lead_id == people["psw"].id
    page = client.get(url).get_data(as_text=True)
    assert "Submit to the QA Board" in page and "Approve or return" not in page
    client.post(f"{url}/submit", data={"version": audit.version})
    assert db.session.get(ThematicAudit, audit.id).status == "submitted"
    # The QA officer cannot decide; a team manager cannot even see the audit.
    assert client.get(f"{url}/decision").status_code == 403
    client.post("/sign-out")
    sign_in(client, people["tm"])
    assert client.get(url).status_code == 403
    client.post("/sign-out")

    # The board returns it with comments (comments are required to return).
    sign_in(client, people["board"])
    assert "Terms of reference to sign off" in client.get("/").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Approve or return the terms" in page and "Submit to the QA Board" not in page
    assert client.post(f"{url}/submit", data={"version": audit.version}).status_code == 403
    page = client.post(
        f"{url}/decision", data={"decision": "return", "version": audit.version}
    ).get_data(as_text=True)
    assert "Enter what needs to change before the terms come back" in page
    client.post(
        f"{url}/decision",
        data={
            "decision": "return",
            "version": audit.version,
            "comments": "Add the views of parents.",
        },
    )
    audit = db.session.get(ThematicAudit, audit.id)
    assert audit.status == "draft"
    assert audit.versions[0].decision == "returned"
    assert audit.versions[0].decided_by_id == people["board"].id
    client.post("/sign-out")

    # Revised and resubmitted; version 1 is kept as it was.
    sign_in(client, people["qa"])
    assert "Add the views of parents." in client.get(url).get_data(as_text=True)
    client.post(
        f"{url}/terms",
        data=terms_post(
            audit, people["psw"], methodology=["bespoke_tool", "children_views", "parent_views"]
        ),
    )
    audit = db.session.get(ThematicAudit, audit.id)
    client.post(f"{url}/submit", data={"version": audit.version})
    client.post("/sign-out")
    sign_in(client, people["board"])
    audit = db.session.get(ThematicAudit, audit.id)
    client.post(f"{url}/decision", data={"decision": "approve", "version": audit.version})
    audit = db.session.get(ThematicAudit, audit.id)
    assert audit.status == "approved" and [v.decision for v in audit.versions] == [
        "returned",
        "approved",
    ]
    assert "parent_views" not in audit.versions[0].terms["methodology"]
    assert "parent_views" in audit.versions[1].terms["methodology"]
    client.post("/sign-out")

    # Approved terms cannot be edited in place.
    sign_in(client, people["qa"])
    response = client.get(f"{url}/terms", follow_redirects=True)
    assert "start a new version" in response.get_data(as_text=True)
    page = client.post(
        f"{url}/terms",
        data=terms_post(audit, people["psw"], title="Changed"),
        follow_redirects=True,
    ).get_data(as_text=True)
    assert db.session.get(ThematicAudit, audit.id).title == "Voice of the child"
    del page

    # Fieldwork, findings, actions, reporting, closing.
    client.post(f"{url}/advance", data={"version": audit.version})
    audit = db.session.get(ThematicAudit, audit.id)
    assert audit.status == "in_progress"
    client.post(
        f"{url}/findings",
        data={"kind": "strength", "text": "Children seen alone", "evidence": "18 of 20 files"},
    )
    client.post(f"{url}/findings", data={"kind": "risk", "text": "Plans not child-centred"})
    client.post(
        f"{url}/actions/new",
        data={
            "description": "Refresh plan template",
            "owner": people["psw"].id,
            "due_on": ["30", "6", "2027"],
        },
    )
    client.post(f"{url}/advance", data={"version": audit.version})
    audit = db.session.get(ThematicAudit, audit.id)
    client.post(f"{url}/advance", data={"version": audit.version})
    assert db.session.get(ThematicAudit, audit.id).status == "closed"
    action = db.session.scalar(select(Action).where(Action.source_type == "thematic_audit"))
    assert action.source_id == audit.id


def test_closing_needs_findings(people):
    audit = planned()
    audit.status = "reporting"
    with pytest.raises(services.ThematicError, match="Record the findings"):
        services.advance(audit)


def test_submitting_needs_complete_terms(people):
    audit = planned()
    services.save_terms(audit, {"title": "T", "lines": ["One"]})
    with pytest.raises(services.ThematicError, match="why the audit is being done"):
        services.submit(audit, people["qa"])


def test_two_versions_side_by_side_with_differences_marked(client, people):
    audit = planned()
    audit.status = "draft"
    db.session.add_all(
        [
            TermsVersion(
                audit=audit,
                number=1,
                submitted_at=today_london_dt(),
                decision="returned",
                terms={
                    "title": "Voice",
                    "context": "The child is not heard in plans",
                    "lines": ["Is the child seen?", "Are views recorded?"],
                },
            ),
            TermsVersion(
                audit=audit,
                number=2,
                submitted_at=today_london_dt(),
                decision="pending",
                terms={
                    "title": "Voice",
                    "context": "The child is rarely heard in plans",
                    "lines": ["Is the child seen?", "Do plans use their words?"],
                },
            ),
        ]
    )
    db.session.commit()
    sign_in(client, people["board"])
    page = client.get(f"/thematic/{audit.id}/compare?from=1&to=2").get_data(as_text=True)
    assert "<del>not</del>" in page and "<ins>rarely</ins>" in page
    assert (
        "<del>Are views recorded?</del>" in page and "<ins>Do plans use their words?</ins>" in page
    )
    assert page.count("Changed</strong>") == 2


def today_london_dt():
    from qaweb.core.db import utcnow

    return utcnow()


def test_print_view_docx_and_workbook(client, people):
    audit = planned()
    sign_in(client, people["qa"])
    client.post(f"/thematic/{audit.id}/terms", data=terms_post(audit, people["psw"]))
    page = client.get(f"/thematic/{audit.id}/print").get_data(as_text=True)
    assert "QA Board paper" in page and "Do plans reflect what children say?" in page
    document = docx.Document(io.BytesIO(client.get(f"/thematic/{audit.id}.docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Thematic audit: Voice of the child" in text
    assert "Is the child seen alone?" in text and "Do plans reflect what children say?" in text
    workbook = load_workbook(io.BytesIO(client.get(f"/thematic/{audit.id}.xlsx").data))
    assert workbook.sheetnames == [
        "About",
        "Terms of reference",
        "Lines of enquiry",
        "Findings",
        "Actions",
    ]
    lines = [r[1] for r in workbook["Lines of enquiry"].iter_rows(min_row=2, values_only=True)]
    assert lines == ["Is the child seen alone?", "Do plans reflect what children say?"]
    listing = load_workbook(io.BytesIO(client.get("/thematic/export.xlsx").data))
    assert [r[1] for r in listing.active.iter_rows(min_row=2, values_only=True)] == [
        "Voice of the child"
    ]


def test_forward_plan_shows_the_year_by_quarter(client, people):
    sign_in(client, people["qa"])
    year = today_london().year
    page = client.post(
        "/thematic/plan",
        data={"year": year, "title": "Neglect", "quarter": "2"},
        follow_redirects=True,
    )
    text = page.get_data(as_text=True)
    assert "Neglect added to the forward plan" in text
    assert "1 of 4 thematic audits planned this year" in text
    assert re.search(r"Q2: July to September \d{4}.*Neglect", text, re.S)
    page = client.post("/thematic/plan", data={"year": year, "title": ""}).get_data(as_text=True)
    assert "Enter a title" in page and "Select the quarter" in page
    client.post("/sign-out")
    sign_in(client, people["sm"])
    assert "Neglect" in client.get(f"/thematic/plan?year={year}").get_data(as_text=True)
    assert (
        client.post("/thematic/plan", data={"year": year, "title": "X", "quarter": "1"}).status_code
        == 403
    )


def test_the_board_reads_the_version_it_decides(client, people):
    audit = planned()
    services.save_terms(
        audit,
        {
            "title": "Voice",
            "lines": ["Old line"],
            "context": "c",
            "methodology": ["focus_groups"],
            "lead_id": people["psw"].id,
            "start_on": "2027-01-01",
            "fieldwork_end_on": "2027-02-01",
            "report_due_on": "2027-03-01",
        },
    )
    services.submit(audit, people["qa"])
    services.decide(audit, people["board"], True, "")
    services.revise(audit)
    services.save_terms(audit, {**audit.terms, "lines": ["New line"]})
    db.session.commit()
    sign_in(client, people["qa"])
    page = client.get(f"/thematic/{audit.id}/print").get_data(as_text=True)
    # The status is said once: the line under the title does not repeat it.
    assert f"{audit.reference} · Terms being drafted</p>" in page and "New line" in page
    client.post(f"/thematic/{audit.id}/submit", data={"version": audit.version})
    client.post("/sign-out")
    sign_in(client, people["board"])
    page = client.get(f"/thematic/{audit.id}/print").get_data(as_text=True)
    assert f"{audit.reference} · With the QA Board · terms version 2</p>" in page
    assert page.lower().count("with the qa board") == 1
    assert "New line" in page and "Old line" not in page
    document = docx.Document(io.BytesIO(client.get(f"/thematic/{audit.id}.docx").data))
    assert "New line" in "\n".join(p.text for p in document.paragraphs)


def test_nobody_approves_their_own_terms(people):
    from qaweb.organisation.models import UserRole

    db.session.add(UserRole(user_id=people["qa"].id, role="qa_board"))
    audit = planned()
    services.save_terms(
        audit,
        {
            "title": "T",
            "lines": ["L"],
            "context": "c",
            "methodology": ["other"],
            "lead_id": people["psw"].id,
            "start_on": "2027-01-01",
            "fieldwork_end_on": "2027-01-02",
            "report_due_on": "2027-01-03",
        },
    )
    services.submit(audit, people["qa"])
    with pytest.raises(services.ThematicError, match="Someone else on the QA Board"):
        services.decide(audit, people["qa"], True, "")


def test_a_closed_audit_no_longer_changes(client, people):
    audit = planned()
    audit.status = "closed"
    finding = services.Finding(audit=audit, kind="theme", text="Drift")
    db.session.add(finding)
    db.session.commit()
    sign_in(client, people["qa"])
    client.post(f"/thematic/{audit.id}/findings/{finding.id}/withdraw")
    assert not db.session.get(services.Finding, finding.id).withdrawn
    page = client.get(f"/thematic/{audit.id}/actions/new", follow_redirects=True)
    assert "before the audit closes" in page.get_data(as_text=True)


def test_line_errors_are_shown_on_the_line(client, people):
    audit = planned()
    sign_in(client, people["qa"])
    page = client.post(
        f"/thematic/{audit.id}/terms",
        data=terms_post(audit, people["psw"], **{"lines-0": "x" * 501}),
    ).get_data(as_text=True)
    assert 'href="#lines-0"' in page and "A line of enquiry must be 500 characters or fewer" in page
    assert 'id="lines-0-error"' in page
    many = {f"lines-{i}": f"Line {i}" for i in range(25)}
    page = client.post(
        f"/thematic/{audit.id}/terms", data={**terms_post(audit, people["psw"]), **many}
    ).get_data(as_text=True)
    assert "Enter no more than 20 key lines of enquiry" in page


def test_moved_lines_are_marked_in_the_comparison():
    rows = services.diff(
        {"lines": ["A", "B", "C"], "context": "Same  words"},
        {"lines": ["B", "A", "C"], "context": "Same words"},
    )
    lines = next(r for r in rows if r.label == "Key lines of enquiry")
    context = next(r for r in rows if r.label == "Why this audit, and why now")
    assert lines.changed and "<del>" in lines.old and "<ins>" in lines.new
    assert not context.changed


def test_finding_errors_are_shown_and_themes_are_safe(client, people):
    audit = planned()
    audit.status = "in_progress"
    db.session.commit()
    sign_in(client, people["qa"])
    page = client.post(f"/thematic/{audit.id}/findings", data={"kind": "", "text": "Drift"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Select the kind of finding" in text and "Drift" in text
    assert (
        client.post(
            "/thematic/themes", data={"what": "toggle", "list": "theme", "item": "²"}
        ).status_code
        == 404
    )
    response = client.post(
        "/thematic/themes",
        data={"what": "add", "list": "theme", "theme-name": "C%"},
        follow_redirects=True,
    )
    assert "Theme “C%” added" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "role, start, linked",
    [
        ("qa_officer", "/thematic/", True),
        ("qa_officer", "/thematic/plan", True),
        ("admin", "/admin/", True),
        ("qa_board", "/thematic/", False),
        ("service_manager", "/thematic/", False),
        ("service_manager", "/thematic/plan", False),
    ],
)
def test_the_themes_page_is_linked_for_those_who_may_use_it(client, signed_in, role, start, linked):
    signed_in(role)
    page = client.get(start).get_data(as_text=True)
    assert ('href="/thematic/themes"' in page) is linked
    themes = client.get("/thematic/themes")
    assert themes.status_code == (200 if linked else 403)
    if linked:
        # Its back link leads somewhere this person may go.
        back = re.search(
            r'<a href="([^"]+)" class="govuk-back-link"', themes.get_data(as_text=True)
        )
        assert client.get(back.group(1)).status_code == 200


def test_teams_in_scope_must_be_in_the_areas_in_scope(client, people, make_area, make_team):
    area = make_area("Children in Need")
    inside = make_team("Brambles", area=area)
    outside = make_team("Willows", area=make_area("Early Help"))
    audit = planned()
    sign_in(client, people["qa"])
    url = f"/thematic/{audit.id}/terms"
    page = client.post(
        url, data=terms_post(audit, people["psw"], areas=[area.id], teams=[inside.id, outside.id])
    ).get_data(as_text=True)
    assert "Teams in scope must be in the service areas in scope: Willows is not" in page
    saved = client.post(
        url, data=terms_post(audit, people["psw"], areas=[area.id], teams=[inside.id])
    )
    assert saved.status_code == 302
