"""The complaint record (issue 14, "What councils must record and report"): points of
complaint answered one by one at each stage with the stage's outcome derived from them, Stage 2
people and dates, the Stage 3 panel, linked complaints, the council's own targets beside the
statutory deadline, and the team that must belong to the service area chosen.

Dates are worked out by hand in the comments. Today is Monday 30 November 2026."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import hidden_value, sign_in

from qaweb.complaints import points, reports, services
from qaweb.complaints.models import CategoryOption, Complaint, ComplaintLink
from qaweb.core.settings import set_setting
from qaweb.core.workdays import CLOSURE, ClosureDay, forget_days_off
from qaweb.extensions import db


@pytest.fixture(autouse=True)
def on_30_november_2026(monkeypatch):
    monkeypatch.setattr("qaweb.core.db.utcnow", lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))


@pytest.fixture
def officer(make_user):
    return make_user("complaints_officer", first_name="Carys", last_name="Morgan")


def log(received=date(2026, 11, 2), texts=(), name="Jo Testperson", area=None, team=None):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name=name,
        complainant_contact="jo@example.org",
        summary="Invented: a complaint with points",
        service_area_id=area.id if area else None,
        team_id=team.id if team else None,
    )
    services.open_complaint(complaint, None)
    for text in texts:
        points.add_point(complaint, text)
    db.session.commit()
    return complaint


def page_of(client, complaint):
    return client.get(f"/complaints/{complaint.id}").get_data(as_text=True)


def day(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def errors(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", e).strip()
        for e in re.findall(
            r'<ul class="govuk-list govuk-error-summary__list">(.*?)</ul>', page, re.S
        )
    ]


# -- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcomes", "stage"),
    [
        ([], ""),
        (["upheld"], "upheld"),
        (["upheld", "upheld", "upheld"], "upheld"),
        (["upheld", "not_upheld"], "partly_upheld"),
        (["partly_upheld"], "partly_upheld"),
        (["not_upheld", "partly_upheld", "unable"], "partly_upheld"),
        (["upheld", "unable"], "partly_upheld"),
        (["not_upheld", "not_upheld"], "not_upheld"),
        (["not_upheld", "unable"], "not_upheld"),
        (["unable", "unable"], "unable"),
    ],
)
def test_the_stage_outcome_is_derived_from_the_points(outcomes, stage):
    assert points.derived_outcome(outcomes) == stage


def test_an_unknown_point_outcome_is_refused():
    with pytest.raises(points.PointError):
        points.derived_outcome(["upheld", "withdrawn"])


def test_points_typed_one_a_line_lose_their_numbers_and_bullets():
    typed = "1. Visits cancelled\n\n2) Calls not returned\n- Plan changed\n• \u200bLate letter\n"
    assert points.split_points(typed) == [
        "Visits cancelled",
        "Calls not returned",
        "Plan changed",
        "Late letter",
    ]


# -- points on the record ----------------------------------------------------------------------


def test_a_complaint_logged_with_three_points_numbers_them_and_shows_them(client, officer):
    category = db.session.scalar(select(CategoryOption).where(CategoryOption.name == "Delay"))
    sign_in(client, officer)
    response = client.post(
        "/complaints/new",
        data={
            "received_on": day(date(2026, 11, 2)),
            "received_how": "email",
            "complainant_type": "parent",
            "complainant_name": "Jo Testperson",
            "categories": [category.id],
            "summary": "Invented: three things went wrong",
            "points": "1. Visits were cancelled\n2. Calls were not returned\n\n3. The plan changed",
            "procedure": "statutory",
        },
    )
    assert response.status_code == 302
    complaint = db.session.scalar(select(Complaint))
    assert [(p.number, p.text) for p in complaint.points] == [
        (1, "Visits were cancelled"),
        (2, "Calls were not returned"),
        (3, "The plan changed"),
    ]
    page = page_of(client, complaint)
    listed = page.split('id="points"')[1].split("</ol>")[0]
    assert listed.index("Visits were cancelled") < listed.index("The plan changed")


def test_points_are_added_changed_and_reordered(client, officer):
    complaint = log(texts=["Visits cancelled", "Calls not returned"])
    first, second = complaint.points
    sign_in(client, officer)
    page = client.post(
        f"/complaints/{complaint.id}/points", data={"version": complaint.version, "text": " "}
    ).get_data(as_text=True)
    assert "Enter the point of complaint" in errors(page)[0]
    client.post(
        f"/complaints/{complaint.id}/points",
        data={"version": complaint.version, "text": "The plan changed"},
    )
    db.session.expire_all()
    assert [p.text for p in complaint.points] == [
        "Visits cancelled",
        "Calls not returned",
        "The plan changed",
    ]
    # Move the third up: it becomes point 2.
    third = complaint.points[2]
    response = client.post(
        f"/complaints/{complaint.id}/points",
        data={"what": "move", "point": third.id, "direction": "up", "version": complaint.version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [(p.number, p.text) for p in complaint.points] == [
        (1, "Visits cancelled"),
        (2, "The plan changed"),
        (3, "Calls not returned"),
    ]
    # The first cannot move up; a move from a stale copy is refused, nothing moves.
    stale = complaint.version
    page = client.post(
        f"/complaints/{complaint.id}/points",
        data={"what": "move", "point": first.id, "direction": "up", "version": stale},
    ).get_data(as_text=True)
    assert "Point 1 is already first" in page
    client.post(
        f"/complaints/{complaint.id}/points",
        data={"what": "move", "point": first.id, "direction": "down", "version": stale - 1},
    )
    db.session.expire_all()
    assert [p.text for p in complaint.points][0] == "Visits cancelled"
    # Change the words of a point: its number stays.
    client.post(
        f"/complaints/points/{second.id}",
        data={"version": second.version, "text": "Calls and emails not returned"},
    )
    db.session.expire_all()
    assert (second.number, second.text) == (3, "Calls and emails not returned")


def test_a_response_needs_an_outcome_for_every_point_and_derives_the_stage_outcome(client, officer):
    complaint = log(texts=["Visits cancelled", "Calls not returned", "The plan changed"])
    one, two, three = complaint.points
    stage = complaint.stages[0]
    sign_in(client, officer)
    data = {
        "version": stage.version,
        "responded_on": day(date(2026, 11, 13)),
        f"point_{one.id}": "upheld",
        f"point_{three.id}": "not_upheld",
    }
    page = client.post(f"/complaints/{complaint.id}/stages/1", data=data).get_data(as_text=True)
    assert errors(page) == [
        "Select the outcome of point 2: every point is answered with the response"
    ]
    assert f'href="#point_{two.id}' in page  # the summary links to the point's question
    db.session.expire_all()
    assert stage.responded_on is None and stage.point_outcomes == []
    # Every point answered: upheld, partly upheld, not upheld -> partly upheld.
    data[f"point_{two.id}"] = "partly_upheld"
    assert client.post(f"/complaints/{complaint.id}/stages/1", data=data).status_code == 302
    db.session.expire_all()
    assert stage.outcome == "partly_upheld"
    assert {p.number: stage.outcome_of(p) for p in complaint.points} == {
        1: "upheld",
        2: "partly_upheld",
        3: "not_upheld",
    }
    page = page_of(client, complaint)
    assert "13 November 2026 (Partially upheld, from the points)" in page
    assert "Stage 1: Partially upheld" in page
    # Saved again with points 1 and 2 now not upheld: all three not upheld -> not upheld.
    data.update({"version": stage.version, f"point_{one.id}": "not_upheld"})
    data[f"point_{two.id}"] = "not_upheld"
    again = client.post(f"/complaints/{complaint.id}/stages/1", data=data)
    assert again.status_code == 302, errors(again.get_data(as_text=True))
    db.session.expire_all()
    assert stage.outcome == "not_upheld"


def test_a_withdrawn_complaint_with_points_needs_no_point_outcomes(client, officer):
    complaint = log(texts=["Visits cancelled", "Calls not returned"])
    stage = complaint.stages[0]
    sign_in(client, officer)
    response = client.post(
        f"/complaints/{complaint.id}/stages/1",
        data={
            "version": stage.version,
            "responded_on": day(date(2026, 11, 9)),
            "outcome": "withdrawn",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert stage.outcome == "withdrawn"
    # A complaint with points offers no upheld/not upheld for the stage as a whole.
    page = client.get(f"/complaints/{complaint.id}/stages/1").get_data(as_text=True)
    assert 'value="upheld"' in page  # the points' radios
    select_html = page.split('name="outcome"')[1].split("</select>")[0]
    assert "upheld" not in select_html.lower()


def test_a_complaint_without_points_keeps_the_stage_outcome(client, officer):
    complaint = log()
    stage = complaint.stages[0]
    sign_in(client, officer)
    page = client.post(
        f"/complaints/{complaint.id}/stages/1",
        data={"version": stage.version, "responded_on": day(date(2026, 11, 9))},
    ).get_data(as_text=True)
    assert "Select the outcome of the stage with its response" in page
    client.post(
        f"/complaints/{complaint.id}/stages/1",
        data={
            "version": stage.version,
            "responded_on": day(date(2026, 11, 9)),
            "outcome": "upheld",
        },
    )
    db.session.expire_all()
    assert stage.outcome == "upheld"
    assert "No points recorded" in page_of(client, complaint)


def test_escalating_an_unanswered_stage_1_then_answering_stage_2_point_by_point(client, officer):
    # Received Mon 2 Nov 2026: Stage 1 due Mon 16 Nov (3-6, 9-13, 16). Nothing was sent.
    complaint = log(texts=["Visits cancelled", "Calls not returned", "The plan changed"])
    sign_in(client, officer)
    response = client.post(
        f"/complaints/{complaint.id}/escalate",
        data={"version": complaint.version, "started_on": day(date(2026, 11, 20))},
    )
    assert response.status_code == 302
    db.session.expire_all()
    one, two = complaint.stages
    assert one.responded_on is None and services.not_answered(one)
    # Stage 2 from Fri 20 Nov 2026, 25 working days: 23-27 (5), 30 Nov-4 Dec (10), 7-11 (15),
    # 14-18 (20), 21-24 (24), then Christmas Day and Boxing Day (Mon 28 Dec) are not working
    # days: Tue 29 Dec 2026 (25).
    assert two.due_on == date(2026, 12, 29)
    data = {"version": two.version, "responded_on": day(date(2026, 11, 27))}
    for point, outcome in zip(complaint.points, ["unable", "not_upheld", "unable"], strict=True):
        data[f"point_{point.id}"] = outcome
    assert client.post(f"/complaints/{complaint.id}/stages/2", data=data).status_code == 302
    db.session.expire_all()
    assert two.outcome == "not_upheld"
    assert one.point_outcomes == []  # Stage 1 stays as it was: not answered
    page = page_of(client, complaint)
    assert "Not answered" in page and "Out of time" in page
    assert "Stage 2: Unable to determine" in page


def test_points_counted_by_stage_and_outcome_in_the_report(client, officer):
    a = log(texts=["A1", "A2", "A3"])
    b = log(texts=["B1", "B2"])
    log(texts=["C1"])  # never answered: counts nothing
    for complaint, outcomes, responded in (
        (a, ["upheld", "upheld", "not_upheld"], date(2026, 11, 13)),
        (b, ["unable", "not_upheld"], date(2026, 11, 16)),
    ):
        stage = complaint.stages[0]
        stage.responded_on = responded
        points.set_point_outcomes(
            stage,
            dict(zip([p.id for p in complaint.points], outcomes, strict=True)),
            responded=True,
        )
        services.update_stage(stage)
    db.session.commit()
    # By hand: Stage 1 points upheld 2 (A1, A2), not upheld 2 (A3, B2), unable 1 (B1).
    assert points.count_points(date(2026, 11, 1), date(2026, 11, 30)) == {
        1: {"upheld": 2, "not_upheld": 2, "unable": 1}
    }
    assert points.count_points(date(2026, 11, 14), date(2026, 11, 30)) == {
        1: {"not_upheld": 1, "unable": 1}
    }
    # 2026-27 quarter 3 is October to December 2026.
    data = reports.build(2026, 3)
    rows = dict(next(s for s in data.sections if s.title == "Points of complaint").rows)
    assert rows["Stage 1: complaints answered point by point"][0] == 2
    assert rows["Stage 1: points answered"][0] == 5
    assert rows["Stage 1: points upheld"][0] == 2
    assert rows["Stage 1: points partially upheld"][0] == 0
    assert rows["Stage 1: points not upheld"][0] == 2
    assert rows["Stage 1: points unable to determine"][0] == 1
    outcomes = dict(next(s for s in data.sections if s.title == "Outcomes at Stage 1").rows)
    assert outcomes == {"Partially upheld": [1, 0, 0], "Not upheld": [1, 0, 0]}
    sign_in(client, officer)
    page = client.get("/complaints/report?year=2026&quarter=3").get_data(as_text=True)
    assert "Points of complaint" in page and "Stage 1: points unable to determine" in page
    workbook = client.get("/complaints/report.xlsx?year=2026&quarter=3")
    book = load_workbook(io.BytesIO(workbook.data))
    sheet = book["Timescales and outcomes"]  # the points table under the outcomes
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert values["Stage 1: points answered"] == 5
    assert values["Stage 1: points not upheld"] == 2


# -- Stage 2 people and the Stage 3 panel ------------------------------------------------------


def _at_stage_2(complaint, started=date(2026, 11, 20)):
    services.escalate(complaint, started, None)
    db.session.commit()
    return complaint.stages[1]


def test_stage_2_people_and_dates_are_recorded_and_checked(client, officer):
    complaint = log()
    stage = _at_stage_2(complaint)
    sign_in(client, officer)
    url = f"/complaints/{complaint.id}/stages/2/people"
    good = {
        "version": stage.version,
        "investigating_officer": "Morgan Hale",
        "investigating_officer_kind": "external",
        "investigating_officer_on": day(date(2026, 11, 23)),
        "independent_person": "Priya Lowe",
        "independent_person_kind": "external",
        "independent_person_on": day(date(2026, 11, 24)),
        "statement_agreed_on": day(date(2026, 11, 26)),
        "adjudicating_officer": "Head of Service",
        "adjudicated_on": "",
    }
    for change, message in (
        (
            {"investigating_officer_on": day(date(2026, 11, 19))},
            "The date the investigating officer was appointed cannot be before Stage 2 started "
            "(20 November 2026)",
        ),
        (
            {"statement_agreed_on": day(date(2026, 12, 1))},
            "Date the statement of complaint was agreed must be today or in the past",
        ),
        (
            {"independent_person_kind": ""},
            "Select whether the independent person is internal or external",
        ),
        (
            {"investigating_officer": ""},
            "Enter the name of the investigating officer",
        ),
    ):
        page = client.post(url, data={**good, **change}).get_data(as_text=True)
        assert errors(page) == [message], change
        assert 'value="Priya Lowe"' in page or change.get("independent_person") == ""
    db.session.expire_all()
    assert stage.investigating_officer == ""  # nothing half-saved
    assert client.post(url, data=good).status_code == 302
    page = page_of(client, complaint)
    assert "Morgan Hale (external), appointed 23 November 2026" in page
    assert "Priya Lowe (external), appointed 24 November 2026" in page
    assert "Statement of complaint agreed" in page and "26 November 2026" in page
    # Stage 1 has no investigation people.
    assert client.get(f"/complaints/{complaint.id}/stages/1/people").status_code == 404


def test_the_stage_3_panel_names_its_chair(client, officer):
    complaint = log()
    two = _at_stage_2(complaint)
    two.responded_on, two.outcome = date(2026, 11, 23), "not_upheld"
    services.update_stage(two)
    services.escalate(complaint, date(2026, 11, 25), None)
    db.session.commit()
    three = complaint.stages[2]
    sign_in(client, officer)
    url = f"/complaints/{complaint.id}/stages/3/people"
    page = client.post(
        url, data={"version": three.version, "panel_members": "Ann Other\nBen Panel"}
    ).get_data(as_text=True)
    assert errors(page) == ["Enter who chairs the panel"]
    client.post(
        url,
        data={
            "version": three.version,
            "panel_chair": "Dr Iris Chair",
            "panel_members": "Ann Other\n\n  Ben   Panel \nDr Iris Chair\nAnn Other",
        },
    )
    db.session.expire_all()
    assert three.panel_chair == "Dr Iris Chair"
    assert three.panel_member_names == ["Ann Other", "Ben Panel"]
    assert "Dr Iris Chair (chair), Ann Other, Ben Panel" in page_of(client, complaint)


# -- linked complaints -------------------------------------------------------------------------


def test_complaints_are_linked_both_ways_once_and_unlinked(client, officer):
    mother = log(name="Dee Ashworth")
    father = log(name="Lee Ashworth")
    other = log(name="Sam Else")
    sign_in(client, officer)
    url = f"/complaints/{father.id}/links"
    for data, message in (
        ({"reference": "", "reason": "family"}, "Enter the reference of the complaint to link"),
        ({"reference": father.reference, "reason": "family"}, "cannot be linked to itself"),
        ({"reference": "CMP-1999-0001", "reason": "family"}, "There is no complaint CMP-1999-0001"),
        ({"reference": mother.reference}, "Select why the complaints are linked"),
    ):
        page = client.post(url, data=data).get_data(as_text=True)
        assert message in " ".join(errors(page)), data
    typed = " " + mother.reference.lower() + " "
    assert client.post(url, data={"reference": typed, "reason": "family"}).status_code == 302
    # Already linked, from either side.
    page = client.post(
        f"/complaints/{mother.id}/links", data={"reference": father.reference, "reason": "matter"}
    ).get_data(as_text=True)
    assert f"{mother.reference} is already linked to {father.reference}" in page
    assert db.session.scalar(select(ComplaintLink).where(ComplaintLink.unlinked_at.is_(None)))
    for one, two in ((mother, father), (father, mother)):
        section = page_of(client, one).split('id="linked"')[1].split("<h2")[0]
        assert f"{two.reference}</a> (Same family)" in section
        assert other.reference not in section
    # Unlink from the mother's side: gone from both pages; linking again works.
    link = db.session.scalar(select(ComplaintLink))
    client.post(f"/complaints/{mother.id}/links", data={"what": "unlink", "link": link.id})
    for one in (mother, father):
        assert "Not linked to any other complaint" in page_of(client, one)
    client.post(url, data={"reference": mother.reference, "reason": "matter"})
    assert f"{mother.reference}</a> (Same matter)" in page_of(client, father)


def test_a_service_manager_sees_a_link_to_another_area_without_opening_it(
    client, officer, make_area, make_team, make_user
):
    mine, theirs = make_area("Children in Need"), make_area("Early Help")
    here = log(name="A", area=mine)
    there = log(name="B", area=theirs)
    db.session.add(ComplaintLink(first_id=here.id, second_id=there.id, reason="family"))
    db.session.commit()
    manager = make_user("service_manager", team=make_team("CiN office", area=mine))
    sign_in(client, manager)
    section = page_of(client, here).split('id="linked"')[1].split("<h2")[0]
    assert there.reference in section
    assert f"/complaints/{there.id}" not in section
    assert "/links" not in section  # no link or unlink for a reader


# -- team and area, and the council's own targets ----------------------------------------------


def test_changing_a_complaint_to_a_team_from_another_area_is_refused(
    client, officer, make_area, make_team, make_user
):
    area = make_area("Children in Need")
    team = make_team("Brambles", area=area)
    elsewhere = make_team("Willows", area=make_area("Early Help"))
    complaint = log(area=area, team=team)
    complaint.categories = list(db.session.scalars(select(CategoryOption).limit(1)))
    db.session.commit()
    sign_in(client, officer)
    form = client.get(f"/complaints/{complaint.id}/edit").get_data(as_text=True)
    assert "Brambles" in form
    data = {
        "version": complaint.version,
        "received_on": day(complaint.received_on),
        "received_how": "email",
        "complainant_type": "parent",
        "complainant_name": "Jo Testperson",
        "service_area_id": area.id,
        "team_id": elsewhere.id,
        "categories": [c.id for c in complaint.categories],
        "summary": "Invented: a complaint with points",
        "procedure": "statutory",
    }
    page = client.post(f"/complaints/{complaint.id}/edit", data=data).get_data(as_text=True)
    assert errors(page) == [
        "Willows is in Early Help, not Children in Need: select a team in the service area, "
        "or change the service area"
    ]
    db.session.expire_all()
    assert complaint.team_id == team.id
    # With the area left blank, the area follows the team, and its manager sees it.
    client.post(f"/complaints/{complaint.id}/edit", data={**data, "service_area_id": ""})
    db.session.expire_all()
    assert (complaint.team_id, complaint.service_area_id) == (
        elsewhere.id,
        elsewhere.service_area_id,
    )
    client.post("/sign-out")
    sign_in(client, make_user("service_manager", team=elsewhere))
    assert client.get(f"/complaints/{complaint.id}").status_code == 200


def test_the_councils_own_target_is_shown_beside_the_statutory_deadline(client, officer):
    # Received Mon 2 Nov 2026: statutory Stage 1 due Mon 16 Nov 2026.
    complaint = log()
    sign_in(client, officer)
    assert "Council&#39;s own target" not in page_of(client, complaint)
    set_setting("complaint_stage1_target_days", "5")
    # The council closes on Wed 4 Nov: its target counts 3, 5, 6, 9, 10 -> Tue 10 Nov; the
    # statutory clock counts the closure day as a working day and stays on 16 Nov.
    db.session.add(ClosureDay(day=date(2026, 11, 4), kind=CLOSURE, reason="Training day"))
    db.session.flush()
    services.recompute_open_due_dates()
    db.session.commit()
    forget_days_off()
    page = page_of(client, complaint)
    deadline = page.split("Response due: <strong>")[1].split("</strong>")[0]
    assert deadline == "16 November 2026"
    assert "Council&#39;s own target" in page
    assert "10 November 2026 (5 working days, on the council" in page
    # The settings page keeps the target; nonsense is refused.
    page = client.post(
        "/complaints/settings",
        data={"what": "targets", "targets-stage1": "ten", "targets-stage2": ""},
    ).get_data(as_text=True)
    assert "Enter the Stage 1 target as a whole number of working days" in page
    # Saved from the page as shown (the version it carries: a colleague's save in between
    # would be refused).
    shown = client.get("/complaints/settings").get_data(as_text=True)
    saved = client.post(
        "/complaints/settings",
        data={
            "what": "targets",
            "targets-stage1": "7",
            "targets-stage2": "20",
            "targets-version": hidden_value(shown, "targets-version"),
        },
    )
    assert saved.status_code == 302
    # 7 working days from 2 Nov skipping the closure day: 3, 5, 6, 9, 10, 11, 12 -> 12 Nov.
    assert "12 November 2026 (7 working days" in page_of(client, complaint)
    # My work keeps the statutory date as the due date and gives the target beside it.
    home = client.get("/").get_data(as_text=True)
    item = home.split(complaint.reference)[1][:600]
    assert "16 November 2026" in item or "16 Nov 2026" in item
    assert "council&#39;s own target 12 November 2026" in item


def test_a_complaint_from_the_old_log_without_a_name_can_be_edited_without_inventing_one(
    client, officer, make_area, make_team
):
    area = make_area("Children in Need")
    team = make_team("Brambles", area=area)
    complaint = log(area=area, team=team, name="")
    complaint.legacy_reference = "LOG-0001"
    complaint.categories = list(db.session.scalars(select(CategoryOption).limit(1)))
    db.session.commit()
    sign_in(client, officer)
    form = client.get(f"/complaints/{complaint.id}/edit").get_data(as_text=True)
    assert "optional: not in the old log" in form
    data = {
        "version": complaint.version,
        "received_on": day(complaint.received_on),
        "received_how": "email",
        "complainant_type": "parent",
        "complainant_name": "",
        "service_area_id": area.id,
        "team_id": team.id,
        "categories": [c.id for c in complaint.categories],
        "summary": "Invented: the summary corrected",
        "procedure": "statutory",
    }
    response = client.post(f"/complaints/{complaint.id}/edit", data=data)
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    db.session.expire_all()
    assert complaint.summary == "Invented: the summary corrected"
    assert complaint.complainant_name == ""
    # A complaint logged in qaweb still needs its complainant's name.
    logged = log(area=area, team=team)
    page = client.post(
        f"/complaints/{logged.id}/edit", data={**data, "version": logged.version}
    ).get_data(as_text=True)
    assert errors(page) == ["Enter the complainant&#39;s name"]


def test_a_complaint_imported_from_the_old_log_is_linked_by_its_old_reference(client, officer):
    """The list's search finds an imported complaint by its old log reference; linking by
    that reference (any case, spaces ignored) finds it too."""
    old = log(name="Dee Ashworth")
    old.legacy_reference = "OLD-2025-001"
    db.session.commit()
    new = log(name="Lee Ashworth")
    sign_in(client, officer)
    url = f"/complaints/{new.id}/links"
    response = client.post(url, data={"reference": " old-2025-001 ", "reason": "family"})
    assert response.status_code == 302
    section = page_of(client, new).split('id="linked"')[1].split("<h2")[0]
    assert f"{old.reference}</a> (Same family)" in section
    page = client.post(url, data={"reference": "OLD-2025-999", "reason": "family"})
    assert "There is no complaint OLD-2025-999" in " ".join(errors(page.get_data(as_text=True)))
