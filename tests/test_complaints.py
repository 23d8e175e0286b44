import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.complaints import reports, services
from qaweb.complaints.models import (
    CategoryOption,
    Complaint,
    Compliment,
    ComplimentThemeOption,
)
from qaweb.extensions import db


@pytest.fixture
def area_team(make_area, make_team):
    area = make_area("Children in Need")
    return area, make_team("Brambles", area=area)


@pytest.fixture
def officer(make_user):
    return make_user("complaints_officer", first_name="Carys", last_name="Morgan")


def log(received, name="Jo Bloggs", area=None, team=None, complainant_type="parent", **kw):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type=complainant_type,
        complainant_name=name,
        complainant_contact="jo@example.org",
        summary="Visits missed",
        service_area_id=area.id if area else None,
        team_id=team.id if team else None,
        **kw,
    )
    services.open_complaint(complaint, None)
    db.session.commit()
    return complaint


def test_logging_a_complaint_starts_stage_one_on_working_days(client, officer, area_team):
    area, team = area_team
    category = db.session.scalar(select(CategoryOption).where(CategoryOption.name == "Delay"))
    sign_in(client, officer)
    page = client.post("/complaints/new", data={}).get_data(as_text=True)
    for message in (
        "Enter the date the complaint was received",
        "Select who complained",
        "Enter the complainant&#39;s name",
        "Select at least one category",
        "Enter a summary of the complaint",
    ):
        assert message in page, message
    response = client.post(
        "/complaints/new",
        data={
            "received_on": ["19", "12", "2025"],
            "received_how": "letter",
            "complainant_type": "parent",
            "complainant_name": "Jo Bloggs",
            "service_area_id": area.id,
            "team_id": team.id,
            "categories": [category.id],
            "summary": "No visit for six weeks",
            "procedure": "statutory",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Complaint CMP-2025-0001 logged: Stage 1 response due 7 January 2026" in page
    complaint = db.session.scalar(select(Complaint))
    assert complaint.stages[0].due_on == date(2026, 1, 7)  # Friday before Christmas 2025


def test_extension_is_once_and_to_the_statutory_maximum(officer):
    complaint = log(date(2026, 11, 2))
    stage = complaint.stages[0]
    assert stage.due_on == date(2026, 11, 16)
    with pytest.raises(services.ComplaintError, match="Enter the reason"):
        services.extend(stage, "")
    services.extend(stage, "Investigating officer on leave")
    assert stage.due_on == date(2026, 11, 30)  # 20 working days
    with pytest.raises(services.ComplaintError, match="statutory maximum of 20 working days"):
        services.extend(stage, "Again")


def test_the_extension_page_says_the_new_due_date(client, officer):
    complaint = log(date(2026, 11, 2))
    stage = complaint.stages[0]
    sign_in(client, officer)
    response = client.post(
        f"/complaints/{complaint.id}/stages/1/extend",
        data={"reason": "Investigating officer on leave", "version": stage.version},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Stage 1: local resolution extended: response now due 30 November 2026." in page


def test_dates_and_escalation_rules(officer):
    complaint = log(date(2026, 11, 2))
    stage = complaint.stages[0]
    stage.responded_on = date(2026, 10, 30)
    with pytest.raises(services.ComplaintError, match="cannot be before the stage started"):
        services.update_stage(stage)
    stage.responded_on = None
    # Stage 1 is due 16 November 2026: until then the complainant waits for the response.
    with pytest.raises(services.ComplaintError, match="has not been responded to yet and is still"):
        services.escalate(complaint, date(2026, 11, 16), None)
    stage.responded_on, stage.outcome = date(2026, 11, 12), "not_upheld"
    services.update_stage(stage)
    with pytest.raises(services.ComplaintError, match="cannot start before"):
        services.escalate(complaint, date(2026, 11, 11), None)
    # The request window is 20 working days after the response: 10 December 2026.
    with pytest.raises(services.ComplaintError, match="after the 20 working days allowed"):
        services.escalate(complaint, date(2026, 12, 11), None)
    two = services.escalate(complaint, date(2026, 12, 11), None, "Complainant was in hospital")
    assert two.stage == 2 and two.due_on == date(2027, 1, 20)  # 25 working days over Christmas
    assert complaint.stages[0].responded_on == date(2026, 11, 12)  # kept as it was
    two.responded_on, two.outcome = date(2027, 1, 20), "partly_upheld"
    three = services.escalate(complaint, date(2027, 1, 25), None)
    assert services.compute_due(three) == (date(2027, 3, 8), "Panel to meet by")
    three.panel_on = date(2027, 3, 1)
    assert services.compute_due(three) == (date(2027, 3, 8), "Panel report due")
    three.report_on = date(2027, 3, 5)
    # 15 working days after 5 March 2027, skipping Good Friday and Easter Monday (26, 29 March).
    assert services.compute_due(three) == (date(2027, 3, 30), "Council's response due")


def test_complainants_details_only_for_complaints_officers(client, officer, area_team, make_user):
    area, team = area_team
    complaint = log(date(2026, 11, 2), name="Zebedee Quartermaine", area=area, team=team)
    manager = make_user("service_manager", team=team)
    sign_in(client, manager)
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert complaint.reference in page and "Zebedee" not in page and "jo@example.org" not in page
    listing = client.get("/complaints/?q=Zebedee").get_data(as_text=True)
    assert "<strong>0</strong> complaints" in listing
    export = load_workbook(io.BytesIO(client.get("/complaints/export.xlsx").data)).active
    cells = [str(c) for row in export.iter_rows(values_only=True) for c in row]
    assert complaint.reference in cells and not any("Zebedee" in c for c in cells)
    assert "Complainant" not in cells
    client.post("/sign-out")
    sign_in(client, officer)
    assert "Zebedee Quartermaine" in client.get(f"/complaints/{complaint.id}").get_data(
        as_text=True
    )
    assert "<strong>1</strong> complaint" in client.get("/complaints/?q=Zebedee").get_data(
        as_text=True
    )


def test_report_figures_against_a_hand_count(client, officer, area_team):
    area, team = area_team
    # Q3 2026-27 (October to December 2026): three; Q2: one; Q3 last year: two.
    for received in (
        date(2026, 10, 5),
        date(2026, 11, 2),
        date(2026, 12, 1),
        date(2026, 8, 3),
        date(2025, 10, 6),
        date(2025, 11, 3),
    ):
        log(received, area=area, team=team, name="Private Person")
    on_time = db.session.scalar(select(Complaint).where(Complaint.received_on == date(2026, 10, 5)))
    on_time.stages[0].responded_on, on_time.stages[0].outcome = date(2026, 10, 12), "upheld"
    late = db.session.scalar(select(Complaint).where(Complaint.received_on == date(2026, 11, 2)))
    late.stages[0].responded_on, late.stages[0].outcome = date(2026, 11, 30), "not_upheld"
    db.session.add(
        Compliment(
            received_on=date(2026, 10, 9),
            source="parent",
            external=True,
            valued="Kind and clear",
            team_id=team.id,
        )
    )
    db.session.add(
        Compliment(
            received_on=date(2026, 10, 9),
            source="internal",
            external=False,
            valued="Thanks",
            team_id=team.id,
        )
    )
    db.session.commit()
    data = reports.build(2026, 3)
    sections = {s.title: dict(s.rows) for s in data.sections}
    assert sections["Complaints received and closed"]["Received"] == [3, 1, 2]
    assert sections["Responded to within timescale (%)"]["Stage 1: local resolution"][0] == 50
    assert sections["Outcomes at Stage 1"] == {"Upheld": [1, 0, 0], "Not upheld": [1, 0, 0]}
    assert sections["Compliments by who gave them (external)"] == {"Parent or carer": [1, 0, 0]}
    assert data.headings[1].startswith("Q2") and data.headings[2].endswith("2025")

    sign_in(client, officer)
    page = client.get("/complaints/report?year=2026&quarter=3").get_data(as_text=True)
    assert "Complaints received and closed" in page and "Q3: October to December 2026" in page
    workbook = load_workbook(
        io.BytesIO(client.get("/complaints/report.xlsx?year=2026&quarter=3").data)
    )
    assert workbook.sheetnames == [
        "About",
        "Key figures",
        "Complaints received",
        "Responses and timeliness",
        "Timescales and outcomes",
        "Learning and compliments",
    ]
    key = {r[0]: r[1:] for r in workbook["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert key["Complaints received"] == (3, 1, 2)
    assert key["Stage 1: local resolution: responded to within timescale (%)"][0] == 50
    assert key["Compliments (external)"] == (1, 0, 0)
    cells = [str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]
    assert not any("Private Person" in c or "jo@example.org" in c for c in cells)
    assert any(ws._charts for ws in workbook)


def test_year_report_every_table_against_a_hand_count(client, officer, area_team):
    """The whole-year report on a small council, every table counted by hand. 2026-27 is
    beside 2025-26 twice (the previous year and the same period last year)."""
    area, team = area_team
    delay, communication = (
        db.session.scalar(select(CategoryOption).where(CategoryOption.name == name))
        for name in ("Delay", "Communication")
    )
    extra_mile, in_touch = (
        db.session.scalar(select(ComplimentThemeOption).where(ComplimentThemeOption.name == name))
        for name in ("Going the extra mile", "Keeping in touch")
    )
    # A: received 5 May 2026; Stage 1 in 5 working days (due 19 May), upheld; Stage 2 from
    # 19 May answered 30 June, 29 working days (due 24 June: late); closed with learning.
    a = log(date(2026, 5, 5), area=area, team=team)
    a.categories = [delay, communication]
    a.stages[0].responded_on, a.stages[0].outcome = date(2026, 5, 12), "upheld"
    a_two = services.escalate(a, date(2026, 5, 19), None)
    a_two.responded_on, a_two.outcome = date(2026, 6, 30), "partly_upheld"
    services.close(a, date(2026, 7, 1))
    a.learning = "Plan visits ahead"
    # B: received 1 June 2026 by a child, no team; answered 26 June, 19 working days (late).
    b = log(date(2026, 6, 1), complainant_type="child")
    b.stages[0].responded_on, b.stages[0].outcome = date(2026, 6, 26), "not_upheld"
    services.close(b, date(2026, 6, 29))
    # C: last year, team but no area; answered in 3 working days, closed with learning.
    c = log(date(2025, 9, 1), team=team)
    c.stages[0].responded_on, c.stages[0].outcome = date(2025, 9, 4), "upheld"
    services.close(c, date(2025, 9, 5))
    c.learning = "Call back the same day"
    # D: received last year by a foster carer; Stage 1 in 5 working days; Stage 2 extended,
    # started last year and answered on 14 April 2026 (39 working days over Easter, within
    # 65); Stage 3 answered within 15 working days of the panel's report (32 working days
    # in all); then the Ombudsman, no decision yet.
    d = log(date(2026, 2, 2), area=area, team=team, complainant_type="foster_carer")
    d.categories = [delay]
    d.stages[0].responded_on, d.stages[0].outcome = date(2026, 2, 9), "resolved"
    d_two = services.escalate(d, date(2026, 2, 16), None)
    d_two.extended, d_two.extension_reason = True, "Complex"
    d_two.responded_on, d_two.outcome = date(2026, 4, 14), "not_upheld"
    d_three = services.escalate(d, date(2026, 4, 20), None)
    d_three.panel_on, d_three.report_on = date(2026, 5, 18), date(2026, 5, 22)
    d_three.responded_on, d_three.outcome = date(2026, 6, 5), "upheld"
    services.escalate(d, date(2026, 6, 15), None)
    # Actions from complaints; 23:30 UTC on 31 March 2026 is already April in London.
    for created_at, status in (
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "completed"),
        (datetime(2026, 6, 1, 9, tzinfo=UTC), "completed"),
        (datetime(2026, 7, 1, 9, tzinfo=UTC), "open"),
        (datetime(2025, 10, 1, 9, tzinfo=UTC), "open"),
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "open"),  # 31 March in London: last year
    ):
        db.session.add(
            Action(
                source_type="complaint",
                source_id=a.id,
                description="Share the learning",
                owner=officer,
                due_on=date(2026, 9, 1),
                status=status,
                created_at=created_at,
            )
        )
    for received, source, external, team_id, themes in (
        (date(2026, 5, 1), "parent", True, team.id, [extra_mile]),
        (date(2025, 6, 1), "court", True, None, [extra_mile, in_touch]),
        (date(2026, 5, 2), "internal", False, team.id, [in_touch]),  # internal: not counted
    ):
        db.session.add(
            Compliment(
                received_on=received,
                source=source,
                external=external,
                team_id=team_id,
                valued="Listened",
                themes=themes,
            )
        )
    db.session.commit()

    data = reports.build(2026, 0)
    # A year is compared with the year before (no third, identical column).
    assert data.headings == ["April 2026 to March 2027", "April 2025 to March 2026"]
    sections = {s.title: s.rows for s in data.sections}
    assert sections["Complaints received and closed"] == [
        ("Received", [2, 2]),
        ("Closed", [2, 1]),
        ("Not accepted", [0, 0]),
    ]
    assert sections["Stages started"] == [
        ("Stage 1: local resolution", [2, 2]),
        ("Local Government and Social Care Ombudsman", [1, 0]),
        ("Stage 2: investigation", [1, 1]),
        ("Stage 3: review panel", [1, 0]),
    ]
    assert sections["Stages responded to"] == [
        ("Stage 1: local resolution", [2, 2]),
        ("Stage 2: investigation", [2, 0]),
        ("Stage 3: review panel", [1, 0]),
    ]
    assert sections["Received by service area"] == [
        ("Children in Need", [1, 1]),
        ("Not recorded", [1, 1]),
    ]
    assert sections["Received by team"] == [("Brambles", [1, 2]), ("Not recorded", [1, 0])]
    assert sections["Received by category"] == [
        ("Communication", [1, 0]),
        ("Delay", [1, 1]),
    ]
    assert sections["Received by who complained"] == [
        ("Child or young person", [1, 0]),
        ("Parent", [1, 1]),
        ("Foster carer", [0, 1]),
    ]
    assert sections["Responded to within timescale (%)"] == [
        ("Stage 1: local resolution", [50, 100]),
        ("Stage 2: investigation", [50, None]),
        ("Stage 3: review panel", [100, None]),
    ]
    assert sections["Average working days to respond"] == [
        ("Stage 1: local resolution", [12.0, 4.0]),
        ("Stage 2: investigation", [34.0, None]),
        ("Stage 3: review panel", [32.0, None]),
    ]
    assert sections["Outcomes at Stage 1"] == [
        ("Not upheld", [1, 0]),
        ("Upheld", [1, 1]),
        ("Resolved without investigation", [0, 1]),
    ]
    assert sections["Outcomes at Stage 2"] == [
        ("Not upheld", [1, 0]),
        ("Partially upheld", [1, 0]),
    ]
    assert sections["Outcomes at Stage 3"] == [("Upheld", [1, 0])]
    assert sections["Escalation"] == [
        ("Stage 1 responses", [2, 2]),
        ("Stage 2 requests", [1, 1]),
        ("Escalation rate (%)", [50, 50]),
    ]
    assert sections["Ombudsman cases"] == [("Decision awaited", [1, 0])]
    assert sections["Learning and actions"] == [
        ("Closed complaints with learning recorded", [1, 1]),
        ("Of which practice changed", [0, 0]),
        ("Of which policy or procedure changed", [0, 0]),
        ("Actions raised", [3, 2]),
        ("Of which completed", [2, 0]),
    ]
    assert sections["Compliments by who gave them (external)"] == [
        ("Parent or carer", [1, 0]),
        ("Court", [0, 1]),
    ]
    assert sections["Compliments by team (external)"] == [
        ("Brambles", [1, 0]),
        ("Not recorded", [0, 1]),
    ]
    assert sections["Compliments by theme (external)"] == [
        ("Going the extra mile", [1, 1]),
        ("Keeping in touch", [0, 1]),
    ]

    sign_in(client, officer)
    page = client.get("/complaints/report?year=2026&quarter=0").get_data(as_text=True)
    assert "April 2026 to March 2027" in page and "34.0" in page and "50%" in page
    # A quarter with nothing in it: counts of nought, no percentages, no empty rows.
    quiet = {s.title: s.rows for s in reports.build(2030, 2).sections}
    assert quiet["Complaints received and closed"] == [
        ("Received", [0, 0, 0]),
        ("Closed", [0, 0, 0]),
        ("Not accepted", [0, 0, 0]),
    ]
    assert quiet["Stages started"] == [] and quiet["Received by team"] == []
    assert quiet["Escalation"][2] == ("Escalation rate (%)", [None, None, None])


def test_compliments_and_my_work(client, officer, area_team):
    area, team = area_team
    sign_in(client, officer)
    page = client.post(
        "/complaints/compliments",
        data={
            "received_on": ["9", "10", "2026"],
            "source": "parent",
            "external": "external",
            "team_id": team.id,
            "valued": "She listened to my son",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Compliment logged" in page and "She listened to my son" in page
    complaint = log(date(2026, 1, 5), area=area, team=team)
    home = client.get("/").get_data(as_text=True)
    assert f"{complaint.reference}: Stage 1: local resolution" in home
    assert "working days overdue" in home


def test_lists_and_closure_days_are_the_councils(client, officer):
    sign_in(client, officer)
    page = client.get("/complaints/settings").get_data(as_text=True)
    assert "Bank holidays are known up to 26 December 2028" in page
    client.post(
        "/complaints/settings",
        data={"what": "add", "list": "category", "category-name": "Transport"},
    )
    assert db.session.scalar(select(CategoryOption).where(CategoryOption.name == "Transport"))
    page = client.post(
        "/complaints/settings",
        data={"what": "add", "list": "category", "category-name": "delay"},
    ).get_data(as_text=True)
    assert "There is already a complaint category called delay" in page
    client.post(
        "/complaints/settings",
        data={
            "what": "closure",
            "closure-kind": "closure",
            "closure-day": ["24", "12", "2026"],
            "closure-reason": "Council closure",
        },
    )
    complaint = log(date(2026, 12, 22), procedure="corporate")
    # 23, 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11 Jan: the 24th is now a closure day too.
    assert complaint.stages[0].due_on == date(2027, 1, 11)
    # The statutory clock counts a council closure day as a working day (the Regulations):
    # 23, 24, 29, 30, 31 Dec, 4, 5, 6, 7, 8 Jan.
    assert log(date(2026, 12, 22)).stages[0].due_on == date(2027, 1, 8)
    assert (
        client.post(
            "/complaints/settings", data={"what": "toggle", "list": "category", "item": "²"}
        ).status_code
        == 404
    )


def test_a_team_from_another_service_area_is_refused_and_a_team_alone_sets_its_area(
    client, officer, area_team, make_area, make_team, make_user
):
    """The area's service manager sees the complaints filed under it: a team from another
    area would hide the complaint from the manager of the team's own area."""
    area, team = area_team
    elsewhere = make_team("Willows", area=make_area("Early Help"))
    category = db.session.scalar(select(CategoryOption).where(CategoryOption.name == "Delay"))
    sign_in(client, officer)
    data = {
        "received_on": ["2", "11", "2026"],
        "received_how": "in_person",
        "complainant_type": "child",
        "complainant_name": "Sam",
        "service_area_id": area.id,
        "team_id": elsewhere.id,
        "categories": [category.id],
        "summary": "Nobody called back",
        "procedure": "statutory",
    }
    page = client.post("/complaints/new", data=data).get_data(as_text=True)
    assert "Willows is in Early Help, not Children in Need" in page
    assert 'href="#team_id"' in page  # the error summary links to the select
    assert db.session.scalar(select(Complaint)) is None
    # A team on its own: the complaint is filed under the team's area.
    client.post("/complaints/new", data={**data, "service_area_id": ""})
    complaint = db.session.scalar(select(Complaint))
    assert complaint.service_area_id == elsewhere.service_area_id
    manager = make_user(
        "service_manager", team=make_team("Early Help office", area=elsewhere.service_area)
    )
    client.post("/sign-out")
    sign_in(client, manager)
    assert client.get(f"/complaints/{complaint.id}").status_code == 200
    # The page and its history show how it was received and who complained by their labels.
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    history = page.split('id="history-heading"')[1]
    assert "(In person)" in page and "by in person" not in page.lower()
    assert "Received how: In person" in history
    assert "Complainant type: Child or young person" in history
    assert "Procedure: Statutory children" in history
    assert not re.search(r"\b(in_person|child|statutory)\b", history)

    client.post("/sign-out")
    sign_in(client, officer)
    page = client.post(
        "/complaints/compliments",
        data={
            "received_on": ["9", "10", "2026"],
            "source": "parent",
            "external": "external",
            "service_area_id": area.id,
            "team_id": elsewhere.id,
            "valued": "Kind words",
        },
    ).get_data(as_text=True)
    assert "Willows is in Early Help, not Children in Need" in page
    assert db.session.scalar(select(Compliment)) is None
