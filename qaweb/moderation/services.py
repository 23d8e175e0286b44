"""The rules of moderation: the month's moderation sample of completed case-file audits.

Source: Wokingham QA framework §2 (the Moderation Panel, chaired by the Principal Social Worker,
selects 20-30% of each month's completed audits: a share at random, and audits the panel always
wants to see) and Halton QA framework (004).
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from qaweb.case_audits.models import COMPLETED, CaseAudit
from qaweb.case_audits.services import add_months, month_label
from qaweb.core.grading import levels
from qaweb.core.permissions import QA_OFFICER, TEAM_MANAGER, has_any_role
from qaweb.core.samples import rule_lines
from qaweb.core.settings import get_setting, whole_number
from qaweb.extensions import db
from qaweb.moderation.models import SELECTED, SWAPPED, ModerationLine, ModerationSample
from qaweb.organisation.models import User


class ModerationError(Exception):
    """A step the rules do not allow; the message says why."""


def can_draw(user: User) -> bool:
    """The QA team draws the moderation sample and swaps its lines."""
    return has_any_role(user, QA_OFFICER)


# -- settings --------------------------------------------------------------------------------


def default_share() -> int:
    """Per cent of each month's completed audits drawn (setting, default 25)."""
    return whole_number("moderation_share", 25, 0, 100)


def target() -> tuple[int, int]:
    """The council's target range for the share moderated, in per cent (Wokingham: 20-30)."""
    low = whole_number("moderation_target_min", 20, 0, 100)
    high = whole_number("moderation_target_max", 30, 0, 100)
    return (low, high) if low <= high else (20, 30)


def days_to_moderate() -> int:
    """Days from an audit's completion to its moderation (setting
    case_audit_days_to_moderate, default 10: Halton (004) moderates within 10 working days;
    Wokingham §2 within 2 weeks), counted in ``moderation_unit``."""
    return whole_number("case_audit_days_to_moderate", 10, 1, 365)


def moderation_unit() -> str:
    """The unit ``days_to_moderate`` counts in: "working_days" (default, Halton) or
    "calendar_days" (Wokingham's 2 weeks), from the setting case_audit_moderation_unit."""
    unit = get_setting("case_audit_moderation_unit").strip()
    return unit if unit in ("working_days", "calendar_days") else "working_days"


def due_from(completed_on: date) -> date:
    """When the moderation of an audit completed on ``completed_on`` is due: plus
    ``days_to_moderate`` working days (council closure days and bank holidays skipped,
    ``core.workdays``) or calendar days."""
    from qaweb.core.workdays import add_working_days

    if moderation_unit() == "working_days":
        return add_working_days(completed_on, days_to_moderate())
    return completed_on + timedelta(days=days_to_moderate())


def due_on(line: ModerationLine) -> date | None:
    """When ``line``'s moderation is due (``due_from`` the audit's completion date; None
    without one)."""
    done = line.audit.completed_on
    return None if done is None else due_from(done)


def is_overdue(line: ModerationLine, today: date) -> bool:
    """Due before ``today`` and the panel has not yet confirmed the moderation."""
    due = due_on(line)
    return line.status == SELECTED and line.confirmed_at is None and due is not None and due < today


# -- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """'grade': every audit graded ``grade`` overall; 'first': each auditor's first ``count``
    completed audits (ever, by completion date), when they fall in the month."""

    kind: str
    grade: str = ""
    count: int = 0

    def label(self) -> str:
        """The rule as the sample shows it beside each audit it chose ("Every Inadequate
        audit", "Auditor's first 2 audits")."""
        if self.kind == "grade":
            return f"Every {self.grade} audit"
        if self.count == 1:
            return "Auditor's first audit"
        return f"Auditor's first {self.count} audits"

    def as_data(self) -> dict:
        """The rule as stored on the sample (``ModerationSample.rules``): {"kind": "grade",
        "grade": label} or {"kind": "first", "count": n}; ``rules_from_data`` reads it back."""
        if self.kind == "grade":
            return {"kind": "grade", "grade": self.grade}
        return {"kind": "first", "count": self.count}


DEFAULT_RULES = "every Inadequate\nevery Outstanding\nfirst 2"


def parse_rules(text: str) -> list[Rule]:
    """Rules typed one a line: "every Inadequate" (a grade on the council's scale) or
    "first 2" (each auditor's first 2 completed audits).

    Raises ModerationError naming the line that is neither.
    """
    grades = {g.label.lower(): g.label for g in levels(include_inactive=True)}
    rules = []
    for number, first, rest in rule_lines(text):
        if first.lower() == "every" and rest.lower() in grades:
            rules.append(Rule("grade", grade=grades[rest.lower()]))
        elif first.lower() == "first" and rest.isascii() and rest.isdigit() and 0 < int(rest) <= 20:
            rules.append(Rule("first", count=int(rest)))
        else:
            scale = ", ".join(grades.values())
            raise ModerationError(
                f"Rule {number} must be 'every' and a grade ({scale}) or 'first' and a number "
                "from 1 to 20, for example 'every Inadequate' or 'first 2'"
            )
    return rules


def rules_from_data(data: list[dict]) -> list[Rule]:
    """The Rules stored on a sample (a list of ``Rule.as_data`` dicts), in their order."""
    return [
        Rule("grade", grade=r["grade"]) if r["kind"] == "grade" else Rule("first", count=r["count"])
        for r in data
    ]


def rules_text(data: list[dict]) -> str:
    """Stored rules (``Rule.as_data`` dicts) as the text typed on the draw form, one a line
    ("every Inadequate", "first 2"); ``parse_rules`` reads it back."""
    return "\n".join(
        f"every {r['grade']}" if r["kind"] == "grade" else f"first {r['count']}" for r in data
    )


# -- the population --------------------------------------------------------------------------


def completed_in(month: date):
    """SELECT of the audits completed in ``month`` (completion date within the month)."""
    return select(CaseAudit).where(
        CaseAudit.status == COMPLETED,
        CaseAudit.completed_on >= month,
        CaseAudit.completed_on < add_months(month, 1),
    )


def completed_count(month: date) -> int:
    """How many case-file audits were completed in ``month`` (the population the share is
    drawn from)."""
    return db.session.scalar(select(func.count()).select_from(completed_in(month).subquery()))


def first_audit_ids(count: int) -> set[int]:
    """Ids of each auditor's first ``count`` completed audits, by completion date then id
    (one grouped query with a window function)."""
    ranked = (
        select(
            CaseAudit.id,
            func.row_number()
            .over(
                partition_by=CaseAudit.auditor_id,
                order_by=(CaseAudit.completed_on, CaseAudit.id),
            )
            .label("n"),
        )
        .where(CaseAudit.status == COMPLETED, CaseAudit.auditor_id.is_not(None))
        .subquery()
    )
    return set(db.session.scalars(select(ranked.c.id).where(ranked.c.n <= count)))


def wanted(share: int, population: int) -> int:
    """How many audits ``share`` per cent of ``population`` is, rounded up (25% of 9 -> 3):
    the panel would rather see one audit too many than one too few."""
    return math.ceil(share * population / 100)


def _choose(rng: random.Random, audits: list[CaseAudit], share: int, rules: list[Rule]):
    """Rules' audits first (in rule order), then audits at random to ``share`` per cent of
    the month's completed audits. Returns [(audit, chosen_by)]."""
    chosen: list[tuple[CaseAudit, str]] = []
    taken: set[int] = set()
    for rule in rules:
        if rule.kind == "grade":
            picked = [
                a for a in audits if a.id not in taken and a.grade and a.grade.label == rule.grade
            ]
        else:
            firsts = first_audit_ids(rule.count)
            picked = [a for a in audits if a.id not in taken and a.id in firsts]
        chosen += [(a, rule.label()) for a in picked]
        taken |= {a.id for a in picked}
    left = [a for a in audits if a.id not in taken]
    extra = max(0, wanted(share, len(audits)) - len(chosen))
    chosen += [(a, "Random") for a in rng.sample(left, min(extra, len(left)))]
    return chosen


def draw(
    month: date, share: int, rules: list[Rule], by: User, seed: int | None = None
) -> ModerationSample:
    """Draw (or draw again) ``month``'s moderation sample from the audits completed in it.

    Every audit a rule asks for, then audits at random until the sample holds ``share`` per
    cent of the month's completed audits (rounded up; more when the rules ask for more). The
    random choice comes from ``seed`` (stored; a new one when None): the same audits, share,
    rules and seed always give the same sample. Raises ModerationError when no audit was
    completed in the month.
    """
    audits = list(db.session.scalars(completed_in(month).order_by(CaseAudit.id)))
    if not audits:
        raise ModerationError(f"No case-file audit was completed in {month_label(month)}")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    sample = db.session.scalar(select(ModerationSample).where(ModerationSample.month == month))
    if sample is None:
        sample = ModerationSample(month=month, seed=seed, share=share)
        db.session.add(sample)
    else:
        for line in list(sample.lines):
            db.session.delete(line)
        db.session.flush()
        db.session.expire(sample, ["lines"])
    sample.seed, sample.share, sample.drawn_by_id = seed, share, by.id
    sample.rules = [r.as_data() for r in rules]
    db.session.flush()
    rng = random.Random(seed)
    for audit, why in _choose(rng, audits, share, rules):
        db.session.add(ModerationLine(sample_id=sample.id, audit_id=audit.id, chosen_by=why))
    db.session.flush()
    db.session.expire(sample, ["lines"])
    return sample


def swap(line: ModerationLine, reason: str) -> ModerationLine | None:
    """Take an audit out of the moderation sample with a reason and put another of the
    month's completed audits, not already in the sample, in its place: chosen with the
    sample's seed and the line's id, so reproducible. Returns the new line, or None when no
    other audit is left. Raises ModerationError without a reason or for a swapped line."""
    if line.status != SELECTED:
        raise ModerationError("Only an audit still in the sample can be swapped out")
    if line.response_id is not None:
        raise ModerationError("The moderator has started grading: the audit stays in")
    if not reason.strip():
        raise ModerationError("Give the reason for swapping the audit out")
    sample = line.sample
    line.status = SWAPPED
    line.swap_reason = reason.strip()
    in_sample = {other.audit_id for other in sample.lines}
    left = [
        a
        for a in db.session.scalars(completed_in(sample.month).order_by(CaseAudit.id))
        if a.id not in in_sample
    ]
    if not left:
        db.session.flush()
        return None
    audit = random.Random(f"{sample.seed}-{line.id}").choice(left)
    made = ModerationLine(
        sample_id=sample.id,
        audit_id=audit.id,
        chosen_by=f"In place of {line.audit.reference}",
    )
    db.session.add(made)
    db.session.flush()
    db.session.expire(sample, ["lines"])
    return made


@dataclass(frozen=True)
class Share:
    """The share drawn: ``drawn`` of ``completed`` audits, ``percent`` (rounded half up;
    None when nothing was completed) against the council's ``low``-``high`` target."""

    drawn: int
    completed: int
    percent: int | None
    low: int
    high: int

    @property
    def status(self) -> str:
        """Where the share stands against the target: "none" (nothing completed), "below",
        "within" or "above" the ``low``-``high`` range (bounds inclusive)."""
        if self.percent is None:
            return "none"
        if self.percent < self.low:
            return "below"
        if self.percent > self.high:
            return "above"
        return "within"


def share_drawn(sample: ModerationSample | None, completed: int) -> Share:
    """The Share of ``completed`` audits that ``sample`` holds (lines still selected, swapped
    ones not counted; 0 when no sample was drawn), against the council's ``target``
    (Wokingham §2: 20-30%)."""
    from qaweb.core.percentages import percent

    drawn = 0 if sample is None else sum(1 for line in sample.lines if line.status == SELECTED)
    low, high = target()
    return Share(drawn, completed, percent(drawn, completed), low, high)


def months_overview(months: list[date]) -> dict[date, tuple[int, int]]:
    """{month: (audits completed, audits in the moderation sample)} for ``months``, from two
    grouped queries."""
    if not months:
        return {}
    first, last = min(months), add_months(max(months), 1)
    month_of = func.strftime("%Y-%m", CaseAudit.completed_on)
    if db.engine.dialect.name == "postgresql":
        month_of = func.to_char(CaseAudit.completed_on, "YYYY-MM")
    done = dict(
        db.session.execute(
            select(month_of, func.count())
            .where(
                CaseAudit.status == COMPLETED,
                CaseAudit.completed_on >= first,
                CaseAudit.completed_on < last,
            )
            .group_by(month_of)
        ).all()
    )
    drawn = dict(
        db.session.execute(
            select(ModerationSample.month, func.count(ModerationLine.id))
            .join(ModerationLine, ModerationLine.sample_id == ModerationSample.id)
            .where(
                ModerationLine.status == SELECTED,
                ModerationSample.month >= first,
                ModerationSample.month < last,
            )
            .group_by(ModerationSample.month)
        ).all()
    )
    return {m: (done.get(m.strftime("%Y-%m"), 0), drawn.get(m, 0)) for m in months}


# -- independent (blind) grading -------------------------------------------------------------


def refusal(moderator: User, line: ModerationLine) -> str | None:
    """Why ``moderator`` may not moderate ``line``'s audit, or None.

    Refused: a line swapped out; an audit without a form; the practitioner; anyone who
    audited the same case (this audit or another); the practitioner's line manager; a team
    manager of the case's team (the team the audit was of, or the case's team now): they
    manage the practice being judged (independence: Wokingham §2, the panel judges the
    auditor's grading, not its own).
    """
    audit = line.audit
    if line.status != SELECTED:
        return "Only an audit still in the moderation sample can be moderated"
    if audit.response_id is None:
        return f"{audit.reference} has no audit form to moderate"
    if moderator.id == audit.practitioner_id:
        return f"{moderator.name} is the practitioner in case {audit.case.case_number}"
    audited = db.session.scalar(
        select(func.count())
        .select_from(CaseAudit)
        .where(CaseAudit.case_id == audit.case_id, CaseAudit.auditor_id == moderator.id)
    )
    if audited:
        return (
            f"{moderator.name} audited case {audit.case.case_number}, so cannot moderate its audit"
        )
    if audit.practitioner.line_manager_id == moderator.id:
        return (
            f"{moderator.name} is the line manager of {audit.practitioner.name}, the "
            "practitioner in the case"
        )
    if has_any_role(moderator, TEAM_MANAGER) and moderator.team_id in {
        audit.team_id,
        audit.case.team_id,
    }:
        team = moderator.team.name if moderator.team else "the team"
        return (
            f"{moderator.name} is a team manager of {team}, the team of case "
            f"{audit.case.case_number}"
        )
    return None


def assign(line: ModerationLine, moderator: User) -> None:
    """Name the moderator. Raises ModerationError with ``refusal``'s reason, or once the
    moderator has started grading."""
    if line.response_id is not None:
        raise ModerationError("The moderator has started grading: the moderator stays")
    why = refusal(moderator, line)
    if why:
        raise ModerationError(why)
    line.moderator_id = moderator.id


def start(line: ModerationLine, user: User):
    """The moderator starts their own form on the audit's tool version (never the current
    one: grades on different versions cannot be compared). Returns the form."""
    from qaweb.tools.services import start_response

    if line.moderator_id != user.id:
        raise ModerationError("Only the named moderator can grade this audit")
    why = refusal(user, line)
    if why:
        raise ModerationError(why)
    if line.response_id is None:
        line.response = start_response(
            line.audit.response.tool_version, "moderation", line.id, user
        )
        line.response_id = line.response.id
    return line.response


def submit(line: ModerationLine, user: User) -> None:
    """The moderator submits their grades; only then are the auditor's shown beside them.

    Refused: someone else; a form not completed; a form on a different tool version from the
    audit's (the grades would not be comparable); submitted already.
    """
    if line.moderator_id != user.id:
        raise ModerationError("Only the named moderator can submit this moderation")
    if line.moderated_at is not None:
        raise ModerationError("This moderation has been submitted already")
    response = line.response
    if response is None or not response.is_completed:
        raise ModerationError("Complete the moderation form before submitting it")
    theirs = line.audit.response.tool_version
    if response.tool_version_id != theirs.id:
        raise ModerationError(
            f"The moderation was graded on version {response.tool_version.number} of the tool "
            f"but the audit on version {theirs.number}: grade it again on version "
            f"{theirs.number}"
        )
    from qaweb.core.db import utcnow

    line.moderated_at = utcnow()


def blinded(user: User, audit: CaseAudit) -> bool:
    """True while ``user`` is moderating ``audit`` and has not submitted: they may not read
    the auditor's grades (double entry, as research data systems do)."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(ModerationLine)
            .where(
                ModerationLine.audit_id == audit.id,
                ModerationLine.moderator_id == user.id,
                ModerationLine.status == SELECTED,
                ModerationLine.moderated_at.is_(None),
            )
        )
    )


def is_moderator(user: User, line: ModerationLine) -> bool:
    """True when ``user`` is the moderator named on ``line``."""
    return line.moderator_id == user.id


def can_view_line(user: User, line: ModerationLine) -> bool:
    """The QA team, the named moderator and the panel meeting's chair and members; once the
    panel confirms, the auditor and the case's managers (``panel.receives_feedback``). The
    audit's own auditor never before the panel confirms (they must not read the moderator's
    grades until then)."""
    from qaweb.moderation import panel

    if line.audit.auditor_id == user.id and line.confirmed_at is None:
        return False
    return (
        can_draw(user)
        or line.moderator_id == user.id
        or panel.member_of(user, line)
        or panel.receives_feedback(user, line)
    )


@dataclass(frozen=True)
class Compared:
    """One graded question (or a section's grade, or the overall grade) side by side.
    ``difference`` is the moderator's position minus the auditor's on the scale (position 1
    is the best, so a positive difference means the moderator graded lower); None when
    either left it ungraded."""

    label: str
    auditor: object
    moderator: object

    @property
    def difference(self) -> int | None:
        """The moderator's position minus the auditor's, in steps of the scale (positive:
        the moderator graded lower); None when either left it ungraded."""
        if self.auditor is None or self.moderator is None:
            return None
        return self.moderator.position - self.auditor.position

    @property
    def differs(self) -> bool:
        """True when both graded it and the grades differ."""
        return bool(self.difference)


def comparison(line: ModerationLine) -> list[tuple[str, list[Compared]]]:
    """[(section title, [Compared, ...]), ...] in the tool's order, the overall grade last:
    every graded answer of the auditor's and the moderator's forms, from one query over the
    answer rows of both."""
    from qaweb.core.grading import GradeLevel
    from qaweb.tools.models import Answer
    from qaweb.tools.schema import OVERALL, OVERALL_GRADE, SECTION_GRADE

    theirs, ours = line.audit.response_id, line.response_id
    grades = {g.id: g for g in db.session.scalars(select(GradeLevel))}
    found: dict[tuple[str, str], dict[int, int]] = {}
    for response_id, section, question, grade_id in db.session.execute(
        select(
            Answer.response_id, Answer.section_key, Answer.question_key, Answer.grade_level_id
        ).where(Answer.response_id.in_([theirs, ours]), Answer.grade_level_id.is_not(None))
    ):
        found.setdefault((section, question), {})[response_id] = grade_id

    def pair(section, question, label):
        got = found.get((section, question), {})
        return Compared(label, grades.get(got.get(theirs)), grades.get(got.get(ours)))

    definition = line.audit.response.tool_version.definition
    out = []
    for section in definition.get("sections", []):
        rows = [
            pair(section["key"], q["key"], q["label"])
            for q in section.get("questions", [])
            if (section["key"], q["key"]) in found
        ]
        if (section["key"], SECTION_GRADE) in found:
            rows.append(pair(section["key"], SECTION_GRADE, "Section grade"))
        if rows:
            out.append((section["title"], rows))
    if (OVERALL, OVERALL_GRADE) in found:
        out.append(("Overall", [pair(OVERALL, OVERALL_GRADE, "Overall grade")]))
    return out
