"""The QA Board's quarterly report: who may see and write it, choosing its period, the
QA officer's analysis and the Board's sign-off (core/signoff.py, as thematic terms are
signed off). Seed 000, Governance: the QA Operational Group and QA Board receive a
quarterly report of what QA activity found and what changed because of it."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from qaweb.core import signoff
from qaweb.core.permissions import QA_BOARD, QA_OFFICER, SERVICE_MANAGER, has_any_role
from qaweb.core.timefmt import today_london
from qaweb.core.years import Period, months_from, quarter_of, quarter_period
from qaweb.extensions import db
from qaweb.qa_report.models import (
    APPROVED,
    DRAFT,
    PARTS,
    SUBMITTED,
    QAReport,
    QAReportVersion,
)
from qaweb.qa_report.sections import SECTIONS

#: The sections the QA officer writes analysis for (every one).
WRITTEN = tuple(s.key for s in SECTIONS)
QUARTER = "quarter"
TWELVE_MONTHS = "12"


class ReportError(Exception):
    """A step the report's state or the rules do not allow; the message says why."""


# -- permissions ---------------------------------------------------------------------------


def _own_area(user) -> int | None:
    return user.team.service_area_id if getattr(user, "team", None) else None


def can_view_reports(user) -> bool:
    """The QA team, the QA Board and service managers (their own area's figures)."""
    return has_any_role(user, QA_OFFICER, QA_BOARD, SERVICE_MANAGER)


def chooses_area(user) -> bool:
    """The QA team and the Board choose any service area or the whole council; a service
    manager sees their own area only."""
    return has_any_role(user, QA_OFFICER, QA_BOARD)


def area_for(user, wanted: int | None) -> int | None:
    """The service area a report covers for ``user``: ``wanted`` (None for the council) for
    the QA team and the Board; a service manager's own area whatever was asked for (-1,
    which matches nothing, when they have none)."""
    if chooses_area(user):
        return wanted
    return _own_area(user) or -1


def can_view(user, report: QAReport | None = None) -> bool:
    """Open ``report`` (or, without one, the reports page): the QA team and the Board any
    report; a service manager only a report on their own service area (never the council's).
    """
    if report is None or chooses_area(user):
        return can_view_reports(user)
    own = _own_area(user)
    return has_any_role(user, SERVICE_MANAGER) and own is not None and report.service_area_id == own


def can_write(user, report: QAReport | None = None) -> bool:
    """Write the analysis and submit it: the QA team."""
    return has_any_role(user, QA_OFFICER)


def can_decide(user, report: QAReport | None = None) -> bool:
    """Sign off or return the report: the QA Board."""
    return has_any_role(user, QA_BOARD)


# -- the period ----------------------------------------------------------------------------


def last_quarter(today: date | None = None) -> Period:
    """The last whole financial quarter before ``today`` (Q1 is April to June)."""
    year, quarter = quarter_of(today or today_london())
    year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return quarter_period(year, quarter)


def period_from(start: str | None, length: str | None) -> tuple[Period | None, str | None]:
    """The period chosen on the page: ``start`` is the first month ("2026-07"), ``length``
    "quarter" (a financial quarter: it starts in April, July, October or January) or "12"
    (any 12 months). Returns (period, None) or (None, the message to show)."""
    try:
        year, month = (int(part) for part in (start or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None, "Enter the first month of the period, for example 2026-07"
    if not 2000 <= first.year <= 2100:
        return None, "Enter a first month between 2000 and 2100"
    if length == TWELVE_MONTHS:
        return months_from(first, 12), None
    if first.month not in (4, 7, 10, 1):
        return None, "A quarter starts in April, July, October or January"
    return months_from(first, 3), None


def find(period: Period, area_id: int | None) -> QAReport | None:
    """The report for exactly ``period`` and service area ``area_id`` (None: the whole
    council), or None when it has not been started."""
    return db.session.scalar(
        select(QAReport).where(
            QAReport.start_on == period.start,
            QAReport.end_on == period.end,
            QAReport.area_key == (area_id or 0),
        )
    )


def start(period: Period, area_id: int | None, by) -> QAReport:
    """The report for ``period`` and area, started as a draft if there is none yet. Two
    people starting the same one at once get the same report: the second insert breaks the
    unique (period, area) constraint, is undone inside a savepoint, and the first person's
    report is returned."""
    report = find(period, area_id)
    if report is not None:
        return report
    report = QAReport(
        start_on=period.start,
        end_on=period.end,
        service_area_id=area_id,
        status=DRAFT,
        narrative={},
        created_by_id=by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        first = find(period, area_id)
        if first is None:
            raise
        return first
    return report


# -- the analysis and the Board's sign-off ---------------------------------------------------


def save_analysis(report: QAReport, section_key: str, parts: dict[str, str]) -> None:
    """Keep a section's analysis (``parts``: part key -> text, see models.PARTS) in the
    draft. Raises ReportError once the report is with the Board or signed off."""
    if report.status != DRAFT:
        raise ReportError(
            "This report is with the QA Board or signed off: its analysis cannot change now."
        )
    if section_key not in WRITTEN:
        raise ReportError("There is no such section.")
    narrative = dict(report.narrative or {})
    narrative[section_key] = {k: (parts.get(k) or "").strip() for k in PARTS}
    report.narrative = narrative


def written(report: QAReport) -> list[str]:
    """The sections with any analysis written, in the report's order."""
    narrative = report.narrative or {}
    return [k for k in WRITTEN if any((narrative.get(k) or {}).values())]


def submit(report: QAReport, by) -> QAReportVersion:
    """Send the draft to the QA Board as a new numbered version."""
    if report.status != DRAFT:
        raise ReportError("Only a draft report can be submitted to the QA Board.")
    if not written(report):
        raise ReportError("Write the analysis of at least one section before submitting.")
    version = QAReportVersion(
        report=report, number=signoff.next_number(report.versions), narrative=report.narrative
    )
    db.session.add(version)
    signoff.stamp_submitted(version, by)
    report.status = SUBMITTED
    db.session.flush()
    return version


def decide(report: QAReport, by, approve: bool, comments: str) -> None:
    """Sign the report off, or return it to draft with comments (core/signoff.py rules)."""
    waiting = "There is no report waiting for the QA Board."
    if report.status != SUBMITTED:
        raise ReportError(waiting)
    try:
        signoff.decide(
            signoff.pending(report.versions),
            by,
            approve,
            comments,
            what="the report",
            waiting=waiting,
        )
    except signoff.SignoffError as error:
        raise ReportError(str(error)) from error
    report.status = APPROVED if approve else DRAFT


def pending_version(report: QAReport):
    """The report's latest version submitted and waiting for the Board's decision, or None
    (``core.signoff.pending``)."""
    return signoff.pending(report.versions)


def reports_statement(user):
    """The select of the reports ``user`` may open, newest period first: every one for
    those who choose the area, else their own service area's (for ``core.lists.paginate``)."""
    stmt = select(QAReport).order_by(QAReport.start_on.desc(), QAReport.id.desc())
    if not chooses_area(user):
        stmt = stmt.where(QAReport.service_area_id == (_own_area(user) or -1))
    return stmt
