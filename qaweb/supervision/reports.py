"""Coverage for the year, grades and themes, and the annual report workbook."""

from dataclasses import dataclass

from sqlalchemy import case, func, select

from qaweb.actions.exports import columns as action_columns
from qaweb.actions.models import STATUSES as ACTION_STATUSES
from qaweb.actions.models import Action
from qaweb.core import grading
from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.core.summaries import Count, area_in, overall_grades
from qaweb.core.timefmt import today_london
from qaweb.core.years import Period
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User
from qaweb.supervision import services
from qaweb.supervision.models import (
    ANSWERED,
    CANCELLED,
    COMPLETED,
    OPEN_STATUSES,
    FeedbackRequest,
    SupervisionAudit,
)
from qaweb.tools import reports as tool_reports


@dataclass
class CoverageRow:
    """One team's line of the supervision coverage table: supervisors (people who line-manage
    someone), audits planned, completed and overdue in the year, feedback asked and answered, and
    how many supervisors have an audit planned (``audited_supervisors``)."""

    area: str
    team: str
    team_id: int
    supervisors: int = 0
    planned: int = 0
    completed: int = 0
    overdue: int = 0
    feedback_asked: int = 0
    feedback_answered: int = 0

    audited_supervisors: int = 0

    @property
    def unaudited(self) -> int:
        """Supervisors with no audit planned this year (the framework's aim is one each year:
        Wokingham, seeds/000 §6)."""
        return max(self.supervisors - self.audited_supervisors, 0)

    @property
    def response_rate(self) -> float | None:
        """Supervisee feedback answered, as a whole per cent of that asked; None when none was
        asked."""
        if not self.feedback_asked:
            return None
        return round(100 * self.feedback_answered / self.feedback_asked)


def coverage(year: int, area_id: int | None = None) -> list[CoverageRow]:
    """Per team: supervisors, audits planned and completed, overdue, feedback response rate.
    Three grouped queries, whatever the number of teams."""
    today = today_london()
    teams = select(Team.id, Team.name, ServiceArea.name.label("area")).join(ServiceArea)
    if area_id:
        teams = teams.where(Team.service_area_id == area_id)
    rows = {
        t.id: CoverageRow(area=t.area, team=t.name, team_id=t.id)
        for t in db.session.execute(teams.order_by(ServiceArea.name, Team.name))
    }
    supervisors = services.supervisors_stmt().subquery()
    for team_id, count in db.session.execute(
        select(supervisors.c.team_id, func.count()).group_by(supervisors.c.team_id)
    ):
        if team_id in rows:
            rows[team_id].supervisors = count
    audits = db.session.execute(
        select(
            SupervisionAudit.team_id,
            func.count(),
            func.count(SupervisionAudit.supervisor_id.distinct()),
            func.sum(case((SupervisionAudit.status == COMPLETED, 1), else_=0)),
            func.sum(
                case(
                    (
                        SupervisionAudit.status.in_(OPEN_STATUSES)
                        & (SupervisionAudit.due_on < today),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(SupervisionAudit.year == year, SupervisionAudit.status != CANCELLED)
        .group_by(SupervisionAudit.team_id)
    )
    for team_id, planned, distinct, completed, overdue in audits:
        if team_id in rows:
            row = rows[team_id]
            row.planned, row.completed, row.overdue = planned, completed or 0, overdue or 0
            row.audited_supervisors = distinct
    feedback = db.session.execute(
        select(
            SupervisionAudit.team_id,
            func.count(),
            func.sum(case((FeedbackRequest.status == ANSWERED, 1), else_=0)),
        )
        .join(SupervisionAudit, SupervisionAudit.id == FeedbackRequest.audit_id)
        .where(
            SupervisionAudit.year == year,
            services.feedback_asked(),
        )
        .group_by(SupervisionAudit.team_id)
    )
    for team_id, asked, answered in feedback:
        if team_id in rows:
            rows[team_id].feedback_asked, rows[team_id].feedback_answered = asked, answered or 0
    return list(rows.values())


def totals(rows: list[CoverageRow]) -> CoverageRow:
    """The "All teams" line: each count summed over ``rows``."""
    total = CoverageRow(area="", team="All teams", team_id=0)
    for r in rows:
        for name in (
            "supervisors",
            "audited_supervisors",
            "planned",
            "completed",
            "overdue",
            "feedback_asked",
            "feedback_answered",
        ):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return total


def completed_responses(year: int, area_id: int | None = None):
    """A SELECT of the form-response ids of the audits completed in ``year`` (one service area's
    teams, or all for None), for ``tools.reports`` to count."""
    stmt = select(SupervisionAudit.response_id).where(
        SupervisionAudit.year == year,
        SupervisionAudit.status == COMPLETED,
        SupervisionAudit.response_id.is_not(None),
    )
    if area_id:
        stmt = stmt.where(
            SupervisionAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area_id))
        )
    return stmt


@dataclass(frozen=True)
class GradeRow:
    """One graded part of the supervision audit tool (the overall grade or a section's)
    and each grade level's share of the year's completed audits, best first."""

    title: str
    shares: list[tool_reports.Share]


@dataclass(frozen=True)
class AuditThemes:
    """What one completed audit wrote: the supervisor's name, the strengths and the areas
    for development."""

    supervisor: str
    strengths: str
    development: str


def grades(year: int, area_id: int | None = None) -> list[GradeRow]:
    """Overall grade and each section's grade across the completed audits of the year
    starting in ``year`` (the council's audit year, ``services.year_bounds``), for one
    service area or all (None); the overall grade first, then the sections by key, titled
    as the published supervision audit tool titles them."""
    distribution = tool_reports.grade_distribution(completed_responses(year, area_id))
    version = services.current_tool_or_none("supervision_audit")
    titles = {"overall": "Overall grade"}
    if version:
        titles.update({s["key"]: s["title"] for s in version.sections})
    result = []
    for (section, question), shares in sorted(
        distribution.items(), key=lambda kv: (kv[0][0] != "overall", kv[0][0])
    ):
        if question not in ("section_grade", "overall_grade"):
            continue
        result.append(GradeRow(titles.get(section, section), shares))
    return result


def themes(year: int, area_id: int | None = None) -> list[AuditThemes]:
    """Strengths and areas for development written in the year's completed audits (one
    service area or all), in the order the reflective conversations were held."""
    stmt = (
        select(
            User.first_name,
            User.last_name,
            SupervisionAudit.strengths,
            SupervisionAudit.development,
        )
        .join(User, User.id == SupervisionAudit.supervisor_id)
        .where(SupervisionAudit.year == year, SupervisionAudit.status == COMPLETED)
    )
    if area_id:
        stmt = stmt.where(
            SupervisionAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area_id))
        )
    return [
        AuditThemes(f"{first} {last}".strip(), strengths, development)
        for first, last, strengths, development in db.session.execute(
            stmt.order_by(SupervisionAudit.reflective_on, SupervisionAudit.id)
        )
    ]


COVERAGE_COLUMNS = [
    Column("Service area", 28),
    Column("Team", 28),
    Column("Supervisors", 12, "number"),
    Column("Audits planned", 14, "number"),
    Column("Completed", 12, "number"),
    Column("Overdue", 10, "number"),
    Column("Supervisors not planned", 14, "number"),
    Column("Feedback asked", 14, "number"),
    Column("Feedback answered", 16, "number"),
    Column("Response rate %", 14, "number"),
]


def coverage_rows(rows):
    """The coverage lines as workbook rows, in ``COVERAGE_COLUMNS`` order."""
    for r in rows:
        yield (
            r.area,
            r.team,
            r.supervisors,
            r.planned,
            r.completed,
            r.overdue,
            r.unaudited,
            r.feedback_asked,
            r.feedback_answered,
            r.response_rate,
        )


def annual_sheets(year: int, area_id: int | None = None) -> list[Sheet]:
    """The annual workbook's sheets for the year starting in ``year`` (one service area or all):
    coverage by team, the grades (a stacked chart in the scale's colours) and the strengths and
    areas for development written. Counts and the audits' own text only."""
    levels = grading.levels(include_inactive=True)
    grade_rows = grades(year, area_id)

    chart = BarChart(
        "Grades in completed supervision audits",
        series=len(levels),
        stacked=True,
        height_cm=9,
        width_cm=18,
        value_title="Sections graded",
        category_title="Section",
        # The scale's own colours, best first, as in the table's columns.
        colours=grading.chart_colours(levels),
    )

    grade_sheet = Sheet(
        "Grades",
        [Column("Section", 40), *[Column(level.label, 14, "number") for level in levels]],
        [(g.title, *[s.count for s in g.shares]) for g in grade_rows],
        chart=chart,
    )
    audit_ids = select(SupervisionAudit.id).where(SupervisionAudit.year == year)
    if area_id:
        audit_ids = audit_ids.where(
            SupervisionAudit.team_id.in_(select(Team.id).where(Team.service_area_id == area_id))
        )
    actions = db.session.execute(
        select(
            Action.id,
            Action.description,
            User.first_name,
            User.last_name,
            Action.due_on,
            Action.status,
            Action.completed_on,
        )
        .join(User, User.id == Action.owner_id)
        .where(Action.source_type == "supervision_audit", Action.source_id.in_(audit_ids))
        .order_by(Action.due_on)
    )
    today = today_london()
    action_sheet = Sheet(
        "Actions",
        action_columns(
            "Reference", "Action", "Owner", "Due date", "Status", "Overdue", "Date completed"
        ),
        [
            (
                f"ACT-{a.id:06d}",
                a.description,
                f"{a.first_name} {a.last_name}",
                a.due_on,
                ACTION_STATUSES[a.status],
                "Yes" if a.status == "open" and a.due_on < today else "No",
                a.completed_on,
            )
            for a in actions
        ],
    )
    theme_sheet = Sheet(
        "Themes",
        [Column("Supervisor", 26), Column("Strengths", 70), Column("Areas for development", 70)],
        [(t.supervisor, t.strengths, t.development) for t in themes(year, area_id)],
    )
    return [grade_sheet, theme_sheet, action_sheet]


@dataclass(frozen=True)
class SupervisionSummary:
    """Supervision audits seen from a period: the audit ``year`` the period ends in; that
    year's audits ``planned`` (not cancelled), of them ``completed_by_end`` (reflective
    session held by the period's end) and ``overdue`` (open and past due today);
    ``completed_in_period`` (reflective session held in the period) and the overall
    ``grades`` of those, best first."""

    year: int
    planned: int
    completed_by_end: int
    overdue: int
    completed_in_period: int
    grades: tuple[Count, ...]


def summary(period: Period, area_id: int | None = None) -> SupervisionSummary:
    """Supervision-audit figures for ``period`` and one service area (None: the council).
    Audits run over an audit year (seed 000, Supervision audits: every supervisor audited
    each year), so coverage is the year to date: the audits of the year the period ends in
    completed by its end. An audit counts as completed on the day of its reflective session,
    the last step. Two grouped queries and the grade count."""
    today = today_london()
    year = services.year_for(period.end)
    in_area = area_in(SupervisionAudit.team_id, area_id)
    held = SupervisionAudit.status == COMPLETED
    planned, completed, overdue = db.session.execute(
        select(
            func.count(),
            func.count(case((held & (SupervisionAudit.reflective_on <= period.end), 1))),
            func.count(
                case(
                    (
                        SupervisionAudit.status.in_(OPEN_STATUSES)
                        & (SupervisionAudit.due_on < today),
                        1,
                    )
                )
            ),
        ).where(SupervisionAudit.year == year, SupervisionAudit.status != CANCELLED, in_area)
    ).one()
    in_period = (
        held,
        SupervisionAudit.reflective_on.between(period.start, period.end),
        in_area,
    )
    finished = select(SupervisionAudit.response_id).where(
        *in_period, SupervisionAudit.response_id.is_not(None)
    )
    return SupervisionSummary(
        year=year,
        planned=planned,
        completed_by_end=completed,
        overdue=overdue,
        completed_in_period=db.session.scalar(select(func.count()).where(*in_period)) or 0,
        grades=overall_grades(tool_reports.grade_distribution(finished)),
    )


def can_see_coverage(user) -> bool:
    """The year's coverage and the annual workbook: the QA team (any service area) and
    service managers (their own area, see ``coverage_area``)."""
    from qaweb.core.permissions import QA_OFFICER, SERVICE_MANAGER, has_any_role

    return has_any_role(user, QA_OFFICER, SERVICE_MANAGER)


def coverage_area(user, wanted: int | None) -> int | None:
    """The service area (id) the coverage covers for ``user``: ``wanted`` (None for every
    area) for the QA team; a service manager's own area whatever was asked for (-1, which
    matches nothing, when they have none)."""
    from qaweb.core.permissions import QA_OFFICER, has_any_role, service_area_of

    if has_any_role(user, QA_OFFICER):
        return wanted
    return service_area_of(user) or -1


def annual_workbook(year: int, area_id: int | None = None) -> dict:
    """The annual workbook of audit year ``year`` for one service area (None: all) as
    ``core.excel.build_workbook`` keywords (title, columns, rows, totals, sheets), without
    ``about``: coverage per team with totals, then ``annual_sheets``."""
    rows = coverage(year, area_id)
    return dict(
        title="Coverage",
        columns=COVERAGE_COLUMNS,
        rows=coverage_rows(rows),
        totals=list(coverage_rows([totals(rows)])),
        sheets=annual_sheets(year, area_id),
    )
