"""Case-file audit figures: completion per month and team, grades, the Inadequate tracker and
the team manager's monthly summary. Counted in SQL; percentages rounded half up, as a
council's spreadsheet rounds them (Worcestershire publishes grade percentages beside last
year's; Bedford reports per team per month; Shropshire tracks Inadequate audits).
"""

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import and_, case, func, or_, select

from qaweb.case_audits.models import (
    COMPLETED,
    COUNTED_STATUSES,
    OPEN_STATUSES,
    REAUDIT,
    SAMPLED,
    CaseAudit,
)
from qaweb.case_audits.services import add_months, month_label
from qaweb.core import grading
from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.core.grading import CHART_COLOURS
from qaweb.core.percentages import percent as rounded_percent
from qaweb.core.summaries import Count
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team


def _scale():
    """The whole grading scale, best first, read once per request (a report asks often)."""
    from flask import g, has_app_context

    if not has_app_context():
        return grading.levels(include_inactive=True)
    if "_case_audit_scale" not in g:
        g._case_audit_scale = grading.levels(include_inactive=True)
    return g._case_audit_scale


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` as a whole percentage rounded half up (``core.percentages``);
    0 of 0 is shown as 0 in these tables."""
    return rounded_percent(part, whole) or 0


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` to ``end`` (first days of months, inclusive). ``hidden``:
    ids of audits left out for the reader (those they are moderating blind, until they
    submit: ``moderation.panel.blinded_ids``). ``moderated``: count overall grades after
    moderation (the panel's confirmed agreed grade where there is one) instead of as audited.
    """

    start: date
    end: date
    hidden: frozenset = frozenset()
    moderated: bool = False
    #: The reader's user id: audits they are moderating blind are left out, read in the same
    #: statement (``moderation.panel.blinded_audit_ids``) rather than as ``hidden``.
    blind_to: int | None = None

    @property
    def label(self) -> str:
        """The period in words: "March 2026", or "January 2026 to March 2026"."""
        if self.start == self.end:
            return month_label(self.start)
        return f"{month_label(self.start)} to {month_label(self.end)}"

    def year_before(self) -> "Period":
        """The same months twelve months earlier, with the same reader and grade basis (for
        the comparison with the year before)."""
        return replace(self, start=add_months(self.start, -12), end=add_months(self.end, -12))

    def condition(self):
        """SQL condition on CaseAudit: allocated to a month of the period, not one of
        ``hidden``, and not an audit ``blind_to`` is moderating blind."""
        within = CaseAudit.month.between(self.start, self.end)
        if self.hidden:
            within = and_(within, CaseAudit.id.not_in(sorted(self.hidden)))
        if self.blind_to is not None:
            from qaweb.moderation.panel import blinded_audit_ids

            within = and_(within, CaseAudit.id.not_in(blinded_audit_ids(self.blind_to)))
        return within

    @property
    def grades_label(self) -> str:
        """Which overall grades are counted, in words: "as audited" or "after moderation"."""
        return "after moderation" if self.moderated else "as audited"

    def grade_column(self):
        """The overall grade counted: the auditor's, or after moderation the panel's agreed
        grade where it confirmed one (``moderation.panel.agreed_grade_column``)."""
        if not self.moderated:
            return CaseAudit.grade_level_id
        from qaweb.moderation.panel import agreed_grade_column

        return agreed_grade_column()

    def joined(self, stmt):
        """``stmt`` with what ``grade_column`` reads (after moderation: the audit's
        confirmed moderation, outer-joined)."""
        if not self.moderated:
            return stmt
        from qaweb.moderation.panel import with_confirmed

        return with_confirmed(stmt)


def _scope(area_id: int | None, team_id: int | None = None):
    conditions = [CaseAudit.status.in_(COUNTED_STATUSES), CaseAudit.status != SAMPLED]
    if team_id:
        conditions.append(CaseAudit.team_id == team_id)
    elif area_id:
        conditions.append(
            CaseAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area_id))
        )
    return and_(*conditions)


def completion(period: Period, today: date, area_id: int | None = None) -> list[dict]:
    """One row per month and team: allocated, completed, overdue (open past its due date),
    and the percentage completed. Ordered by month, then team name."""
    rows = db.session.execute(
        select(
            CaseAudit.month,
            Team.name,
            func.count(),
            func.count(case((CaseAudit.status == COMPLETED, 1))),
            func.count(
                case((and_(CaseAudit.status.in_(OPEN_STATUSES), CaseAudit.due_on < today), 1))
            ),
        )
        .join(Team, Team.id == CaseAudit.team_id)
        .where(period.condition(), _scope(area_id))
        .group_by(CaseAudit.month, Team.name)
        .order_by(CaseAudit.month, Team.name)
    ).all()
    return [
        {
            "month": month,
            "month_label": month_label(month),
            "team": team,
            "allocated": allocated,
            "completed": completed,
            "overdue": overdue,
            "percent": percent(completed, allocated),
        }
        for month, team, allocated, completed, overdue in rows
    ]


def totals(rows: list[dict]) -> dict:
    """The council total of ``completion``'s rows: {"allocated", "completed", "overdue"
    (counts), "percent" (completed of allocated, whole percent rounded half up; 0 of 0 is 0)}.
    """
    allocated = sum(r["allocated"] for r in rows)
    completed = sum(r["completed"] for r in rows)
    return {
        "allocated": allocated,
        "completed": completed,
        "overdue": sum(r["overdue"] for r in rows),
        "percent": percent(completed, allocated),
    }


def grades(period: Period, area_id: int | None = None, team_id: int | None = None) -> list[dict]:
    """Completed audits per overall grade, best first: label, colour, count, percent. The
    grade as audited, or after moderation (``period.moderated``)."""
    grade = period.grade_column()
    counts = dict(
        db.session.execute(
            period.joined(select(grade, func.count()).select_from(CaseAudit))
            .where(
                period.condition(),
                _scope(area_id, team_id),
                CaseAudit.status == COMPLETED,
                CaseAudit.grade_level_id.is_not(None),
            )
            .group_by(grade)
        ).all()
    )
    whole = sum(counts.values())
    return [
        {
            "label": level.label,
            "colour": level.colour,
            "count": counts.get(level.id, 0),
            "percent": percent(counts.get(level.id, 0), whole),
        }
        for level in _scale()
    ]


def grades_per_team(period: Period, area_id: int | None = None) -> list[dict]:
    """Per service area and team: completed audits per overall grade (a list in scale order),
    as audited or after moderation (``period.moderated``)."""
    levels = _scale()
    grade = period.grade_column()
    rows = db.session.execute(
        period.joined(
            select(ServiceArea.name, Team.name, grade, func.count()).select_from(CaseAudit)
        )
        .join(Team, Team.id == CaseAudit.team_id)
        .join(ServiceArea, ServiceArea.id == Team.service_area_id)
        .where(
            period.condition(),
            _scope(area_id),
            CaseAudit.status == COMPLETED,
            CaseAudit.grade_level_id.is_not(None),
        )
        .group_by(ServiceArea.name, Team.name, grade)
        .order_by(ServiceArea.name, Team.name)
    ).all()
    table: dict[tuple[str, str], dict[int, int]] = {}
    for area, team, level_id, count in rows:
        table.setdefault((area, team), {})[level_id] = count
    result = []
    for (area, team), by_level in table.items():
        whole = sum(by_level.values())
        result.append(
            {
                "area": area,
                "team": team,
                "total": whole,
                "counts": [by_level.get(level.id, 0) for level in levels],
                "good_or_better": percent(
                    sum(by_level.get(level.id, 0) for level in levels[:2]), whole
                ),
            }
        )
    return result


def section_grades(period: Period, area_id: int | None = None) -> list[dict]:
    """Graded questions and section grades of the completed audits' forms (the tools
    package's ``grade_distribution``), with each question's label, in the tools' order."""
    from qaweb.tools.models import Response, ToolVersion
    from qaweb.tools.reports import grade_distribution

    ids = select(CaseAudit.response_id).where(
        period.condition(),
        _scope(area_id),
        CaseAudit.status == COMPLETED,
        CaseAudit.response_id.is_not(None),
    )
    shares = grade_distribution(ids)
    if not shares:
        return []
    versions = db.session.scalars(
        select(ToolVersion)
        .where(ToolVersion.id.in_(select(Response.tool_version_id).where(Response.id.in_(ids))))
        .order_by(ToolVersion.id)
    )
    labels: dict[tuple[str, str], str] = {}
    order: dict[tuple[str, str], int] = {}
    for version in versions:
        for s in version.sections:
            key = (s["key"], "section_grade")
            labels.setdefault(key, f"{s['title']}: section grade")
            order.setdefault(key, len(order))
            for q in s["questions"]:
                labels.setdefault((s["key"], q["key"]), f"{s['title']}: {q['label']}")
                order.setdefault((s["key"], q["key"]), len(order))
    labels[("overall", "overall_grade")] = "Overall grade"
    order[("overall", "overall_grade")] = -1
    result = []
    for key, found in shares.items():
        whole = sum(s.count for s in found)
        result.append(
            {
                "label": labels.get(key, f"{key[0]}: {key[1]}"),
                "order": order.get(key, 10_000),
                "total": whole,
                "shares": [
                    {"label": s.label, "count": s.count, "percent": percent(s.count, whole)}
                    for s in found
                ],
            }
        )
    return sorted(result, key=lambda r: (r["order"], r["label"]))


def inadequate(period: Period, area_id: int | None = None) -> list[CaseAudit]:
    """Audits graded at the bottom of the scale in the period, oldest first."""
    from qaweb.case_audits.services import lowest_level_query

    return list(
        db.session.scalars(
            select(CaseAudit)
            .where(
                period.condition(),
                _scope(area_id),
                CaseAudit.status == COMPLETED,
                CaseAudit.grade_level_id == lowest_level_query(),
            )
            .order_by(CaseAudit.completed_on, CaseAudit.id)
        )
    )


def outstanding(period: Period, area_id: int | None = None) -> list[CaseAudit]:
    """Audits graded at the top of the scale in the period (practice worth sharing), newest
    first."""
    from qaweb.core.grading import GradeLevel

    best = (
        select(GradeLevel.id)
        .where(GradeLevel.active)
        .order_by(GradeLevel.position, GradeLevel.id)
        .limit(1)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(CaseAudit)
            .where(
                period.condition(),
                _scope(area_id),
                CaseAudit.status == COMPLETED,
                CaseAudit.grade_level_id == best,
            )
            .order_by(CaseAudit.completed_on.desc(), CaseAudit.id)
        )
    )


def tracker_rows(audits: list[CaseAudit]) -> list[dict]:
    """For each Inadequate audit: its actions (open, total) and the re-audit's result."""
    from qaweb.actions.models import Action

    ids = [a.id for a in audits]
    if not ids:
        return []
    actions = {
        source_id: (total, done)
        for source_id, total, done in db.session.execute(
            select(
                Action.source_id,
                func.count(),
                func.count(case((Action.status.in_(["completed", "verified"]), 1))),
            )
            .where(Action.source_type == "case_audit", Action.source_id.in_(ids))
            .group_by(Action.source_id)
        )
    }
    follow = {
        f.follow_up_of_id: f
        for f in db.session.scalars(
            select(CaseAudit).where(CaseAudit.follow_up_of_id.in_(ids), CaseAudit.kind == REAUDIT)
        )
    }
    rows = []
    for a in audits:
        total, done = actions.get(a.id, (0, 0))
        reaudit = follow.get(a.id)
        if reaudit is None:
            result = "None allocated"
        elif reaudit.grade:
            result = reaudit.grade.label
        else:
            result = f"{reaudit.status_label}, due {reaudit.due_on:%d/%m/%Y}"
        rows.append(
            {
                "audit": a,
                "actions": total,
                "actions_done": done,
                "reaudit": reaudit,
                "reaudit_result": result,
            }
        )
    return rows


def team_summary(team_id: int, month: date) -> list[CaseAudit]:
    """The team's audits of ``month`` (not swapped out or cancelled), by case number."""
    return list(
        db.session.scalars(
            select(CaseAudit)
            .where(CaseAudit.team_id == team_id, CaseAudit.month == month, _scope(None))
            .order_by(CaseAudit.status != COMPLETED, CaseAudit.id)
        )
    )


# -- the workbook ----------------------------------------------------------------------------

COMPLETION_COLUMNS = [
    Column("Month", 16),
    Column("Team", 28),
    Column("Allocated", 11, "number"),
    Column("Completed", 11, "number"),
    Column("Overdue", 11, "number"),
    Column("Completed %", 13, "number"),
]


def chart_colours_for(rows: list[dict]) -> list[str]:
    """The chart fill (``#RRGGBB``) of each grade row of ``grades``, in the scale's order."""
    return [CHART_COLOURS.get(r["colour"], CHART_COLOURS["grey"]) for r in rows]


def workbook_parts(period: Period, today: date, area_id: int | None = None):
    """(columns, rows, sheets, summary) for ``send_workbook``: completion per month and team,
    grades beside the year before (with a native bar chart), grades per team, per section,
    and the Inadequate tracker."""
    rows = completion(period, today, area_id)
    now, before = grades(period, area_id), grades(period.year_before(), area_id)
    levels = [g["label"] for g in now]
    sheets = [
        Sheet(
            "Grades",
            [Column("Period", 40)] + [Column(label, 14, "number") for label in levels],
            [
                (period.label, *[g["count"] for g in now]),
                (period.year_before().label, *[b["count"] for b in before]),
            ],
            # One series per grade in the scale's own colours and order; both periods plotted.
            chart=BarChart(
                "Overall grades beside the year before",
                value_title="Audits",
                category_title="Period",
                colours=chart_colours_for(now),
            ),
        ),
        Sheet(
            "Grades %",
            [Column("Period", 40)] + [Column(f"{label} %", 14, "number") for label in levels],
            [
                (period.label, *[g["percent"] for g in now]),
                (period.year_before().label, *[b["percent"] for b in before]),
            ],
        ),
        Sheet(
            "Grades per team",
            [Column("Service area", 26), Column("Team", 26), Column("Completed", 11, "number")]
            + [Column(label, 14, "number") for label in levels]
            + [Column("Good or better %", 16, "number")],
            [
                (r["area"], r["team"], r["total"], *r["counts"], r["good_or_better"])
                for r in grades_per_team(period, area_id)
            ],
        ),
        Sheet(
            "Grades per question",
            [Column("Section and question", 60), Column("Answers", 10, "number")]
            + [Column(f"{label} %", 14, "number") for label in levels],
            [
                (r["label"], r["total"], *[s["percent"] for s in r["shares"]])
                for r in section_grades(period, area_id)
            ],
        ),
        Sheet(
            "Inadequate tracker",
            [
                Column("Audit", 12),
                Column("Case", 14),
                Column("Team", 24),
                Column("Completed", 12, "date"),
                Column("Actions", 10, "number"),
                Column("Actions done", 12, "number"),
                Column("Re-audit", 30),
            ],
            [
                (
                    r["audit"].reference,
                    r["audit"].case.case_number,
                    r["audit"].team.name,
                    r["audit"].completed_on,
                    r["actions"],
                    r["actions_done"],
                    r["reaudit_result"],
                )
                for r in tracker_rows(inadequate(period, area_id))
            ],
        ),
        Sheet(
            "Outstanding practice",
            [
                Column("Audit", 12),
                Column("Case", 14),
                Column("Team", 24),
                Column("Practitioner", 24),
                Column("Completed", 12, "date"),
                Column("Judgement, action and impact", 80),
            ],
            [
                (
                    a.reference,
                    a.case.case_number,
                    a.team.name,
                    a.practitioner.name,
                    a.completed_on,
                    " ".join(p for p in (a.judgement, a.action_taken, a.impact) if p),
                )
                for a in outstanding(period, area_id)
            ],
        ),
    ]
    table = [
        (r["month_label"], r["team"], r["allocated"], r["completed"], r["overdue"], r["percent"])
        for r in rows
    ]
    total = totals(rows)
    summary = [
        ("Period", period.label),
        ("Audits allocated", total["allocated"]),
        ("Audits completed", total["completed"]),
        ("Completed %", total["percent"]),
        ("Overdue", total["overdue"]),
    ]
    return COMPLETION_COLUMNS, table, sheets, summary


# -- the QA Board's report -------------------------------------------------------------------


@dataclass(frozen=True)
class CaseAuditSummary:
    """Case-file audits in a period (``core.years.Period``): audits ``allocated`` (allocated
    on a day in the period), ``completed`` in it, those ``overdue`` at its end (allocated,
    due before the end and not completed by then), ``inadequate`` among the completed, and
    the completed audits' overall ``grades`` in the scale's order, best first."""

    allocated: int
    completed: int
    overdue: int
    inadequate: int
    grades: tuple[Count, ...]


def summary(period, area_id: int | None = None) -> CaseAuditSummary:
    """The case-file audit programme's headline figures for ``period`` and one service area
    (None: the council), for the QA Board's quarterly report (seed 000 §2 and Governance):
    two grouped queries."""
    in_period = CaseAudit.allocated_on.between(period.start, period.end)
    done = CaseAudit.completed_on.between(period.start, period.end)
    late = and_(
        CaseAudit.due_on < period.end,
        CaseAudit.allocated_on <= period.end,
        or_(CaseAudit.completed_on.is_(None), CaseAudit.completed_on > period.end),
    )
    scope = _scope(area_id)
    allocated, completed, overdue = db.session.execute(
        select(
            func.count().filter(in_period),
            func.count().filter(done, CaseAudit.status == COMPLETED),
            func.count().filter(late),
        ).where(scope)
    ).one()
    by_level = dict(
        db.session.execute(
            select(CaseAudit.grade_level_id, func.count())
            .where(scope, done, CaseAudit.status == COMPLETED)
            .group_by(CaseAudit.grade_level_id)
        ).all()
    )
    levels = _scale()
    grades = tuple(Count(level.label, by_level.get(level.id, 0)) for level in levels)
    return CaseAuditSummary(
        allocated=allocated,
        completed=completed,
        overdue=overdue,
        inadequate=grades[-1].count if grades else 0,
        grades=grades,
    )
