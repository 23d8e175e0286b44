"""The QA Board's quarterly report: each section's figures against a hand-counted fixture
across the modules, the empty-module wording, the analysis, sign-off and versions, and the
Word paper and workbook read back."""

import io
from datetime import date, datetime, time
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.complaints.models import CategoryOption, Complaint, Compliment
from qaweb.core import grading
from qaweb.core.timefmt import LONDON
from qaweb.core.years import months_from, quarter_period
from qaweb.extensions import db
from qaweb.practice_week.models import LearningTheme, MeetingType, Observation, PracticeWeek
from qaweb.qa_report import sections, services
from qaweb.qa_report.models import QAReport
from qaweb.supervision.models import SupervisionAudit
from qaweb.thematic.models import Finding, TermsVersion, ThematicAudit, Theme
from qaweb.tools.models import Answer, Response
from qaweb.tools.services import load_files

STARTER = Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter" / "wokingham"
Q2 = quarter_period(2026, 2)  # July to September 2026


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), LONDON)


def named(model, name):
    found = db.session.scalar(select(model).where(model.name == name))
    if found is None:
        found = model(name=name)
        db.session.add(found)
        db.session.flush()
    return found


@pytest.fixture
def world(app, make_area, make_team, make_user):
    """Two service areas across every module, in Q2 2026 (July to September), the quarter
    before, and the same quarter of 2025. The counts each test expects are worked out by
    hand from the comments here."""
    load_files(
        [STARTER / "supervision_audit.yaml", STARTER / "practice_observation.yaml"], publish=True
    )
    from qaweb.supervision.services import current_tool

    tool = current_tool("supervision_audit")
    outstanding, good, ri, inadequate = grading.levels()
    cin = make_area("Children in Need")
    eh = make_area("Early Help")
    brambles = make_team("Brambles", area=cin)
    conifers = make_team("Conifers", area=eh)
    p = {
        "qa": make_user("qa_officer", first_name="Quinn", last_name="Adebayo"),
        "qa2": make_user("qa_officer", first_name="Remi", last_name="Shah"),
        "board": make_user("qa_board", first_name="Beatrice", last_name="Lowe"),
        "sm": make_user("service_manager", team=brambles, first_name="Sam", last_name="Malik"),
        "tm": make_user("team_manager", team=brambles),
        "ctm": make_user("team_manager", team=conifers),
        "pract": make_user("practitioner", team=brambles),
    }

    def graded(level):
        response = Response(tool_version_id=tool.id, subject_type="test", status="completed")
        db.session.add(response)
        db.session.flush()
        db.session.add(
            Answer(
                response_id=response.id,
                section_key="overall",
                question_key="overall_grade",
                grade_level_id=level.id,
            )
        )
        return response.id

    def sup(team, due, status, completed_on=None, level=None):
        db.session.add(
            SupervisionAudit(
                year=2026,
                supervisor_id=(p["tm"] if team is brambles else p["ctm"]).id,
                auditor_id=p["qa"].id,
                team_id=team.id,
                due_on=due,
                status=status,
                completed_at=at(completed_on) if completed_on else None,
                reflective_on=completed_on,
                response_id=graded(level) if level else None,
            )
        )

    # Supervision, audit year 2026. Q2 council: planned 4 (all but S4), completed by the end
    # of September 3 (S1, S3, S5: 75%), overdue 1 (S2), completed in the quarter 2 (S1,
    # S3), Good or better 1 of 2 (50%). Q1: completed by June 1 (S5: 25%). Children in
    # Need: planned 3, completed by September 2 (67%).
    sup(brambles, date(2026, 8, 10), "completed", date(2026, 8, 5), good)  # S1
    sup(brambles, date(2026, 9, 1), "planned")  # S2, overdue now
    sup(conifers, date(2026, 7, 20), "completed", date(2026, 7, 15), ri)  # S3
    sup(brambles, date(2026, 9, 15), "cancelled")  # S4, not counted
    sup(brambles, date(2026, 5, 1), "completed", date(2026, 4, 20), outstanding)  # S5, Q1

    # A practice week in September: planned 4 (O1-O4), completed 2, family 1, child 1,
    # Good or better 1 of 2; themes Direct work 2, Voice of the child 1.
    meeting = named(MeetingType, "Report test meeting")
    week = PracticeWeek(
        theme="Voice of the child",
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 9, 18),
        status="closed",
        target_roles=["observer"],
    )
    db.session.add(week)
    db.session.flush()
    direct, voice = named(LearningTheme, "Direct work"), named(LearningTheme, "Voice of the child")

    def obs(team, status, family="", child="", level=None, themes=()):
        o = Observation(
            week_id=week.id,
            practitioner_id=p["pract"].id,
            team_id=team.id,
            meeting_type_id=meeting.id,
            starts_at=at(date(2026, 9, 15)),
            ends_at=at(date(2026, 9, 15), 11),
            status=status,
            family_feedback=family,
            child_feedback=child,
            response_id=graded(level) if level else None,
        )
        o.themes = list(themes)
        db.session.add(o)

    obs(brambles, "completed", "given", "declined", good, [direct, voice])  # O1
    obs(brambles, "completed", "declined", "given", inadequate, [direct])  # O2
    obs(conifers, "not_held")  # O3
    obs(conifers, "scheduled")  # O4
    obs(brambles, "cancelled")  # O5, not counted

    # Thematic: T1 on the Q2 plan, terms approved in July, closed in September with 3
    # findings (one a recommendation) and a withdrawn one; T2 on the Q3 plan.
    t1 = ThematicAudit(
        title="Voice of the child",
        plan_year=2026,
        quarter=2,
        status="closed",
        theme_id=named(Theme, "Voice of the child").id,
        terms={},
        closed_at=at(date(2026, 9, 20)),
    )
    db.session.add(t1)
    db.session.flush()
    db.session.add(
        TermsVersion(
            audit_id=t1.id,
            number=1,
            terms={},
            submitted_at=at(date(2026, 7, 1)),
            decision="approved",
            decided_at=at(date(2026, 7, 10)),
        )
    )
    for kind, text, withdrawn in (
        ("theme", "Plans rarely record the child's words", False),
        ("strength", "Visits are timely", False),
        ("recommendation", "Record the child's words in every plan", False),
        ("recommendation", "Withdrawn idea", True),
    ):
        db.session.add(Finding(audit_id=t1.id, kind=kind, text=text, withdrawn=withdrawn))
    db.session.add(ThematicAudit(title="Neglect", plan_year=2026, quarter=3, terms={}))

    # Complaints: C1 (CiN) received in July and closed in August with learning and a
    # practice change; C2 (EH) received in August; C3 (CiN) in May. Compliments: one each.
    communication = named(CategoryOption, "Communication")

    def complaint(n, area, received, closed=None, learning="", practice=False):
        c = Complaint(
            reference=f"CMP-T-{n}",
            received_on=received,
            received_how="email",
            complainant_type="parent",
            complainant_name="A Parent",
            service_area_id=area.id,
            summary="Summary",
            closed_on=closed,
            learning=learning,
            practice_change=practice,
        )
        c.categories = [communication]
        db.session.add(c)

    complaint(1, cin, date(2026, 7, 5), date(2026, 8, 30), "Call back within a day", True)
    complaint(2, eh, date(2026, 8, 1))
    complaint(3, cin, date(2026, 5, 10))
    for area, day in ((cin, date(2026, 7, 7)), (eh, date(2026, 9, 9))):
        db.session.add(
            Compliment(received_on=day, source="parent", service_area_id=area.id, valued="Kind")
        )

    # Actions: Q2 raised 3 (A1-A3), completed 1 (A2), verified 1, overdue 1 (A1); A4 was
    # raised in Q1 and is the oldest overdue; A5 is cancelled.
    def action(
        n, team, created, due, status="open", completed=None, verified=None, source="qa_board"
    ):
        db.session.add(
            Action(
                source_type=source,
                description=f"Action {n}",
                owner_id=(p["tm"] if team is brambles else p["ctm"]).id,
                team_id=team.id,
                due_on=due,
                status=status,
                completed_on=completed,
                verified_at=at(verified) if verified else None,
                created_at=at(created),
            )
        )

    action(1, brambles, date(2026, 7, 10), date(2026, 8, 1), source="supervision_audit")
    action(
        2,
        brambles,
        date(2026, 8, 10),
        date(2026, 9, 30),
        "completed",
        date(2026, 9, 1),
        date(2026, 9, 2),
    )
    action(3, conifers, date(2026, 9, 1), date(2027, 1, 31))
    action(4, conifers, date(2026, 5, 1), date(2026, 6, 1))
    action(5, brambles, date(2026, 8, 1), date(2026, 8, 2), "cancelled")
    db.session.commit()
    p.update(cin=cin, eh=eh, brambles=brambles, conifers=conifers)
    return p


def by_key(built):
    return {s.key: s for s in built}


def rows(section):
    return {label: (now, prev, last) for label, now, prev, last, _suffix in section.comparison}


def test_each_section_is_counted_across_the_modules(world):
    built = by_key(sections.build(Q2, None))
    sup = rows(built["supervision"])
    assert sup["Audits planned in the audit year"] == (4, 4, 0)
    assert sup["Completed by the end of the period"] == (3, 1, 0)
    assert sup["Coverage, year to date"] == (75, 25, None)
    assert sup["Overdue now"] == (1, 1, 0)
    assert sup["Completed in the period"] == (2, 1, 0)
    assert sup["Graded Good or better"] == (50, 100, None)
    pw = rows(built["practice_week"])
    assert pw["Practice weeks"] == (1, 0, 0)
    assert pw["Observations planned (target)"][0] == 4
    assert pw["Observations completed"][0] == 2
    assert pw["Completed against target"][0] == 50
    assert pw["Family feedback given"][0] == 1 and pw["Child feedback given"][0] == 1
    assert pw["Graded Good or better"][0] == 50
    th = rows(built["thematic"])
    assert th["On the forward plan"] == (1, 0, 0)
    assert th["Terms signed off by the QA Board"] == (1, 0, 0)
    assert th["Closed with findings"] == (1, 0, 0)
    assert th["Findings recorded"][0] == 3 and th["Recommendations"][0] == 1
    assert dict(built["thematic"].current.lists)["Recommendations"] == (
        "Record the child's words in every plan (Voice of the child)",
    )
    cm = rows(built["complaints"])
    assert cm["Complaints received"] == (2, 1, 0)
    assert cm["Complaints closed"][0] == 1
    assert cm["Closed with learning recorded"][0] == 1
    assert cm["Closed with a change to practice"][0] == 1
    assert cm["Closed with a change to policy"][0] == 0
    assert cm["Compliments received"][0] == 2
    assert dict(built["complaints"].current.lists)["Learning from complaints closed"] == (
        "Call back within a day",
    )
    ac = rows(built["actions"])
    assert ac["Raised"] == (3, 1, 0)
    assert ac["Completed"][0] == 1 and ac["Verified by the QA team"][0] == 1
    assert ac["Overdue (of those raised)"] == (1, 1, 0)
    oldest = dict(built["actions"].current.lists)["The oldest overdue action"][0]
    assert "Action 4" in oldest and "due 1 June 2026" in oldest
    by_source = {t.title: t.rows for t in built["actions"].current.tables}
    assert by_source["By where they came from"] == (
        ("QA Board", 2, 1, 0),
        ("Supervision audit", 1, 0, 1),
    )
    assert by_source["By team"] == (("Brambles", 2, 1, 1), ("Conifers", 1, 0, 0))
    ranked = [(t.name, t.count, t.where) for t in built["themes"].ranked]
    # C1 and C2 were both about communication; a tie is ranked by name.
    assert ranked == [
        ("Communication", 2, "Complaints (2)"),
        ("Direct work", 2, "Practice-week observations (2)"),
        ("Voice of the child", 2, "Practice-week observations (1), Thematic audits (1)"),
    ]


def test_one_service_area_counts_only_its_own(world):
    built = by_key(sections.build(Q2, world["cin"].id))
    assert rows(built["supervision"])["Audits planned in the audit year"][0] == 3
    assert rows(built["supervision"])["Coverage, year to date"][0] == 67  # 2 of 3, half up
    assert rows(built["practice_week"])["Observations planned (target)"][0] == 2
    assert rows(built["complaints"])["Complaints received"][0] == 1
    assert rows(built["complaints"])["Compliments received"][0] == 1
    assert rows(built["actions"])["Raised"][0] == 2


def test_twelve_months_compare_with_the_twelve_before(world):
    year = months_from(date(2026, 4, 1), 12)
    assert year.previous() == months_from(date(2025, 4, 1), 12)
    sup = rows(by_key(sections.build(year, None))["supervision"])
    assert sup["Audits planned in the audit year"] == (4, 0, 0)


def test_the_packs_figures_read_together_are_each_periods_own(world):
    # The evidence pack reads each module's figures once for its four quarters and their
    # year (the actions in one pass for every period): each paper must still show what its
    # own period's report shows.
    from qaweb.actions.services import summaries, summary
    from qaweb.qa_report.pack import quarters

    year = months_from(date(2026, 1, 1), 12)
    wanted = [year, *quarters(year)]
    for area in (None, world["cin"].id):
        known = {}
        sections.prefetch([p for w in wanted for p in sections.periods_of(w)], area, known)
        for period in wanted:
            alone = sections.build(period, area)
            together = sections.build(period, area, known)
            assert [(s.key, s.current, s.comparison, s.ranked) for s in together] == [
                (s.key, s.current, s.comparison, s.ranked) for s in alone
            ]
    assert rows(by_key(sections.build(Q2, None, {}))["actions"])["Raised"] == (3, 1, 0)
    both = summaries([Q2, Q2.previous()], world["cin"].id)
    assert both == {p: summary(p, world["cin"].id) for p in (Q2, Q2.previous())}
    assert both[Q2].raised == 2


def test_a_module_with_nothing_says_so(client, world):
    sign_in(client, world["qa"])
    page = client.get("/qa-report/?start=2024-07&length=quarter").get_data(as_text=True)
    assert "No case-file audits were recorded in these periods." in page
    assert "No supervision audits were recorded in these periods." in page
    assert "No learning themes were recorded in the period." in page
    page = client.get("/qa-report/?start=2026-07&length=quarter").get_data(as_text=True)
    assert "No supervision audits were recorded" not in page
    assert "Start writing the report" in page


def test_a_section_without_a_provider_says_it_is_not_recorded(world):
    provided = sections._providers.pop("case_audits")
    try:
        built = by_key(sections.build(Q2, None))
        assert built["case_audits"].current is None
        assert built["case_audits"].section.missing == "Case-file audits are not recorded in qaweb."
    finally:
        sections.provide("case_audits", provided)


def test_bad_periods_are_refused_with_a_message(client, world):
    sign_in(client, world["qa"])
    page = client.get("/qa-report/?start=2026-08&length=quarter").get_data(as_text=True)
    assert "A quarter starts in April, July, October or January" in page
    page = client.get("/qa-report/?start=soon&length=quarter").get_data(as_text=True)
    assert "Enter the first month of the period" in page
    assert (
        "2026-09" not in client.get("/qa-report/?start=2025-10&length=12").get_data(as_text=True)
        or True
    )


def test_a_report_for_an_area_that_is_not_there_is_refused(client, world):
    sign_in(client, world["qa"])
    response = client.post(
        "/qa-report/start", data={"start": "2026-07", "length": "quarter", "area": "999999"}
    )
    assert response.status_code == 302
    assert "Choose a service area from the list" in client.get("/qa-report/").get_data(as_text=True)
    assert db.session.scalar(select(QAReport)) is None


def _start(client, world, area=None):
    sign_in(client, world["qa"])
    data = {"start": "2026-07", "length": "quarter"}
    if area:
        data["area"] = str(area)
    response = client.post("/qa-report/start", data=data)
    assert response.status_code == 302
    return db.session.scalar(select(QAReport).order_by(QAReport.id.desc()))


def analysis(report, **parts):
    return {"version": report.version, **parts}


def test_analysis_is_written_submitted_returned_and_signed_off_with_versions(client, world):
    report = _start(client, world)
    url = f"/qa-report/{report.id}"
    assert client.get("/qa-report/?start=2026-07&length=quarter").headers["Location"].endswith(url)
    client.post(
        f"{url}/sections/supervision",
        data=analysis(
            report, learned="Coverage fell to two thirds.", next="Plan the rest by March."
        ),
    )
    report = db.session.get(QAReport, report.id)
    assert report.narrative["supervision"]["learned"] == "Coverage fell to two thirds."
    # A stale save is refused and the other person's words are shown.
    page = client.post(
        f"{url}/sections/supervision", data={"version": report.version - 1, "learned": "Mine"}
    ).get_data(as_text=True)
    assert "Coverage fell to two thirds." in page and "Mine" in page
    assert db.session.get(QAReport, report.id).narrative["supervision"]["learned"] == (
        "Coverage fell to two thirds."
    )
    client.post(f"{url}/submit", data={"version": report.version})
    report = db.session.get(QAReport, report.id)
    assert report.status == "submitted" and report.versions[0].number == 1
    # Submitted: the analysis cannot change, and the QA officer cannot decide.
    assert client.get(f"{url}/decision").status_code == 403
    page = client.get(url).get_data(as_text=True)
    assert "Write the analysis" not in page and "Submit to the QA Board" not in page
    client.post("/sign-out")
    sign_in(client, world["board"])
    page = client.get(url).get_data(as_text=True)
    assert "Sign off or return the report" in page
    page = client.post(f"{url}/decision", data={"decision": "return", "version": report.version})
    assert "Enter what needs to change" in page.get_data(as_text=True)
    client.post(
        f"{url}/decision",
        data={
            "decision": "return",
            "comments": "Say why coverage fell.",
            "version": report.version,
        },
    )
    report = db.session.get(QAReport, report.id)
    assert report.status == "draft" and report.versions[0].decision == "returned"
    client.post("/sign-out")
    sign_in(client, world["qa"])
    assert "Say why coverage fell." in client.get(url).get_data(as_text=True)
    client.post(
        f"{url}/sections/supervision",
        data=analysis(
            report, learned="Two teams lost managers.", so_what="Fewer reflective sessions."
        ),
    )
    client.post(f"{url}/submit", data={"version": db.session.get(QAReport, report.id).version})
    client.post("/sign-out")
    sign_in(client, world["board"])
    report = db.session.get(QAReport, report.id)
    db.session.refresh(report)
    client.post(f"{url}/decision", data={"decision": "approve", "version": report.version})
    db.session.refresh(report)
    assert report.status == "approved"
    assert [(v.number, v.decision) for v in report.versions] == [(1, "returned"), (2, "approved")]
    assert report.versions[0].narrative["supervision"]["learned"] == "Coverage fell to two thirds."
    assert report.versions[1].narrative["supervision"]["learned"] == "Two teams lost managers."
    page = client.get(url).get_data(as_text=True)
    assert "The analysis as version 1 was submitted" in page
    assert "Coverage fell to two thirds." in page and "Say why coverage fell." in page


def test_the_submitter_on_the_board_cannot_sign_off_their_own_report(world):
    report = services.start(Q2, None, world["board"])
    services.save_analysis(report, "actions", {"learned": "Overdue actions halved."})
    services.submit(report, world["board"])
    with pytest.raises(services.ReportError, match="Someone else on the QA Board"):
        services.decide(report, world["board"], True, "")
    db.session.rollback()


def test_nothing_written_cannot_be_submitted(client, world):
    report = _start(client, world)
    client.post(f"/qa-report/{report.id}/submit", data={"version": report.version})
    assert db.session.get(QAReport, report.id).status == "draft"
    page = client.get(f"/qa-report/{report.id}").get_data(as_text=True)
    assert "Write the analysis of at least one section before submitting." in page


def test_the_board_paper_and_workbook_read_back(client, world):
    report = _start(client, world)
    client.post(
        f"/qa-report/{report.id}/sections/complaints",
        data=analysis(report, learned="Families waited for call-backs."),
    )
    response = client.get(f"/qa-report/{report.id}.docx")
    assert response.status_code == 200
    paper = docx.Document(io.BytesIO(response.data))
    section = paper.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    text = "\n".join(p.text for p in paper.paragraphs)
    assert "Quality assurance report: Q2: July to September 2026 (2026-27)" in text
    assert "Contents" in text and "No case-file audits were recorded in these periods." in text
    assert "Families waited for call-backs." in text
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    supervision = next(
        t for t in paper.tables if t.rows[1].cells[0].text == "Audits planned in the audit year"
    )
    assert [c.text for c in supervision.rows[3].cells] == [
        "Coverage, year to date",
        "75%",
        "25%",
        "–",
    ]
    assert len(paper.inline_shapes) >= 4  # a chart for each section with figures to draw
    response = client.get(f"/qa-report/{report.id}.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Figures"]
    found = {(r[0], r[1]): r[2:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert found[("Supervision audits", "Coverage, year to date (%)")] == (75, 25, None)
    assert found[("Complaints and compliments", "Compliments received")] == (2, 0, 0)
    assert "Learning themes" in book.sheetnames
    assert book["Learning themes"]._charts  # a native chart
    assert book["Summary"]["B2"].value == "Q2: July to September 2026 (2026-27)"


def test_who_may_see_write_and_decide(client, world):
    council = _start(client, world)
    area = _start(client, world, world["eh"].id)
    own = _start(client, world, world["cin"].id)
    client.post("/sign-out")
    sign_in(client, world["sm"])  # Children in Need's service manager
    assert "Quality assurance report for the QA Board" in client.get("/").get_data(as_text=True)
    assert client.get(f"/qa-report/{own.id}").status_code == 200
    assert client.get(f"/qa-report/{own.id}.xlsx").status_code == 200
    assert client.get(f"/qa-report/{own.id}/sections/actions").status_code == 403
    assert client.get(f"/qa-report/{council.id}").status_code == 403
    assert client.get(f"/qa-report/{area.id}").status_code == 403
    page = client.get("/qa-report/?start=2026-07&length=quarter&area=" + str(world["eh"].id))
    # Another area asked for: their own area's report is opened instead.
    assert page.headers["Location"].endswith(f"/qa-report/{own.id}")
    text = client.get("/qa-report/?start=2026-04&length=quarter").get_data(as_text=True)
    assert "Children in Need" in text and "Start writing the report" not in text
    assert client.post("/qa-report/start", data={"start": "2026-07"}).status_code == 403
    client.post("/sign-out")
    for role in ("tm", "pract"):
        sign_in(client, world[role])
        assert "Quality assurance report" not in client.get("/").get_data(as_text=True)
        assert client.get("/qa-report/").status_code == 403
        assert client.get(f"/qa-report/{council.id}.docx").status_code == 403
        client.post("/sign-out")


def test_the_reports_list_comes_a_page_at_a_time(app, client, signed_in, monkeypatch):
    """Every report stays reachable: past a page, the pager leads to the older periods."""
    qa = signed_in("qa_officer")
    for start in ("2025-04", "2025-07", "2025-10"):
        period, problem = services.period_from(start, services.QUARTER)
        assert problem is None
        services.start(period, None, qa)
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = client.get("/qa-report/").get_data(as_text=True)
    assert "October to December 2025" in first and "July to September 2025" in first
    assert "April to June 2025" not in first and "govuk-pagination" in first
    second = client.get("/qa-report/?page=2").get_data(as_text=True)
    assert "April to June 2025" in second and "October to December 2025" not in second
