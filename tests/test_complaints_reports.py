"""The complaints report's additions and the annual report, against a hand count on a small
council: two service areas, eight Stage 1 responses in June 2026 (no bank holiday), a
complaint not accepted and one that reached the Ombudsman."""

import io
import re
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.complaints import annual, reports, services
from qaweb.complaints.models import Complaint, Compliment, SelfAssessment
from qaweb.core.percentages import half_up, mean, percent
from qaweb.extensions import db

JUNE_1 = date(2026, 6, 1)  # a Monday: Stage 1 is due on 15 June, extended on 29 June


def test_percentages_round_half_up_as_spreadsheets_do():
    assert percent(1, 8) == 13  # 12.5: round() would give 12
    assert percent(5, 8) == 63  # 62.5: round() would give 62
    assert percent(3, 8) == 38 and percent(7, 8) == 88
    assert percent(1, 3) == 33 and percent(2, 3) == 67
    assert percent(0, 5) == 0 and percent(3, 0) is None
    assert percent(1, 8, places=1) == 12.5
    assert half_up(2.5) == 3 and half_up(-2.5) == -3 and half_up(0.5) == 1
    assert half_up(2.675, 2) == 2.68  # float 2.675 is just under; read as written
    assert mean(83, 8) == 10.4 and mean(3, 8, places=2) == 0.38 and mean(5, 0) is None


@pytest.fixture
def council(make_area, make_team, make_user):
    """North (Brambles): five answered within 10 working days. South (Conifers): one within
    an agreed extension, two late. Returns the people and places the tests use."""
    north, south = make_area("North"), make_area("South")
    brambles = make_team("Brambles", area=north)
    conifers = make_team("Conifers", area=south)
    officer = make_user("complaints_officer", first_name="Carys", last_name="Morgan")
    practitioner = make_user(first_name="Ada", last_name="Quill", job_title="Advanced Practitioner")
    manager = make_user(first_name="Ben", last_name="Ostler", job_title="Team Manager")
    untitled = make_user(first_name="Cal", last_name="Vane", job_title="")
    # (area, team, how, who, handler, extended, responded on, working days)
    plan = [
        (north, brambles, "email", "parent", practitioner, False, date(2026, 6, 5)),  # 4
        (north, brambles, "email", "parent", practitioner, False, date(2026, 6, 8)),  # 5
        (north, brambles, "email", "parent", practitioner, False, date(2026, 6, 12)),  # 9
        (north, brambles, "phone", "parent", practitioner, False, date(2026, 6, 15)),  # 10
        (north, brambles, "phone", "care_leaver", manager, True, date(2026, 6, 10)),  # 7
        (south, conifers, "phone", "child", manager, True, date(2026, 6, 22)),  # 15: extension
        (south, conifers, "letter", "parent", untitled, False, date(2026, 6, 17)),  # 12: late
        (south, conifers, "web", "child", None, True, date(2026, 6, 30)),  # 21: late
    ]
    complaints = []
    for n, (area, team, how, who, handler, extended, responded) in enumerate(plan, start=1):
        complaint = Complaint(
            received_on=JUNE_1,
            received_how=how,
            complainant_type=who,
            complainant_name=f"Complainant{n} Surname{n}",
            complainant_contact=f"person{n}@example.org",
            child_reference=f"CR{n}00{n}",
            summary="Visits missed",
            service_area_id=area.id,
            team_id=team.id,
            advocate_offered=who in ("child", "care_leaver"),
            advocate_used=n in (5, 6),
        )
        stage = services.open_complaint(complaint, handler)
        stage.extended = extended
        stage.responded_on, stage.outcome = responded, "upheld" if n % 2 else "not_upheld"
        services.update_stage(stage)
        complaints.append(complaint)
    one, two = complaints[0], complaints[1]
    one.complainant_name, one.complainant_contact = "Zanele Okafor", "zanele@example.org"
    one.complainant_contact += "\n07700 900123"
    services.close(one, date(2026, 6, 5))
    one.learning = "Call Zanele Okafor back the same day (07700 900123)."
    one.practice_change = True
    two.staff_involved, two.child_reference = "Priya Raman", "654321"
    services.close(two, date(2026, 6, 8))
    two.learning = "Priya Raman to plan visits ahead for 654321; Ada Quill checks."
    two.practice_change = two.policy_change = True
    # The seventh asks for Stage 2 (one request for eight responses: 12.5% -> 13%), and
    # goes on to the Ombudsman, who decides in November.
    seventh = complaints[6]
    stage_two = services.escalate(seventh, date(2026, 6, 22), None)
    stage_two.responded_on, stage_two.outcome = date(2026, 7, 20), "not_upheld"
    stage_three = services.escalate(seventh, date(2026, 7, 27), None)
    stage_three.panel_on, stage_three.report_on = date(2026, 8, 24), date(2026, 8, 28)
    stage_three.responded_on, stage_three.outcome = date(2026, 9, 11), "upheld"
    ombudsman = services.escalate(seventh, date(2026, 10, 1), None)
    ombudsman.responded_on, ombudsman.outcome = date(2026, 11, 20), "upheld"
    ombudsman.ombudsman_decision = "upheld_injustice"
    # In July, a South complaint is not accepted: it came more than a year after the matter.
    late = Complaint(
        received_on=date(2026, 7, 6),
        received_how="letter",
        complainant_type="parent",
        complainant_name="Wilhelmina Thackeray",
        complainant_contact="wt@example.org",
        child_reference="CR999",
        summary="A conference in 2024",
        service_area_id=south.id,
    )
    services.open_complaint(late, None)
    services.not_accept(late, date(2026, 7, 8), "out_of_time", "")
    for area, external in ((north, True), (north, True), (north, False), (south, True)):
        db.session.add(
            Compliment(
                received_on=date(2026, 6, 3),
                source="parent",
                external=external,
                service_area_id=area.id,
                valued="Kind",
            )
        )
    db.session.commit()
    return {
        "north": north,
        "south": south,
        "officer": officer,
        "late": late,
        "people": ["Zanele Okafor", "Priya Raman", "Ada Quill", "Wilhelmina Thackeray"],
    }


def _sections(data):
    return data.tables()


def test_quarter_report_against_a_hand_count(council):
    s = _sections(reports.build(2026, 1))  # April to June 2026
    first = lambda rows: {k: v[0] for k, v in rows.items()}  # noqa: E731
    assert first(s["Complaints received and closed"]) == {
        "Received": 8,
        "Closed": 2,
        "Not accepted": 0,
    }
    assert first(s["Stage 1 responses: in time and late"]) == {
        "Within 10 working days": 5,
        "Within an agreed extension (up to 20)": 1,
        "Late": 2,
        "Within 10 working days (%)": 63,  # 5 of 8 = 62.5%
    }
    assert s["Responded to within timescale (%)"]["Stage 1: local resolution"][0] == 75
    # 4 + 5 + 9 + 10 + 7 + 15 + 12 + 21 = 83 working days over 8 responses: 10.375 -> 10.4
    assert s["Average working days to respond"]["Stage 1: local resolution"][0] == 10.4
    assert s["Escalation"]["Escalation rate (%)"][0] == 13  # 1 of 8 = 12.5%
    assert s["Timescales by service area"] == {
        "Stage 1: North": [5, 5, 0, 100, 7.0],
        "Stage 1: South": [3, 1, 2, 33, 16.0],
    }
    assert s["Timescales by team"] == {
        "Stage 1: Brambles": [5, 5, 0, 100, 7.0],
        "Stage 1: Conifers": [3, 1, 2, 33, 16.0],
    }
    assert first(s["How complaints arrived"]) == {
        "Email": 3,
        "Phone": 3,
        "Letter": 1,
        "Web form": 1,
    }
    assert first(s["Stage 1 handled by (job title)"]) == {
        "Advanced Practitioner": 4,
        "Team Manager": 2,
        "Not recorded": 2,
    }
    assert first(s["Advocacy"]) == {"Advocate offered": 3, "Advocate used": 2}
    learning = first(s["Learning and actions"])
    assert learning["Closed complaints with learning recorded"] == 2
    assert learning["Of which practice changed"] == 2
    assert learning["Of which policy or procedure changed"] == 1
    assert s["Compliments received (external)"] == {"Total": [3, 0, 0]}


def test_the_area_filter_and_a_service_manager_forced_to_their_area(
    client, council, make_user, make_team
):
    north, south = council["north"], council["south"]
    s = _sections(reports.build(2026, 1, south.id))
    assert s["Complaints received and closed"]["Received"][0] == 3
    assert s["Timescales by service area"] == {"Stage 1: South": [3, 1, 2, 33, 16.0]}
    assert s["Stage 1 responses: in time and late"]["Within 10 working days (%)"][0] == 0
    assert s["Escalation"]["Escalation rate (%)"][0] == 33  # 1 of 3
    assert s["Compliments received (external)"] == {"Total": [1, 0, 0]}
    assert s["Stage 1 handled by (job title)"] == {
        "Not recorded": [2, 0, 0],
        "Team Manager": [1, 0, 0],
    }

    # A service manager in North asks for South and gets North; no area choice is offered.
    manager = make_user("service_manager", team=make_team("North office", area=north))
    sign_in(client, manager)
    page = client.get(f"/complaints/report?year=2026&quarter=1&area={south.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="area"' not in html
    assert "April to June 2026 · North" in html
    book = load_workbook(
        io.BytesIO(client.get(f"/complaints/report.xlsx?year=2026&quarter=1&area={south.id}").data)
    )
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Filter: Service area"] == "North"
    key = {r[0]: r[1] for r in book["Key figures"].iter_rows(min_row=2, values_only=True)}
    assert key["Complaints received"] == 5
    timescales = book["Timescales and outcomes"]
    rows = [r for r in timescales.iter_rows(values_only=True) if any(v is not None for v in r)]
    team_header = rows.index(("Stage: team", *reports.TIMESCALE_COLUMNS))
    assert rows[team_header + 1] == ("Stage 1: Brambles", 5, 5, 0, 100, 7)
    paper = _docx_text(client.get(f"/complaints/report/annual.docx?year=2026&area={south.id}").data)
    assert "For information · North" in paper and "Received | 5 | 0" in paper

    # The QA team chooses any area, or the whole council.
    qa = make_user("qa_officer")
    client.post("/sign-out")
    sign_in(client, qa)
    html = client.get(f"/complaints/report?year=2026&quarter=1&area={south.id}").get_data(
        as_text=True
    )
    assert 'id="area"' in html and "April to June 2026 · South" in html
    assert "Download the annual report (Word) for April 2026 to March 2027" in html
    book = load_workbook(io.BytesIO(client.get("/complaints/report.xlsx?year=2026&quarter=1").data))
    cells = [str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row]
    assert "All service areas" in cells and "63" in cells and "13" in cells
    assert not any("Okafor" in c or "example.org" in c for c in cells)


def _docx_text(body: bytes) -> str:
    document = Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def test_annual_report_reads_back_with_every_part_and_no_one_named(client, council):
    officer = council["officer"]
    sign_in(client, officer)
    # The self-assessment, written on its page and saved with its history.
    page = client.get("/complaints/report/self-assessment?year=2026").get_data(as_text=True)
    assert "govuk-character-count" in page and 'data-maxlength="20000"' in page
    saved = client.post(
        "/complaints/report/self-assessment?year=2026",
        data={"text": "Stage 1 is mostly on time.\nWe will offer advocacy earlier."},
    )
    assert saved.status_code == 302
    record = db.session.scalar(select(SelfAssessment).where(SelfAssessment.year == 2026))
    assert record.version == 1
    page = client.get("/complaints/report/self-assessment?year=2026").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    client.post(
        "/complaints/report/self-assessment?year=2026",
        data={
            "text": "Stage 1 is mostly on time.\nWe will offer advocacy at first contact.",
            "version": version,
        },
    )
    db.session.expire_all()
    assert db.session.get(SelfAssessment, record.id).version == 2
    # A stale copy is refused and what was typed is kept.
    stale = client.post(
        "/complaints/report/self-assessment?year=2026",
        data={"text": "My stale text", "version": "1"},
    ).get_data(as_text=True)
    assert "My stale text" in stale and "changed" in stale

    response = client.get("/complaints/report/annual.docx?year=2026")
    assert response.status_code == 200
    assert "complaints-annual-report-2026-27.docx" in response.headers["Content-Disposition"]
    text = _docx_text(response.data)
    for heading in (
        "Numbers by stage and outcome",
        "Timeliness",
        "Who complained",
        "Children and young people",
        "Advocacy",
        "Learning and service improvements",
        "Complaints not accepted",
        "The Local Government and Social Care Ombudsman",
        "Compliments",
        "Self-assessment",
    ):
        assert heading in text, heading
    assert "Received | 9 | 0" in text and "Not accepted | 1 | 0" in text
    # Stage 1: started 9 (the one not accepted too), answered 8: four upheld, four not.
    assert "Stage 1: local resolution | 9 | 8 | 4 | 0 | 4 | 0 | 0" in text
    assert "Stage 1: local resolution | 8 | 75% | 10.4" in text
    assert "Within 10 working days (%) | 63 | –" in text
    for line in ("Child or young person | 2", "Care leaver | 1", "In all | 3"):
        assert re.search(f"^{re.escape(line)}$", text, re.MULTILINE), line
    assert "Advocate offered | 3 | 3" in text and "Advocate used | 2 | 2" in text
    assert "Of which practice changed | 2 | 0" in text
    assert "Of which policy or procedure changed | 1 | 0" in text
    assert "Call [removed] back the same day ([removed])." in text
    assert "[removed] to plan visits ahead for [removed]; [removed] checks." in text
    assert "Made more than a year after the matter and not accepted late (regulation 9) | 1" in text
    assert "Enquiries received | 1" in text and "Decisions made | 1" in text
    assert "Upheld: fault causing injustice | 1 | 0" in text
    assert "Compliments received | 3 | 0" in text
    assert "We will offer advocacy at first contact." in text
    for private in (
        *council["people"],
        "Okafor",
        "Thackeray",
        "example.org",
        "07700",
        "654321",
        "CR999",
        "Complainant1",
        "Surname",
    ):
        assert private not in text, private

    # One area's report: South only (the late complaint and the Ombudsman's are South's).
    text = _docx_text(
        client.get(f"/complaints/report/annual.docx?year=2026&area={council['south'].id}").data
    )
    assert "South" in text and "Received | 4 | 0" in text and "Enquiries received | 1" in text


def test_not_accepted_is_recorded_with_its_reason_and_refused_once_answered(client, council):
    officer = council["officer"]
    sign_in(client, officer)
    fresh = Complaint(
        received_on=date(2026, 11, 2),
        received_how="email",
        complainant_type="parent",
        complainant_name="Nia Brook",
        summary="Late letter",
    )
    services.open_complaint(fresh, None)
    db.session.commit()
    page = client.post(f"/complaints/{fresh.id}/not-accepted", data={"version": "1"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Select why the complaint was not accepted" in html
    html = client.post(
        f"/complaints/{fresh.id}/not-accepted",
        data={
            "version": "1",
            "not_accepted_on": ["3", "11", "2026"],
            "not_accepted_reason": "other",
        },
    ).get_data(as_text=True)
    assert "Enter the reason the complaint was not accepted" in html
    done = client.post(
        f"/complaints/{fresh.id}/not-accepted",
        data={
            "version": "1",
            "not_accepted_on": ["3", "11", "2026"],
            "not_accepted_reason": "legal_proceedings",
            "not_accepted_note": "Care proceedings under way",
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Complaint, fresh.id)
    assert fresh.not_accepted_reason == "legal_proceedings"
    assert fresh.closed_on == date(2026, 11, 3)
    page = client.get(f"/complaints/{fresh.id}").get_data(as_text=True)
    assert "Would prejudice court proceedings" in page and "Care proceedings under way" in page
    # An answered complaint was accepted: it cannot be marked otherwise.
    answered = db.session.scalar(
        select(Complaint).where(Complaint.complainant_name == "Zanele Okafor")
    )
    with pytest.raises(services.ComplaintError, match="it was accepted"):
        services.not_accept(answered, date(2026, 6, 9), "out_of_time", "")
    db.session.rollback()


def test_the_demo_annual_report_names_no_complainant(demo_copy):
    with demo_copy() as app:
        _the_annual_report_names_no_complainant(app.test_client())


def _the_annual_report_names_no_complainant(client):
    from qaweb.core import years
    from qaweb.core.timefmt import today_london

    complaints = list(db.session.scalars(select(Complaint)))
    assert any(c.not_accepted_reason for c in complaints)
    assert any(c.advocate_used for c in complaints)
    assert any(s.ombudsman_decision for c in complaints for s in c.stages)
    year = years.year_for(today_london())
    assert db.session.scalar(select(SelfAssessment).where(SelfAssessment.year == year))
    from qaweb.demo import builder

    client.post(
        "/sign-in",
        data={"email": f"complaints@{builder.DOMAIN}", "password": builder.DEMO_PASSWORD},
    )
    for shown in (year, year - 1):
        text = _docx_text(client.get(f"/complaints/report/annual.docx?year={shown}").data)
        assert "Self-assessment" in text
        for c in complaints:
            for private in (
                c.complainant_name,
                c.child_reference,
                *c.complainant_contact.splitlines(),
            ):
                if private.strip() and private != "Contact details on the council's system":
                    assert private not in text, private
    body = client.get(f"/complaints/report/annual.docx?year={year}").data
    assert "Draft. Stage 1 responses" in _docx_text(body)
    # The same lesson from several complaints is listed once, with how many.
    lessons = [
        p.text for p in Document(io.BytesIO(body)).paragraphs if p.style.name == "List Bullet"
    ]
    assert lessons and len(set(lessons)) == len(lessons)


def test_annual_learning_text_takes_out_names_numbers_and_emails():
    redact = annual._redactor({"Zanele Okafor", "Zanele", "Okafor", "Will Hay", "Hay"})
    assert redact("Zanele Okafor and Okafor; mail z@x.org, 0121 496 0000, 2026-27") == (
        "[removed] and [removed]; mail [removed], [removed], 2026-27"
    )
    # Names are matched as written: an ordinary word that is also a name stays.
    assert redact("We will pay; Will Hay said hay") == "We will pay; [removed] said hay"


def test_the_ombudsman_decision_and_advocacy_used_are_recorded_on_their_pages(client, council):
    officer = council["officer"]
    sign_in(client, officer)
    complaint = db.session.scalar(
        select(Complaint).where(Complaint.complainant_name == "Complainant7 Surname7")
    )
    ombudsman = complaint.current_stage
    assert ombudsman.stage == 4
    # Only the Ombudsman stage asks for the Ombudsman's decision.
    assert "Ombudsman&#39;s decision" in client.get(
        f"/complaints/{complaint.id}/stages/4"
    ).get_data(as_text=True)
    assert "ombudsman_decision" not in client.get(f"/complaints/{complaint.id}/stages/1").get_data(
        as_text=True
    )
    saved = client.post(
        f"/complaints/{complaint.id}/stages/4",
        data={
            "version": str(ombudsman.version),
            "responded_on": ["20", "11", "2026"],
            "outcome": "not_upheld",
            "ombudsman_decision": "initial_enquiries",
        },
    )
    assert saved.status_code == 302
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "Closed after initial enquiries" in page
    s = _sections(reports.build(2026, 3))  # October to December 2026
    assert s["Ombudsman decisions"] == {"Closed after initial enquiries": [1, 0, 0]}

    form = client.get(f"/complaints/{complaint.id}/edit").get_data(as_text=True)
    assert "An advocate helped the complainant" in form
    assert not complaint.advocate_used


def test_a_complaint_not_accepted_owes_no_response_and_is_never_overdue(client, council):
    late = council["late"]
    sign_in(client, council["officer"])
    assert services.clock(late.stages[0], date(2026, 12, 1)).overdue is False
    page = client.get(f"/complaints/{late.id}").get_data(as_text=True)
    assert "Overdue" not in page and "Response due" not in page
    assert f"/complaints/{late.id}/escalate" not in page and "/extend" not in page
    listed = client.get("/complaints/?status=all&overdue=y").get_data(as_text=True)
    assert late.reference not in listed


def test_an_area_that_is_not_there_counts_nothing(client, council, make_user):
    sign_in(client, make_user("qa_officer"))
    page = client.get("/complaints/report?year=2026&quarter=1&area=999999")
    assert page.status_code == 200
    assert "No service area" in page.get_data(as_text=True)
    assert _sections(reports.build(2026, 1, 999999))["Complaints received and closed"] == {
        "Received": [0, 0, 0],
        "Closed": [0, 0, 0],
        "Not accepted": [0, 0, 0],
    }
    assert client.get("/complaints/report/annual.docx?year=2026&area=999999").status_code == 200


def test_annual_learning_keeps_ordinary_words_of_a_note_in_the_name_field(app):
    """A complaint whose name field says "Name held in the old log" takes no ordinary word
    ("the", "old", "log") out of every lesson; names are still taken out, a name typed in
    lower case too."""
    from datetime import date

    from qaweb.complaints import services
    from qaweb.complaints.models import Complaint

    for name, learning in (
        ("Name held in the old log", "Shared at the team meeting."),
        ("jo bloggs", "Jo Bloggs was called back the same day."),
        ("Kim Lee", "Meeting changes agreed with the family first; Kim Lee thanked."),
    ):
        complaint = Complaint(
            received_on=date(2025, 5, 1),
            received_how="email",
            complainant_type="parent",
            complainant_name=name,
            complainant_contact="",
            child_reference="",
            summary="Invented",
            procedure="statutory",
        )
        services.open_complaint(complaint, None)
        complaint.closed_on = date(2025, 6, 2)
        complaint.learning = learning
    db.session.commit()
    lessons = annual._learning(date(2025, 4, 1), date(2026, 3, 31), None)
    assert lessons == [
        "Shared at the team meeting.",
        "[removed] was called back the same day.",
        "Meeting changes agreed with the family first; [removed] thanked.",
    ]
