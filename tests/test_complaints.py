import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.complaints import reports, services
from qaweb.complaints.models import CategoryOption, Complaint, Compliment
from qaweb.extensions import db


@pytest.fixture
def area_team(make_area, make_team):
    area = make_area("Children in Need")
    return area, make_team("Brambles", area=area)


@pytest.fixture
def officer(make_user):
    return make_user("complaints_officer", first_name="Carys", last_name="Morgan")


def log(received, name="Jo Bloggs", area=None, team=None, **kw):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
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


def test_dates_and_escalation_rules(officer):
    complaint = log(date(2026, 11, 2))
    stage = complaint.stages[0]
    stage.responded_on = date(2026, 10, 30)
    with pytest.raises(services.ComplaintError, match="cannot be before the stage started"):
        services.update_stage(stage)
    stage.responded_on = None
    with pytest.raises(services.ComplaintError, match="has not been responded to yet"):
        services.escalate(complaint, date(2026, 11, 20), None)
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
    sections = {s["title"]: dict(s["rows"]) for s in data["sections"]}
    assert sections["Complaints received and closed"]["Received"] == [3, 1, 2]
    assert sections["Responded to within timescale (%)"]["Stage 1: local resolution"][0] == 50
    assert sections["Outcomes at Stage 1"] == {"Upheld": [1, 0, 0], "Not upheld": [1, 0, 0]}
    assert sections["Compliments by who gave them (external)"] == {"Parent or carer": [1, 0, 0]}
    assert data["headings"][1].startswith("Q2") and data["headings"][2].endswith("2025")

    sign_in(client, officer)
    page = client.get("/complaints/report?year=2026&quarter=3").get_data(as_text=True)
    assert "Complaints received and closed" in page and "Q3: October to December 2026" in page
    workbook = load_workbook(
        io.BytesIO(client.get("/complaints/report.xlsx?year=2026&quarter=3").data)
    )
    assert len(workbook.sheetnames) > 10
    cells = [str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row]
    assert not any("Private Person" in c or "jo@example.org" in c for c in cells)
    assert any(ws._charts for ws in workbook)


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
        data={"what": "entry", "entry-list": "category", "entry-name": "Transport"},
    )
    assert db.session.scalar(select(CategoryOption).where(CategoryOption.name == "Transport"))
    page = client.post(
        "/complaints/settings",
        data={"what": "entry", "entry-list": "category", "entry-name": "delay"},
    ).get_data(as_text=True)
    assert "That is already on the list" in page
    client.post(
        "/complaints/settings",
        data={
            "what": "closure",
            "closure-day": ["24", "12", "2026"],
            "closure-reason": "Council closure",
        },
    )
    complaint = log(date(2026, 12, 22))
    # 23, 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11 Jan: the 24th is now a closure day too.
    assert complaint.stages[0].due_on == date(2027, 1, 11)
    assert (
        client.post(
            "/complaints/settings", data={"what": "toggle", "list": "category", "item": "²"}
        ).status_code
        == 404
    )
