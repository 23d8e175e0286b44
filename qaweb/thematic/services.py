"""The rules of thematic audits: who may do what, the sign-off workflow, versions, diffs."""

import difflib
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape
from sqlalchemy import func, select

from qaweb.core import signoff
from qaweb.core.db import utcnow
from qaweb.core.lists import contains
from qaweb.core.notify import absolute_url, notify
from qaweb.core.permissions import (
    ADMIN,
    QA_BOARD,
    QA_OFFICER,
    SERVICE_MANAGER,
    has_any_role,
)
from qaweb.core.summaries import Count
from qaweb.core.word import FOR_DECISION, FOR_INFORMATION
from qaweb.core.years import Period, quarter_of
from qaweb.extensions import db
from qaweb.organisation.models import User, UserRole
from qaweb.thematic.models import (
    APPROVED,
    CLOSED,
    DRAFT,
    FINDING_KINDS,
    IN_PROGRESS,
    METHODS,
    PLANNED,
    PROMPTS,
    REPORTING,
    SAMPLE_METHODS,
    SUBMITTED,
    TERMS_FIELDS,
    Finding,
    TermsVersion,
    ThematicAudit,
    Theme,
)


class ThematicError(Exception):
    """A step the audit's state or the rules do not allow; the message says why."""


# -- permissions ---------------------------------------------------------------------------


def can_view(user, audit=None) -> bool:
    """True for QA officers, the QA Board and service managers."""
    return has_any_role(user, QA_OFFICER, QA_BOARD, SERVICE_MANAGER)


def can_edit(user, audit=None) -> bool:
    """Write and run thematic audits: the QA team."""
    return has_any_role(user, QA_OFFICER)


def can_manage_themes(user) -> bool:
    """Add, stop and restart the themes thematic audits are chosen from: the QA team and
    administrators."""
    return has_any_role(user, QA_OFFICER, ADMIN)


def can_decide(user, audit=None) -> bool:
    """Sign off or return terms of reference: the QA Board."""
    return has_any_role(user, QA_BOARD)


# -- themes --------------------------------------------------------------------------------


def themes(active_only=True) -> list[Theme]:
    """The council's themes (migration 0004 starts the list with the frameworks' themes)."""
    stmt = select(Theme).order_by(Theme.name)
    if active_only:
        stmt = stmt.where(Theme.active)
    return list(db.session.scalars(stmt))


# -- the workflow ----------------------------------------------------------------------------


def add_to_plan(title: str, plan_year: int, quarter: int, theme: Theme | None) -> ThematicAudit:
    """A new audit in the forward plan for ``quarter`` (1 to 4) of financial year ``plan_year``,
    with empty terms of reference; added to the session, not flushed."""
    audit = ThematicAudit(
        title=title.strip(),
        plan_year=plan_year,
        quarter=quarter,
        status=PLANNED,
        theme_id=theme.id if theme else None,
        terms={},
    )
    db.session.add(audit)
    db.session.flush()
    return audit


def save_terms(audit: ThematicAudit, terms: dict) -> None:
    """Keep the draft terms; an approved version changes only through a new version."""
    if audit.status not in (PLANNED, DRAFT):
        raise ThematicError(
            "These terms have been submitted or approved: start a new version to change them."
        )
    audit.terms = terms
    audit.title = terms["title"]
    audit.theme_id = terms.get("theme_id")
    audit.lead_id = terms.get("lead_id")
    audit.report_due_on = _date(terms.get("report_due_on"))
    audit.status = DRAFT


def _date(value):
    return date.fromisoformat(value) if value else None


def missing_for_submission(terms: dict) -> list[str]:
    """What the terms of reference still lack before the QA Board can sign them off, as phrases for
    "Before submitting, add ...": the why-now context, a line of enquiry, the methodology, the lead
    and the timescales (Wokingham, seeds/000 §3)."""
    needed = {
        "context": "why the audit is being done and why now",
        "lines": "at least one key line of enquiry",
        "methodology": "the methodology",
        "lead_id": "the lead",
        "start_on": "the start date",
        "fieldwork_end_on": "when fieldwork ends",
        "report_due_on": "when the report is due",
    }
    return [words for key, words in needed.items() if not terms.get(key)]


def submit(audit: ThematicAudit, by) -> TermsVersion:
    """Send the draft terms to the QA Board: a new numbered TermsVersion, the audit waiting for the
    Board's decision, and each active Board member but ``by`` told (Wokingham, seeds/000 §3: the
    Board signs off terms of reference). Raises ThematicError for terms not in draft or incomplete
    (``missing_for_submission``)."""
    if audit.status != DRAFT:
        raise ThematicError("Only draft terms of reference can be submitted to the QA Board.")
    missing = missing_for_submission(audit.terms)
    if missing:
        raise ThematicError("Before submitting, add " + ", ".join(missing) + ".")
    version = TermsVersion(
        audit=audit, number=signoff.next_number(audit.versions), terms=dict(audit.terms)
    )
    db.session.add(version)
    signoff.stamp_submitted(version, by)
    audit.status = SUBMITTED
    db.session.flush()
    board = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == QA_BOARD, User.active, User.id != by.id)
        .order_by(User.id)
    )
    notify(
        "thematic",
        list(board),
        f"Terms of reference to sign off: {audit.title}",
        "thematic_submitted",
        {"audit": audit, "version": version, "by": by},
        key=f"thematic:{audit.id}:v{version.number}:submitted",
        link=absolute_url("thematic.audit", audit_id=audit.id),
    )
    return version


def decide(audit: ThematicAudit, by, approve: bool, comments: str) -> None:
    """Approve the terms waiting for the QA Board, or return them with comments (the shared
    sign-off rules, core/signoff.py); approved terms let the audit start, returned ones go
    back to draft."""
    waiting = "There are no terms of reference waiting for the QA Board."
    if audit.status != SUBMITTED:
        raise ThematicError(waiting)
    version = audit.pending_version
    try:
        signoff.decide(version, by, approve, comments, what="terms", waiting=waiting)
    except signoff.SignoffError as error:
        raise ThematicError(str(error)) from error
    audit.status = APPROVED if approve else DRAFT
    decision = "approved" if approve else "returned"
    notify(
        "thematic",
        [audit.lead or version.submitted_by],
        f"Terms of reference {decision}: {audit.title}",
        "thematic_decided",
        {"audit": audit, "version": version, "by": by, "approved": approve},
        key=f"thematic:{audit.id}:v{version.number}:{decision}",
        link=absolute_url("thematic.audit", audit_id=audit.id),
    )


def revise(audit: ThematicAudit) -> None:
    """Change approved terms: a new draft that must be signed off again."""
    if audit.status not in (APPROVED, IN_PROGRESS):
        raise ThematicError("Only approved terms can be revised as a new version.")
    audit.status = DRAFT


NEXT = {APPROVED: IN_PROGRESS, IN_PROGRESS: REPORTING, REPORTING: CLOSED}


def advance(audit: ThematicAudit) -> None:
    """Approved → in progress → reporting → closed."""
    if audit.status not in NEXT:
        raise ThematicError("This audit cannot move on from here.")
    if audit.status == REPORTING and not [f for f in audit.findings if not f.withdrawn]:
        raise ThematicError("Record the findings before closing the audit.")
    audit.status = NEXT[audit.status]
    if audit.status == CLOSED:
        audit.closed_at = utcnow()


def add_finding(audit: ThematicAudit, kind: str, text: str, evidence: str) -> Finding:
    """A new finding of ``kind`` (one of ``FINDING_KINDS``) at the end of the audit's list. Raises
    ThematicError before fieldwork starts or for an unknown kind."""
    if audit.status not in (IN_PROGRESS, REPORTING):
        raise ThematicError("Findings are recorded once the audit is under way.")
    if kind not in FINDING_KINDS:
        raise ThematicError("Choose what kind of finding this is.")
    position = max((f.position for f in audit.findings), default=0) + 1
    finding = Finding(
        audit=audit, kind=kind, text=text.strip(), evidence=evidence.strip(), position=position
    )
    db.session.add(finding)
    db.session.flush()
    return finding


# -- reading the terms ---------------------------------------------------------------------


#: The terms' fields that hold a date (ISO text in the stored terms).
TERMS_DATE_FIELDS = (
    "start_on",
    "fieldwork_end_on",
    "report_due_on",
    "board_on",
    "period_from",
    "period_to",
)


def readable(terms: dict) -> dict[str, str | list[str]]:
    """The terms as a reader sees them: label -> text or list of lines."""

    def show_date(value):
        if not value:
            return ""
        d = date.fromisoformat(value)
        return f"{d.day} {d:%B %Y}"

    out: dict[str, str | list[str]] = {}
    for key, label in TERMS_FIELDS.items():
        value = terms.get(key)
        if key == "prompted_by":
            value = [PROMPTS.get(v, v) for v in value or []]
        elif key == "methodology":
            value = [METHODS.get(v, v) for v in value or []]
        elif key in TERMS_DATE_FIELDS:
            value = show_date(value)
        elif key == "sample_method":
            value = SAMPLE_METHODS.get(value, value or "")
        elif key == "sample_size" and value is not None:
            value = str(value)
        out[label] = value if value not in (None, []) else ""
    return out


@dataclass(frozen=True)
class TermsChange:
    """One field of the terms of reference in two versions: its label, the old and new text
    as HTML (removed words or lines in <del>, added ones in <ins>, the rest escaped), and
    whether it changed beyond spacing."""

    label: str
    old: Markup
    new: Markup
    changed: bool


def diff(old: dict, new: dict) -> list[TermsChange]:
    """Each field of two versions' terms (``TermsVersion.terms`` dicts) side by side, with
    what was removed and added marked, in ``TERMS_FIELDS`` order."""
    a, b = readable(old), readable(new)
    rows = []
    for label in TERMS_FIELDS.values():
        before, after = a.get(label, ""), b.get(label, "")
        if isinstance(before, list) or isinstance(after, list):
            before, after = before or [], after or []
            old_html, new_html = _list_diff(before, after)
            changed = before != after
        else:
            old_html, new_html = _word_diff(before or "", after or "")
            changed = " ".join((before or "").split()) != " ".join((after or "").split())
        rows.append(TermsChange(label, old_html, new_html, changed))
    return rows


def _list_diff(before: list, after: list):
    """Items removed and added, in order (a moved item shows as removed and added)."""
    old_out, new_out = [], []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            old_out.extend(escape(x) for x in before[i1:i2])
            new_out.extend(escape(x) for x in after[j1:j2])
        else:
            old_out.extend(Markup("<del>{}</del>").format(x) for x in before[i1:i2])
            new_out.extend(Markup("<ins>{}</ins>").format(x) for x in after[j1:j2])
    return Markup("<br>").join(old_out), Markup("<br>").join(new_out)


def _word_diff(before: str, after: str):
    old_words, new_words = before.split(), after.split()
    old_out, new_out = [], []
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left = escape(" ".join(old_words[i1:i2]))
        right = escape(" ".join(new_words[j1:j2]))
        if op == "equal":
            old_out.append(left)
            new_out.append(right)
        else:
            if left:
                old_out.append(Markup("<del>{}</del>").format(left))
            if right:
                new_out.append(Markup("<ins>{}</ins>").format(right))
    return Markup(" ").join(old_out), Markup(" ").join(new_out)


@dataclass(frozen=True)
class Paper:
    """What a board paper shows, chosen once for the print view, the .docx and the workbook:
    ``terms`` (the stored terms dict), ``version`` (the TermsVersion number those terms are,
    or None for the working draft), ``purpose`` ("For decision" while the Board decides,
    otherwise "For information") and ``parts`` (reference, status, which terms)."""

    terms: dict
    version: int | None
    purpose: str
    parts: tuple[str, ...]

    @property
    def line(self) -> str:
        """The line as one string: "For decision · THM-0004 · With the QA Board · terms
        version 2"."""
        return " · ".join((self.purpose, *self.parts))


def paper(audit: ThematicAudit) -> Paper:
    """The terms a reader should see and the line that names them, from one choice of
    version, so the line never names one version over another's text: the version with the
    Board while it decides, the working draft while drafting (or planned, or never
    approved), otherwise the latest approved version. The status is said once ("With the
    QA Board" already says the terms are with the Board)."""
    parts = [audit.reference, audit.status_label]
    purpose = FOR_INFORMATION
    if audit.status == SUBMITTED and audit.pending_version:
        shown = audit.pending_version
        purpose = FOR_DECISION
        parts.append(f"terms version {shown.number}")
    elif audit.status in (PLANNED, DRAFT) or not audit.approved_version:
        shown = None
        if audit.status == PLANNED:
            parts.append("draft terms")
        elif audit.status != DRAFT:
            parts.append("draft terms, not yet approved")
    else:
        shown = audit.approved_version
        words = f"terms version {shown.number}"
        parts.append(words if audit.status == APPROVED else f"{words}, approved")
    if shown is None:
        return Paper(audit.terms or {}, None, purpose, tuple(parts))
    return Paper(shown.terms, shown.number, purpose, tuple(parts))


@dataclass(frozen=True)
class ThematicSummary:
    """Thematic audits in a period: ``planned`` (on the forward plan for a quarter starting
    in the period), ``signed_off`` (terms approved by the QA Board in the period),
    ``closed`` (reported and closed in the period); the findings of the audits closed, by
    kind (``findings``: kind label and count), the ``recommendations`` and ``key_themes``
    (texts, a recommendation with its audit's title) and the ``themes`` the closed audits
    looked at (the council's theme list, with how many audits)."""

    planned: int
    signed_off: int
    closed: int
    findings: tuple[Count, ...]
    recommendations: tuple[str, ...]
    key_themes: tuple[str, ...]
    themes: tuple[Count, ...]


def summary(period: Period, area_id: int | None = None) -> ThematicSummary:
    """Thematic-audit figures for ``period``. Thematic audits are council-wide (their scope
    is written in the terms), so ``area_id`` does not narrow them. Three grouped queries
    and one for the closed audits' findings (seed 000, Thematic audits)."""
    first, last = period.instants()
    start_year, start_quarter = quarter_of(period.start)
    end_year, end_quarter = quarter_of(period.end)
    key = ThematicAudit.plan_year * 4 + ThematicAudit.quarter
    planned = db.session.scalar(
        select(func.count()).where(
            key.between(start_year * 4 + start_quarter, end_year * 4 + end_quarter)
        )
    )
    signed_off = db.session.scalar(
        select(func.count(TermsVersion.audit_id.distinct())).where(
            TermsVersion.decision == APPROVED, TermsVersion.decided_at.between(first, last)
        )
    )
    closed = select(ThematicAudit.id).where(
        ThematicAudit.status == CLOSED, ThematicAudit.closed_at.between(first, last)
    )
    closed_count = db.session.scalar(select(func.count()).select_from(closed.subquery()))
    rows = db.session.execute(
        select(Finding.kind, Finding.text, ThematicAudit.title)
        .join(ThematicAudit, ThematicAudit.id == Finding.audit_id)
        .where(Finding.audit_id.in_(closed), Finding.withdrawn.is_(False))
        .order_by(ThematicAudit.closed_at, Finding.position, Finding.id)
    ).all()
    by_kind: dict[str, int] = {}
    for kind, _text, _title in rows:
        by_kind[kind] = by_kind.get(kind, 0) + 1
    return ThematicSummary(
        planned=planned or 0,
        signed_off=signed_off or 0,
        closed=closed_count or 0,
        findings=tuple(
            Count(label, by_kind[kind]) for kind, label in FINDING_KINDS.items() if kind in by_kind
        ),
        recommendations=tuple(
            f"{text} ({title})" for kind, text, title in rows if kind == "recommendation"
        ),
        key_themes=tuple(text for kind, text, _title in rows if kind == "theme"),
        themes=tuple(
            Count(name, n)
            for name, n in db.session.execute(
                select(Theme.name, func.count())
                .join(ThematicAudit, ThematicAudit.theme_id == Theme.id)
                .where(ThematicAudit.id.in_(closed))
                .group_by(Theme.name)
                .order_by(func.count().desc(), Theme.name)
            )
        ),
    )


def audits_in(period: Period) -> list[ThematicAudit]:
    """The thematic audits on the forward plan for a quarter starting in ``period`` (as
    ``summary`` counts them ``planned``), by plan quarter then title: the audits whose
    board papers an inspection evidence pack holds (seed 000, Thematic audits). One query."""
    start_year, start_quarter = quarter_of(period.start)
    end_year, end_quarter = quarter_of(period.end)
    key = ThematicAudit.plan_year * 4 + ThematicAudit.quarter
    return list(
        db.session.scalars(
            select(ThematicAudit)
            .where(key.between(start_year * 4 + start_quarter, end_year * 4 + end_quarter))
            .order_by(ThematicAudit.plan_year, ThematicAudit.quarter, ThematicAudit.title)
        )
    )


def filtered(filters: dict):
    """The thematic audits list's statement, shared by the list page and its export:
    ``select(ThematicAudit)`` limited to ``filters`` (``ThematicFilterForm.cleaned()``: year,
    status, theme, q: words of the title), newest plan year first. Everyone who may see the
    list sees every audit. Raises nothing."""
    stmt = select(ThematicAudit)
    if filters.get("year"):
        stmt = stmt.where(ThematicAudit.plan_year == int(filters["year"]))
    if filters.get("status"):
        stmt = stmt.where(ThematicAudit.status == filters["status"])
    if filters.get("theme"):
        stmt = stmt.where(ThematicAudit.theme_id == int(filters["theme"]))
    if filters.get("q"):
        stmt = stmt.where(ThematicAudit.title.ilike(contains(filters["q"]), escape="\\"))
    return stmt.order_by(ThematicAudit.plan_year.desc(), ThematicAudit.quarter, ThematicAudit.id)
