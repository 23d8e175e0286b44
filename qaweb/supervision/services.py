"""The rules of supervision audits: the year, the plan, who may do what, and each step."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select

from qaweb.core import labels, years
from qaweb.core.db import utcnow
from qaweb.core.lists import contains
from qaweb.core.notify import absolute_url, notify
from qaweb.core.permissions import (
    QA_OFFICER,
    SERVICE_MANAGER,
    TEAM_MANAGER,
    has_any_role,
    managed_teams_conditions,
    manages_area,
)
from qaweb.core.settings import get_setting, whole_number
from qaweb.core.timefmt import format_date, today_london
from qaweb.extensions import db
from qaweb.organisation.models import Team, User, UserRole
from qaweb.supervision.models import (
    ANSWERED,
    AWAITING_FEEDBACK,
    CANCELLED,
    COMPLETED,
    IN_PROGRESS,
    OPEN_STATUSES,
    PLANNED,
    READY_FOR_REFLECTIVE,
    REQUESTED,
    WITHDRAWN,
    FeedbackRequest,
    SupervisionAudit,
)
from qaweb.tools import services as tool_services


def feedback_asked():
    """Feedback requests that count as asked in figures: not withdrawn, and not a conversation
    the auditor recorded in place of a form."""
    return and_(FeedbackRequest.status != WITHDRAWN, FeedbackRequest.in_conversation.is_(False))


TEAM_QUOTA = 2  # supervisors each team manager and assistant team manager audits a year
SERVICE_QUOTA = 1  # team managers each service manager audits a year


class SupervisionError(Exception):
    """A step the audit's state or the rules do not allow; the message says why."""


# -- the year ----------------------------------------------------------------------------


def start_month() -> int:
    """The month (1 to 12) the supervision audit year starts in, from the council's settings; April
    (4) when the setting is not a month."""
    return whole_number("supervision_year_start_month", 4, 1, 12)


def year_for(day: date) -> int:
    """The audit year (its starting calendar year) that ``day`` falls in."""
    return years.year_for(day, start_month())


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of the audit year starting in ``year`` (``start_month``)."""
    return years.year_bounds(year, start_month())


def year_label(year: int) -> str:
    """The audit year as "April 2026 to March 2027"."""
    return years.year_label(year, start_month())


def year_labels(chosen) -> dict[int, str]:
    """Labels for several years, reading the start month once."""
    month = start_month()
    return {year: years.year_label(year, month) for year in chosen}


def feedback_threshold() -> int:
    """How many supervisees' feedback answers the audit page needs before it shows them
    combined (the council's setting, at least 1; 3 when the setting is not a number)."""
    try:
        return max(1, int(get_setting("supervisee_feedback_threshold")))
    except ValueError:
        return 3


# -- people --------------------------------------------------------------------------------


def supervisors_stmt():
    """Active people who line-manage at least one active person."""
    managed = select(User.line_manager_id).where(User.active, User.line_manager_id.is_not(None))
    return select(User).where(User.active, User.id.in_(managed))


def supervisees_of(supervisor: User) -> list[User]:
    """The active people ``supervisor`` line-manages, by surname."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active, User.line_manager_id == supervisor.id)
            .order_by(User.last_name, User.first_name)
        )
    )


def refusal(auditor: User, supervisor: User) -> str | None:
    """Why ``auditor`` may not audit ``supervisor``, or None."""
    if auditor.id == supervisor.id:
        return "Nobody can audit their own supervision"
    if auditor.line_manager_id == supervisor.id:
        return f"{supervisor.name} is {auditor.name}'s own supervisor"
    if supervisor.line_manager_id == auditor.id:
        return f"{supervisor.name} is supervised by {auditor.name}"
    if not supervisor.active:
        return f"{supervisor.name} has left (deactivated)"
    return None


def audited_in_year(year: int) -> dict[int, int]:
    """Supervisor id -> how many audits (not cancelled) they have this year."""
    rows = db.session.execute(
        select(SupervisionAudit.supervisor_id, func.count())
        .where(SupervisionAudit.year == year, SupervisionAudit.status != CANCELLED)
        .group_by(SupervisionAudit.supervisor_id)
    )
    return dict(rows.all())


# -- the plan ------------------------------------------------------------------------------


@dataclass
class PlanLine:
    """One line of a proposed plan: the auditor, the supervisor proposed (None: no one suitable
    left), whether they audit within the ``team`` or the ``service``, a note saying why, and the
    other ``candidates`` the planner could choose."""

    auditor: User
    supervisor: User | None
    kind: str  # "team" or "service"
    note: str = ""
    candidates: list = field(default_factory=list)


def auditors(area_id: int | None = None) -> list[User]:
    """The active team managers and service managers (those who audit supervision: Wokingham,
    seeds/000 §6), of one service area's teams or all, by surname."""
    stmt = (
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role.in_([TEAM_MANAGER, SERVICE_MANAGER]))
        .distinct()
        .order_by(User.last_name, User.first_name)
    )
    if area_id:
        stmt = stmt.join(Team, Team.id == User.team_id).where(Team.service_area_id == area_id)
    return list(db.session.scalars(stmt))


def propose_plan(
    year: int, area_id: int | None = None, first_auditor_id: int | None = None
) -> list[PlanLine]:
    """Who audits whom this year, from the team pairings and the rules.

    Takes the plan year (the year it starts in), optionally one service area's auditors, and
    an auditor whose lines are proposed first. Returns one PlanLine per audit still to plan:
    team managers and assistant team managers two supervisors from their paired team
    (TEAM_QUOTA), each service manager one team manager in their area (SERVICE_QUOTA, one
    from another area when every one in theirs is their own supervisee, said in the note).
    Never the auditor's own supervisor or supervisee (``refusal``), never someone already
    audited this year, nobody proposed twice.

    The lines are filled by maximum bipartite matching (``_match``), not one line at a time:
    a greedy pass used people up on early lines and left later ones with "no one left" (21
    of 85 lines for the demo council's first year), although a valid auditor existed for
    each. A line is left to choose only when no assignment of people to lines can fill it.
    """
    supervisors = list(db.session.scalars(supervisors_stmt().order_by(User.last_name)))
    team_managers = {
        r for r in db.session.scalars(select(UserRole.user_id).where(UserRole.role == TEAM_MANAGER))
    }
    taken = audited_in_year(year)
    existing = db.session.execute(
        select(SupervisionAudit.auditor_id, func.count())
        .where(SupervisionAudit.year == year, SupervisionAudit.status != CANCELLED)
        .group_by(SupervisionAudit.auditor_id)
    ).all()
    already_auditing = dict(existing)
    teams = {t.id: t for t in db.session.scalars(select(Team))}
    lines: list[PlanLine] = []
    #: For each line still to fill: (line, candidates from the pool, fallback candidates).
    slots: list[tuple[PlanLine, list[User], list[User], str]] = []
    ordered = sorted(auditors(area_id), key=lambda a: a.id != first_auditor_id)

    def order(people):
        return sorted(people, key=lambda s: (s.last_name, s.first_name, s.id))

    for auditor in ordered:
        if auditor.team_id is None:
            continue
        team = teams[auditor.team_id]
        fallback = []
        if has_any_role(auditor, SERVICE_MANAGER):
            kind, quota = "service", SERVICE_QUOTA
            managers = [s for s in supervisors if s.id in team_managers and s.team_id]
            pool = [s for s in managers if teams[s.team_id].service_area_id == team.service_area_id]
            # Team managers are usually the service manager's own supervisees: then one from
            # another area is proposed, and said so.
            fallback = [s for s in managers if s not in pool]
            where = f"team managers in {team.service_area.name}"
        else:
            kind, quota = "team", TEAM_QUOTA
            if team.paired_team_id is None:
                lines.append(PlanLine(auditor, None, "team", f"{team.name} has no paired team"))
                continue
            pool = [s for s in supervisors if s.team_id == team.paired_team_id]
            where = f"supervisors in {teams[team.paired_team_id].name}"

        def valid(people, auditor=auditor):
            return order(s for s in people if refusal(auditor, s) is None and not taken.get(s.id))

        eligible, others = valid(pool), valid(fallback)
        for _ in range(quota - already_auditing.get(auditor.id, 0)):
            line = PlanLine(auditor, None, kind, candidates=[*eligible, *others])
            lines.append(line)
            slots.append((line, eligible, others, where))

    # First fill every line its own pool can fill; then let lines whose pool is used up
    # take someone from another area. Augmenting never empties a filled line, so the
    # second pass keeps every own-pool choice it does not need to move.
    match: dict[int, int] = {}  # supervisor id -> slot index
    people = {s.id: s for _, pool, others, _ in slots for s in [*pool, *others]}
    own = [[s.id for s in pool] for _, pool, _, _ in slots]
    _match(own, match)
    wider = [[s.id for s in pool] + [s.id for s in others] for _, pool, others, _ in slots]
    _match(wider, match, only=[i for i in range(len(slots)) if i not in match.values()])
    for supervisor_id, index in match.items():
        line, pool, _, where = slots[index]
        line.supervisor = people[supervisor_id]
        if line.supervisor not in pool:
            line.note = (
                f"Every one of the {where} is supervised by {line.auditor.name} or already "
                "audited: proposed from another area"
            )
    for line, pool, others, where in slots:
        if line.supervisor is None:
            line.note = (
                f"No one left among the {where} who has not been audited this year and "
                f"is not {line.auditor.name}'s supervisor or supervisee"
                + (", and each who could be is proposed for another line" if pool or others else "")
                + ": choose someone"
            )
    return lines


def _match(candidates: list[list[int]], match: dict[int, int], only=None) -> None:
    """Maximum bipartite matching of lines to people, by augmenting paths (Kuhn's algorithm).

    ``candidates[i]`` lists the ids of the people line ``i`` may have, in order of
    preference; ``match`` (person id -> line index) is extended in place. Trying each
    unfilled line once gives a maximum matching: a line with no augmenting path now never
    gets one later (Berge). Lines already filled stay filled, only perhaps with someone else.

    Written here rather than taken from networkx or scipy (``linear_sum_assignment``): a plan
    has at most a few hundred lines, the search is a dozen lines, and neither library is
    otherwise needed. O(lines × edges), well under a second for any council.
    """

    def augment(i: int, visited: set[int]) -> bool:
        for person in candidates[i]:
            if person in visited:
                continue
            visited.add(person)
            if person not in match or augment(match[person], visited):
                match[person] = i
                return True
        return False

    for i in only if only is not None else range(len(candidates)):
        if i not in match.values():
            augment(i, set())


def confirm_line(
    year: int, auditor: User, supervisor: User, due_on: date, by: User, override_reason: str = ""
) -> SupervisionAudit:
    """Add one planned audit, applying every rule; raises SupervisionError with the reason."""
    reason = refusal(auditor, supervisor)
    if reason:
        raise SupervisionError(reason)
    if audited_in_year(year).get(supervisor.id) and not override_reason.strip():
        raise SupervisionError(
            f"{supervisor.name} already has an audit this year: give a reason to audit again"
        )
    audit = SupervisionAudit(
        year=year,
        supervisor=supervisor,
        supervisor_id=supervisor.id,
        auditor=auditor,
        auditor_id=auditor.id,
        team_id=supervisor.team_id,
        due_on=due_on,
        status=PLANNED,
        override_reason=override_reason.strip(),
        planned_by_id=by.id,
    )
    db.session.add(audit)
    db.session.flush()
    notify(
        "supervision",
        [auditor],
        f"Supervision audit for you to do: {supervisor.name}, due {format_date(due_on)}",
        "supervision_allocated",
        {"audit": audit},
        key=f"supervision:{audit.id}:allocated",
        link=absolute_url("supervision.audit", audit_id=audit.id),
    )
    return audit


# -- permissions ---------------------------------------------------------------------------


def is_supervisor(user: User, audit: SupervisionAudit) -> bool:
    """The person audited: whatever else their roles allow, only the finished audit."""
    return audit.supervisor_id == user.id


def manages_area_of(user: User, audit: SupervisionAudit) -> bool:
    """A service manager of the area of the audit's team (the supervisor's team when it was
    planned, as the list's ``team_id`` condition reads it)."""
    return not is_supervisor(user, audit) and manages_area(user, audit.team)


def can_plan(user: User) -> bool:
    """True for QA officers and service managers: they plan the year's audits."""
    return has_any_role(user, QA_OFFICER, SERVICE_MANAGER)


def can_view(user: User, audit: SupervisionAudit) -> bool:
    """Open the audit: the QA team and its auditor; the service manager of its team's area;
    the supervisor and their line manager once it is completed, never the supervisor before.
    The list's side of this rule is ``list_condition``, just below (a test checks they agree
    for every role). Reads only the loaded audit and person: no query."""
    if is_supervisor(user, audit):
        return audit.status == COMPLETED
    if has_any_role(user, QA_OFFICER) or audit.auditor_id == user.id:
        return True
    if manages_area_of(user, audit):
        return True
    return audit.status == COMPLETED and audit.supervisor.line_manager_id == user.id


def list_condition(user: User):
    """SQL: the audits ``can_view`` lets ``user`` open, which their list shows; never their
    own until it is completed."""
    own_unfinished = and_(
        SupervisionAudit.supervisor_id == user.id, SupervisionAudit.status != COMPLETED
    )
    if has_any_role(user, QA_OFFICER):
        return ~own_unfinished
    conditions = [
        SupervisionAudit.auditor_id == user.id,
        and_(SupervisionAudit.supervisor_id == user.id, SupervisionAudit.status == COMPLETED),
        and_(
            SupervisionAudit.status == COMPLETED,
            SupervisionAudit.supervisor_id.in_(
                select(User.id).where(User.line_manager_id == user.id)
            ),
        ),
    ]
    conditions += managed_teams_conditions(user, SupervisionAudit.team_id, team_managers=False)
    return and_(or_(*conditions), ~own_unfinished)


def can_work_on(user: User, audit: SupervisionAudit) -> bool:
    """Record the audit's steps: the auditor (and the QA team)."""
    return (
        audit.is_open
        and not is_supervisor(user, audit)
        and (audit.auditor_id == user.id or has_any_role(user, QA_OFFICER))
    )


def can_cancel(user: User, audit: SupervisionAudit) -> bool:
    """True while the audit is open, for its auditor, QA officers and the area's managers (never the
    supervisor audited)."""
    return audit.is_open and may_cancel(user, audit)


def may_cancel(user: User, audit: SupervisionAudit) -> bool:
    """``can_cancel`` without the audit's state: whether ``user`` is one of the people who may
    cancel it. The cancel page checks a post with this, so that when a colleague cancelled or
    finished the audit meanwhile the person sees their change and keeps the typed reason
    (``services.cancel`` then refuses), rather than a 403."""
    return not is_supervisor(user, audit) and (
        audit.auditor_id == user.id
        or has_any_role(user, QA_OFFICER)
        or manages_area_of(user, audit)
    )


def sees_each_feedback(user: User, audit: SupervisionAudit) -> bool:
    """The auditor and the QA team see each supervisee's answers; the supervisor never does."""
    return user.id != audit.supervisor_id and (
        audit.auditor_id == user.id or has_any_role(user, QA_OFFICER)
    )


def can_see_history(user: User, audit: SupervisionAudit) -> bool:
    """The history names who did what (and so who replied): not for the supervisor."""
    return not is_supervisor(user, audit) and (
        sees_each_feedback(user, audit) or manages_area_of(user, audit)
    )


# -- the steps -----------------------------------------------------------------------------


def current_tool_or_none(kind: str):
    """The published tool of ``kind`` (``current_tool``), or None when none is published."""
    try:
        return current_tool(kind)
    except SupervisionError:
        return None


def current_tool(kind: str):
    """``tools.services.current_version(kind)``; SupervisionError when none is published."""
    version = tool_services.current_version(kind)
    if version is not None:
        return version
    name = labels.label(kind, "qa_tool.kind").lower()
    raise SupervisionError(f"There is no published {name} tool: an administrator must publish one")


def start(audit: SupervisionAudit, by: User) -> None:
    """Start a planned audit on the published supervision audit tool (a new form response). Raises
    SupervisionError when the audit has started already or no tool is published."""
    if audit.status != PLANNED:
        raise SupervisionError("This audit has already started.")
    version = current_tool("supervision_audit")
    response = tool_services.start_response(version, "supervision_audit", audit.id, by)
    audit.response_id = response.id
    audit.status = IN_PROGRESS


def request_feedback(audit: SupervisionAudit, supervisees: list[User], due_on: date):
    """Ask supervisees of the audited supervisor for their views."""
    if audit.status not in (IN_PROGRESS, AWAITING_FEEDBACK):
        raise SupervisionError("Feedback can be asked for while the audit is in progress.")
    asked = {f.supervisee_id for f in audit.feedback if f.status != "withdrawn"}
    version = current_tool("supervisee_feedback")
    made = []
    for person in supervisees:
        if person.line_manager_id != audit.supervisor_id or not person.active:
            raise SupervisionError(f"{person.name} is not supervised by {audit.supervisor.name}")
        if person.id in asked:
            continue
        response = tool_services.start_response(version, "supervisee_feedback", None, person)
        request = FeedbackRequest(
            audit=audit,
            supervisee_id=person.id,
            due_on=due_on,
            response_id=response.id,
            status=REQUESTED,
        )
        db.session.add(request)
        db.session.flush()
        response.subject_id = request.id
        made.append(request)
        notify(
            "supervision",
            [person],
            f"Your views on {audit.supervisor.name}'s supervision, by {format_date(due_on)}",
            "supervision_feedback",
            {"audit": audit, "request": request},
            key=f"supervision-feedback:{request.id}:asked",
            link=absolute_url("responses.show", response_id=response.id),
        )
    return made


def record_conversation(audit: SupervisionAudit, by: User) -> FeedbackRequest:
    """Feedback the auditor took in conversation, recorded on the same form."""
    if audit.status not in (IN_PROGRESS, AWAITING_FEEDBACK):
        raise SupervisionError("Feedback can be recorded while the audit is in progress.")
    version = current_tool("supervisee_feedback")
    response = tool_services.start_response(version, "supervisee_feedback", None, by)
    request = FeedbackRequest(
        audit=audit,
        supervisee_id=None,
        in_conversation=True,
        due_on=today_london(),
        response_id=response.id,
        status=REQUESTED,
    )
    db.session.add(request)
    db.session.flush()
    response.subject_id = request.id
    return request


def outstanding_feedback(audit: SupervisionAudit) -> list[FeedbackRequest]:
    """The audit's feedback requests still awaited."""
    return [f for f in audit.feedback if f.status == REQUESTED]


def withdraw_feedback(request: FeedbackRequest) -> None:
    """Stop waiting for someone (they left, or will not reply): the audit can move on."""
    if request.status != REQUESTED:
        raise SupervisionError("Only feedback still awaited can be withdrawn.")
    request.status = "withdrawn"
    audit = request.audit
    if audit.status == AWAITING_FEEDBACK and not outstanding_feedback(audit):
        audit.status = READY_FOR_REFLECTIVE


def finish_audit(audit: SupervisionAudit) -> None:
    """The auditor has finished the file review: wait for feedback, or go to reflection."""
    if audit.status != IN_PROGRESS:
        raise SupervisionError("Only an audit in progress can be finished.")
    problems = []
    if audit.audited_on is None:
        problems.append("record the date of the audit")
    if audit.response is None or not audit.response.is_completed:
        problems.append("complete the supervision-audit form")
    if problems:
        raise SupervisionError("Before finishing, " + " and ".join(problems) + ".")
    audit.status = AWAITING_FEEDBACK if outstanding_feedback(audit) else READY_FOR_REFLECTIVE


def feedback_answered(request: FeedbackRequest) -> None:
    """Mark ``request`` answered (now, UTC); the last answer makes the audit ready for the
    reflective session (Wokingham, seeds/000 §6)."""
    request.status = ANSWERED
    request.answered_at = utcnow()
    audit = request.audit
    if audit.status == AWAITING_FEEDBACK and not outstanding_feedback(audit):
        audit.status = READY_FOR_REFLECTIVE


def record_reflective(audit: SupervisionAudit, held_on: date, notes: str) -> None:
    """Record the reflective session with the supervisor (``held_on``, ``notes``), which completes
    the audit and tells the supervisor (Wokingham, seeds/000 §6: the session closes the audit).
    Raises SupervisionError before the audit and the feedback are done."""
    if audit.status != READY_FOR_REFLECTIVE:
        raise SupervisionError(
            "The reflective session comes after the audit and the supervisees' feedback."
        )
    audit.reflective_on = held_on
    audit.reflective_notes = notes.strip()
    audit.status = COMPLETED
    audit.completed_at = utcnow()
    notify(
        "supervision",
        [audit.supervisor],
        "Your supervision audit is complete",
        "supervision_complete",
        {"audit": audit},
        key=f"supervision:{audit.id}:complete",
        link=absolute_url("supervision.audit", audit_id=audit.id),
    )


def cancel(audit: SupervisionAudit, reason: str) -> None:
    """Cancel an open audit with ``reason``; feedback still awaited is withdrawn. Raises
    SupervisionError for an audit already completed or cancelled."""
    if not audit.is_open:
        raise SupervisionError(f"This audit is already {audit.status_label.lower()}.")
    audit.status = CANCELLED
    audit.cancelled_reason = reason.strip()
    for request in outstanding_feedback(audit):
        request.status = "withdrawn"


def answered_feedback(audit: SupervisionAudit) -> list[FeedbackRequest]:
    """The audit's feedback requests answered."""
    return [f for f in audit.feedback if f.status == ANSWERED]


def open_audits_filter():
    """The SQL condition on SupervisionAudit for audits not completed or cancelled."""
    return SupervisionAudit.status.in_(OPEN_STATUSES)


def filtered(user, filters: dict):
    """The supervision audits list's statement, shared by the list page and its export:
    ``select(SupervisionAudit)`` limited to what ``user`` may see (``list_condition``) and to
    ``filters`` (``AuditFilterForm.cleaned()``: year, status, team, overdue, q: words of the
    supervisor's or auditor's name), in order of due date. Raises nothing."""
    stmt = select(SupervisionAudit)
    condition = list_condition(user)
    if condition is not None:
        stmt = stmt.where(condition)
    if filters.get("year"):
        stmt = stmt.where(SupervisionAudit.year == int(filters["year"]))
    if filters.get("status"):
        stmt = stmt.where(SupervisionAudit.status == filters["status"])
    if filters.get("team"):
        stmt = stmt.where(SupervisionAudit.team_id == int(filters["team"]))
    if filters.get("overdue"):
        stmt = stmt.where(open_audits_filter(), SupervisionAudit.due_on < today_london())
    if filters.get("q"):
        term = contains(filters["q"])
        names = select(User.id).where(
            (User.first_name + " " + User.last_name).ilike(term, escape="\\")
        )
        stmt = stmt.where(
            or_(SupervisionAudit.supervisor_id.in_(names), SupervisionAudit.auditor_id.in_(names))
        )
    return stmt.order_by(SupervisionAudit.due_on, SupervisionAudit.id)
