import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in
from werkzeug.datastructures import MultiDict

from qaweb.actions.models import Action
from qaweb.core import grading
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.supervision import reports, services
from qaweb.supervision.models import FeedbackRequest, SupervisionAudit
from qaweb.tools.models import Response
from qaweb.tools.services import load_files

STARTER = Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter" / "wokingham"


@pytest.fixture
def council(app, make_area, make_team, make_user):
    """Two paired teams in one area, a service manager, and who supervises whom."""
    load_files(
        [STARTER / "supervision_audit.yaml", STARTER / "supervisee_feedback.yaml"], publish=True
    )
    area = make_area("Children in Need")
    t1 = make_team("Brambles", area=area)
    t2 = make_team("Conifers", area=area)
    t1.paired_team_id, t2.paired_team_id = t2.id, t1.id
    people = {}

    def person(key, *roles, team, manager=None):
        people[key] = make_user(
            *roles, team=team, first_name=key.capitalize(), last_name="Case", line_manager=manager
        )
        return people[key]

    sm = person("sarah", "service_manager", team=t1)
    a = person("amir", "team_manager", team=t1, manager=sm)
    a2 = person("alice", "team_manager", team=t1, manager=a)
    person("pat", "practitioner", team=t1, manager=a2)
    person("penny", "practitioner", team=t1, manager=a)
    b = person("bola", "team_manager", team=t2, manager=sm)
    b2 = person("bea", "team_manager", team=t2, manager=b)
    for name in ("quinn", "quentin", "queenie"):
        person(name, "practitioner", team=t2, manager=b2)
    person("quill", "practitioner", team=t2, manager=b)
    db.session.commit()
    return people


def year():
    return services.year_for(today_london())


def test_the_plan_follows_pairings_and_exclusions(council):
    lines = services.propose_plan(year())
    chosen = [(line.auditor, line.supervisor) for line in lines if line.supervisor]
    assert chosen, lines
    supervised = [s.id for _, s in chosen]
    assert len(supervised) == len(set(supervised))  # nobody audited twice
    for auditor, supervisor in chosen:
        assert services.refusal(auditor, supervisor) is None
        if auditor.first_name in ("Amir", "Alice"):
            assert supervisor.team.name == "Conifers"
        if auditor.first_name in ("Bola", "Bea"):
            assert supervisor.team.name == "Brambles"
    # Amir supervises Alice: he never audits her; Bola is Bea's supervisor.
    assert (council["bea"], council["bola"]) not in chosen
    # Sarah supervises both team managers in her area and there is no other area.
    sarah = [line for line in lines if line.auditor == council["sarah"]]
    assert sarah and sarah[0].supervisor is None and "choose someone" in sarah[0].note


def test_someone_audited_this_year_is_not_proposed_again(council):
    services.confirm_line(
        year(), council["amir"], council["bola"], today_london(), council["sarah"]
    )
    lines = services.propose_plan(year())
    assert all(line.supervisor != council["bola"] for line in lines)
    # Amir has one of his two audits already: one more line is proposed for him.
    assert len([line for line in lines if line.auditor == council["amir"]]) == 1


def test_the_plan_fills_lines_a_greedy_pass_would_leave_empty(app, make_team, make_user):
    """Adams could audit Ashby or Young; Baker only Ashby (Young is his supervisor). Taken in
    name order, Adams would use up Ashby and Baker would get "no one left"."""
    far = make_team("Far Team")
    ours, theirs = make_team("Ours"), make_team("Theirs")
    ours.paired_team_id = theirs.id
    ashby = make_user("practitioner", team=theirs, first_name="Ann", last_name="Ashby")
    young = make_user("practitioner", team=theirs, first_name="Yan", last_name="Young")
    make_user("practitioner", team=theirs, line_manager=ashby)
    adams = make_user("team_manager", team=ours, first_name="Ada", last_name="Adams")
    baker = make_user("team_manager", team=ours, first_name="Bo", last_name="Baker")
    baker.line_manager = young
    zed = make_user("practitioner", team=far, last_name="Zed")
    make_user("practitioner", team=far, line_manager=zed)
    db.session.commit()
    # Adams already audits someone this year: one line left for Adams, two for Baker.
    services.confirm_line(year(), adams, zed, today_london(), adams)
    lines = services.propose_plan(year())
    chosen = {
        (line.auditor.last_name, line.supervisor.last_name) for line in lines if line.supervisor
    }
    assert chosen == {("Adams", "Young"), ("Baker", "Ashby")}
    empty = [line for line in lines if line.supervisor is None]
    assert [line.auditor for line in empty] == [baker]
    assert "proposed for another line" in empty[0].note


def _most_lines_fillable(lines) -> int:
    """The largest number of lines any assignment can fill (each person audited once), by
    breadth-first augmenting paths: a check independent of the plan's own search."""
    owner: dict[int, int] = {}
    for start in range(len(lines)):
        parent = {}
        queue, seen, end = [start], {start}, None
        while queue and end is None:
            i = queue.pop(0)
            for person in (p.id for p in lines[i].candidates):
                if person in parent:
                    continue
                parent[person] = i
                if person not in owner:
                    end = person
                    break
                if owner[person] not in seen:
                    seen.add(owner[person])
                    queue.append(owner[person])
        while end is not None:
            i = parent[end]
            previous = next((p for p, line in owner.items() if line == i), None)
            owner[end] = i
            end = previous if i != start else None
    return len(owner)


def test_the_demo_councils_first_year_is_planned_as_fully_as_it_can_be(demo_copy):
    with demo_copy():
        _the_demo_year_is_planned_fully()


def _the_demo_year_is_planned_fully():
    lines = services.propose_plan(year() + 1)  # a year with nobody audited yet
    filled = [line for line in lines if line.supervisor]
    assert len(lines) == 85
    # Each candidate list is exactly the people the rules allow for that line.
    audited = services.audited_in_year(year() + 1)
    for line in lines:
        assert all(services.refusal(line.auditor, s) is None for s in line.candidates)
        assert not any(audited.get(s.id) for s in line.candidates)
    for line in filled:
        assert line.supervisor in line.candidates
    assert len({line.supervisor.id for line in filled}) == len(filled)  # nobody twice
    # As many lines are filled as any assignment could fill (a greedy pass filled 64).
    assert len(filled) == _most_lines_fillable(lines) > 64
    # A line left empty has no one: each person it could have is needed by another line.
    for line in lines:
        if line.supervisor is None and line.candidates:
            assert "proposed for another line" in line.note


def test_the_rules_refuse_with_a_reason(council):
    y, due, by = year(), today_london(), council["sarah"]
    with pytest.raises(services.SupervisionError, match="own supervisor"):
        services.confirm_line(y, council["alice"], council["amir"], due, by)
    with pytest.raises(services.SupervisionError, match="supervised by Amir"):
        services.confirm_line(y, council["amir"], council["alice"], due, by)
    with pytest.raises(services.SupervisionError, match="their own supervision"):
        services.confirm_line(y, council["amir"], council["amir"], due, by)
    services.confirm_line(y, council["amir"], council["bola"], due, by)
    with pytest.raises(services.SupervisionError, match="give a reason"):
        services.confirm_line(y, council["alice"], council["bola"], due, by)
    again = services.confirm_line(y, council["alice"], council["bola"], due, by, "Concerns")
    assert again.override_reason == "Concerns"


def plan_post(lines, due, overrides=None):
    data = {"year": year(), "due_on": [str(due.day), str(due.month), str(due.year)]}
    for i, (auditor, supervisor) in enumerate(lines):
        data[f"lines-{i}-include"] = "y"
        data[f"lines-{i}-auditor_id"] = auditor.id
        data[f"lines-{i}-supervisor_id"] = supervisor.id if supervisor else ""
    data.update(overrides or {})
    return data


def test_planning_on_screen_and_my_work(client, council):
    sign_in(client, council["sarah"])
    page = client.get("/supervision/plan").get_data(as_text=True)
    assert "Plan supervision audits" in page and "Amir Case" in page
    due = services.year_bounds(year())[1]
    # A line the planner changed to a refused pair: the row says why, nothing is saved.
    bad = client.post(
        "/supervision/plan",
        data=plan_post(
            [(council["amir"], council["bola"]), (council["alice"], council["amir"])], due
        ),
    )
    text = bad.get_data(as_text=True)
    assert "Amir Case is Alice Case&#39;s own supervisor" in text
    assert "nothing has been planned" in text
    assert db.session.scalar(select(SupervisionAudit.id)) is None
    good = client.post(
        "/supervision/plan",
        data=plan_post(
            [(council["amir"], council["bola"]), (council["alice"], council["bea"])], due
        ),
    )
    assert good.status_code == 302
    audits = list(db.session.scalars(select(SupervisionAudit)))
    assert len(audits) == 2 and {a.status for a in audits} == {"planned"}
    client.post("/sign-out")
    sign_in(client, council["amir"])
    home = client.get("/").get_data(as_text=True)
    assert "Supervision audit of Bola Case" in home
    assert due.strftime("%B %Y") in home


def complete_answers(definition, levels):
    """Answers to every question of a tool, as a form post."""
    data = []
    for section in definition["sections"]:
        if section.get("grade"):
            data.append((f"grade_{section['key']}", levels[1].id))
        for q in section["questions"]:
            name = f"q_{q['key']}"
            kind = q["kind"]
            if kind == "grade":
                data.append((name, levels[1].id))
            elif kind == "yes_partly_no":
                data.append((name, "Yes"))
            elif kind == "agree_scale":
                data.append((name, "Agree"))
            elif kind in ("single_choice", "multiple_choice"):
                data.append((name, q["options"][0]))
            elif kind == "number":
                data.append((name, "3"))
            elif kind == "date":
                day = today_london() - timedelta(days=3)
                data += [(name, str(day.day)), (name, str(day.month)), (name, str(day.year))]
            else:
                data.append((name, "Evidence seen in the supervision records."))
    if definition.get("overall_grade"):
        data += [
            ("overall_grade", levels[1].id),
            ("overall_rationale", "Judgement; action; impact"),
        ]
    return data


def complete_response(client, response_id):
    response = db.session.get(Response, response_id)
    data = complete_answers(response.tool_version.definition, grading.levels())
    data += [("action", "complete"), ("version", response.version)]
    result = client.post(f"/responses/{response_id}", data=MultiDict(data))
    assert result.status_code == 302, result.get_data(as_text=True)[:3000]


def test_an_audit_from_plan_to_reflective_session(client, app, council):
    audit = services.confirm_line(
        year(),
        council["amir"],
        council["bea"],
        today_london() + timedelta(days=30),
        council["sarah"],
    )
    db.session.commit()
    url = f"/supervision/audits/{audit.id}"
    sign_in(client, council["amir"])
    assert "Start the audit" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/start", data={"version": audit.version})
    audit = db.session.get(SupervisionAudit, audit.id)
    assert audit.status == "in_progress" and audit.response is not None

    # Finishing too early names what is missing.
    page = client.post(
        f"{url}/finish", data={"version": audit.version}, follow_redirects=True
    ).get_data(as_text=True)
    assert "record the date of the audit and complete the supervision-audit form" in page

    day = today_london() - timedelta(days=1)
    page = client.post(
        f"{url}/details",
        data={
            "version": audit.version,
            "audited_on": [str(day.day), str(day.month), str(day.year)],
            "files_reviewed": "three",
        },
    ).get_data(as_text=True)
    assert "Supervision files reviewed must be a whole number" in page
    client.post(
        f"{url}/details",
        data={
            "version": audit.version,
            "audited_on": [str(day.day), str(day.month), str(day.year)],
            "files_reviewed": "3",
            "children_records": "6",
            "period_covered": "April to October",
            "strengths": "Reflective, regular supervision",
            "development": "Record CPD goals",
        },
    )
    complete_response(client, audit.response_id)

    # Feedback only from the supervisor's own supervisees.
    pat = council["pat"]
    page = client.post(
        f"{url}/feedback",
        data={"supervisees": [pat.id], "due_on": ["1", "1", "2099"]},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Select only the options shown" in page
    asked = [council["quinn"], council["quentin"], council["queenie"]]
    client.post(
        f"{url}/feedback", data={"supervisees": [p.id for p in asked], "due_on": ["1", "1", "2099"]}
    )
    requests = list(db.session.scalars(select(FeedbackRequest)))
    assert len(requests) == 3
    audit = db.session.get(SupervisionAudit, audit.id)
    client.post(f"{url}/finish", data={"version": audit.version})
    assert db.session.get(SupervisionAudit, audit.id).status == "awaiting_feedback"
    client.post(
        f"{url}/actions/new",
        data={
            "description": "Record CPD goals in every supervision",
            "owner": council["bea"].id,
            "due_on": ["1", "2", "2099"],
        },
    )
    client.post("/sign-out")

    # Each supervisee answers from My work.
    for person in asked:
        sign_in(client, person)
        home = client.get("/").get_data(as_text=True)
        assert "supervision you receive from Bea Case" in home
        request = db.session.scalar(
            select(FeedbackRequest).where(FeedbackRequest.supervisee_id == person.id)
        )
        complete_response(client, request.response_id)
        client.post("/sign-out")
    audit = db.session.get(SupervisionAudit, audit.id)
    assert audit.status == "ready_for_reflective"

    # The supervisor cannot see the audit until it is completed.
    sign_in(client, council["bea"])
    assert client.get(url).status_code == 403
    client.post("/sign-out")

    sign_in(client, council["amir"])
    page = client.get(url).get_data(as_text=True)
    assert "Quinn Case" in page  # the auditor sees who answered
    client.post(
        f"{url}/reflective",
        data={
            "version": audit.version,
            "reflective_on": [str(day.day), str(day.month), str(day.year)],
            "reflective_notes": "Discussed with Bea and Bola; CPD goals agreed.",
        },
    )
    assert db.session.get(SupervisionAudit, audit.id).status == "completed"
    client.post("/sign-out")

    sign_in(client, council["bea"])
    page = client.get(url).get_data(as_text=True)
    assert "3 supervisees replied" in page and "nobody is named" in page
    assert "Quinn Case" not in page and "Queenie" not in page
    action = db.session.scalar(select(Action).where(Action.source_type == "supervision_audit"))
    assert action.owner_id == council["bea"].id and action.source_id == audit.id
    assert f"/supervision/audits/{audit.id}" in client.get(f"/actions/{action.id}").get_data(
        as_text=True
    )


def test_combined_feedback_waits_for_the_threshold(client, council):
    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    services.start(audit, council["amir"])
    services.request_feedback(audit, [council["quinn"], council["quentin"]], today_london())
    for request in audit.feedback:
        services.feedback_answered(request)
    audit.status = "completed"
    db.session.commit()
    sign_in(client, council["bea"])
    page = client.get(f"/supervision/audits/{audit.id}").get_data(as_text=True)
    assert "once at least 3 have replied (2 so far)" in page


def test_a_supervisor_who_leaves_keeps_their_audits(client, council):
    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    council["bea"].active = False
    db.session.commit()
    sign_in(client, council["amir"])
    page = client.get(f"/supervision/audits/{audit.id}").get_data(as_text=True)
    assert "Bea Case" in page and "(left)" in page
    assert "Bea Case" in client.get("/supervision/").get_data(as_text=True)


def test_coverage_matches_a_hand_count_and_exports(client, council):
    y, due = year(), today_london() - timedelta(days=1)  # already overdue
    by = council["sarah"]
    done = services.confirm_line(y, council["amir"], council["bea"], due, by)
    services.confirm_line(y, council["alice"], council["bola"], due, by)
    services.confirm_line(y, council["bola"], council["alice"], due + timedelta(days=60), by)
    services.start(done, council["amir"])
    services.request_feedback(done, [council["quinn"], council["quentin"]], due)
    services.feedback_answered(done.feedback[0])
    done.status = "completed"
    db.session.commit()
    rows = {r.team: r for r in reports.coverage(y)}
    # Conifers: Bola and Bea supervise (2); Bea's and Bola's audits; Bea's done; Bola's overdue.
    assert (
        rows["Conifers"].supervisors,
        rows["Conifers"].planned,
        rows["Conifers"].completed,
        rows["Conifers"].overdue,
    ) == (2, 2, 1, 1)
    assert (rows["Conifers"].feedback_asked, rows["Conifers"].feedback_answered) == (2, 1)
    assert rows["Conifers"].response_rate == 50
    # Brambles: Amir, Alice supervise (Sarah too: she line-manages two people) -> 3.
    assert (rows["Brambles"].supervisors, rows["Brambles"].planned) == (3, 1)

    sign_in(client, council["sarah"])
    fragment = client.get(
        f"/supervision/coverage?year={y}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "Conifers" in fragment
    report = client.get(f"/supervision/coverage/report.xlsx?year={y}")
    workbook = load_workbook(io.BytesIO(report.data))
    assert workbook.sheetnames == ["About", "Coverage", "Grades", "Themes", "Actions"]
    coverage = {r[1]: r for r in workbook["Coverage"].iter_rows(min_row=2, values_only=True)}
    assert coverage["Conifers"][2:6] == (2, 2, 1, 1)
    assert coverage["All teams"][3] == 3
    listing = client.get(f"/supervision/export.xlsx?year={y}&overdue=y")
    sheet = load_workbook(io.BytesIO(listing.data))["Supervision audits"]
    supervisors = sorted(r[2] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert supervisors == ["Bola Case"]  # the completed one is not overdue
    assert sheet["F2"].is_date


def test_export_has_every_column_of_each_audit(client, council):
    y, today = year(), today_london()
    by = council["sarah"]
    done = services.confirm_line(y, council["amir"], council["bea"], today - timedelta(days=1), by)
    later = services.confirm_line(y, council["alice"], council["bola"], today + timedelta(60), by)
    services.start(done, council["amir"])
    asked = services.request_feedback(
        done, [council["quinn"], council["quentin"], council["queenie"]], today
    )
    services.feedback_answered(asked[0])
    services.withdraw_feedback(asked[1])  # withdrawn: not counted as asked
    services.record_conversation(done, council["amir"])  # a conversation: not asked either
    done.audited_on, done.files_reviewed, done.children_records = today, 3, 7
    db.session.commit()
    sign_in(client, by)
    sheet = load_workbook(io.BytesIO(client.get(f"/supervision/export.xlsx?year={y}").data))[
        "Supervision audits"
    ]
    header, *rows = sheet.iter_rows(values_only=True)
    assert header[0] == "Reference" and header[11:13] == ("Feedback asked", "Feedback answered")
    assert [r[0] for r in rows] == [done.reference, later.reference]  # soonest due first
    first, second = rows
    assert first[1:8] == (
        services.year_label(y),
        "Bea Case",
        "Conifers",
        "Amir Case",
        datetime.combine(today - timedelta(days=1), time()),
        "In progress",
        "Yes",
    )
    assert first[8:] == (datetime.combine(today, time()), 3, 7, 2, 1, None)
    assert second[2:8] == (
        "Bola Case",
        "Conifers",
        "Alice Case",
        datetime.combine(today + timedelta(60), time()),
        "Planned",
        "No",
    )
    assert second[8:] == (None, None, None, 0, 0, None)


def test_annual_report_has_a_native_grades_chart(client, council):
    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    db.session.commit()
    sign_in(client, council["amir"])
    client.post(f"/supervision/audits/{audit.id}/start", data={"version": audit.version})
    complete_response(client, db.session.get(SupervisionAudit, audit.id).response_id)
    db.session.get(SupervisionAudit, audit.id).status = "completed"
    db.session.commit()
    client.post("/sign-out")
    sign_in(client, council["sarah"])
    page = client.get("/supervision/coverage").get_data(as_text=True)
    assert "Overall grade" in page and "Good" in page
    workbook = load_workbook(io.BytesIO(client.get("/supervision/coverage/report.xlsx").data))
    grades = workbook["Grades"]
    assert grades._charts, "the Grades sheet has a chart"
    overall = next(
        r for r in grades.iter_rows(min_row=2, values_only=True) if r[0] == "Overall grade"
    )
    assert overall[2] == 1  # one Good


def test_the_year_and_the_threshold_are_settings(client, council, make_user):
    from qaweb.core.settings import set_setting

    assert services.year_for(date(2027, 2, 1)) == 2026  # April to March by default
    assert services.year_label(2026) == "April 2026 to March 2027"
    admin = make_user("admin")
    sign_in(client, admin)
    client.post(
        "/admin/settings",
        data={
            "council_name": "Testshire",
            "supervision_year_start_month": "1",
            "supervisee_feedback_threshold": "2",
        },
    )
    assert services.year_for(date(2027, 2, 1)) == 2027
    assert services.feedback_threshold() == 2
    set_setting("supervision_year_start_month", "4")
    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    services.start(audit, council["amir"])
    services.request_feedback(audit, [council["quinn"], council["quentin"]], today_london())
    for request in audit.feedback:
        services.feedback_answered(request)
    audit.status = "completed"
    db.session.commit()
    client.post("/sign-out")
    sign_in(client, council["bea"])
    page = client.get(f"/supervision/audits/{audit.id}").get_data(as_text=True)
    assert "2 supervisees replied" in page


def test_a_supervisor_with_wider_roles_still_cannot_see_their_own_audit(client, council):
    from qaweb.organisation.models import UserRole

    bea = council["bea"]
    db.session.add(UserRole(user_id=bea.id, role="qa_officer"))
    audit = services.confirm_line(year(), council["amir"], bea, today_london(), council["sarah"])
    db.session.commit()
    sign_in(client, bea)
    assert client.get(f"/supervision/audits/{audit.id}").status_code == 403
    assert (
        client.post(
            f"/supervision/audits/{audit.id}/cancel",
            data={"reason": "No", "version": audit.version},
        ).status_code
        == 403
    )
    assert "Supervision audit of" not in client.get("/supervision/").get_data(as_text=True)
    assert db.session.get(SupervisionAudit, audit.id).status == "planned"


def test_a_reply_moving_the_audit_on_is_logged_as_the_system(client, council):
    from qaweb.core.history import ChangeLog

    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    services.start(audit, council["amir"])
    (request,) = services.request_feedback(audit, [council["quinn"]], today_london())
    audit.status = "awaiting_feedback"
    db.session.commit()
    sign_in(client, council["quinn"])
    complete_response(client, request.response_id)
    assert db.session.get(SupervisionAudit, audit.id).status == "ready_for_reflective"
    last = db.session.scalars(
        select(ChangeLog)
        .where(ChangeLog.record_type == "supervision_audit", ChangeLog.record_id == audit.id)
        .order_by(ChangeLog.id.desc())
    ).first()
    assert last.changes["status"][1] == "ready_for_reflective"
    assert last.changed_by_name == "System"


def test_the_auditor_can_stop_waiting_for_a_reply(client, council):
    audit = services.confirm_line(
        year(), council["amir"], council["bea"], today_london(), council["sarah"]
    )
    services.start(audit, council["amir"])
    (request,) = services.request_feedback(audit, [council["quinn"]], today_london())
    audit.status = "awaiting_feedback"
    db.session.commit()
    sign_in(client, council["amir"])
    client.post(f"/supervision/audits/{audit.id}/feedback/{request.id}/withdraw")
    assert db.session.get(FeedbackRequest, request.id).status == "withdrawn"
    assert db.session.get(SupervisionAudit, audit.id).status == "ready_for_reflective"


def test_plan_page_errors_are_linked_and_bad_years_are_ignored(client, council):
    sign_in(client, council["sarah"])
    assert client.get("/supervision/plan?year=10000").status_code == 200
    due = services.year_bounds(year())[1]
    page = client.post(
        "/supervision/plan",
        data=plan_post(
            [(council["amir"], council["bola"])], due, {"lines-0-override_reason": "x" * 400}
        ),
    ).get_data(as_text=True)
    assert 'href="#lines-0-override_reason"' in page
    assert "Line 1: The reason must be 300 characters or fewer" in page
    assert "govuk-input--error" in page


def test_the_area_report_lists_only_that_areas_actions(
    client, council, make_area, make_team, make_user
):
    from qaweb.actions.services import raise_action

    other_area = make_area("Elsewhere")
    far = make_team("Far team", area=other_area)
    far_auditor = make_user("team_manager", team=far)
    far_supervisor = make_user("team_manager", team=far)
    audit = services.confirm_line(year(), far_auditor, far_supervisor, today_london(), far_auditor)
    raise_action(
        source_type="supervision_audit",
        source_id=audit.id,
        description="Secret action elsewhere",
        owner=far_supervisor,
        due_on=today_london(),
        raised_by=far_auditor,
    )
    db.session.commit()
    sign_in(client, council["sarah"])
    workbook = load_workbook(io.BytesIO(client.get("/supervision/coverage/report.xlsx").data))
    descriptions = [r[1] for r in workbook["Actions"].iter_rows(min_row=2, values_only=True)]
    assert "Secret action elsewhere" not in descriptions
