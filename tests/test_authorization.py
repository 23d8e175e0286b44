"""Every route, for every role: the expected status. A new route without an entry here fails."""

from datetime import date

import pytest
from support import sign_in

from qaweb.complaints.models import Complaint
from qaweb.complaints.points import add_point
from qaweb.complaints.services import escalate, open_complaint
from qaweb.core.db import utcnow
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.supervision.models import FeedbackRequest, SupervisionAudit
from qaweb.thematic.models import Finding, TermsVersion, ThematicAudit
from qaweb.tools.models import Response
from qaweb.tools.services import load_text

ANON = "anonymous"
THEMATIC_READERS = {"qa_officer", "qa_board", "service_manager"}
COMPLAINT_READERS = {"complaints_officer", "admin", "service_manager"}
# The reports hold counts only: the QA team reads them too (a service manager, their area's).
COMPLAINT_REPORT_READERS = COMPLAINT_READERS | {"qa_officer"}
ORGANISERS = {"organiser", "qa_officer"}
SMALL_TOOL = """
tool: walk_tool
kind: family_feedback
name: Walk tool
version: 1
sections:
  - key: views
    title: Your views
    questions:
      - {key: listened, label: "Did we listen?", kind: agree_scale, required: true}
"""
EVERYONE = set(ROLES)
PUBLIC = "public"

# endpoint -> (method, roles allowed). Allowed means 200 or a redirect that is not to sign-in;
# everyone else signed in gets 403; anonymous people are sent to sign in (a post is told
# it was signed out, 401).
EXPECTED = {
    "home.index": ("GET", EVERYONE),
    "home.health": ("GET", PUBLIC),
    "auth.sign_in": ("GET", PUBLIC),
    "auth.sign_out": ("POST", PUBLIC),
    "auth.change_password": ("GET", EVERYONE),
    "auth.signed_in_again": ("GET", EVERYONE),
    "auth.token": ("GET", PUBLIC),
    "auth.forgot_password": ("GET", PUBLIC),
    "auth.reset_password": ("GET", PUBLIC),
    "actions.index": ("GET", EVERYONE),
    "actions.listing": ("GET", {"qa_officer"}),  # scope=all
    "actions.export": ("GET", {"qa_officer"}),  # scope=all
    "actions.new": ("GET", {"qa_officer"}),
    "actions.detail": ("GET", {"qa_officer"}),
    "actions.edit": ("GET", {"qa_officer"}),
    "actions.complete": ("GET", {"qa_officer"}),
    "actions.cancel": ("GET", {"qa_officer"}),
    "actions.verify": ("POST", {"qa_officer"}),
    "actions.reopen": ("POST", {"qa_officer"}),
    "organisation.index": ("GET", {"admin"}),
    "organisation.service_areas": ("GET", {"admin"}),
    "organisation.service_area_form": ("GET", {"admin"}),
    "organisation.teams": ("GET", {"admin"}),
    "organisation.team_form": ("GET", {"admin"}),
    "organisation.users": ("GET", {"admin"}),
    "organisation.users_export": ("GET", {"admin"}),
    "organisation.user_detail": ("GET", {"admin"}),
    "organisation.user_form": ("GET", {"admin"}),
    "organisation.import_staff": ("GET", {"admin"}),
    "organisation.import_preview": ("GET", {"admin"}),
    "organisation.import_template": ("GET", {"admin"}),
    "organisation.settings": ("GET", {"admin"}),
    "organisation.upload_template": ("POST", {"admin"}),
    "organisation.download_template": ("GET", {"admin"}),
    "organisation.remove_template": ("POST", {"admin"}),
    "notifications.outbox": ("GET", {"admin"}),
    "notifications.outbox_export": ("GET", {"admin"}),
    "notifications.message": ("GET", {"admin"}),
    "notifications.resend": ("POST", {"admin"}),
    "notifications.mailbox": ("GET", {"admin"}),
    "notifications.mailbox_send": ("POST", {"admin"}),
    "notifications.mailbox_message": ("GET", {"admin"}),
    "notifications.mailbox_attachment": ("GET", {"admin"}),
    "notifications.preferences_page": ("GET", EVERYONE),
    "tools.index": ("GET", {"admin"}),
    "tools.upload": ("GET", {"admin"}),
    "tools.version": ("GET", {"admin"}),
    "tools.publish": ("POST", {"admin"}),
    "tools.new_version": ("POST", {"admin"}),
    "tools.download": ("GET", {"admin"}),
    "tools.compare": ("GET", {"admin"}),
    "tools.grading_scale": ("GET", {"admin"}),
    "supervision.index": ("GET", EVERYONE),  # each sees the audits that concern them
    "supervision.export": ("GET", EVERYONE),
    "supervision.plan": ("GET", {"qa_officer", "service_manager"}),
    # An audit between two other people: only the QA team may see or work on it.
    "supervision.audit": ("GET", {"qa_officer"}),
    "supervision.start": ("POST", {"qa_officer"}),
    "supervision.finish": ("POST", {"qa_officer"}),
    "supervision.details": ("GET", {"qa_officer"}),
    "supervision.feedback": ("POST", {"qa_officer"}),
    "supervision.conversation": ("POST", {"qa_officer"}),
    "supervision.withdraw_feedback": ("POST", {"qa_officer"}),
    "supervision.new_action": ("GET", {"qa_officer"}),
    "supervision.reflective": ("GET", {"qa_officer"}),
    "supervision.cancel": ("GET", {"qa_officer"}),
    # Service managers see their own area's coverage; everyone else is refused.
    "supervision.coverage": ("GET", {"qa_officer", "service_manager"}),
    "supervision.annual_report": ("GET", {"qa_officer", "service_manager"}),
    "thematic.index": ("GET", THEMATIC_READERS),
    "thematic.export": ("GET", THEMATIC_READERS),
    "thematic.plan": ("GET", THEMATIC_READERS),
    "thematic.audit": ("GET", THEMATIC_READERS),
    "thematic.terms": ("GET", {"qa_officer"}),
    "thematic.submit": ("POST", {"qa_officer"}),
    "thematic.revise": ("POST", {"qa_officer"}),
    "thematic.advance": ("POST", {"qa_officer"}),
    "thematic.decision": ("GET", {"qa_board"}),
    "thematic.compare": ("GET", THEMATIC_READERS),
    "thematic.add_finding": ("POST", {"qa_officer"}),
    "thematic.withdraw_finding": ("POST", {"qa_officer"}),
    "thematic.new_action": ("GET", {"qa_officer"}),
    "thematic.print_view": ("GET", THEMATIC_READERS),
    "thematic.docx": ("GET", THEMATIC_READERS),
    "thematic.workbook": ("GET", THEMATIC_READERS),
    "thematic.themes": ("GET", {"qa_officer", "admin"}),
    "complaints.index": ("GET", COMPLAINT_READERS),
    "complaints.export": ("GET", COMPLAINT_READERS),
    "complaints.new": ("GET", {"complaints_officer"}),
    "complaints.edit": ("GET", {"complaints_officer"}),
    # A complaint in another service area: service managers see only their own area's.
    "complaints.complaint": ("GET", {"complaints_officer", "admin"}),
    "complaints.stage": ("GET", {"complaints_officer"}),
    "complaints.extend": ("GET", {"complaints_officer"}),
    "complaints.escalate": ("GET", {"complaints_officer"}),
    "complaints.close": ("GET", {"complaints_officer"}),
    "complaints.learning": ("GET", {"complaints_officer"}),
    "complaints.new_action": ("GET", {"complaints_officer"}),
    "complaints.points_page": ("GET", {"complaints_officer"}),
    "complaints.point": ("GET", {"complaints_officer"}),
    "complaints.stage_people": ("GET", {"complaints_officer"}),
    "complaints.links_page": ("GET", {"complaints_officer"}),
    "complaints.compliments": ("GET", COMPLAINT_READERS),
    "complaints.report": ("GET", COMPLAINT_REPORT_READERS),
    "complaints.report_workbook": ("GET", COMPLAINT_REPORT_READERS),
    "complaints.annual_report": ("GET", COMPLAINT_REPORT_READERS),
    "complaints.self_assessment": ("GET", {"complaints_officer"}),
    "complaints.not_accepted": ("GET", {"complaints_officer"}),
    "complaints.settings": ("GET", {"complaints_officer", "admin"}),
    # Bringing in the old log: its rows hold complainants' names.
    "complaints.import_log": ("GET", {"complaints_officer", "admin"}),
    "complaints.import_preview": ("GET", {"complaints_officer", "admin"}),
    "complaints.import_template": ("GET", {"complaints_officer", "admin"}),
    "complaints.import_columns": ("GET", {"complaints_officer", "admin"}),
    "practice_week.index": ("GET", EVERYONE),
    "practice_week.new_week": ("GET", ORGANISERS),
    "practice_week.week": ("GET", EVERYONE),
    "practice_week.edit_week": ("GET", ORGANISERS),
    "practice_week.change_status": ("POST", ORGANISERS),
    "practice_week.add_material": ("POST", ORGANISERS),
    "practice_week.download_material": ("GET", EVERYONE),
    "practice_week.withdraw_material": ("POST", ORGANISERS),
    "practice_week.settings": ("GET", ORGANISERS),
    "practice_week.coverage": ("GET", ORGANISERS),
    "practice_week.report": ("GET", ORGANISERS),
    "practice_week.report_workbook": ("GET", ORGANISERS),
    "practice_week.records_export": ("GET", ORGANISERS),
    "practice_week.schedule": ("GET", ORGANISERS),
    "practice_week.offer": ("GET", ORGANISERS | {"team_manager"}),
    "practice_week.check_clashes": ("POST", ORGANISERS | {"team_manager"}),
    "practice_week.board": ("GET", ORGANISERS),
    "practice_week.schedule_export": ("GET", ORGANISERS),
    # An observation of someone in another team, by another observer.
    "practice_week.observation": ("GET", ORGANISERS),
    "practice_week.edit_observation": ("GET", ORGANISERS),
    "practice_week.cancel_observation": ("GET", ORGANISERS),
    "practice_week.not_held": ("GET", ORGANISERS),
    "practice_week.start_record": ("POST", set()),  # only its observer
    "practice_week.feedback": ("POST", set()),
    "practice_week.reflections": ("GET", set()),
    "practice_week.complete": ("POST", set()),
    "practice_week.new_action": ("GET", ORGANISERS),
    "practice_week.observation_invite": ("GET", ORGANISERS),
    "practice_week.person_calendar": ("GET", EVERYONE),  # their own
    "practice_week.import_schedule": ("GET", ORGANISERS),
    "practice_week.import_preview": ("GET", ORGANISERS),
    "practice_week.import_template": ("GET", ORGANISERS),
    "practice_week.new_session": ("GET", ORGANISERS),
    "practice_week.session": ("GET", EVERYONE),
    "practice_week.edit_session": ("GET", ORGANISERS),
    "practice_week.cancel_session": ("GET", ORGANISERS),
    "practice_week.book": ("POST", EVERYONE),
    "practice_week.leave": ("POST", EVERYONE),
    "practice_week.session_invite": ("GET", EVERYONE),
    "case_audits.index": ("GET", EVERYONE),  # each sees the audits that concern them
    "case_audits.import_cases": ("GET", {"qa_officer"}),
    "case_audits.import_preview": ("GET", {"qa_officer"}),
    "case_audits.import_template": ("GET", {"qa_officer"}),
    "case_audits.sample": ("GET", {"qa_officer"}),
    "case_audits.swap": ("GET", {"qa_officer"}),
    "case_audits.allocate": ("GET", {"qa_officer"}),
    # An audit of a case in another area, by another auditor, not yet completed.
    "case_audits.audit": ("GET", {"qa_officer"}),
    "case_audits.settings": ("GET", {"qa_officer", "admin"}),
    "case_audits.start": ("POST", {"qa_officer"}),  # the auditor, or the QA team
    "case_audits.record": ("GET", {"qa_officer"}),
    "case_audits.complete": ("POST", {"qa_officer"}),
    "case_audits.new_action": ("GET", {"qa_officer"}),
    "case_audits.respond": ("POST", set()),  # only the practitioner, once completed
    # A service manager's own area; a team manager's own team's summary.
    "case_audits.report": ("GET", {"qa_officer", "service_manager"}),
    "case_audits.workbook": ("GET", {"qa_officer", "service_manager"}),
    "case_audits.summary": ("GET", {"qa_officer", "service_manager", "team_manager"}),
    # Moderation: the QA team draws the month's moderation sample and swaps its lines.
    "moderation.index": ("GET", {"qa_officer"}),
    "moderation.sample": ("GET", {"qa_officer"}),
    "moderation.swap": ("GET", {"qa_officer"}),
    # A line with no moderator named: the QA team reads it and names the moderator; only
    # the named moderator starts and submits.
    "moderation.line": ("GET", {"qa_officer"}),
    "moderation.assign": ("POST", {"qa_officer"}),
    "moderation.start": ("POST", set()),
    "moderation.submit": ("POST", set()),
    "moderation.agreement": ("GET", {"qa_officer"}),
    "moderation.agreement_workbook": ("GET", {"qa_officer"}),
    # The QA report: the QA team writes it, the Board signs it off; a service manager reads
    # their own area's (the walk's report is the whole council's).
    "qa_report.index": ("GET", {"qa_officer", "qa_board", "service_manager"}),
    "qa_report.start": ("POST", {"qa_officer"}),
    "qa_report.report": ("GET", {"qa_officer", "qa_board"}),
    "qa_report.analysis": ("GET", {"qa_officer"}),
    "qa_report.submit": ("POST", {"qa_officer"}),
    "qa_report.decision": ("GET", {"qa_board"}),
    "qa_report.docx": ("GET", {"qa_officer", "qa_board"}),
    "qa_report.workbook": ("GET", {"qa_officer", "qa_board"}),
    "responses.show": ("GET", {"qa_officer"}),  # started by someone else
    "responses.save": ("POST", set()),  # only the person filling it in
    # The Moderation Panel: the QA team (or a meeting's chair, no walker here) arranges
    # meetings; the line is not moderated yet, so nobody records or confirms an outcome.
    "moderation.panels": ("GET", {"qa_officer"}),
    "moderation.new_panel": ("GET", {"qa_officer"}),
    "moderation.edit_panel": ("GET", {"qa_officer"}),
    "moderation.panel_meeting": ("GET", {"qa_officer"}),
    "moderation.outcome": ("GET", set()),
    "moderation.confirm": ("POST", set()),
    "moderation.new_action": ("GET", set()),
    # Dip samples: the QA team sets them up; the walk's case is in another area, sampled by
    # someone else, so only the QA team and the QA Board (who read every result) see it.
    "dip_samples.index": ("GET", {"qa_officer", "qa_board", "service_manager", "team_manager"}),
    "dip_samples.new": ("GET", {"qa_officer"}),
    "dip_samples.template": ("GET", {"qa_officer"}),
    "dip_samples.sample": ("GET", {"qa_officer", "qa_board"}),
    "dip_samples.results": ("GET", {"qa_officer", "qa_board"}),
    "dip_samples.workbook": ("GET", {"qa_officer", "qa_board"}),
    "dip_samples.case": ("GET", {"qa_officer", "qa_board"}),
    "dip_samples.new_action": ("GET", {"qa_officer"}),
    "qa_report.request_pack": ("POST", {"qa_officer", "qa_board", "service_manager"}),
    "qa_report.pack_job": ("GET", set()),  # only the person who asked for the pack
    "qa_report.pack_download": ("GET", set()),  # only the person who asked for the pack
    # Only the QA team changes a dip sample's title and period.
    "dip_samples.edit": ("GET", {"qa_officer"}),
}

# POST: a route that takes a form is walked again with an empty one. Who may post is who may
# open it (EXPECTED), except for the endpoints here: endpoint -> roles allowed to post.
POST_EXPECTED: dict[str, set | str] = {
    # Everyone who reads the plan or the compliments may open them; only the team that keeps
    # them adds to them.
    "thematic.plan": {"qa_officer"},
    "complaints.compliments": {"complaints_officer"},
    # The QA Board reads a dip sample case; only its sampler (and the QA team) answer it.
    "dip_samples.case": {"qa_officer"},
}

# Scoped lists: which roles may open each scope.
SCOPES = {"mine": EVERYONE, "team": {"team_manager", "service_manager"}, "all": {"qa_officer"}}


@pytest.fixture
def records(app, make_user, make_team, make_action):
    """An action owned by someone outside every role-holder's team and area."""
    from qaweb.complaints.log_import import ComplaintImport
    from qaweb.organisation.staff_import import StaffImport

    owner = make_user("practitioner", team=make_team("Far Away Team"))
    action = make_action(owner, description="Someone else's action")
    staged = StaffImport(filename="staff.csv", rows=[])
    db.session.add(staged)
    version, _ = load_text(SMALL_TOOL, publish=True)
    response = Response(tool_version=version, subject_type="walk", created_by_id=owner.id)
    db.session.add(response)
    auditor = make_user("team_manager", team=make_team("Auditing Team"))
    audit = SupervisionAudit(
        year=2026,
        supervisor_id=owner.id,
        auditor_id=auditor.id,
        team_id=owner.team_id,
        due_on=date(2027, 3, 31),
    )
    db.session.add(audit)
    db.session.flush()
    asked = Response(tool_version=version, subject_type="supervisee_feedback")
    db.session.add(asked)
    db.session.flush()
    feedback = FeedbackRequest(
        audit_id=audit.id, supervisee_id=owner.id, due_on=date(2027, 1, 1), response_id=asked.id
    )
    db.session.add(feedback)
    thematic = ThematicAudit(
        title="Neglect",
        plan_year=2026,
        quarter=3,
        status="submitted",
        terms={"title": "Neglect", "lines": ["Is neglect seen early?"]},
    )
    db.session.add(thematic)
    db.session.flush()
    db.session.add(
        TermsVersion(
            audit_id=thematic.id,
            number=1,
            terms=thematic.terms,
            submitted_at=utcnow(),
            decision="pending",
        )
    )
    finding = Finding(audit_id=thematic.id, kind="theme", text="Drift in long-term plans")
    db.session.add(finding)
    complaint = Complaint(
        received_on=date(2026, 10, 1),
        received_how="email",
        complainant_type="parent",
        complainant_name="A Parent",
        summary="Late visits",
        service_area_id=owner.team.service_area_id,
    )
    open_complaint(complaint, None)
    point = add_point(complaint, "Visits were missed")
    # Stage 1 (due 15 October 2026) went unanswered: Stage 2 has its people to record.
    escalate(complaint, date(2026, 10, 20), None)
    log = ComplaintImport(kind="complaints", filename="log.csv", rows=[])
    db.session.add(log)
    practice = _practice_week(owner, make_user, make_team)
    db.session.add(_council_template())
    case_audits = _case_audits(owner, auditor)
    dip_samples = _dip_samples(owner, auditor)
    qa_report = _qa_report()
    db.session.commit()
    # The observation's meeting requests, sent to the development mailbox (files).
    from qaweb.core.notify import OutboxMessage
    from qaweb.core.outbox import mail_directory, send_due

    assert app.config["MAIL_TRANSPORT"] == "file"
    send_due()
    mail = sorted(p.name for p in mail_directory().iterdir() if p.suffix == ".eml")
    from qaweb.auth.reset import make_token

    return {
        "token": make_token(owner),
        "message_id": db.session.scalar(db.select(OutboxMessage.id).limit(1)),
        "notifications:name": mail[-1],
        "index": 0,
        "action_id": action.id,
        "area_id": owner.team.service_area_id,
        "team_id": owner.team_id,
        "user_id": owner.id,
        "import_id": staged.id,
        "tool_id": version.tool_id,
        "response_id": response.id,
        "audit_id": audit.id,
        "request_id": feedback.id,
        "finding_id": finding.id,
        "thematic:audit_id": thematic.id,
        "complaint_id": complaint.id,
        "complaints:number": 2,
        "point_id": point.id,
        "complaints:import_id": log.id,
        "complaints:kind": "complaints",
        "number": version.number,
        "scope": "all",
        "report_id": qa_report.id,
        "key": "supervision",
        **practice,
        **case_audits,
        **dip_samples,
        **_pack_job(owner),
    }


def _case_audits(owner, auditor):
    """A case of ``owner``'s, a staged case list, next month's sample with one case still to
    allocate, and an allocated audit by ``auditor``."""
    from qaweb.case_audits.models import ALLOCATED, CaseAudit, CaseFile, CaseImport, CaseSample

    # Months no demo council's sample uses (the fuzz walk loads the demo as well).
    month = date(2030, 6, 1)
    case = CaseFile(
        case_number="W-1",
        case_type="child in need",
        team_id=owner.team_id,
        practitioner_id=owner.id,
        listed_month=month,
    )
    staged = CaseImport(month=month, filename="cases.csv", rows=[])
    sample = CaseSample(month=month, seed=1, per_team=1)
    db.session.add_all([case, staged, sample])
    db.session.flush()
    line = CaseAudit(
        sample_id=sample.id,
        case_id=case.id,
        month=month,
        team_id=owner.team_id,
        practitioner_id=owner.id,
    )
    audit = CaseAudit(
        case_id=case.id,
        month=date(2030, 5, 1),
        team_id=owner.team_id,
        practitioner_id=owner.id,
        auditor_id=auditor.id,
        status=ALLOCATED,
        due_on=date(2030, 6, 1),
    )
    db.session.add_all([line, audit])
    db.session.flush()
    moderation = _moderation(audit)
    return {
        **moderation,
        "case_audits:import_id": staged.id,
        "case_audits:year": 2030,
        "case_audits:month": 6,
        "line_id": line.id,
        "case_audits:audit_id": audit.id,
    }


def _moderation(audit):
    """A moderation sample for a month no demo council uses, holding ``audit``."""
    from qaweb.moderation.models import ModerationLine, ModerationSample

    sample = ModerationSample(month=date(2030, 7, 1), seed=1, share=25)
    db.session.add(sample)
    db.session.flush()
    line = ModerationLine(sample_id=sample.id, audit_id=audit.id, chosen_by="Random")
    db.session.add(line)
    db.session.flush()
    from qaweb.moderation.models import PanelMeeting

    meeting = PanelMeeting(held_on=date(2030, 8, 1), chair_id=audit.auditor_id)
    db.session.add(meeting)
    db.session.flush()
    return {
        "moderation:year": 2030,
        "moderation:month": 7,
        "moderation:line_id": line.id,
        "moderation:meeting_id": meeting.id,
    }


def _dip_samples(owner, auditor):
    """A dip sample with one case of ``owner``'s team, sampled by ``auditor``."""
    from qaweb.dip_samples.models import DipSample, DipSampleCase

    version, _ = load_text(
        SMALL_TOOL.replace("walk_tool", "walk_dip")
        .replace("family_feedback", "dip_sample")
        .replace("agree_scale", "yes_partly_no"),
        publish=True,
    )
    sample = DipSample(
        title="Walk dip sample",
        tool_version_id=version.id,
        starts_on=date(2030, 1, 1),
        ends_on=date(2030, 1, 31),
    )
    db.session.add(sample)
    db.session.flush()
    case = DipSampleCase(
        dip_sample_id=sample.id,
        case_number="W-1",
        team_id=owner.team_id,
        sampler_id=auditor.id,
    )
    db.session.add(case)
    db.session.flush()
    return {"dip_samples:sample_id": sample.id, "dip_samples:case_id": case.id}


def _qa_report():
    """The whole council's QA report for a quarter, with the QA Board."""
    from qaweb.qa_report.models import QAReport, QAReportVersion

    report = QAReport(
        start_on=date(2031, 7, 1),
        end_on=date(2031, 9, 30),
        status="submitted",
        narrative={"actions": {"learned": "Fewer overdue"}},
    )
    db.session.add(report)
    db.session.flush()
    db.session.add(
        QAReportVersion(
            report_id=report.id, number=1, narrative=report.narrative, submitted_at=utcnow()
        )
    )
    return report


def _pack_job(owner):
    """An inspection evidence pack someone outside every role asked for."""
    from qaweb.core.jobs import BackgroundJob

    job = BackgroundJob(
        kind="evidence_pack", parameters={"start": "2026-04"}, requested_by_id=owner.id
    )
    db.session.add(job)
    db.session.commit()
    return {"job_id": job.id}


def _council_template():
    """The council's Word template in use (python-docx's own has every style papers use)."""
    import io

    import docx

    from qaweb.core.council_template import CouncilTemplate

    out = io.BytesIO()
    docx.Document().save(out)
    return CouncilTemplate(
        filename="Letterhead.docx", size=len(out.getvalue()), content=out.getvalue()
    )


def _practice_week(owner, make_user, make_team):
    """An open week with an observation of ``owner`` by someone else, a session, a file and
    a schedule import waiting for confirmation."""
    from datetime import time, timedelta

    from qaweb.core.timefmt import today_london
    from qaweb.practice_week import services
    from qaweb.practice_week.models import (
        LearningMaterial,
        LearningSession,
        MeetingType,
        PracticeWeek,
        ScheduleImport,
    )

    monday = today_london() + timedelta(days=7 - today_london().weekday())
    week = PracticeWeek(
        theme="Voice of the child",
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        status="open",
    )
    db.session.add(week)
    meeting = MeetingType(name="Walk meeting")
    db.session.add(meeting)
    db.session.flush()
    observer = make_user("observer", team=make_team("Leadership"))
    observation = services.schedule(
        week,
        services.Booking(
            observer=observer,
            practitioner=owner,
            meeting_type_id=meeting.id,
            starts_at=services.at_london(monday, time(10)),
            ends_at=services.at_london(monday, time(11)),
            place="Family home",
            case_reference="123456",
        ),
        observer,
    )
    session = LearningSession(
        week=week,
        title="Appreciative inquiry",
        starts_at=services.at_london(monday, time(13)),
        ends_at=services.at_london(monday, time(14)),
        place="Council chamber",
        capacity=10,
    )
    material = LearningMaterial(
        week=week, title="Pack", filename="pack.txt", content=b"pack", content_type="text/plain"
    )
    pending = ScheduleImport(week_id=week.id, filename="schedule.xlsx", rows=[])
    db.session.add_all([session, material, pending])
    db.session.flush()
    return {
        "week_id": week.id,
        "observation_id": observation.id,
        "session_id": session.id,
        "material_id": material.id,
        "practice_week:import_id": pending.id,
    }


def url_for_rule(app, rule, records):
    from flask import url_for

    blueprint = rule.endpoint.split(".")[0]
    # A blueprint-specific value ("thematic:audit_id") wins over the shared one.
    values = {arg: records.get(f"{blueprint}:{arg}", records.get(arg)) for arg in rule.arguments}
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def test_every_route_has_an_expected_status():
    from support import make_app

    app = make_app("sqlite://")
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert endpoints == set(EXPECTED), (
        f"missing: {sorted(endpoints - set(EXPECTED))}, stale: {sorted(set(EXPECTED) - endpoints)}"
    )


@pytest.mark.parametrize("role", [ANON, *ROLES])
def test_each_route_for_each_role(app, client, make_user, records, role):
    if role != ANON:
        user = make_user(role, team=None)
        sign_in(client, user)
    failures = []
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )
    for rule in rules:
        method, allowed = EXPECTED[rule.endpoint]
        if rule.endpoint == "auth.sign_out":
            continue  # would end the session; covered in test_auth
        url = url_for_rule(app, rule, records)
        response = client.open(url, method=method)
        status = response.status_code
        location = response.headers.get("Location", "")
        response.close()
        if allowed == PUBLIC:
            ok = status in (200, 302)
        elif role == ANON and method == "GET":
            ok = status == 302 and "/sign-in" in location
        elif role == ANON:
            ok = status == 401  # a post is not redirected: Back keeps what was typed
        elif role in allowed:
            ok = status in (200, 302) and "/sign-in" not in location
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{method} {url}: {status} {location}")
    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("scope", list(SCOPES))
def test_action_list_scopes(client, make_user, role, scope):
    user = make_user(role)
    sign_in(client, user)
    status = client.get(f"/actions/{scope}").status_code
    assert status == (200 if role in SCOPES[scope] else 403)
    export = client.get(f"/actions/{scope}/export.xlsx")
    export.close()
    assert export.status_code == status


def post_allowed(endpoint):
    """Who may post to ``endpoint``: POST_EXPECTED's entry, else who may open it."""
    return POST_EXPECTED.get(endpoint, EXPECTED[endpoint][1])


def snapshot():
    """Every table's rows, for telling whether a request changed anything: name -> rows."""
    tables = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(db.select(table).order_by(*table.primary_key.columns))
        tables[table.name] = [tuple(map(repr, row)) for row in rows]
    return tables


def test_every_post_expectation_names_a_route_that_takes_a_post():
    from support import make_app

    app = make_app("sqlite://")
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    assert set(POST_EXPECTED) <= posts, sorted(set(POST_EXPECTED) - posts)


@pytest.mark.parametrize("role", [ANON, *ROLES])
def test_each_form_posted_empty_by_each_role(app, client, make_user, records, role):
    """Every route that takes a POST, posted with an empty form: someone not allowed is
    refused (403; signed out, 401) and nothing in the database changes; someone allowed is
    answered (the form with its errors, or a redirect), never refused and never an error."""
    if role != ANON:
        sign_in(client, make_user(role, team=None))
    rules = sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static"),
        key=lambda r: r.rule,
    )
    # auth.sign_out would end the session (covered in test_auth).
    rules = [r for r in rules if r.endpoint != "auth.sign_out"]

    def allowed(rule):
        roles = post_allowed(rule.endpoint)
        return roles == PUBLIC or role in roles

    failures = []
    refused = [r for r in rules if not allowed(r)]
    before = snapshot()
    for rule in refused:
        url = url_for_rule(app, rule, records)
        response = client.post(url, data={})
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        if status != (401 if role == ANON else 403):
            failures.append(f"POST {url}: {status} {location}, expected a refusal")
    after = snapshot()
    changed = sorted(name for name in before if before[name] != after[name])
    if changed:
        failures.append(f"refused posts changed tables: {changed}")
    for rule in (r for r in rules if allowed(r)):
        url = url_for_rule(app, rule, records)
        response = client.post(url, data={})
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        if status >= 500 or status in (401, 403) or "/sign-in" in location:
            failures.append(f"POST {url}: {status} {location}, expected an answer")
    assert not failures, f"{role}:\n" + "\n".join(failures)
