"""The rules of case-file audits: timescales, the month's sample, allocation, who sees what.

Sources: Wokingham QA framework §2 (reflective practice core audits allocated on the 1st and
completed within one calendar month; shared with the practitioner, line manager and team
manager) and Halton QA framework (004: allocated on the 7th, 10 days to complete, re-audit of
an Inadequate case after one month, dip sample after three).
"""

import calendar
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, func, or_, select

from qaweb.case_audits.models import (
    ALLOCATED,
    CASE_TYPES,
    COMPLETED,
    COUNTED_STATUSES,
    SAMPLE,
    SAMPLED,
    SWAPPED,
    CaseAudit,
    CaseFile,
    CaseSample,
    case_type_named,
)
from qaweb.core.db import utcnow
from qaweb.core.notify import absolute_url, notify
from qaweb.core.permissions import QA_OFFICER, ROLES, SERVICE_MANAGER, TEAM_MANAGER, has_any_role
from qaweb.core.samples import rule_lines
from qaweb.core.settings import get_setting, whole_number
from qaweb.core.timefmt import format_date
from qaweb.core.workdays import add_working_days
from qaweb.extensions import db
from qaweb.organisation.models import Team, User, UserRole


class CaseAuditError(Exception):
    """A step the rules do not allow; the message says why."""


class AllocationRefused(CaseAuditError):
    """Some lines of an allocation break a rule: ``problems`` maps line id -> reason."""

    def __init__(self, problems: dict[int, str]):
        super().__init__("Nothing has been allocated")
        self.problems = problems


# -- settings --------------------------------------------------------------------------------


def per_team() -> int:
    """Cases sampled per team each month (setting, default 2)."""
    return whole_number("case_audit_per_team", 2, 0, 50)


def allocation_day() -> int:
    """Day of the month audits are allocated: Wokingham the 1st, Halton the 7th."""
    return whole_number("case_audit_allocation_day", 1, 1, 28)


def exclusion_months() -> int:
    """Months a case stays out of the sample after it was last sampled or audited (setting
    case_audit_exclusion_months, 0 to 60, default 12; ``recently_audited``)."""
    return whole_number("case_audit_exclusion_months", 12, 0, 60)


def follow_up_months() -> tuple[int, int]:
    """(months to the re-audit, months to the dip sample) after an Inadequate audit."""
    return (
        whole_number("case_audit_reaudit_months", 1, 1, 24),
        whole_number("case_audit_dip_sample_months", 3, 1, 36),
    )


def auditor_roles() -> list[str]:
    """The roles whose holders are in the auditor pool: setting case_audit_auditor_roles,
    role names separated by ";" (unknown names dropped); team and service managers when
    none is left (Wokingham §2: audits by managers)."""
    roles = [r.strip() for r in get_setting("case_audit_auditor_roles").split(";")]
    return [r for r in roles if r in ROLES] or [TEAM_MANAGER, SERVICE_MANAGER]


def exclude_own_team() -> bool:
    """True when an auditor may not audit their own team's cases (setting
    case_audit_exclude_own_team "yes"/"y"/"true"; ``refusal``)."""
    return get_setting("case_audit_exclude_own_team").strip().lower() in ("yes", "y", "true")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(allocated_on: date) -> date:
    """When an audit allocated on ``allocated_on`` is due: the council's time to complete, in
    calendar months (Wokingham: 1), calendar days or working days (Halton: 10)."""
    amount = whole_number("case_audit_time_to_complete", 1, 1, 365)
    unit = get_setting("case_audit_completion_unit").strip()
    if unit == "working_days":
        return add_working_days(allocated_on, amount)
    if unit == "calendar_days":
        return date.fromordinal(allocated_on.toordinal() + amount)
    return add_months(allocated_on, amount)


def action_due_date(raised_on: date) -> date:
    """The due date a new action from an audit starts with: the council's working days to
    complete actions (Halton: 5 working days) after ``raised_on``."""
    return add_working_days(raised_on, whole_number("case_audit_days_for_actions", 20, 1, 365))


def allocation_date(month: date, today: date) -> date:
    """The month's allocation day, or today when allocating after it."""
    day = date(month.year, month.month, allocation_day())
    return max(day, today)


def month_label(month: date) -> str:
    """``month`` as its name and year, "March 2026" (the day is ignored)."""
    return f"{calendar.month_name[month.month]} {month.year}"


# -- the sample ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """'every' case of a type, or 'count' cases of a type, in each team's share."""

    kind: str
    case_type: str
    count: int = 0

    def label(self) -> str:
        """The rule as the sample shows it beside each case it chose ("Every child protection
        case", "1 child in care")."""
        if self.kind == "every":
            return f"Every {self.case_type} case"
        return f"{self.count} {self.case_type}"


def parse_rules(text: str) -> list[Rule]:
    """Rules typed one a line: "every child protection" or "1 child in care". A case type
    may be given by another name for it ("every CP", "2 CLA": ``models.case_type_named``)
    and is kept as the case type's name in lower case, as the sample shows it.

    Raises CaseAuditError naming the line that is neither, or whose case type is not one
    qaweb knows (a case list holds only those, so such a rule could choose nothing).
    """
    rules = []
    for number, first, typed in rule_lines(text):
        if not typed:
            raise CaseAuditError(f"Rule {number} must name a case type after '{first}'")
        every = first.lower() == "every"
        if not every and not (first.isascii() and first.isdigit() and 0 < int(first) <= 50):
            raise CaseAuditError(
                f"Rule {number} must start with 'every' or a number from 1 to 50, "
                f"for example 'every child protection' or '1 child in care'"
            )
        named = case_type_named(typed)
        if named is None:
            raise CaseAuditError(
                f"Rule {number}: '{typed}' is not a case type in qaweb: use "
                + ", ".join(t.lower() for t in CASE_TYPES[:-1])
                + f" or {CASE_TYPES[-1].lower()} (or CIN, CP, CLA or another usual short name)"
            )
        # As typed when it is the name (the sample shows "Every child protection case"), the
        # name when it is another name for it ("CP").
        squeezed = " ".join(typed.split())
        rest = squeezed if squeezed.lower() == named.lower() else named.lower()
        rules.append(Rule("every", rest) if every else Rule("count", rest, int(first)))
    return rules


def rules_text(rules: list[dict]) -> str:
    """Stored rules ({"kind": "every" or "count", "case_type", "count"}) as the text typed on
    the sample form, one a line; ``parse_rules`` reads it back."""
    return "\n".join(
        f"every {r['case_type']}" if r["kind"] == "every" else f"{r['count']} {r['case_type']}"
        for r in rules
    )


def recently_audited(month: date):
    """SELECT of case ids sampled, allocated or audited in the exclusion window before
    ``month`` (setting, default 12 months), in any other month's sample."""
    since = add_months(month, -exclusion_months())
    return select(CaseAudit.case_id).where(
        CaseAudit.status.in_(COUNTED_STATUSES),
        CaseAudit.month >= since,
        CaseAudit.month != month,
    )


def eligible_cases(month: date) -> list[CaseFile]:
    """Open cases on ``month``'s list not audited in the exclusion window, by case number."""
    return list(
        db.session.scalars(
            select(CaseFile)
            .where(
                CaseFile.listed_month == month,
                CaseFile.closed.is_(False),
                CaseFile.id.not_in(recently_audited(month)),
            )
            .order_by(CaseFile.case_number)
        )
    )


def _choose(rng: random.Random, cases: list[CaseFile], quota: int, rules: list[Rule]):
    """One team's share: the rules' cases first, then chance, to ``quota`` (more when the
    rules ask for more). Returns [(case, chosen_by)]."""
    chosen: list[tuple[CaseFile, str]] = []
    left = list(cases)
    for rule in rules:
        matching = [c for c in left if c.case_type.lower() == rule.case_type.lower()]
        picked = (
            matching
            if rule.kind == "every"
            else rng.sample(matching, min(rule.count, len(matching)))
        )
        chosen += [(c, rule.label()) for c in picked]
        left = [c for c in left if c not in picked]
    extra = max(0, quota - len(chosen))
    chosen += [(c, "Random") for c in rng.sample(left, min(extra, len(left)))]
    return chosen


def draw(
    month: date, quota: int, rules: list[Rule], by: User, seed: int | None = None
) -> CaseSample:
    """Draw (or draw again, before allocation) ``month``'s sample.

    Per team, in team-name order: every case a rule asks for, then cases at random to
    ``quota``, from ``eligible_cases`` (open, on the month's list, not audited in the last
    12 months). The random choice comes from ``seed`` (stored; a new one when None), so the
    same list, quota, rules and seed always give the same sample. Raises CaseAuditError once
    the sample is allocated, or when the month has no case list.
    """
    sample = db.session.scalar(select(CaseSample).where(CaseSample.month == month))
    if sample is not None and sample.is_allocated:
        raise CaseAuditError(f"The sample for {month_label(month)} is allocated already")
    cases = eligible_cases(month)
    if not cases:
        raise CaseAuditError(
            f"There are no cases to sample for {month_label(month)}: import the month's "
            "case list first"
        )
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    if sample is None:
        sample = CaseSample(month=month, seed=seed, per_team=quota)
        db.session.add(sample)
    else:
        db.session.execute(delete(CaseAudit).where(CaseAudit.sample_id == sample.id))
        db.session.expire(sample, ["audits"])
    sample.seed, sample.per_team, sample.drawn_by_id = seed, quota, by.id
    sample.rules = [{"kind": r.kind, "case_type": r.case_type, "count": r.count} for r in rules]
    db.session.flush()
    rng = random.Random(seed)
    teams = {t.id: t for t in db.session.scalars(select(Team))}
    by_team: dict[int, list[CaseFile]] = {}
    for case in cases:
        by_team.setdefault(case.team_id, []).append(case)
    for team_id in sorted(by_team, key=lambda t: (teams[t].name.lower(), t)):
        for case, why in _choose(rng, by_team[team_id], quota, rules):
            db.session.add(
                CaseAudit(
                    sample_id=sample.id,
                    case_id=case.id,
                    month=month,
                    kind=SAMPLE,
                    chosen_by=why,
                    status=SAMPLED,
                    team_id=case.team_id,
                    practitioner_id=case.practitioner_id,
                )
            )
    db.session.flush()
    db.session.expire(sample, ["audits"])
    return sample


def swap(line: CaseAudit, reason: str) -> CaseAudit | None:
    """Take a sampled case out with a reason and put another case from the same team in its
    place, chosen with the sample's seed and the line's id (so it is reproducible). Returns
    the new line, or None when the team has no other case left. Raises CaseAuditError after
    allocation or without a reason."""
    sample = line.sample
    if line.status != SAMPLED or sample is None or sample.is_allocated:
        raise CaseAuditError("Only a case in a sample not yet allocated can be swapped out")
    if not reason.strip():
        raise CaseAuditError("Give the reason for swapping the case out")
    line.status = SWAPPED
    line.swap_reason = reason.strip()
    in_sample = {a.case_id for a in sample.audits}
    left = [
        c
        for c in eligible_cases(sample.month)
        if c.team_id == line.team_id and c.id not in in_sample
    ]
    if not left:
        db.session.flush()
        return None
    case = random.Random(f"{sample.seed}-{line.id}").choice(left)
    made = CaseAudit(
        sample_id=sample.id,
        case_id=case.id,
        month=sample.month,
        kind=SAMPLE,
        chosen_by=f"In place of case {line.case.case_number}",
        status=SAMPLED,
        team_id=case.team_id,
        practitioner_id=case.practitioner_id,
    )
    db.session.add(made)
    db.session.flush()
    db.session.expire(sample, ["audits"])
    return made


# -- allocation ------------------------------------------------------------------------------


def auditor_pool() -> list[User]:
    """Active people holding a role in the council's auditor pool (setting), by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(auditor_roles()))),
            )
            .order_by(User.last_name, User.first_name, User.id)
        )
    )


def refusal(auditor: User, line: CaseAudit) -> str | None:
    """Why ``auditor`` may not audit this case, or None: never the practitioner, their line
    manager or their team's manager; never their own team's case where the council says so."""
    practitioner = line.practitioner
    if auditor.id == practitioner.id:
        return f"{auditor.name} is the case's practitioner: nobody audits their own case"
    if practitioner.line_manager_id == auditor.id:
        return f"{auditor.name} is {practitioner.name}'s line manager"
    if auditor.team_id == line.team_id and auditor.has_any_role(TEAM_MANAGER):
        return f"{auditor.name} manages the team that holds the case"
    if auditor.team_id == line.team_id and exclude_own_team():
        return f"{auditor.name} works in the team that holds the case"
    return None


def audits_this_month(month: date) -> dict[int, int]:
    """Auditor id -> audits allocated to them in ``month`` (any kind, not swapped out)."""
    rows = db.session.execute(
        select(CaseAudit.auditor_id, func.count())
        .where(
            CaseAudit.month == month,
            CaseAudit.auditor_id.is_not(None),
            CaseAudit.status.in_(COUNTED_STATUSES),
        )
        .group_by(CaseAudit.auditor_id)
    )
    return dict(rows.all())


def propose(sample: CaseSample) -> dict[int, User | None]:
    """Line id -> proposed auditor for each sampled line: from the pool, never one
    ``refusal`` rules out, fewest audits this month first (then by name), so audits are
    spread evenly. None when nobody in the pool may audit the case."""
    pool = auditor_pool()
    load = audits_this_month(sample.month)
    proposal: dict[int, User | None] = {}
    for line in [a for a in sample.audits if a.status == SAMPLED]:
        allowed = [p for p in pool if refusal(p, line) is None]
        allowed.sort(key=lambda p: (load.get(p.id, 0), p.last_name, p.first_name, p.id))
        chosen = allowed[0] if allowed else None
        if chosen is not None:
            load[chosen.id] = load.get(chosen.id, 0) + 1
        proposal[line.id] = chosen
    return proposal


def allocate(sample: CaseSample, chosen: dict[int, User | None], today: date) -> int:
    """Allocate every sampled line to the auditor chosen for it, or nothing.

    Raises AllocationRefused with a reason per line when a line has no auditor or one
    ``refusal`` rules out. Sets each line's allocation date (the month's allocation day, or
    today if later) and due date (``due_date``). Returns the number allocated.
    """
    if sample.is_allocated:
        raise CaseAuditError(f"The sample for {month_label(sample.month)} is allocated already")
    lines = [a for a in sample.audits if a.status == SAMPLED]
    pool = {p.id for p in auditor_pool()}
    problems = {}
    for line in lines:
        auditor = chosen.get(line.id)
        if auditor is None:
            problems[line.id] = f"Choose an auditor for case {line.case.case_number}"
        elif auditor.id not in pool:
            problems[line.id] = f"{auditor.name} is not in the auditor pool"
        elif reason := refusal(auditor, line):
            problems[line.id] = reason
    if problems:
        raise AllocationRefused(problems)
    allocated_on = allocation_date(sample.month, today)
    due_on = due_date(allocated_on)
    for line in lines:
        auditor = chosen[line.id]
        line.auditor_id = auditor.id
        line.auditor = auditor
        line.status = ALLOCATED
        line.allocated_on = allocated_on
        line.due_on = due_on
    sample.allocated_at = utcnow()
    db.session.flush()
    for line in lines:
        notify(
            "case_audit",
            [line.auditor],
            f"Case-file audit for you to do: case {line.case.case_number}, due "
            f"{format_date(line.due_on)}",
            "case_audit_allocated",
            {"audit": line},
            key=f"case_audit:{line.id}:allocated",
            link=absolute_url("case_audits.audit", audit_id=line.id),
        )
    return len(lines)


def managers_told_of_inadequate(audit: CaseAudit) -> list[User]:
    """The case's team managers and its service area's service managers (active), who are
    told of an Inadequate grade the same day (Halton QA framework, audit review process)."""
    area_id = audit.team.service_area_id
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Team, Team.id == User.team_id)
            .where(
                User.active,
                or_(
                    and_(UserRole.role == TEAM_MANAGER, User.team_id == audit.team_id),
                    and_(UserRole.role == SERVICE_MANAGER, Team.service_area_id == area_id),
                ),
            )
            .distinct()
            .order_by(User.last_name, User.first_name)
        )
    )


# -- who sees what ---------------------------------------------------------------------------


def can_manage(user: User) -> bool:
    """The QA team imports case lists, draws samples and allocates them."""
    return has_any_role(user, QA_OFFICER)


def _area_of(user: User) -> int | None:
    return user.team.service_area_id if user.team else None


def shared_with(user: User, audit: CaseAudit) -> bool:
    """The completed audit is shared with the practitioner, their line manager and the
    case's team manager (Wokingham QA framework §2, audit method 4)."""
    if audit.status != COMPLETED:
        return False
    if user.id in (audit.practitioner_id, audit.practitioner.line_manager_id):
        return True
    return user.team_id == audit.team_id and has_any_role(user, TEAM_MANAGER)


def can_view(user: User, audit: CaseAudit, blinded_ids: set[int] | None = None) -> bool:
    """Open the audit: the QA team, any; its auditor and the service manager of its team's
    area, once it is allocated; the practitioner, their line manager and the team's manager,
    once it is completed (``shared_with``). A moderator not yet done grading a completed
    audit may not read it (``moderation.services.blinded``): that is the one query, asked
    only when everything else allows it, and not at all with ``blinded_ids`` (from
    ``blinded_among``, for a list). The list's side of this rule is ``list_condition``, just
    below (a test checks they agree for every role)."""
    if not _may_open(user, audit):
        return False
    if audit.status != COMPLETED or audit.auditor_id == user.id:
        return True
    if blinded_ids is not None:
        return audit.id not in blinded_ids
    from qaweb.moderation.services import blinded

    return not blinded(user, audit)


def _may_open(user: User, audit: CaseAudit) -> bool:
    if has_any_role(user, QA_OFFICER):
        return True
    if audit.status in (SAMPLED, SWAPPED):
        return False  # drawn, not yet anyone's to audit
    if audit.auditor_id == user.id:
        return True
    area = _area_of(user)
    if has_any_role(user, SERVICE_MANAGER) and area and audit.team.service_area_id == area:
        return True
    return shared_with(user, audit)


def list_condition(user: User):
    """SQL: the audits ``can_view`` lets ``user`` open, which their list shows (None: all of
    them). A moderator's list (the QA team's) also shows the audits they are moderating."""
    if has_any_role(user, QA_OFFICER):
        return None
    conditions = [
        CaseAudit.auditor_id == user.id,
        and_(
            CaseAudit.status == COMPLETED,
            or_(
                CaseAudit.practitioner_id == user.id,
                CaseAudit.practitioner_id.in_(
                    select(User.id).where(User.line_manager_id == user.id)
                ),
            ),
        ),
    ]
    if has_any_role(user, TEAM_MANAGER) and user.team_id:
        conditions.append(and_(CaseAudit.status == COMPLETED, CaseAudit.team_id == user.team_id))
    area = _area_of(user)
    if has_any_role(user, SERVICE_MANAGER) and area:
        conditions.append(
            CaseAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area))
        )
    return and_(or_(*conditions), CaseAudit.status.not_in([SAMPLED, SWAPPED]))


def blinded_among(user: User, audits) -> set[int]:
    """The ids among ``audits`` (loaded CaseAudits) that ``user`` may not read while they
    moderate them, found in one query (none without a completed audit): the rule of
    ``moderation.services.blinded`` for a list at once (a test checks they agree), for
    ``can_view``'s ``blinded_ids``."""
    from qaweb.moderation.models import SELECTED as MODERATING
    from qaweb.moderation.models import ModerationLine

    ids = [a.id for a in audits if a.status == COMPLETED and a.auditor_id != user.id]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(ModerationLine.audit_id).where(
                ModerationLine.audit_id.in_(ids),
                ModerationLine.moderator_id == user.id,
                ModerationLine.status == MODERATING,
                ModerationLine.moderated_at.is_(None),
            )
        )
    )


# -- the audit -------------------------------------------------------------------------------


def is_auditor(user: User, audit: CaseAudit) -> bool:
    """True when ``user`` is the audit's allocated auditor."""
    return audit.auditor_id == user.id


def can_work_on(user: User, audit: CaseAudit) -> bool:
    """Record the audit: its auditor (or the QA team) while it is open; never the
    practitioner whose case it is."""
    return (
        audit.is_open
        and user.id != audit.practitioner_id
        and (is_auditor(user, audit) or has_any_role(user, QA_OFFICER))
    )


def can_respond(user: User, audit: CaseAudit) -> bool:
    """The practitioner adds their response to the completed audit."""
    return audit.status == COMPLETED and user.id == audit.practitioner_id


def current_tool():
    """The case-file audit tool version new audits use: the council's setting, else the rule
    in the tools package (``qaweb.tools.services.current_version``)."""
    from qaweb.tools.services import current_version

    version = current_version("case_file_audit", get_setting("case_audit_tool").strip())
    if version is None:
        raise CaseAuditError(
            "There is no published case-file audit tool: an administrator must publish one"
        )
    return version


def start(audit: CaseAudit, by: User) -> None:
    """Begin the audit: a form on the current case-file tool. Raises CaseAuditError unless
    the audit is allocated and not started."""
    from qaweb.case_audits.models import IN_PROGRESS
    from qaweb.tools.models import Response

    if audit.status != ALLOCATED:
        raise CaseAuditError("This audit has already started")
    version = current_tool()
    response = Response(
        tool_version=version, subject_type="case_audit", subject_id=audit.id, created_by_id=by.id
    )
    db.session.add(response)
    db.session.flush()
    audit.response_id = response.id
    audit.status = IN_PROGRESS


def overall_grade(audit: CaseAudit):
    """The overall grade given on the audit's tool form (a GradeLevel), or None."""
    from qaweb.core.grading import GradeLevel
    from qaweb.tools.models import Answer
    from qaweb.tools.schema import OVERALL, OVERALL_GRADE

    if audit.response_id is None:
        return None
    return db.session.scalar(
        select(GradeLevel)
        .join(Answer, Answer.grade_level_id == GradeLevel.id)
        .where(
            Answer.response_id == audit.response_id,
            Answer.section_key == OVERALL,
            Answer.question_key == OVERALL_GRADE,
        )
    )


def lowest_level_id() -> int | None:
    """The id of the scale's lowest active level (Inadequate on the default scale)."""
    from qaweb.core import grading

    levels = grading.levels()
    return levels[-1].id if levels else None


def lowest_level_query():
    """The lowest active level's id as a scalar subquery (for conditions and columns in the
    same statement as the audits)."""
    from qaweb.core.grading import GradeLevel

    return (
        select(GradeLevel.id)
        .where(GradeLevel.active)
        .order_by(GradeLevel.position.desc(), GradeLevel.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def is_lowest(level) -> bool:
    """True for the scale's lowest active level (Inadequate on the default scale)."""
    return level is not None and level.id == lowest_level_id()


def missing_for_completion(audit: CaseAudit) -> list[str]:
    """What is still to record before the audit can be completed, in the words of the page."""
    from qaweb.case_audits.models import GIVEN

    missing = []
    if audit.response is None or not audit.response.is_completed:
        missing.append("complete the case-file audit form")
    if not audit.sources_read.strip():
        missing.append("record the sources read")
    for who, status, reason, said in (
        ("child's", audit.child_feedback, audit.child_feedback_reason, audit.child_said),
        (
            "parents' or carers'",
            audit.family_feedback,
            audit.family_feedback_reason,
            audit.family_said,
        ),
    ):
        if not status:
            missing.append(f"record whether the {who} feedback was obtained")
        elif status == GIVEN and not said.strip():
            missing.append(f"record what was said in the {who} feedback")
        elif status != GIVEN and not reason.strip():
            missing.append(f"give the reason the {who} feedback was not obtained")
    if audit.conversation_on is None or not audit.reflections.strip():
        missing.append("record the conversation with the lead practitioner")
    if not (audit.judgement.strip() and audit.action_taken.strip() and audit.impact.strip()):
        missing.append("give the judgement, the action taken and the impact for the child")
    return missing


def complete(audit: CaseAudit, today: date) -> list[CaseAudit]:
    """Complete the audit and share it. Raises CaseAuditError listing what is missing.

    Copies the overall grade from the tool form. An overall grade at the bottom of the
    scale (Inadequate) gets a re-audit after ``follow_up_months()[0]`` months and a dip
    sample after ``[1]`` (Halton QA framework, audit review process), each a new audit of
    the same case allocated to the same auditor and linked to this one. Returns them.
    """
    from qaweb.case_audits.models import DIP_SAMPLE, IN_PROGRESS, REAUDIT

    if audit.status != IN_PROGRESS:
        raise CaseAuditError("Only an audit in progress can be completed")
    missing = missing_for_completion(audit)
    if missing:
        raise CaseAuditError("Before completing, " + "; ".join(missing) + ".")
    level = overall_grade(audit)
    audit.grade_level_id = level.id if level else None
    audit.grade = level
    audit.status = COMPLETED
    audit.completed_at = utcnow()
    audit.completed_on = today
    made = []
    if is_lowest(level):
        reaudit, dip = follow_up_months()
        for kind, months in ((REAUDIT, reaudit), (DIP_SAMPLE, dip)):
            allocated_on = add_months(today, months)
            follow_up = CaseAudit(
                case_id=audit.case_id,
                month=allocated_on.replace(day=1),
                kind=kind,
                chosen_by=f"Follows up {audit.reference}, graded {level.label}",
                follow_up_of_id=audit.id,
                status=ALLOCATED,
                team_id=audit.team_id,
                practitioner_id=audit.practitioner_id,
                auditor_id=audit.auditor_id,
                allocated_on=allocated_on,
                due_on=due_date(allocated_on),
            )
            db.session.add(follow_up)
            made.append(follow_up)
    db.session.flush()
    if made:
        notify(
            "case_audit",
            managers_told_of_inadequate(audit),
            f"Case-file audit graded {level.label}: case {audit.case.case_number}",
            "case_audit_inadequate",
            {"audit": audit, "follow_ups": made},
            key=f"case_audit:{audit.id}:inadequate",
            link=absolute_url("case_audits.audit", audit_id=audit.id),
        )
    return made


def respond(audit: CaseAudit, by: User, text: str) -> None:
    """Record the practitioner's response to their completed audit (``text``, stripped) and
    when it was given. Raises CaseAuditError when ``by`` may not respond (``can_respond``:
    only the practitioner, only once the audit is completed)."""
    if not can_respond(by, audit):
        raise CaseAuditError("Only the practitioner can respond to the completed audit")
    audit.practitioner_response = text.strip()
    audit.responded_at = utcnow()


def follow_ups(audit: CaseAudit) -> list[CaseAudit]:
    """The re-audit and dip sample made after ``audit`` was graded Inadequate
    (``follow_up_months``; Halton (004): re-audit after one month, dip sample after three),
    oldest first; empty when there are none."""
    return list(
        db.session.scalars(
            select(CaseAudit).where(CaseAudit.follow_up_of_id == audit.id).order_by(CaseAudit.id)
        )
    )


def parse_month(value: str) -> date | None:
    """A month given as "YYYY-MM" (a filter's value) as its first day; None if it is not one."""
    try:
        year, month = (int(p) for p in value.split("-"))
        return date(year, month, 1)
    except (AttributeError, TypeError, ValueError):
        return None


def filtered(user, filters: dict):
    """The case-file audits list's statement: ``select(CaseAudit)`` (swapped-out audits left
    out) limited to what ``user`` may see (``list_condition``) and to ``filters``
    (``AuditFilterForm.cleaned()``: month as "YYYY-MM", team, status), newest month first.
    Raises nothing; a month that is not one is ignored."""
    stmt = select(CaseAudit).where(CaseAudit.status != "swapped")
    condition = list_condition(user)
    if condition is not None:
        stmt = stmt.where(condition)
    if month := parse_month(filters.get("month")):
        stmt = stmt.where(CaseAudit.month == month)
    if filters.get("team"):
        stmt = stmt.where(CaseAudit.team_id == int(filters["team"]))
    if filters.get("status"):
        stmt = stmt.where(CaseAudit.status == filters["status"])
    return stmt.order_by(CaseAudit.month.desc(), CaseAudit.due_on, CaseAudit.id)
