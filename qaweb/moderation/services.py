"""The rules of moderation: the month's moderation sample of completed case-file audits.

Source: Wokingham QA framework §2 (the Moderation Panel, chaired by the Principal Social Worker,
selects 20-30% of each month's completed audits: a share at random, and audits the panel always
wants to see) and Halton QA framework (004).
"""

import math
import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from qaweb.case_audits.models import COMPLETED, CaseAudit
from qaweb.case_audits.services import add_months, month_label
from qaweb.core.grading import levels
from qaweb.core.permissions import QA_OFFICER, has_any_role
from qaweb.core.settings import get_setting
from qaweb.extensions import db
from qaweb.moderation.models import SELECTED, SWAPPED, ModerationLine, ModerationSample
from qaweb.organisation.models import User


class ModerationError(Exception):
    """A step the rules do not allow; the message says why."""


def can_draw(user: User) -> bool:
    """The QA team draws the moderation sample and swaps its lines."""
    return has_any_role(user, QA_OFFICER)


# -- settings --------------------------------------------------------------------------------


def _percent_setting(key: str, fallback: int) -> int:
    try:
        value = int(get_setting(key))
    except ValueError:
        return fallback
    return value if 0 <= value <= 100 else fallback


def default_share() -> int:
    """Per cent of each month's completed audits drawn (setting, default 25)."""
    return _percent_setting("moderation_share", 25)


def target() -> tuple[int, int]:
    """The council's target range for the share moderated, in per cent (Wokingham: 20-30)."""
    low = _percent_setting("moderation_target_min", 20)
    high = _percent_setting("moderation_target_max", 30)
    return (low, high) if low <= high else (20, 30)


# -- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """'grade': every audit graded ``grade`` overall; 'first': each auditor's first ``count``
    completed audits (ever, by completion date), when they fall in the month."""

    kind: str
    grade: str = ""
    count: int = 0

    def label(self) -> str:
        if self.kind == "grade":
            return f"Every {self.grade} audit"
        if self.count == 1:
            return "Auditor's first audit"
        return f"Auditor's first {self.count} audits"

    def as_data(self) -> dict:
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
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        first, _, rest = line.partition(" ")
        rest = rest.strip()
        if first.lower() == "every" and rest.lower() in grades:
            rules.append(Rule("grade", grade=grades[rest.lower()]))
        elif first.lower() == "first" and rest.isdigit() and 0 < int(rest) <= 20:
            rules.append(Rule("first", count=int(rest)))
        else:
            scale = ", ".join(grades.values())
            raise ModerationError(
                f"Rule {number} must be 'every' and a grade ({scale}) or 'first' and a number "
                "from 1 to 20, for example 'every Inadequate' or 'first 2'"
            )
    return rules


def rules_from_data(data: list[dict]) -> list[Rule]:
    return [
        Rule("grade", grade=r["grade"]) if r["kind"] == "grade" else Rule("first", count=r["count"])
        for r in data
    ]


def rules_text(data: list[dict]) -> str:
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
        if self.percent is None:
            return "none"
        if self.percent < self.low:
            return "below"
        if self.percent > self.high:
            return "above"
        return "within"


def share_drawn(sample: ModerationSample | None, completed: int) -> Share:
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
