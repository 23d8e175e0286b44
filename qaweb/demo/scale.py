"""The large-council part of the demo (``flask seed demo --scale N`` with N > 1).

Scale 1 is the everyday demo, built record by record through the services in ``builder``.
Above it, this module adds years of history in proportion to N with bulk Core inserts
(executemany in chunks, explicit ids), so ``--scale 50`` (100,000 actions, 50,000
complaints, half a million answers) loads in a couple of minutes. Change history is not
written for these rows: they are demo data, as if imported.

Each module adds its records in one ``grow_*`` function, called from :func:`grow`; the
practice-week module's observations go in :func:`grow_observations`.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import func, insert, select

from qaweb.extensions import db

CHUNK = 5_000

# Records added per step of scale above 1 (scale 50 adds 49 steps).
ACTIONS_PER_STEP = 2_050
COMPLAINTS_PER_STEP = 1_020
COMPLIMENTS_PER_STEP = 410
AUDITS_PER_STEP = 102
FEEDBACK_PER_AUDIT = 4
#: For the practice-week module: observations per step (scale 50 reaches 20,000).
OBSERVATIONS_PER_STEP = 410

HISTORY_START = date(2020, 1, 1)


@dataclass
class Council:
    """What the scale functions need from the demo already built."""

    rng: random.Random
    scale: int
    today: date
    now: datetime
    people: list[dict]  # the staff rows as inserted (id, team_id, line_manager_id, ...)
    teams: list  # Team objects (id, service_area_id, paired_team_id)
    qa_officer_id: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return self.scale - 1


def grow(council: Council) -> dict[str, int]:
    """Add every module's history for ``council.scale``; returns the records added by kind."""
    if council.steps <= 0:
        return {}
    grow_actions(council)
    grow_supervision(council)
    grow_complaints(council)
    grow_compliments(council)
    grow_observations(council)
    return council.counts


def grow_observations(council: Council) -> None:
    """Hook for the practice-week module: add ``OBSERVATIONS_PER_STEP * council.steps``
    observations (with their responses and answers) here, with :func:`bulk_insert`."""


# -- helpers -------------------------------------------------------------------------------


def bulk_insert(table, rows: list[dict]) -> int:
    """executemany in chunks: one round trip per chunk, no ORM objects."""
    table = getattr(table, "__table__", table)
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])
    return len(rows)


def next_id(table) -> int:
    table = getattr(table, "__table__", table)
    return (db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def sync_sequences() -> None:
    """After inserts with explicit ids, move PostgreSQL's id sequences past them."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    from qaweb.core.db import Base

    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not column.primary_key or not column.autoincrement:
            continue
        db.session.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )


def _day_between(rng, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


# -- actions -------------------------------------------------------------------------------


def grow_actions(council: Council) -> None:
    from qaweb.actions.models import CANCELLED, COMPLETED, OPEN, Action
    from qaweb.demo.builder import ACTIONS, MEETINGS

    rng, today = council.rng, council.today
    sources = list(MEETINGS)
    owners = [p for p in council.people if p["team_id"]]
    rows = []
    for _ in range(ACTIONS_PER_STEP * council.steps):
        owner = rng.choice(owners)
        raised = _day_between(rng, HISTORY_START, today)
        due = raised + timedelta(days=rng.choice([7, 14, 28, 42, 60, 90]))
        roll = rng.random()
        status = OPEN
        # Old actions are mostly done; this year's are mixed.
        if (due < today and roll < 0.9) or roll < 0.25:
            status = COMPLETED
        elif roll > 0.97:
            status = CANCELLED
        completed_on = None
        if status == COMPLETED:
            completed_on = min(today, raised + timedelta(days=rng.randint(1, 80)))
        verified = completed_on is not None and rng.random() < 0.5
        meeting = raised - timedelta(days=rng.randint(0, 10))
        rows.append(
            {
                "source_type": rng.choice(sources),
                "source_id": None,
                "source_label": f"Meeting of {meeting.day} {meeting:%B %Y}",
                "description": rng.choice(ACTIONS),
                "owner_id": owner["id"],
                "team_id": owner["team_id"],
                "due_on": due,
                "status": status,
                "completed_on": completed_on,
                "completed_by_id": owner["id"] if completed_on else None,
                "evidence": "Recorded on the child's file; see case note." if completed_on else "",
                "verified_by_id": council.qa_officer_id if verified else None,
                "verified_at": _at(completed_on) if verified else None,
                "cancelled_reason": "Superseded by a later action." if status == CANCELLED else "",
                "raised_by_id": council.qa_officer_id,
                "version": 1,
                "created_at": _at(raised),
                "updated_at": council.now,
            }
        )
    council.counts["actions"] = bulk_insert(Action, rows)


# -- supervision: past years' audits, completed, with their forms and feedback ----------


def grow_supervision(council: Council) -> None:
    from qaweb.core import grading
    from qaweb.demo.builder import DEMO_NOTES, _answers_for
    from qaweb.supervision import services as sup
    from qaweb.supervision.models import ANSWERED, COMPLETED, FeedbackRequest, SupervisionAudit
    from qaweb.tools.models import COMPLETED as FORM_DONE
    from qaweb.tools.models import Answer, Response

    rng, now = council.rng, council.now
    levels = grading.levels()
    audit_tool = sup.current_tool("supervision_audit")
    feedback_tool = sup.current_tool("supervisee_feedback")
    team_of = {t.id: t for t in council.teams}
    by_team: dict[int, list[dict]] = {}
    supervisees: dict[int, list[int]] = {}
    for person in council.people:
        by_team.setdefault(person["team_id"], []).append(person)
        if person["line_manager_id"]:
            supervisees.setdefault(person["line_manager_id"], []).append(person["id"])
    supervisors = [p for p in council.people if p["id"] in supervisees and p["team_id"]]

    audit_id, response_id = next_id(SupervisionAudit), next_id(Response)
    feedback_id = next_id(FeedbackRequest)
    audits, responses, feedback, answers = [], [], [], []

    def form(tool, subject_type, subject_id, by_id, done_on, bias):
        nonlocal response_id
        responses.append(
            {
                "id": response_id,
                "tool_version_id": tool.id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "status": FORM_DONE,
                "completed_at": _at(done_on),
                "completed_by_id": by_id,
                "created_by_id": by_id,
                "version": 1,
                "created_at": _at(done_on),
                "updated_at": now,
            }
        )
        for row in _answers_for(rng, tool.definition, levels, bias):
            answers.append(
                {
                    "response_id": response_id,
                    "section_key": row["section_key"],
                    "question_key": row["question_key"],
                    "value_text": row.get("value_text"),
                    "value_number": row.get("value_number"),
                    "value_date": row.get("value_date"),
                    "grade_level_id": row.get("grade_level_id"),
                }
            )
        response_id += 1
        return response_id - 1

    year = sup.year_for(council.today)
    wanted = AUDITS_PER_STEP * council.steps
    while len(audits) < wanted:
        year -= 1
        first, last = sup.year_bounds(year)
        for supervisor in supervisors:
            if len(audits) >= wanted:
                break
            team = team_of[supervisor["team_id"]]
            auditors = [
                p
                for p in by_team.get(team.paired_team_id, [])
                if p["id"] in supervisees and p["id"] != supervisor["id"]
            ] or [council.people[0]]
            auditor = rng.choice(auditors)
            audited_on = _day_between(rng, first, last - timedelta(days=60))
            reflective_on = audited_on + timedelta(days=rng.randint(14, 40))
            audit_response = form(
                audit_tool,
                "supervision_audit",
                audit_id,
                auditor["id"],
                audited_on,
                rng.randint(1, 5),
            )
            audits.append(
                {
                    "id": audit_id,
                    "year": year,
                    "supervisor_id": supervisor["id"],
                    "auditor_id": auditor["id"],
                    "team_id": supervisor["team_id"],
                    "due_on": last,
                    "status": COMPLETED,
                    "override_reason": "",
                    "audited_on": audited_on,
                    "files_reviewed": rng.randint(2, 4),
                    "children_records": rng.randint(3, 8),
                    "period_covered": "The last six months",
                    "strengths": rng.choice(DEMO_NOTES[:2] + DEMO_NOTES[3:]),
                    "development": rng.choice(DEMO_NOTES[1:3]),
                    "response_id": audit_response,
                    "observed_on": None,
                    "observation_notes": "",
                    "reflective_on": reflective_on,
                    "reflective_notes": "Findings discussed; the supervisor agreed the actions.",
                    "completed_at": _at(reflective_on),
                    "cancelled_reason": "",
                    "planned_by_id": council.qa_officer_id,
                    "version": 1,
                    "created_at": _at(first),
                    "updated_at": now,
                }
            )
            asked = supervisees[supervisor["id"]][:FEEDBACK_PER_AUDIT]
            # Supervisees the auditor could not ask in writing were spoken to instead.
            asked += [None] * (FEEDBACK_PER_AUDIT - len(asked))
            for person_id in asked:
                answered_on = audited_on + timedelta(days=rng.randint(3, 12))
                feedback.append(
                    {
                        "id": feedback_id,
                        "audit_id": audit_id,
                        "supervisee_id": person_id,
                        "in_conversation": person_id is None,
                        "status": ANSWERED,
                        "due_on": audited_on + timedelta(days=14),
                        "response_id": form(
                            feedback_tool,
                            "supervisee_feedback",
                            feedback_id,
                            person_id or auditor["id"],
                            answered_on,
                            3,
                        ),
                        "answered_at": _at(answered_on),
                        "version": 1,
                        "created_at": _at(audited_on),
                        "updated_at": now,
                    }
                )
                feedback_id += 1
            audit_id += 1

    bulk_insert(Response, responses)
    council.counts["supervision audits"] = bulk_insert(SupervisionAudit, audits)
    council.counts["supervisee feedback"] = bulk_insert(FeedbackRequest, feedback)
    council.counts["tool answers"] = bulk_insert(Answer, answers)


# -- complaints and compliments ------------------------------------------------------------


def grow_complaints(council: Council) -> None:
    from qaweb.complaints.models import (
        COMPLAINANTS,
        HOW,
        CategoryOption,
        Complaint,
        ComplaintStage,
        complaint_category,
    )
    from qaweb.complaints.services import compute_due
    from qaweb.core.workdays import add_working_days
    from qaweb.demo.builder import FIRST, LAST

    rng, today, now = council.rng, council.today, council.now
    categories = list(db.session.scalars(select(CategoryOption.id).order_by(CategoryOption.id)))
    hows, kinds = list(HOW), list(COMPLAINANTS)
    summaries = [
        "Visits were cancelled without notice.",
        "The assessment did not reflect our views.",
        "Nobody returned my calls for three weeks.",
        "Family time arrangements keep changing.",
        "The worker was dismissive at the meeting.",
        "Information was shared without consent.",
        "The plan was changed without talking to us.",
        "My child's views were not listened to.",
    ]
    # Carry on each year's reference numbers after the complaints already there.
    numbers: dict[int, int] = {}
    for reference in db.session.scalars(select(Complaint.reference)):
        _, year, number = reference.split("-")
        numbers[int(year)] = max(numbers.get(int(year), 0), int(number))
    received_days = sorted(
        _day_between(rng, HISTORY_START, today - timedelta(days=1))
        for _ in range(COMPLAINTS_PER_STEP * council.steps)
    )
    complaint_id, stage_id = next_id(Complaint), next_id(ComplaintStage)
    complaints, stages, links = [], [], []

    def stage_row(number, started_on, responded_on, outcome):
        nonlocal stage_id
        clock = SimpleNamespace(
            stage=number, started_on=started_on, extended=False, panel_on=None, report_on=None
        )
        if number == 3 and responded_on:
            clock.panel_on = add_working_days(started_on, 20)
            clock.report_on = add_working_days(clock.panel_on, 5)
        stages.append(
            {
                "id": stage_id,
                "complaint_id": complaint_id,
                "stage": number,
                "started_on": started_on,
                "acknowledged_on": add_working_days(started_on, 2),
                "due_on": compute_due(clock)[0],
                "extended": False,
                "extension_reason": "",
                "late_reason": "",
                "panel_on": clock.panel_on,
                "report_on": clock.report_on,
                "responded_on": responded_on,
                "outcome": outcome or "",
                "findings": "",
                "remedy": "",
                "handler_id": None,
                "version": 1,
                "created_at": _at(started_on),
                "updated_at": now,
            }
        )
        stage_id += 1

    for received in received_days:
        team = rng.choice(council.teams)
        numbers[received.year] = numbers.get(received.year, 0) + 1
        closed_on = None
        responded = add_working_days(received, rng.choice([6, 8, 10, 12, 15]))
        if responded >= today:
            stage_row(1, received, None, None)
        else:
            stage_row(1, received, responded, rng.choice(["upheld", "partly_upheld", "not_upheld"]))
            closed_on = responded
            if rng.random() < 0.12:
                started = add_working_days(responded, rng.randint(3, 15))
                reply = add_working_days(started, rng.choice([20, 25, 30]))
                closed_on = reply if reply < today else None
                stage_row(2, started, reply if closed_on else None, closed_on and "not_upheld")
                if closed_on and rng.random() < 0.2:
                    started = add_working_days(reply, rng.randint(5, 20))
                    reply = add_working_days(started, 50)
                    closed_on = reply if reply < today else None
                    stage_row(3, started, reply if closed_on else None, closed_on and "not_upheld")
        complaints.append(
            {
                "id": complaint_id,
                "reference": f"CMP-{received.year}-{numbers[received.year]:04d}",
                "received_on": received,
                "received_how": rng.choice(hows),
                "complainant_type": rng.choice(kinds),
                "complainant_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "complainant_contact": "Contact details on the council's system",
                "child_reference": f"{rng.randint(100000, 999999)}",
                "service_area_id": team.service_area_id,
                "team_id": team.id,
                "staff_involved": "",
                "summary": rng.choice(summaries),
                "outcome_wanted": "",
                "advocate_offered": False,
                "procedure": "statutory",
                "closed_on": closed_on,
                "learning": "Shared at the team meeting." if complaint_id % 3 == 0 else "",
                "practice_change": False,
                "policy_change": False,
                "version": 1,
                "created_at": _at(received),
                "updated_at": now,
            }
        )
        for category in rng.sample(categories, k=min(len(categories), rng.randint(1, 2))):
            links.append({"complaint_id": complaint_id, "category_id": category})
        complaint_id += 1

    council.counts["complaints"] = bulk_insert(Complaint, complaints)
    council.counts["complaint stages"] = bulk_insert(ComplaintStage, stages)
    bulk_insert(complaint_category, links)


def grow_compliments(council: Council) -> None:
    from qaweb.complaints.models import Compliment, ComplimentThemeOption, compliment_theme

    rng, today, now = council.rng, council.today, council.now
    themes = list(
        db.session.scalars(select(ComplimentThemeOption.id).order_by(ComplimentThemeOption.id))
    )
    compliment_id = next_id(Compliment)
    rows, links = [], []
    for n in range(COMPLIMENTS_PER_STEP * council.steps):
        received = _day_between(rng, HISTORY_START, today - timedelta(days=1))
        team = rng.choice(council.teams)
        rows.append(
            {
                "id": compliment_id,
                "received_on": received,
                "source": rng.choice(["child", "parent", "parent", "partner", "court", "internal"]),
                "external": n % 6 != 0,
                "service_area_id": team.service_area_id,
                "team_id": team.id,
                "staff_named": "",
                "valued": rng.choice(
                    [
                        "Thank you for listening to my daughter.",
                        "The social worker kept us informed every week.",
                        "A clear, kind report that helped the court.",
                    ]
                ),
                "consent_to_share": n % 2 == 0,
                "shared_on": received + timedelta(days=7) if n % 4 == 0 else None,
                "version": 1,
                "created_at": _at(received),
                "updated_at": now,
            }
        )
        if themes:
            links.append({"compliment_id": compliment_id, "theme_id": rng.choice(themes)})
        compliment_id += 1
    council.counts["compliments"] = bulk_insert(Compliment, rows)
    bulk_insert(compliment_theme, links)
