"""Every versioned form: when someone else saves first, the refusal keeps what this person
typed, shows what the other person saved, and the second submit saves (issue 13).

Each case names a form (the URL the person edits in) and a change another person makes to
the same record meanwhile (often the same form). The posts are read from the pages
themselves, as a browser would send them, so each case only says which field is typed in.
"""

import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support import ONE_QUESTION_DIP_SAMPLE, form_values, page_forms, sign_in

from qaweb.complaints import points as complaint_points
from qaweb.complaints import services as complaint_services
from qaweb.complaints.models import CategoryOption, Complaint
from qaweb.core.timefmt import today_london
from qaweb.extensions import db

STARTER = Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter" / "wokingham"
MINE = "Invented: my own words, typed while a colleague saved"
THEIRS = "Invented: the colleague's words, saved first"


def versioned_form(page: str) -> dict[str, list[str]]:
    """The post form on the page that carries a version field, field -> values."""
    for form in page_forms(page):
        data = form_values(form)
        if form["method"] == "post" and "version" in data:
            return data
    raise AssertionError("no post form with a version field on the page")


def version_on(page: str) -> str:
    return versioned_form(page)["version"][0]


def _problems(response) -> str:
    """What a page says is wrong, for a failing assertion."""
    page = response.get_data(as_text=True)
    found = re.findall(
        r'class="govuk-(?:error-message|list govuk-error-summary__list)"[^>]*>(.*?)</', page, re.S
    )
    return f"{response.status_code} {response.headers.get('Location')} {found}"


def colleague_saves(app, colleague, url, field, value) -> None:
    """``colleague``, signed in on a client of their own, opens ``url``, sets ``field`` to
    ``value`` and saves: the save must go through."""
    other = app.test_client()
    sign_in(other, colleague)
    theirs = versioned_form(other.get(url).get_data(as_text=True))
    theirs[field] = [value]
    response = other.post(url, data=theirs)
    assert response.status_code in (302, 303), _problems(response)


@dataclass
class Case:
    """``url`` is the form the person fills in; ``other_url`` the form a colleague saves
    first (the same one unless given); ``field``/``other_field`` the text each types."""

    id: str
    roles: tuple[str, ...]
    make: object  # (ctx) -> record
    url: str  # formatted with the record's id as {id}
    field: str | None
    other_field: str
    other_url: str | None = None
    extra: dict = field(default_factory=dict)  # other values this person must enter
    saved: object = None  # (record) -> value stored from this person's field
    other_roles: tuple[str, ...] | None = None  # the colleague's, when not the same
    forms: tuple[str, ...] = ()  # the versioned form classes this case covers


# -- records ---------------------------------------------------------------------------------


def _complaint(ctx, responded=False, categories=True):
    received = today_london() - timedelta(days=30)
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name="Invented Parent",
        complainant_contact="parent@example.org",
        summary="Invented: visits missed",
    )
    complaint_services.open_complaint(complaint, None)
    if categories:
        complaint.categories = list(db.session.scalars(select(CategoryOption).limit(1)))
    if responded:
        stage = complaint.stages[0]
        stage.responded_on = today_london() - timedelta(days=7)
        stage.outcome = "not_upheld"
        complaint_services.update_stage(stage)
    db.session.commit()
    return complaint


def _complaint_with_points(ctx):
    complaint = _complaint(ctx)
    for text in ("Invented: visits missed", "Invented: calls not returned"):
        complaint_points.add_point(complaint, text)
    db.session.commit()
    return complaint


def _point(ctx):
    return _complaint_with_points(ctx).points[0]


def _complaint_at_stage_2(ctx):
    complaint = _complaint(ctx, responded=True)
    complaint_services.escalate(complaint, today_london() - timedelta(days=2), None)
    db.session.commit()
    return complaint


def _self_assessment(ctx):
    from qaweb.complaints.models import SelfAssessment

    record = SelfAssessment(year=2026, text="Invented: the first draft")
    db.session.add(record)
    db.session.commit()
    return record


def _day(d: date) -> list[str]:
    return [str(d.day), str(d.month), str(d.year)]


def _area(ctx):
    return ctx["make_area"]("Invented area")


def _team(ctx):
    return ctx["make_team"]("Invented team")


def _person(ctx):
    return ctx["make_user"]("practitioner", first_name="Rae", last_name="Riley")


def _setting(ctx):
    from qaweb.core.settings import Setting, set_setting

    set_setting("council_name", "Invented Borough Council")
    db.session.commit()
    return db.session.scalar(select(Setting).where(Setting.key == "council_name"))


def _action(ctx):
    return ctx["make_action"](ctx["make_user"](), description="Invented: an action")


def _week(ctx):
    from qaweb.practice_week.models import PracticeWeek
    from qaweb.tools.services import current_version, load_files

    load_files(
        [STARTER / "practice_observation.yaml", STARTER / "family_feedback.yaml"], publish=True
    )
    today = today_london()
    monday = today + timedelta(days=7 - today.weekday())
    week = PracticeWeek(
        theme="Invented: voice of the child",
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        status="open",
        target_roles=["observer"],
        observation_tool_id=current_version("practice_observation").id,
        family_tool_id=current_version("family_feedback").id,
    )
    db.session.add(week)
    db.session.commit()
    return week


def _session(ctx):
    from qaweb.practice_week.models import LearningSession
    from qaweb.practice_week.services import at_london

    week = _week(ctx)
    session = LearningSession(
        week=week,
        title="Invented: appreciative inquiry",
        starts_at=at_london(week.starts_on, time(13)),
        ends_at=at_london(week.starts_on, time(14)),
        place="Council chamber",
        capacity=10,
    )
    db.session.add(session)
    db.session.commit()
    return session


def _observation(ctx, observer=None):
    from qaweb.practice_week import services
    from qaweb.practice_week.models import MeetingType

    week = _week(ctx)
    observer = observer or ctx["make_user"]("observer")
    practitioner = ctx["make_user"]("practitioner")
    organiser = ctx["make_user"]("organiser")
    observation = services.schedule(
        week,
        services.Booking(
            observer=observer,
            practitioner=practitioner,
            meeting_type_id=db.session.scalar(select(MeetingType.id).limit(1)),
            starts_at=services.at_london(week.starts_on, time(9, 30)),
            ends_at=services.at_london(week.starts_on, time(11)),
            place="Family home",
            case_reference="123456",
            family_agreed=True,
        ),
        organiser,
    )
    db.session.commit()
    return observation


def _audit(ctx, status="in_progress"):
    from qaweb.supervision.models import SupervisionAudit
    from qaweb.supervision.services import year_for

    supervisor = ctx["make_user"]("team_manager")
    auditor = ctx["make_user"]("team_manager")
    audit = SupervisionAudit(
        year=year_for(today_london()),
        supervisor_id=supervisor.id,
        auditor_id=auditor.id,
        team_id=supervisor.team_id,
        due_on=today_london() + timedelta(days=30),
        status=status,
        audited_on=today_london() - timedelta(days=1),
    )
    db.session.add(audit)
    db.session.commit()
    return audit


def _case_audit(ctx):
    """A case-file audit in progress, with ``me`` as its auditor."""
    from qaweb.case_audits.models import IN_PROGRESS, CaseAudit, CaseFile

    team = ctx["make_team"]()
    practitioner = ctx["make_user"]("practitioner", team=team)
    case = CaseFile(
        case_number="S-1",
        case_type="Child in need",
        team_id=team.id,
        practitioner_id=practitioner.id,
        listed_month=today_london().replace(day=1),
    )
    db.session.add(case)
    db.session.flush()
    audit = CaseAudit(
        case_id=case.id,
        month=case.listed_month,
        team_id=team.id,
        practitioner_id=practitioner.id,
        auditor_id=ctx["me"].id,
        status=IN_PROGRESS,
        due_on=today_london(),
    )
    db.session.add(audit)
    db.session.commit()
    return audit


def _moderated_line(ctx):
    """A case-file audit (overall Good) moderated blind (overall Good), at a panel meeting
    chaired by ``me``: the panel's outcome to record."""
    from test_moderation_grading import TOOL

    from qaweb.case_audits.models import COMPLETED, CaseAudit, CaseFile
    from qaweb.core.db import utcnow
    from qaweb.core.grading import levels
    from qaweb.moderation.models import ModerationLine, ModerationSample, PanelMeeting
    from qaweb.tools.models import Answer
    from qaweb.tools.services import load_text, start_response

    good = next(g for g in levels() if g.label == "Good")
    version, _ = load_text(TOOL.format(number=1), publish=True)
    team = ctx["make_team"]()
    practitioner = ctx["make_user"]("practitioner", team=team)
    auditor = ctx["make_user"]("team_manager")
    moderator = ctx["make_user"]("service_manager")
    case = CaseFile(
        case_number="M-1",
        team_id=team.id,
        practitioner_id=practitioner.id,
        listed_month=date(2026, 9, 1),
    )
    db.session.add(case)
    db.session.flush()
    theirs = start_response(version, "case_audit", None, auditor)
    ours = start_response(version, "moderation", None, moderator)
    audit = CaseAudit(
        case_id=case.id,
        month=date(2026, 9, 1),
        team_id=team.id,
        practitioner_id=practitioner.id,
        auditor_id=auditor.id,
        status=COMPLETED,
        response_id=theirs.id,
        grade_level_id=good.id,
        completed_on=date(2026, 9, 10),
    )
    sample = ModerationSample(month=date(2026, 9, 1), seed=1, share=25)
    meeting = PanelMeeting(held_on=date(2026, 10, 1), chair_id=ctx["me"].id)
    db.session.add_all([audit, sample, meeting])
    db.session.flush()
    for response in (theirs, ours):
        db.session.add(
            Answer(
                response_id=response.id,
                section_key="overall",
                question_key="overall_grade",
                grade_level_id=good.id,
            )
        )
    line = ModerationLine(
        sample_id=sample.id,
        audit_id=audit.id,
        moderator_id=moderator.id,
        response_id=ours.id,
        moderated_at=utcnow(),
        meeting_id=meeting.id,
    )
    db.session.add(line)
    db.session.commit()
    return line


def _panel_meeting(ctx):
    from qaweb.moderation.models import PanelMeeting

    meeting = PanelMeeting(held_on=date(2026, 10, 1), chair_id=ctx["me"].id, notes="")
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _thematic(ctx):
    from qaweb.thematic import services

    audit = services.add_to_plan("Invented: neglect", today_london().year, 1, None)
    audit.terms = {"lines": ["Invented: are plans reviewed on time?"]}
    db.session.commit()
    return audit


def _response(ctx):
    from qaweb.tools import services
    from qaweb.tools.models import Response

    version, _ = services.load_text(TOOL, publish=True)
    response = Response(tool_version=version, subject_type="test", created_by_id=ctx["me"].id)
    db.session.add(response)
    db.session.commit()
    return response


def _qa_report(ctx):
    """A draft of the QA Board's report for last quarter."""
    from qaweb.qa_report import services

    report = services.start(services.last_quarter(), None, ctx["me"])
    db.session.commit()
    return report


def _dip_sample_case(ctx):
    """A dip-sample case of ``me``'s team, for ``me`` to answer."""
    from qaweb.dip_samples.models import DipSample, DipSampleCase
    from qaweb.tools import services

    version, _ = services.load_text(ONE_QUESTION_DIP_SAMPLE, publish=True)
    sample = DipSample(
        title="Invented: chronologies",
        tool_version_id=version.id,
        starts_on=today_london(),
        ends_on=today_london() + timedelta(days=30),
    )
    db.session.add(sample)
    db.session.flush()
    case = DipSampleCase(
        dip_sample_id=sample.id,
        case_number="S-1",
        team_id=ctx["me"].team_id,
        sampler_id=ctx["me"].id,
    )
    db.session.add(case)
    db.session.commit()
    return case


TOOL = """\
tool: stale_edit_audit
kind: case_file_audit
name: Stale edit audit
version: 1
council: Testshire
sections:
  - key: notes
    title: Notes
    questions:
      - key: notes
        label: Notes
        kind: long_text
"""


CASES = [
    Case(
        "qa-report-analysis",
        ("qa_officer",),
        _qa_report,
        "/qa-report/{id}/sections/complaints",
        "learned",
        "so_what",
        saved=lambda r: (r.narrative or {}).get("complaints", {}).get("learned"),
        forms=("qa_report.AnalysisForm",),
    ),
    Case(
        "case-audit-record",
        ("team_manager",),
        _case_audit,
        "/case-audits/audits/{id}/record",
        "reflections",
        "sources_read",
        saved=lambda a: a.reflections,
        other_roles=("qa_officer",),
        forms=("case_audits.RecordForm",),
    ),
    Case(
        "complaint-edit",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/edit",
        "summary",
        "summary",
        saved=lambda c: c.summary,
        forms=("complaints.ComplaintForm",),
    ),
    Case(
        "complaint-stage",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/stages/1",
        "findings",
        "findings",
        saved=lambda c: c.stages[0].findings,
        forms=("complaints.StageForm",),
    ),
    Case(
        "complaint-stage-with-points",
        ("complaints_officer",),
        _complaint_with_points,
        "/complaints/{id}/stages/1",
        "findings",
        "findings",
        saved=lambda c: c.stages[0].findings,
        forms=("complaints.StageForm",),
    ),
    Case(
        "complaint-point",
        ("complaints_officer",),
        _point,
        "/complaints/points/{id}",
        "text",
        "text",
        saved=lambda p: p.text,
        forms=("complaints.PointForm",),
    ),
    Case(
        "complaint-add-point",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/points",
        "text",
        "summary",
        other_url="/complaints/{id}/edit",
        saved=lambda c: c.points[-1].text if c.points else None,
        forms=("complaints.NewPointForm",),
    ),
    Case(
        "complaint-stage-2-people",
        ("complaints_officer",),
        _complaint_at_stage_2,
        "/complaints/{id}/stages/2/people",
        "adjudicating_officer",
        "findings",
        other_url="/complaints/{id}/stages/2",
        saved=lambda c: c.stages[1].adjudicating_officer,
        forms=("complaints.StagePeopleForm",),
    ),
    Case(
        "complaint-extend",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/stages/1/extend",
        "reason",
        "findings",
        other_url="/complaints/{id}/stages/1",
        saved=lambda c: c.stages[0].extension_reason,
        forms=("complaints.ExtendForm",),
    ),
    Case(
        "complaint-escalate",
        ("complaints_officer",),
        lambda ctx: _complaint(ctx, responded=True),
        "/complaints/{id}/escalate",
        "late_reason",
        "learning",
        other_url="/complaints/{id}/learning",
        extra={"started_on": _day(today_london())},
        saved=lambda c: c.current_stage.late_reason,
        forms=("complaints.EscalateForm",),
    ),
    Case(
        "complaint-close",
        ("complaints_officer",),
        lambda ctx: _complaint(ctx, responded=True),
        "/complaints/{id}/close",
        None,
        "learning",
        other_url="/complaints/{id}/learning",
        saved=lambda c: c.closed_on,
        forms=("complaints.CloseForm",),
    ),
    Case(
        "complaint-learning",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/learning",
        "learning",
        "learning",
        saved=lambda c: c.learning,
        forms=("complaints.LearningForm",),
    ),
    Case(
        "complaint-not-accepted",
        ("complaints_officer",),
        _complaint,
        "/complaints/{id}/not-accepted",
        "not_accepted_note",
        "learning",
        other_url="/complaints/{id}/learning",
        extra={"not_accepted_reason": ["other"]},
        saved=lambda c: c.not_accepted_note,
        forms=("complaints.NotAcceptedForm",),
    ),
    Case(
        "complaints-self-assessment",
        ("complaints_officer",),
        _self_assessment,
        "/complaints/report/self-assessment?year=2026",
        "text",
        "text",
        saved=lambda a: a.text,
        forms=("complaints.SelfAssessmentForm",),
    ),
    Case(
        "service-area",
        ("admin",),
        _area,
        "/admin/service-areas/{id}/edit",
        "name",
        "name",
        saved=lambda a: a.name,
        forms=("organisation.ServiceAreaForm",),
    ),
    Case(
        "team",
        ("admin",),
        _team,
        "/admin/teams/{id}/edit",
        "name",
        "name",
        saved=lambda t: t.name,
        forms=("organisation.TeamForm",),
    ),
    Case(
        "user",
        ("admin",),
        _person,
        "/admin/users/{id}/edit",
        "job_title",
        "job_title",
        saved=lambda u: u.job_title,
        forms=("organisation.UserForm",),
    ),
    Case(
        "settings",
        ("admin",),
        _setting,
        "/admin/settings",
        "council_name",
        "council_name",
        saved=lambda s: s.value,
        forms=("organisation.SettingsForm",),
    ),
    Case(
        "action-edit",
        ("qa_officer",),
        _action,
        "/actions/{id}/edit",
        "description",
        "description",
        saved=lambda a: a.description,
        forms=("actions.ActionForm",),
    ),
    Case(
        "action-complete",
        ("qa_officer",),
        _action,
        "/actions/{id}/complete",
        "evidence",
        "description",
        other_url="/actions/{id}/edit",
        extra={"completed_on": _day(today_london())},
        saved=lambda a: a.evidence,
        forms=("actions.CompleteForm",),
    ),
    Case(
        "action-cancel",
        ("qa_officer",),
        _action,
        "/actions/{id}/cancel",
        "reason",
        "description",
        other_url="/actions/{id}/edit",
        saved=lambda a: a.cancelled_reason,
        forms=("actions.CancelForm",),
    ),
    Case(
        "practice-week",
        ("organiser",),
        _week,
        "/practice-weeks/{id}/edit",
        "description",
        "description",
        saved=lambda w: w.description,
        forms=("practice_week.WeekForm",),
    ),
    Case(
        "learning-session",
        ("organiser",),
        _session,
        "/practice-weeks/sessions/{id}/edit",
        "description",
        "description",
        saved=lambda s: s.description,
        forms=("practice_week.SessionForm",),
    ),
    Case(
        "learning-session-cancel",
        ("organiser",),
        _session,
        "/practice-weeks/sessions/{id}/cancel",
        "reason",
        "description",
        other_url="/practice-weeks/sessions/{id}/edit",
        saved=lambda s: s.cancelled_reason,
        forms=("practice_week.CancelForm",),
    ),
    Case(
        "observation",
        ("organiser",),
        _observation,
        "/practice-weeks/observations/{id}/edit",
        "notes",
        "notes",
        saved=lambda o: o.notes,
        forms=("practice_week.ObservationForm",),
    ),
    Case(
        "observation-cancel",
        ("organiser",),
        _observation,
        "/practice-weeks/observations/{id}/cancel",
        "reason",
        "notes",
        other_url="/practice-weeks/observations/{id}/edit",
        saved=lambda o: o.reason_detail,
        forms=("practice_week.CancelForm",),
    ),
    Case(
        "observation-not-held",
        ("organiser",),
        _observation,
        "/practice-weeks/observations/{id}/not-held",
        "detail",
        "notes",
        other_url="/practice-weeks/observations/{id}/edit",
        extra={"reason": ["other"]},
        saved=lambda o: o.reason_detail,
        forms=("practice_week.NotHeldForm",),
    ),
    Case(
        "observation-reflections",
        ("observer",),
        lambda ctx: _observation(ctx, observer=ctx["me"]),
        "/practice-weeks/observations/{id}/reflections",
        "reflections",
        "notes",
        other_url="/practice-weeks/observations/{id}/edit",
        other_roles=("organiser",),
        saved=lambda o: o.reflections,
        forms=("practice_week.ReflectionsForm",),
    ),
    Case(
        "supervision-details",
        ("qa_officer",),
        _audit,
        "/supervision/audits/{id}/details",
        "strengths",
        "strengths",
        saved=lambda a: a.strengths,
        forms=("supervision.DetailsForm",),
    ),
    Case(
        "supervision-reflective",
        ("qa_officer",),
        lambda ctx: _audit(ctx, status="ready_for_reflective"),
        "/supervision/audits/{id}/reflective",
        "reflective_notes",
        "strengths",
        other_url="/supervision/audits/{id}/details",
        extra={"reflective_on": _day(today_london())},
        saved=lambda a: a.reflective_notes,
        forms=("supervision.ReflectiveForm",),
    ),
    Case(
        "supervision-cancel",
        ("qa_officer",),
        _audit,
        "/supervision/audits/{id}/cancel",
        "reason",
        "strengths",
        other_url="/supervision/audits/{id}/details",
        extra={},
        saved=lambda a: a.cancelled_reason,
        forms=("supervision.CancelForm",),
    ),
    Case(
        "thematic-terms",
        ("qa_officer",),
        _thematic,
        "/thematic/{id}/terms",
        "context",
        "context",
        saved=lambda a: a.terms.get("context"),
        forms=("thematic.TermsForm",),
    ),
    Case(
        "moderation-panel-outcome",
        ("qa_officer",),
        _moderated_line,
        "/moderation/lines/{id}/outcome",
        "development_areas",
        "good_practice",
        saved=lambda line: line.development_areas,
        forms=("moderation.OutcomeForm",),
    ),
    Case(
        "moderation-panel-meeting",
        ("qa_officer",),
        _panel_meeting,
        "/moderation/panels/{id}/edit",
        "notes",
        "notes",
        saved=lambda meeting: meeting.notes,
        forms=("moderation.MeetingForm",),
    ),
    Case(
        "dip-sample-case",
        ("team_manager",),
        _dip_sample_case,
        "/dip-samples/cases/{id}",
        "note",
        "note",
        saved=lambda c: c.note,
        other_roles=("qa_officer",),
        forms=("dip_samples.AnswerForm",),
    ),
    Case(
        "dip-sample-details",
        ("qa_officer",),
        lambda ctx: _dip_sample_case(ctx).dip_sample,
        "/dip-samples/{id}/edit",
        "title",
        "title",
        saved=lambda sample: sample.title,
        forms=("dip_samples.EditForm",),
    ),
]


#: Forms whose fields are parts of one JSON document the change log hides or leaves out (its
#: values before the colleague's save are not known): the refusal shows their change and the
#: form keeps every answer of mine, saying that saving again replaces theirs.
JSON_PARTS = {"qa-report-analysis"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_stale_edit_keeps_my_words_shows_theirs_and_saves_the_second_time(
    app, client, make_user, make_area, make_team, make_action, case
):
    me = make_user(*case.roles, first_name="Mina", last_name="First")
    colleague = make_user(*(case.other_roles or case.roles), first_name="Cole", last_name="League")
    ctx = {
        "make_user": make_user,
        "make_area": make_area,
        "make_team": make_team,
        "make_action": make_action,
        "me": me,
    }
    record = case.make(ctx)
    record_type, record_id = type(record), record.id
    url = case.url.format(id=record_id)
    other_url = (case.other_url or case.url).format(id=record_id)

    # I open the form.
    sign_in(client, me)
    mine = versioned_form(client.get(url).get_data(as_text=True))
    loaded = mine["version"][0]

    # A colleague saves first.
    colleague_saves(app, colleague, other_url, case.other_field, THEIRS)

    # I save from my copy: refused, my words kept, theirs shown, the current version in.
    if case.field:
        mine[case.field] = [MINE]
    mine.update(case.extra)
    response = client.post(url, data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, _problems(response)
    assert "Your changes have not been saved yet" in page
    assert "Cole League changed this record" in page
    assert "the current values" not in page  # the old, untrue promise
    if case.field:
        assert MINE.replace("'", "&#39;") in page
    assert THEIRS.replace("'", "&#39;") in page, re.findall(
        r"saved-by-other.*?</div>\s*</dl>", page, re.S
    )
    again = versioned_form(page)
    assert again["version"] != [loaded]  # the current version: the next save is not stale
    if case.field:
        assert again[case.field] == [MINE]
    if case.field != case.other_field and case.other_url is None and case.id not in JSON_PARTS:
        # The field a colleague changed that I had left as I found it now holds their value:
        # saving again keeps their change rather than quietly undoing it.
        assert again[case.other_field] == [THEIRS], case.id
        assert "now in the form below" in page
    elif case.id in JSON_PARTS:
        assert "replaces what they saved with your answers" in page

    # I press Save again: saved.
    response = client.post(url, data=again)
    assert response.status_code in (302, 303), _problems(response)
    db.session.expire_all()
    current = db.session.get(record_type, record_id)
    if case.saved:
        value = case.saved(current)
        if case.field:
            assert value == MINE
        else:
            assert value
    if case.field != case.other_field and case.other_url is None and case.id not in JSON_PARTS:
        assert getattr(current, case.other_field) == THEIRS, "their change was undone"


#: Versioned forms with nothing typed to keep, and why.
NOTHING_TYPED = {
    # One button ("Verify", "Reopen"): a stale press is refused with a message on the record's
    # page, which shows the current version, so pressing it again works.
    "actions.ConfirmForm": "a bare button",
    # "Move up" / "Move down" beside a point of complaint: a stale press is refused on the
    # points page, which then carries the current version.
    "complaints.MovePointForm": "a bare button",
    # "Log a complaint" (the complaint form with its points box): it makes a new record, so
    # there is no earlier version to be stale against; changing it is complaints.ComplaintForm.
    "complaints.NewComplaintForm": "creates a record",
    # Two radio buttons on the observation page, handled the same way as a bare button.
    "practice_week.FeedbackChoiceForm": "two choices on the observation page",
    # The grading scale is not a versioned record: its version field is not read.
    "tools.GradingScaleForm": "not versioned",
    # Case-file audits: a stale save of each is refused by version (tests/test_case_audits.py)
    # but has no free text a colleague could also type: auditor choices per line; a quota and
    # rules that must parse; numbers, choices and roles.
    "case_audits.AllocateForm": "a choice of auditor per line",
    "case_audits.DrawForm": "a number and rules that must parse",
    "case_audits.SettingsForm": "numbers, choices and roles",
    # Two numbers on the complaints lists page (its stale saves: FIRST_SAVES below).
    "complaints.TargetsForm": "two numbers",
    # Once a colleague has swapped the case out it cannot be swapped again (refused, said so).
    "case_audits.SwapForm": "a case is swapped out once",
    # Only the practitioner responds: no colleague can save the same form first.
    "case_audits.RespondForm": "one person's form",
    # Moderation: a stale save of each is refused by version (tests/test_moderation*.py);
    # a share and rules that must parse; a line swapped out once (refused after); a choice
    # of moderator; "Start" / "Submit" buttons.
    "moderation.DrawForm": "a number and rules that must parse",
    "moderation.SwapForm": "a line is swapped out once",
    "moderation.ModeratorForm": "a choice of moderator",
    "moderation.StepForm": "a bare button",
}


def _versioned_form_classes() -> set[str]:
    import importlib

    from flask_wtf import FlaskForm

    package = Path(__file__).resolve().parents[1] / "qaweb"
    for path in package.glob("*/forms.py"):  # some packages have no __init__.py
        importlib.import_module(f"qaweb.{path.parent.name}.forms")
    found, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__ == "qaweb.core.forms":
            continue  # the shared bases (VersionedForm), not a page's form
        if cls.__module__.startswith("qaweb.") and hasattr(cls, "version"):
            module = cls.__module__.removeprefix("qaweb.").removesuffix(".forms")
            found.add(f"{module}.{cls.__name__}")
    return found


def test_every_versioned_form_has_a_case():
    covered = {form for case in CASES for form in case.forms}
    missing = _versioned_form_classes() - covered - set(NOTHING_TYPED)
    assert not missing, f"versioned forms without a stale-edit case: {sorted(missing)}"


def test_what_differs_from_the_stored_record_is_shown_as_people_read_it(app):
    from flask_wtf import FlaskForm

    from qaweb.core.forms import CheckboxesField, DateField, SelectField, TextAreaField, choices
    from qaweb.core.history import form_differences

    class Terms(FlaskForm):
        class Meta:
            csrf = False

        lead = SelectField("Lead", choices=choices([(1, "Ana Lead"), (2, "Bo Lead")]))
        methods = CheckboxesField("Methodology", choices=choices([("a", "Audit"), ("b", "Survey")]))
        start_on = DateField("Start")
        context = TextAreaField("Context")

    with app.test_request_context():
        typed = Terms(data={"lead": "1", "methods": ["a"], "context": "Mine\r\nsecond line"})
        stored = Terms(
            data={
                "lead": "2",
                "methods": ["a", "b"],
                "start_on": date(2026, 12, 1),
                "context": "Mine\nsecond line",  # the same text: not a difference
            }
        )
        assert form_differences(typed, stored) == {
            "Lead": "Bo Lead",
            "Methodology": "Audit, Survey",
            "Start": "1 December 2026",
        }


#: Reason pages whose record a colleague can close first (cancel it, or record that it did not
#: take place): (id, roles, record, my page, the field I type, the colleague's page, their
#: field, what else the colleague must enter).
CLOSED_FIRST = [
    (
        "supervision-cancel",
        ("qa_officer",),
        _audit,
        "/supervision/audits/{id}/cancel",
        "reason",
        "/supervision/audits/{id}/cancel",
        "reason",
        {},
    ),
    (
        "observation-cancel",
        ("organiser",),
        _observation,
        "/practice-weeks/observations/{id}/cancel",
        "reason",
        "/practice-weeks/observations/{id}/cancel",
        "reason",
        {},
    ),
    (
        "observation-not-held",
        ("organiser",),
        _observation,
        "/practice-weeks/observations/{id}/not-held",
        "detail",
        "/practice-weeks/observations/{id}/cancel",
        "reason",
        {"reason": ["other"]},
    ),
    (
        "action-cancel",
        ("qa_officer",),
        _action,
        "/actions/{id}/cancel",
        "reason",
        "/actions/{id}/cancel",
        "reason",
        {},
    ),
    (
        "learning-session-cancel",
        ("organiser",),
        _session,
        "/practice-weeks/sessions/{id}/cancel",
        "reason",
        "/practice-weeks/sessions/{id}/cancel",
        "reason",
        {},
    ),
]


@pytest.mark.parametrize(
    "case_id, roles, make, url, mine_field, other_url, other_field, extra",
    CLOSED_FIRST,
    ids=[c[0] for c in CLOSED_FIRST],
)
def test_a_record_a_colleague_closed_first_is_refused_with_their_change_not_a_403(
    app,
    client,
    make_user,
    make_area,
    make_team,
    make_action,
    case_id,
    roles,
    make,
    url,
    mine_field,
    other_url,
    other_field,
    extra,
):
    """Found walking the app: once a colleague had cancelled a supervision audit or an
    observation, this person's cancel (or "did not take place") of the same record answered
    403 "You do not have permission" and their typed reason was lost; an action or a
    learning session showed the colleague's change and kept the reason."""
    me = make_user(*roles, first_name="Mina", last_name="First")
    colleague = make_user(*roles, first_name="Cole", last_name="League")
    ctx = {
        "make_user": make_user,
        "make_area": make_area,
        "make_team": make_team,
        "make_action": make_action,
        "me": me,
    }
    record = make(ctx)
    url, other_url = url.format(id=record.id), other_url.format(id=record.id)

    sign_in(client, me)
    mine = versioned_form(client.get(url).get_data(as_text=True))

    colleague_saves(app, colleague, other_url, other_field, THEIRS)

    mine[mine_field] = [MINE]
    mine.update(extra)
    response = client.post(url, data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, _problems(response)
    assert "Cole League changed this record" in page
    assert THEIRS.replace("'", "&#39;") in page
    assert MINE.replace("'", "&#39;") in page

    # Pressing it again says why it cannot be done, still keeping the words (never a 403).
    response = client.post(url, data=versioned_form(page))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, _problems(response)
    assert MINE.replace("'", "&#39;") in page


#: Settings pages (one version for the page, carried by one row): (url, role, the setting a
#: colleague changes and its label, their value, the setting I change, my value).
SETTINGS_PAGES = [
    (
        "/admin/settings",
        "admin",
        "complaint_reminder_days",
        "Complaint reminder (working days before a stage is due)",
        "7",
        "action_reminder_days",
        "9",
    ),
    (
        "/case-audits/settings",
        "qa_officer",
        "case_audit_days_for_actions",
        "Working days to complete an audit&#39;s actions",
        "25",
        "case_audit_exclusion_months",
        "6",
    ),
]


@pytest.mark.parametrize(
    "url, role, theirs_key, theirs_label, theirs_value, mine_key, mine_value",
    SETTINGS_PAGES,
    ids=[p[0] for p in SETTINGS_PAGES],
)
def test_a_settings_page_saved_by_a_colleague_meanwhile_is_refused_showing_their_change(
    app, client, make_user, url, role, theirs_key, theirs_label, theirs_value, mine_key, mine_value
):
    """Found walking the app: the version of a settings page moved on only when the row that
    carries it changed (the council name; cases per team), so a colleague's save of any other
    setting left it alone and my copy of the page, loaded before, saved over their change
    with "saved" said to both."""
    from qaweb.core.settings import get_setting

    me = make_user(role, first_name="Mina", last_name="First")
    colleague = make_user(role, first_name="Cole", last_name="League")
    # The page has been saved once (the row carrying its version exists).
    sign_in(client, me)
    first = versioned_form(client.get(url).get_data(as_text=True))
    assert client.post(url, data=first).status_code in (302, 303)

    mine = versioned_form(client.get(url).get_data(as_text=True))

    colleague_saves(app, colleague, url, theirs_key, theirs_value)

    mine[mine_key] = [mine_value]
    response = client.post(url, data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, _problems(response)
    assert "Your changes have not been saved yet" in page
    shown = re.findall(r"saved-by-other.*?</dl>", page, re.S)
    assert "Cole League changed this record" in page
    assert shown and theirs_label in shown[0] and theirs_value in shown[0], shown

    # Saving again from the refusal keeps both changes: mine, and theirs, which the form now
    # holds because I had left that setting as I found it.
    again = versioned_form(page)
    assert again[mine_key] == [mine_value]
    assert again[theirs_key] == [theirs_value]
    assert "now in the form below" in page
    response = client.post(url, data=again)
    assert response.status_code in (302, 303), _problems(response)
    with app.test_request_context():
        assert get_setting(mine_key) == mine_value
        assert get_setting(theirs_key) == theirs_value


#: Settings pages saved for the first time (no row carries the page's version yet): (url,
#: role, the prefix of the page's settings form, the setting the page's version is carried by,
#: the setting a colleague changes, its field and label, their value, the setting I change,
#: its field, my value).
FIRST_SAVES = [
    (
        "/admin/settings",
        "admin",
        "",
        "council_name",
        "complaint_reminder_days",
        "Complaint reminder (working days before a stage is due)",
        "7",
        "action_reminder_days",
        "9",
    ),
    (
        "/case-audits/settings",
        "qa_officer",
        "",
        "case_audit_per_team",
        "case_audit_days_for_actions",
        "Working days to complete an audit&#39;s actions",
        "25",
        "case_audit_exclusion_months",
        "6",
    ),
    (
        "/complaints/settings",
        "complaints_officer",
        "targets-",
        "complaint_stage1_target_days",
        "complaint_stage2_target_days",
        "Council&#39;s target for a Stage 2 response (working days)",
        "20",
        "complaint_stage1_target_days",
        "8",
    ),
]

#: The form field of each setting on the pages above, where it is not the setting's key.
FIELD = {"complaint_stage1_target_days": "stage1", "complaint_stage2_target_days": "stage2"}


def _settings_form(page: str, prefix: str) -> dict[str, list[str]]:
    """The post form of a settings page that carries the version (``prefix`` + "version")."""
    for form in page_forms(page):
        data = form_values(form)
        if form["method"] == "post" and f"{prefix}version" in data:
            return data
    raise AssertionError(f"no post form with a {prefix}version field on the page")


@pytest.mark.parametrize("when", ["first", "first-same-moment", "later"])
@pytest.mark.parametrize(
    "url, role, prefix, anchor, theirs_key, theirs_label, theirs_value, mine_key, mine_value",
    FIRST_SAVES,
    ids=[p[0] for p in FIRST_SAVES],
)
def test_a_settings_page_first_saved_by_a_colleague_meanwhile_names_them_and_their_change(
    app,
    client,
    make_user,
    monkeypatch,
    url,
    role,
    prefix,
    anchor,
    theirs_key,
    theirs_label,
    theirs_value,
    mine_key,
    mine_value,
    when,
):
    """Found walking the app: when a settings page had never been saved, a colleague's first
    save made my copy stale, but the refusal named nobody ("Someone else changed this
    record") and showed nothing of what they saved; the council's own complaint targets were
    not versioned at all, so a colleague's save was overwritten ("later"). Two first saves at
    the same moment (both found no row) are refused the same way, never an error page."""
    from qaweb.core import settings as core_settings
    from qaweb.core.settings import Setting, get_setting

    mine_field = prefix + FIELD.get(mine_key, mine_key)
    theirs_field = prefix + FIELD.get(theirs_key, theirs_key)
    me = make_user(role, first_name="Mina", last_name="First")
    colleague = make_user(role, first_name="Cole", last_name="League")
    assert db.session.scalar(select(Setting).where(Setting.key == anchor)) is None

    sign_in(client, me)
    if when == "later":  # the page has been saved once (the row carrying its version exists)
        first = _settings_form(client.get(url).get_data(as_text=True), prefix)
        assert client.post(url, data=first).status_code in (302, 303)

    # I open the page; never saved yet, its form carries no version.
    mine = _settings_form(client.get(url).get_data(as_text=True), prefix)
    assert (mine[f"{prefix}version"] in ([], [""])) == (when != "later")

    # A colleague saves the page first: the first save there has been.
    other = app.test_client()
    sign_in(other, colleague)
    theirs = _settings_form(other.get(url).get_data(as_text=True), prefix)
    theirs[theirs_field] = [theirs_value]
    response = other.post(url, data=theirs)
    assert response.status_code in (302, 303), _problems(response)

    if when == "first-same-moment":
        # My save found no row either: the colleague's committed just after it looked.
        real = core_settings._anchor
        looks = []

        def not_yet(key):
            looks.append(key)
            return None if len(looks) == 1 else real(key)

        monkeypatch.setattr(core_settings, "_anchor", not_yet)

    # I save from my copy: refused, naming them and showing what they saved; mine kept.
    mine[mine_field] = [mine_value]
    response = client.post(url, data=mine)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, _problems(response)
    assert "Your changes have not been saved yet" in page
    assert "Cole League changed this record" in page
    shown = re.findall(r"saved-by-other.*?</dl>", page, re.S)
    assert shown and "Saved by Cole League" in shown[0], shown
    assert theirs_label in shown[0] and f">{theirs_value}<" in shown[0], shown
    assert f">{mine_value}<" not in shown[0]  # my change is not shown as theirs
    again = _settings_form(page, prefix)
    assert again[mine_field] == [mine_value]
    assert again[f"{prefix}version"] not in ([], [""])  # the next save is not stale
    with app.test_request_context():
        assert get_setting(mine_key) != mine_value  # nothing of mine half-saved

    # Their change is in the form (I had left that setting as I found it): saving again as it
    # is stores both changes.
    assert again[theirs_field] == [theirs_value]
    assert "now in the form below" in page
    monkeypatch.undo()
    response = client.post(url, data=again)
    assert response.status_code in (302, 303), _problems(response)
    db.session.expire_all()
    with app.test_request_context():
        assert get_setting(mine_key) == mine_value
        assert get_setting(theirs_key) == theirs_value


@pytest.mark.parametrize(
    "url, role, key, saved, shown, mine_key, mine_value",
    [
        (
            "/admin/settings",
            "admin",
            "supervision_year_start_month",
            "9",
            "September",
            "action_reminder_days",
            "9",
        ),
        (
            "/case-audits/settings",
            "qa_officer",
            "case_audit_auditor_roles",
            "qa_officer",
            "QA officer",
            "case_audit_exclusion_months",
            "6",
        ),
        (
            "/case-audits/settings",
            "qa_officer",
            "case_audit_exclude_own_team",
            "no",
            "No",
            "case_audit_exclusion_months",
            "6",
        ),
        (
            "/case-audits/settings",
            "qa_officer",
            "case_audit_moderation_unit",
            "calendar_days",
            "calendar days",
            "case_audit_exclusion_months",
            "6",
        ),
    ],
    ids=["month", "roles", "yes-no", "unit"],
)
def test_a_colleagues_setting_is_shown_as_people_read_it_not_as_stored(
    app, client, make_user, url, role, key, saved, shown, mine_key, mine_value
):
    """Found on review: the refusal showed a colleague's change as stored ("9" for the
    month the supervision year starts, "qa_officer" for the auditor pool's roles)."""
    me = make_user(role, first_name="Mina", last_name="First")
    colleague = make_user(role, first_name="Cole", last_name="League")
    sign_in(client, me)
    first = versioned_form(client.get(url).get_data(as_text=True))
    assert client.post(url, data=first).status_code in (302, 303)
    mine = versioned_form(client.get(url).get_data(as_text=True))
    colleague_saves(app, colleague, url, key, saved)
    mine[mine_key] = [mine_value]
    page = client.post(url, data=mine).get_data(as_text=True)
    theirs = re.findall(r"saved-by-other.*?</dl>", page, re.S)
    assert theirs and "Saved by Cole League" in theirs[0], theirs
    assert f">{shown}<" in theirs[0], theirs
    assert f">{saved}<" not in theirs[0]
