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


class CompletedForms:
    """Completed tool forms (responses) and their answers, as rows for :func:`bulk_insert`,
    with explicit ids so the module's records can point at them before they are inserted."""

    def __init__(self, council: Council, levels):
        from qaweb.demo.data import answers_for as _answers_for
        from qaweb.tools.models import Response

        self._answers_for = _answers_for
        self.rng, self.now, self.levels = council.rng, council.now, levels
        self.council = council
        self.next_id = next_id(Response)
        self.responses: list[dict] = []
        self.answers: list[dict] = []

    def add(self, tool, subject_type, subject_id, by_id, done_at: datetime, bias) -> int:
        """One completed form of ``tool`` about the record, answered by ``by_id``; its id."""
        from qaweb.tools.models import COMPLETED

        response_id = self.next_id
        self.next_id += 1
        self.responses.append(
            {
                "id": response_id,
                "tool_version_id": tool.id,
                "subject_type": subject_type,
                "subject_id": subject_id,
                "status": COMPLETED,
                "completed_at": done_at,
                "completed_by_id": by_id,
                "created_by_id": by_id,
                "version": 1,
                "created_at": done_at,
                "updated_at": self.now,
            }
        )
        self.answers.extend(
            {
                "response_id": response_id,
                "section_key": row["section_key"],
                "question_key": row["question_key"],
                "value_text": row.get("value_text"),
                "value_number": row.get("value_number"),
                "value_date": row.get("value_date"),
                "grade_level_id": row.get("grade_level_id"),
            }
            for row in self._answers_for(self.rng, tool.definition, self.levels, bias)
        )
        return response_id

    def insert_responses(self) -> None:
        from qaweb.tools.models import Response

        bulk_insert(Response, self.responses)

    def insert_answers(self) -> None:
        from qaweb.tools.models import Answer

        counts = self.council.counts
        counts["tool answers"] = counts.get("tool answers", 0) + bulk_insert(Answer, self.answers)


def _day_between(rng, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


# -- actions -------------------------------------------------------------------------------


def grow_actions(council: Council) -> None:
    from qaweb.actions.models import CANCELLED, COMPLETED, OPEN, Action
    from qaweb.demo.data import ACTIONS, MEETINGS

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
    from qaweb.demo.data import DEMO_NOTES
    from qaweb.supervision import services as sup
    from qaweb.supervision.models import ANSWERED, COMPLETED, FeedbackRequest, SupervisionAudit

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

    audit_id, feedback_id = next_id(SupervisionAudit), next_id(FeedbackRequest)
    audits, feedback = [], []
    forms = CompletedForms(council, levels)

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
            audit_response = forms.add(
                audit_tool,
                "supervision_audit",
                audit_id,
                auditor["id"],
                _at(audited_on),
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
                        "response_id": forms.add(
                            feedback_tool,
                            "supervisee_feedback",
                            feedback_id,
                            person_id or auditor["id"],
                            _at(answered_on),
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

    forms.insert_responses()
    council.counts["supervision audits"] = bulk_insert(SupervisionAudit, audits)
    council.counts["supervisee feedback"] = bulk_insert(FeedbackRequest, feedback)
    forms.insert_answers()


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
    from qaweb.demo.data import FIRST, LAST

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


# -- practice weeks: a spring and an autumn week each year, and their observations ----


def grow_observations(council: Council) -> None:
    """Two practice weeks a year back to 2020 (the demo's own weeks reused), and
    ``OBSERVATIONS_PER_STEP * council.steps`` observations spread over them: each observer
    and practitioner in at most one place at a time, past ones completed with their forms
    (or cancelled, or not held), those still to come scheduled."""
    from qaweb.actions.models import COMPLETED as ACTION_DONE
    from qaweb.actions.models import OPEN as ACTION_OPEN
    from qaweb.actions.models import Action
    from qaweb.core import grading
    from qaweb.core.permissions import SERVICE_MANAGER, TEAM_MANAGER
    from qaweb.demo.data import DEMO_ROLES, DOMAIN
    from qaweb.demo.practice_weeks import REFLECTIONS, SLOTS
    from qaweb.practice_week import services as pw
    from qaweb.practice_week.models import (
        BOOKED,
        CANCELLED,
        CLOSED,
        COMPLETED,
        DECLINED,
        GIVEN,
        NOT_APPROPRIATE,
        NOT_HELD,
        REQUESTED,
        SCHEDULED,
        LearningSession,
        LearningTheme,
        MeetingType,
        Observation,
        PracticeWeek,
        SessionBooking,
        observation_theme,
    )
    from qaweb.tools.services import current_version

    rng, today, now = council.rng, council.today, council.now
    wanted = OBSERVATIONS_PER_STEP * council.steps
    observation_tool = current_version("practice_observation")
    family_tool = current_version("family_feedback")
    meeting_types = list(db.session.scalars(select(MeetingType.id).order_by(MeetingType.id)))
    themes = list(db.session.scalars(select(LearningTheme.id).order_by(LearningTheme.id)))

    # The weeks: the demo's own, and one each spring and autumn before them back to 2020.
    weeks = [
        {"id": w.id, "starts_on": w.starts_on, "ends_on": w.ends_on}
        for w in db.session.execute(
            select(PracticeWeek.id, PracticeWeek.starts_on, PracticeWeek.ends_on)
        )
    ]
    halves = {_half(w["starts_on"]) for w in weeks}
    this_monday = today - timedelta(days=today.weekday())
    week_id = next_id(PracticeWeek)
    new_weeks = []
    for year in range(HISTORY_START.year, today.year + 1):
        for half in (1, 2):
            starts = _practice_monday(year, half)
            if (year, half) in halves or starts >= this_monday:
                continue
            theme, description = WEEK_THEMES[len(new_weeks) % len(WEEK_THEMES)]
            new_weeks.append(
                {
                    "id": week_id,
                    "theme": theme,
                    "starts_on": starts,
                    "ends_on": starts + timedelta(days=4),
                    "description": description,
                    "status": CLOSED,
                    "observation_tool_id": observation_tool.id,
                    "family_tool_id": family_tool.id,
                    "target_roles": [SERVICE_MANAGER, TEAM_MANAGER],
                    "target_per_observer": 1,
                    "max_per_practitioner": 1,
                    "version": 1,
                    "created_at": _at(starts - timedelta(days=70)),
                    "updated_at": now,
                }
            )
            weeks.append(
                {"id": week_id, "starts_on": starts, "ends_on": starts + timedelta(days=4)}
            )
            week_id += 1
    weeks.sort(key=lambda w: w["starts_on"])

    # Who is already somewhere during those weeks: the demo's observations and sessions.
    busy: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
    observed: dict[int, set[int]] = {}
    for w_id, observer_id, practitioner_id, starts_at, ends_at in db.session.execute(
        select(
            Observation.week_id,
            Observation.observer_id,
            Observation.practitioner_id,
            Observation.starts_at,
            Observation.ends_at,
        ).where(Observation.status.in_((REQUESTED, SCHEDULED, COMPLETED)))
    ):
        for person_id in (observer_id, practitioner_id):
            if person_id:
                busy.setdefault((w_id, person_id), []).append((starts_at, ends_at))
        observed.setdefault(w_id, set()).add(practitioner_id)
    slots = select(LearningSession.week_id, LearningSession.starts_at, LearningSession.ends_at)
    slots = slots.where(LearningSession.status == "scheduled")
    booked = slots.add_columns(SessionBooking.user_id).join(
        SessionBooking, SessionBooking.session_id == LearningSession.id
    )
    for stmt in (
        booked.where(SessionBooking.status == BOOKED),
        slots.add_columns(LearningSession.facilitator_id).where(
            LearningSession.facilitator_id.is_not(None)
        ),
    ):
        for w_id, starts_at, ends_at, person_id in db.session.execute(stmt):
            busy.setdefault((w_id, person_id), []).append((starts_at, ends_at))

    # Observers are the senior managers; practitioners the rest of the teams' staff.
    prefixes = {prefix for _, prefix, _ in DEMO_ROLES}
    demo = {
        p["email"].split("@")[0]: p
        for p in council.people
        if p["email"].split("@")[0] in prefixes and p["email"].endswith("@" + DOMAIN)
    }
    managers = {"Team Manager", "Assistant Team Manager"}
    observers = [
        p
        for p in council.people
        if p["team_id"]
        and (p["job_title"] in managers or p["job_title"].startswith("Service Manager"))
        and p["email"].split("@")[0] not in demo
    ]
    observers += [demo[k] for k in ("observer", "service.manager", "team.manager") if k in demo]
    observer_ids = {p["id"] for p in observers}
    practitioners = [
        p
        for p in council.people
        if p["team_id"]
        and p["id"] not in observer_ids
        and (p["email"].split("@")[0] not in demo or p is demo.get("practitioner"))
    ]
    organiser = demo.get("organiser", {"id": council.qa_officer_id})["id"]
    levels = grading.levels()
    slots_per_week = 5 * len(SLOTS)

    observation_id = next_id(Observation)
    action_id = next_id(Action)
    observations, theme_rows, actions = [], [], []
    forms = CompletedForms(council, levels)

    def free(week, person_id, starts_at, ends_at) -> bool:
        return all(
            not (starts_at < end and start < ends_at)
            for start, end in busy.get((week["id"], person_id), ())
        )

    # Past weeks share the observations; the week under way (or to come) has a few booked.
    weights = [1.0 if _at(w["ends_on"]) < now else 0.25 for w in weeks]
    counts = [int(wanted * weight / sum(weights)) for weight in weights]
    for index in range(wanted - sum(counts)):
        counts[index % len(counts)] += 1
    for week, count in zip(weeks, counts, strict=True):
        order = rng.sample(observers, len(observers))
        # Each practitioner is observed once a week while there are enough of them.
        pool = [p for p in practitioners if p["id"] not in observed.get(week["id"], ())]
        pool = rng.sample(pool, len(pool)) or practitioners
        next_slot = {}
        made = 0
        tries = 0
        while made < count and tries < count * 4:
            tries += 1
            observer = order[tries % len(order)]
            practitioner = pool[made % len(pool)]
            # Slots are taken in turn from a point of the week each observer starts from, so
            # nobody is booked twice at one time and the days fill evenly.
            start_at = next_slot.get(observer["id"], observer["id"] % slots_per_week)
            for step in range(slots_per_week):
                slot = (start_at + step) % slots_per_week
                day = week["starts_on"] + timedelta(days=slot // len(SLOTS))
                if day > week["ends_on"]:
                    continue
                begins, finishes = SLOTS[slot % len(SLOTS)]
                starts_at = pw.at_london(day, begins)
                ends_at = pw.at_london(day, finishes)
                if free(week, observer["id"], starts_at, ends_at) and free(
                    week, practitioner["id"], starts_at, ends_at
                ):
                    break
            else:
                continue
            next_slot[observer["id"]] = slot + 1
            busy.setdefault((week["id"], observer["id"]), []).append((starts_at, ends_at))
            busy.setdefault((week["id"], practitioner["id"]), []).append((starts_at, ends_at))
            made += 1
            row = {
                "id": observation_id,
                "week_id": week["id"],
                "observer_id": observer["id"],
                "practitioner_id": practitioner["id"],
                "team_id": practitioner["team_id"],
                "meeting_type_id": rng.choice(meeting_types),
                "starts_at": starts_at,
                "ends_at": ends_at,
                "place": "Teams" if observation_id % 4 == 0 else rng.choice(PLACES),
                "is_virtual": observation_id % 4 == 0,
                "case_reference": f"{rng.randint(100000, 999999)}",
                "family_agreed": True,
                "notes": "Meet the practitioner ten minutes before." if made % 3 == 0 else "",
                "status": SCHEDULED,
                "override_reason": "",
                "sequence": 0,
                "offered_by_id": None,
                "scheduled_by_id": organiser,
                "response_id": None,
                "family_feedback": "",
                "family_response_id": None,
                "child_feedback": "",
                "child_response_id": None,
                "reflections": "",
                "not_held_reason": "",
                "reason_detail": "",
                "completed_at": None,
                "version": 1,
                "created_at": _at(week["starts_on"] - timedelta(days=rng.randint(14, 40))),
                "updated_at": now,
            }
            observations.append(row)
            roll = rng.random()
            if ends_at > now:
                # Still to come: scheduled, a few cancelled, a few waiting for an observer.
                if roll < 0.03:
                    row.update(
                        status=CANCELLED, sequence=1, reason_detail=rng.choice(CANCELLED_WHY)
                    )
                elif roll < 0.06:
                    row.update(
                        status=REQUESTED,
                        observer_id=None,
                        scheduled_by_id=None,
                        offered_by_id=practitioner["line_manager_id"] or organiser,
                    )
                    busy[(week["id"], observer["id"])].pop()
                elif roll < 0.15:
                    row["family_agreed"] = False
            elif roll < 0.07:
                row.update(status=CANCELLED, sequence=1, reason_detail=rng.choice(CANCELLED_WHY))
            elif roll < 0.16:
                reason = rng.choice(NOT_HELD_WHY)
                row.update(
                    status=NOT_HELD,
                    sequence=1,
                    not_held_reason=reason,
                    reason_detail="The core group was rearranged at short notice."
                    if reason == "other"
                    else "",
                )
            else:
                done_at = ends_at + timedelta(hours=rng.randint(2, 72))
                row.update(
                    status=COMPLETED,
                    completed_at=done_at,
                    reflections=rng.choice(REFLECTIONS),
                    response_id=forms.add(
                        observation_tool,
                        "observation",
                        observation_id,
                        observer["id"],
                        done_at,
                        rng.randint(3, 6),
                    ),
                )
                for whose, weights in (("family", [7, 2, 1]), ("child", [4, 1, 3])):
                    choice = rng.choices([GIVEN, DECLINED, NOT_APPROPRIATE], weights)[0]
                    row[f"{whose}_feedback"] = choice
                    if choice == GIVEN:
                        row[f"{whose}_response_id"] = forms.add(
                            family_tool,
                            f"observation_{whose}",
                            observation_id,
                            observer["id"],
                            done_at,
                            3,
                        )
                for theme in rng.sample(themes, min(len(themes), rng.randint(1, 3))):
                    theme_rows.append({"observation_id": observation_id, "theme_id": theme})
                if observation_id % 8 == 0:
                    due = (done_at + timedelta(days=28)).date()
                    finished = due < today and rng.random() < 0.8
                    actions.append(
                        {
                            "id": action_id,
                            "source_type": "observation",
                            "source_id": observation_id,
                            "source_label": f"OBS-{observation_id:05d}, "
                            f"{practitioner['first_name']} {practitioner['last_name']}",
                            "description": rng.choice(OBSERVATION_ACTIONS),
                            "owner_id": practitioner["id"],
                            "team_id": practitioner["team_id"],
                            "due_on": due,
                            "status": ACTION_DONE if finished else ACTION_OPEN,
                            "completed_on": due - timedelta(days=3) if finished else None,
                            "completed_by_id": practitioner["id"] if finished else None,
                            "evidence": "Shared at the team meeting." if finished else "",
                            "verified_by_id": None,
                            "verified_at": None,
                            "cancelled_reason": "",
                            "raised_by_id": observer["id"],
                            "version": 1,
                            "created_at": done_at,
                            "updated_at": now,
                        }
                    )
                    action_id += 1
            observation_id += 1

    council.counts["practice weeks"] = bulk_insert(PracticeWeek, new_weeks)
    forms.insert_responses()
    council.counts["observations"] = bulk_insert(Observation, observations)
    bulk_insert(observation_theme, theme_rows)
    council.counts["actions raised at observations"] = bulk_insert(Action, actions)
    forms.insert_answers()


WEEK_THEMES = [
    ("The voice of the child", "Hearing, recording and acting on what children tell us."),
    ("Direct work with children", "The tools and the time we give to working with children."),
    ("Neglect and cumulative harm", "Seeing the pattern, not only the latest incident."),
    ("Records that tell the child's story", "Writing to the child, and for the child."),
    ("Working with adolescents", "Relationships, risk outside the home and transitions."),
    ("Domestic abuse: the whole family", "Safety for the child and the adult victim."),
    ("Family time", "Planning and reviewing children's time with their families."),
    ("Planning for permanence", "Early permanence planning and avoiding drift."),
    ("Working together with partners", "Multi-agency meetings that lead to change."),
    ("Culturally competent practice", "Identity, culture and faith in our assessments."),
    ("Children with disabilities", "Communicating with children who do not use speech."),
    ("Care leavers: staying close", "Pathway plans written with young people."),
]
PLACES = ["Family home", "Civic Offices, room 3", "Family hub", "School", "Contact centre"]
CANCELLED_WHY = [
    "The meeting moved outside the week.",
    "The family asked for the meeting to be rearranged.",
    "The observer was needed elsewhere; rebooked for the next week.",
]
NOT_HELD_WHY = [
    "family_cancelled",
    "family_cancelled",
    "practitioner_unavailable",
    "observer_unavailable",
    "meeting_moved",
    "consent_withdrawn",
    "other",
]
OBSERVATION_ACTIONS = [
    "Share the visual plan approach at the team meeting",
    "Send the family a written summary after each meeting",
    "Book onto the relationship-based practice training",
    "Use the three houses tool at the next visit",
]


def _half(day: date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def _practice_monday(year: int, half: int) -> date:
    """The Monday of a spring (mid-May) or autumn (mid-November) practice week."""
    anchor = date(year, 5, 12) if half == 1 else date(year, 11, 10)
    return anchor - timedelta(days=anchor.weekday())
