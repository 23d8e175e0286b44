"""The Moderation Panel: its meetings, its outcome for each moderated audit, who reads it.

Source: Wokingham QA framework §2 (the Moderation Panel, chaired by the Principal Social
Worker with practice consultants, agrees the grade, names good practice and development
areas for the auditor, comments on the practice in the case, recommends extra remedial
actions and raises organisational learning; feedback goes to the auditor and the team
manager) and Halton QA framework (004: moderated within 10 working days).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from qaweb.case_audits.models import COMPLETED, CaseAudit
from qaweb.core.db import utcnow
from qaweb.core.grading import GradeLevel
from qaweb.core.lists import Rows
from qaweb.core.permissions import (
    OBSERVER,
    QA_BOARD,
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    has_any_role,
)
from qaweb.extensions import db
from qaweb.moderation.models import SELECTED, ModerationLine, PanelMeeting, panel_member
from qaweb.moderation.services import ModerationError
from qaweb.organisation.models import Team, User, UserRole

_CONFIRMED = aliased(ModerationLine, name="confirmed_moderation")

#: The outcome's free-text fields, in the order the page asks them.
TEXTS = {
    "good_practice": "Good practice in the audit",
    "development_areas": "Development areas for the auditor",
    "practice_comments": "Comments on the practice in the case",
    "learning_points": "Organisational learning points",
}


# -- meetings ----------------------------------------------------------------------------------


def chairs_a_meeting(user: User) -> bool:
    """True when ``user`` chairs any panel meeting."""
    return bool(
        user
        and user.is_authenticated
        and db.session.scalar(
            select(func.count()).select_from(PanelMeeting).where(PanelMeeting.chair_id == user.id)
        )
    )


def can_arrange(user: User) -> bool:
    """The QA officer arranges panel meetings; so does anyone who chairs one (the panel's
    chair, Wokingham §2: the Principal Social Worker)."""
    return has_any_role(user, QA_OFFICER) or chairs_a_meeting(user)


def can_edit_meeting(user: User, meeting: PanelMeeting) -> bool:
    """The QA officer and the meeting's chair."""
    return has_any_role(user, QA_OFFICER) or meeting.chair_id == user.id


def can_view_meeting(user: User, meeting: PanelMeeting) -> bool:
    """The QA officer, the chair and the members."""
    return can_edit_meeting(user, meeting) or any(m.id == user.id for m in meeting.members)


def _open_lines_statement(columns, meeting: PanelMeeting | None):
    """The select of ``columns`` over the lines ``open_lines(meeting)`` returns."""
    return (
        select(*columns)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .where(
            ModerationLine.status == SELECTED,
            ModerationLine.moderated_at.is_not(None),
            or_(
                ModerationLine.confirmed_at.is_(None),
                ModerationLine.meeting_id == (meeting.id if meeting else -1),
            ),
            or_(
                ModerationLine.meeting_id.is_(None),
                ModerationLine.meeting_id == (meeting.id if meeting else -1),
            ),
        )
    )


def open_lines(meeting: PanelMeeting | None = None) -> list[ModerationLine]:
    """Submitted moderations the panel has not yet confirmed, not in another meeting (those in
    ``meeting`` included), oldest completion first: what a meeting can consider."""
    stmt = _open_lines_statement([ModerationLine], meeting).order_by(
        CaseAudit.completed_on, ModerationLine.id
    )
    return list(db.session.scalars(stmt))


def open_lines_count() -> int:
    """How many submitted moderations are waiting for a panel: ``len(open_lines())`` in one
    count, without loading each line (and its audit, case and moderator)."""
    return db.session.scalar(_open_lines_statement([func.count(ModerationLine.id)], None)) or 0


#: The roles of people who could sit on a Moderation Panel: the managers (team and assistant
#: team managers, service managers, heads of service who observe practice) and the QA team
#: and QA Board. Wokingham §2: a panel chaired by the Principal Social Worker with practice
#: consultants, who may hold none of these roles: whoever has chaired or sat on a panel
#: meeting is offered too (``panel_people``).
PANEL_ROLES = (TEAM_MANAGER, SERVICE_MANAGER, OBSERVER, QA_OFFICER, QA_BOARD)


def panel_people(meeting: PanelMeeting | None = None) -> list:
    """Who a panel meeting's Chair and Members fields offer, as
    ``organisation.services.PersonOption`` by surname then first name (one query): active
    people holding one of ``PANEL_ROLES`` or who have chaired or sat on a panel meeting, and,
    for an existing ``meeting``, its chair and members whatever their roles and active flag
    now (someone who lost the role, or left, stays on the meeting until taken off)."""
    from qaweb.organisation.services import person_options

    eligible = and_(
        User.active,
        or_(
            User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(PANEL_ROLES))),
            User.id.in_(select(PanelMeeting.chair_id)),
            User.id.in_(select(panel_member.c.user_id)),
        ),
    )
    if meeting is None:
        return person_options(eligible)
    kept = [meeting.chair_id, *(m.id for m in meeting.members)]
    return person_options(or_(eligible, User.id.in_(kept)))


def save_meeting(
    meeting: PanelMeeting | None,
    held_on: date,
    chair: User,
    members: list[User],
    notes: str,
    line_ids: list[int],
) -> PanelMeeting:
    """Make or change a panel meeting: its date, chair, members (the chair is not listed
    twice), notes and the moderated audits it considers (``line_ids``, from ``open_lines``).
    A line the panel has confirmed stays in its meeting. Raises ModerationError for a line
    that is not open to this meeting. Returns the meeting."""
    if meeting is None:
        meeting = PanelMeeting(held_on=held_on, chair_id=chair.id)
        db.session.add(meeting)
        db.session.flush()
    meeting.held_on, meeting.chair_id, meeting.notes = held_on, chair.id, notes.strip()
    meeting.chair = chair
    meeting.members = [m for m in members if m.id != chair.id]
    offered = {line.id: line for line in open_lines(meeting)}
    wanted = set(line_ids)
    if wanted - set(offered):
        raise ModerationError("Choose only submitted moderations not already at another panel")
    for line in offered.values():
        if line.confirmed_at is not None:
            continue
        line.meeting_id = meeting.id if line.id in wanted else None
    db.session.flush()
    db.session.expire(meeting, ["lines"])
    return meeting


def meetings_statement():
    """The select of every panel meeting, newest first, its chair loaded with it (for
    ``core.lists.paginate``). The list shows the date and the chair only: the members and
    the lines (with their audits) are left to load when read, not loaded for every meeting."""
    return (
        select(PanelMeeting)
        .options(
            joinedload(PanelMeeting.chair),
            lazyload(PanelMeeting.members),
            lazyload(PanelMeeting.lines),
        )
        .order_by(PanelMeeting.held_on.desc(), PanelMeeting.id.desc())
    )


@dataclass(frozen=True, slots=True)
class ListedChair:
    """A meeting's chair as the list of meetings shows them: their name."""

    first_name: str
    last_name: str

    name = User.name


@dataclass(frozen=True, slots=True)
class ListedMeeting:
    """One row of the list of panel meetings: its id, date and chair."""

    id: int
    held_on: date
    chair: ListedChair | None


#: The chair, aliased once (an alias made afresh each request costs SQLAlchemy its cache key
#: again).
_CHAIR = aliased(User, name="chair")


def _meeting_columns(stmt):
    """``meetings_statement`` (the same meetings, in the same order) as the columns a
    ``ListedMeeting`` is made of: joined as the meeting's chair relationship joins."""
    return stmt.with_only_columns(
        PanelMeeting.id, PanelMeeting.held_on, _CHAIR.id, _CHAIR.first_name, _CHAIR.last_name
    ).outerjoin(_CHAIR, _CHAIR.id == PanelMeeting.chair_id)


def _listed_meetings(rows) -> list[ListedMeeting]:
    return [
        ListedMeeting(id_, held_on, None if chair_id is None else ListedChair(first, last))
        for id_, held_on, chair_id, first, last in rows
    ]


#: The list of panel meetings as plain rows (``core.lists.paginate``'s ``rows``): not the
#: ORM's meetings with their chair's team, service area and roles.
MEETING_ROWS = Rows(_meeting_columns, _listed_meetings)


def meeting_counts(found: list) -> list[tuple]:
    """[(meeting, audits considered, audits confirmed)] for ``found`` (a page of meetings:
    PanelMeeting or ListedMeeting, anything with an ``id``), in its order (one statement)."""
    counts = {
        meeting_id: (total, confirmed)
        for meeting_id, total, confirmed in db.session.execute(
            select(
                ModerationLine.meeting_id,
                func.count(),
                func.count(ModerationLine.confirmed_at),
            )
            .where(ModerationLine.meeting_id.in_([m.id for m in found]))
            .group_by(ModerationLine.meeting_id)
        )
    }
    return [(m, *counts.get(m.id, (0, 0))) for m in found]


# -- the outcome -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionGrades:
    """One graded section (or the overall grade, key "overall"): the auditor's and the
    moderator's grade (GradeLevel or None) and the panel's agreed grade and reason."""

    key: str
    title: str
    auditor: GradeLevel | None
    moderator: GradeLevel | None
    agreed: GradeLevel | None
    reason: str

    @property
    def changed(self) -> bool:
        """The agreed grade differs from the auditor's."""
        return self.agreed is not None and (
            self.auditor is None or self.agreed.id != self.auditor.id
        )


def section_grades(line: ModerationLine) -> list[SectionGrades]:
    """The graded sections of the audit's tool version in order, then "overall": the
    auditor's and the moderator's section grades (one statement over both forms' answers)
    and what the panel agreed (stored on the line)."""
    from qaweb.tools.models import Answer
    from qaweb.tools.schema import OVERALL, OVERALL_GRADE, SECTION_GRADE

    theirs, ours = line.audit.response_id, line.response_id
    grades = {g.id: g for g in db.session.scalars(select(GradeLevel))}
    found: dict[tuple[str, int], int] = {}
    for response_id, section, grade_id in db.session.execute(
        select(Answer.response_id, Answer.section_key, Answer.grade_level_id).where(
            Answer.response_id.in_([r for r in (theirs, ours) if r is not None]),
            Answer.grade_level_id.is_not(None),
            or_(
                Answer.question_key == SECTION_GRADE,
                and_(Answer.section_key == OVERALL, Answer.question_key == OVERALL_GRADE),
            ),
        )
    ):
        found[(section, response_id)] = grade_id
    agreed = {s["key"]: s for s in line.agreed_sections or []}
    out = []
    definition = line.audit.response.tool_version.definition if line.audit.response else {}
    for section in definition.get("sections", []):
        key = section["key"]
        if (key, theirs) not in found and (key, ours) not in found:
            continue
        chosen = agreed.get(key, {})
        out.append(
            SectionGrades(
                key,
                section["title"],
                grades.get(found.get((key, theirs))),
                grades.get(found.get((key, ours))),
                grades.get(chosen.get("grade_level_id")),
                chosen.get("reason", ""),
            )
        )
    out.append(
        SectionGrades(
            OVERALL,
            "Overall grade",
            grades.get(found.get((OVERALL, theirs))) or line.audit.grade,
            grades.get(found.get((OVERALL, ours))),
            line.agreed_grade,
            line.agreed_reason,
        )
    )
    return out


def outcome_problems(rows: list[SectionGrades], chosen: dict[str, tuple[int | None, str]]):
    """{section key: message} for each agreed grade the panel must still give, or whose
    change from the auditor's grade has no reason. ``chosen`` is {key: (grade id, reason)}.
    Rule: a reason for any grade that differs from the auditor's (Wokingham §2)."""
    problems = {}
    for row in rows:
        grade_id, reason = chosen.get(row.key, (None, ""))
        if grade_id is None:
            problems[row.key] = f"Select the agreed grade for {row.title.lower()}"
            if row.key == "overall":
                problems[row.key] = "Select the agreed overall grade"
        elif (row.auditor is None or grade_id != row.auditor.id) and not reason.strip():
            was = row.auditor.label if row.auditor else "not graded"
            problems[row.key] = (
                f"Give the reason the agreed grade for {row.title.lower()} differs from the "
                f"auditor's ({was})"
            )
    return problems


def can_record_outcome(user: User, line: ModerationLine) -> bool:
    """The QA officer or the meeting's chair, once the moderator has submitted and the audit
    is at a panel meeting, until the panel confirms; never the audit's own auditor."""
    return bool(
        line.moderated_at is not None
        and line.meeting is not None
        and line.confirmed_at is None
        and line.audit.auditor_id != user.id
        and can_edit_meeting(user, line.meeting)
    )


def save_outcome(line: ModerationLine, chosen: dict[str, tuple[int | None, str]], texts: dict):
    """Store the panel's outcome: ``chosen`` {section key or "overall": (grade id, reason)}
    and ``texts`` (the TEXTS fields). Partial outcomes are kept (the panel may come back to
    it); ``confirm`` checks it is whole. Raises ModerationError once confirmed or for a grade
    not on the scale."""
    if line.confirmed_at is not None:
        raise ModerationError("The panel has confirmed this moderation: it cannot be changed")
    scale = {g.id for g in db.session.scalars(select(GradeLevel))}
    if any(g is not None and g not in scale for g, _ in chosen.values()):
        raise ModerationError("Select grades from the council's grading scale")
    overall, reason = chosen.get("overall", (None, ""))
    line.agreed_grade_level_id, line.agreed_reason = overall, reason.strip()
    line.agreed_sections = [
        {"key": key, "grade_level_id": grade, "reason": why.strip()}
        for key, (grade, why) in chosen.items()
        if key != "overall"
    ]
    for name in TEXTS:
        setattr(line, name, (texts.get(name) or "").strip())
    db.session.flush()
    db.session.expire(line, ["agreed_grade"])


def confirm(line: ModerationLine, by: User) -> None:
    """The panel confirms its moderation: from now the auditor and the team manager see it
    and are emailed (kind "moderation"). Raises ModerationError unless ``by`` may record the
    outcome, every graded section and the overall grade is agreed, and every change from the
    auditor's grade has its reason."""
    from qaweb.core.notify import absolute_url, notify

    if line.confirmed_at is not None:
        raise ModerationError("The panel has confirmed this moderation already")
    if not can_record_outcome(by, line):
        raise ModerationError("Only the panel's chair or the QA team can confirm the moderation")
    rows = section_grades(line)
    chosen = {r.key: (r.agreed.id if r.agreed else None, r.reason) for r in rows}
    problems = outcome_problems(rows, chosen)
    if problems:
        raise ModerationError(
            "Before confirming, record the panel's outcome: " + next(iter(problems.values()))
        )
    line.confirmed_at = utcnow()
    line.confirmed_by_id = by.id
    db.session.flush()
    overall = next(r for r in rows if r.key == "overall")
    told = feedback_recipients(line)
    notify(
        "moderation",
        told,
        f"Moderation of case-file audit {line.audit.reference} confirmed: agreed grade "
        f"{overall.agreed.label}",
        "moderation_confirmed",
        {"line": line, "audit": line.audit, "overall": overall, "rows": rows},
        key=f"moderation:{line.id}:confirmed",
        link=absolute_url("moderation.line", line_id=line.id),
    )


def feedback_recipients(line: ModerationLine) -> list[User]:
    """The auditor and the case's team managers (active): who the panel's feedback goes to
    (Wokingham §2)."""
    audit = line.audit
    managers = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role == TEAM_MANAGER, User.team_id == audit.team_id)
        .order_by(User.last_name, User.first_name)
    )
    return [p for p in [audit.auditor, *managers] if p is not None]


def receives_feedback(user: User, line: ModerationLine) -> bool:
    """Once confirmed: the auditor, the case's team manager and the practitioner's line
    manager read the panel's moderation."""
    audit = line.audit
    if line.confirmed_at is None or line.status != SELECTED:
        return False
    if user.id in (audit.auditor_id, audit.practitioner.line_manager_id):
        return True
    return user.team_id == audit.team_id and has_any_role(user, TEAM_MANAGER)


def confirmed_line(audit: CaseAudit) -> ModerationLine | None:
    """The audit's moderation the panel has confirmed, if any."""
    return db.session.scalar(
        select(ModerationLine)
        .where(
            ModerationLine.audit_id == audit.id,
            ModerationLine.status == SELECTED,
            ModerationLine.confirmed_at.is_not(None),
        )
        .order_by(ModerationLine.id.desc())
        .limit(1)
    )


def agreed_grade_column():
    """The overall grade an audit counts with "after moderation": the panel's agreed grade
    where it has confirmed a moderation, else the auditor's. Use it in a statement given
    ``with_confirmed`` (the outer join it reads)."""
    return func.coalesce(_CONFIRMED.agreed_grade_level_id, CaseAudit.grade_level_id)


def with_confirmed(stmt):
    """``stmt`` (over ``CaseAudit``) outer-joined to the audit's confirmed moderation, if any
    (an audit is in one month's sample, so at most one)."""
    return stmt.outerjoin(
        _CONFIRMED,
        and_(
            _CONFIRMED.audit_id == CaseAudit.id,
            _CONFIRMED.status == SELECTED,
            _CONFIRMED.confirmed_at.is_not(None),
        ),
    )


def blinded_audit_ids(user):
    """SELECT of the ids of the audits ``user`` (a User, or a user id) is moderating and has
    not yet submitted: the auditor's grades are kept from them everywhere (lists, records,
    reports, exports) until they submit their own (double entry)."""
    if isinstance(user, int):
        user_id = user
    else:
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        user_id = user.id if signed_in else -1
    return select(ModerationLine.audit_id).where(
        ModerationLine.moderator_id == user_id,
        ModerationLine.status == SELECTED,
        ModerationLine.moderated_at.is_(None),
    )


def blinded_ids(user: User | None) -> frozenset[int]:
    """``blinded_audit_ids`` as a set (one statement)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(db.session.scalars(blinded_audit_ids(user)))


# -- for the QA report -------------------------------------------------------------------------


@dataclass(frozen=True)
class LearningPoint:
    """One confirmed moderation's organisational learning: the audit's reference, its team
    and the panel's words."""

    reference: str
    team: str
    text: str


@dataclass(frozen=True)
class ModerationSummary:
    """Moderations the panel confirmed in a period: how many, how many changed the overall
    grade (down: the panel graded lower; up: higher) and the learning points."""

    confirmed: int
    changed_down: int
    changed_up: int
    learning_points: tuple[LearningPoint, ...]


def summary(period, area_id: int | None = None) -> ModerationSummary:
    """The panel's confirmed moderations of audits completed in ``period`` (anything with
    ``start`` and ``end`` dates, such as ``core.years.Period``) for one service area (None:
    the council), for the QA report's case-file audit section and learning themes (Wokingham
    §2: organisational learning from the panel). Two statements."""
    auditor_grade, agreed_grade = aliased(GradeLevel), aliased(GradeLevel)
    conditions = [
        ModerationLine.status == SELECTED,
        ModerationLine.confirmed_at.is_not(None),
        CaseAudit.status == COMPLETED,
        CaseAudit.completed_on.between(period.start, period.end),
    ]
    if area_id:
        conditions.append(
            CaseAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area_id))
        )
    confirmed, down, up = db.session.execute(
        select(
            func.count(),
            func.count().filter(agreed_grade.position > auditor_grade.position),
            func.count().filter(agreed_grade.position < auditor_grade.position),
        )
        .select_from(ModerationLine)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .outerjoin(auditor_grade, auditor_grade.id == CaseAudit.grade_level_id)
        .outerjoin(agreed_grade, agreed_grade.id == ModerationLine.agreed_grade_level_id)
        .where(*conditions)
    ).one()
    points = tuple(
        LearningPoint(f"CFA-{audit_id:05d}", team, text)
        for audit_id, team, text in db.session.execute(
            select(CaseAudit.id, Team.name, ModerationLine.learning_points)
            .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
            .join(Team, Team.id == CaseAudit.team_id)
            .where(*conditions, ModerationLine.learning_points != "")
            .order_by(CaseAudit.completed_on, CaseAudit.id)
        )
    )
    return ModerationSummary(confirmed, down, up, points)


def member_of(user: User, line: ModerationLine) -> bool:
    """The chair or a member of the panel meeting considering ``line``."""
    if line.meeting_id is None:
        return False
    return bool(
        line.meeting.chair_id == user.id
        or db.session.scalar(
            select(func.count())
            .select_from(panel_member)
            .where(panel_member.c.meeting_id == line.meeting_id, panel_member.c.user_id == user.id)
        )
    )
