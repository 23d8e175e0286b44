"""The quarterly and annual report: each figure beside the previous quarter and the same
quarter last year. No personal data: counts and percentages only."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from qaweb.actions.models import Action
from qaweb.complaints import services
from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    OUTCOMES,
    STAGES,
    CategoryOption,
    Complaint,
    ComplaintStage,
    Compliment,
    ComplimentThemeOption,
    complaint_category,
    compliment_theme,
)
from qaweb.core import years
from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.core.timefmt import LONDON
from qaweb.core.workdays import Calendar
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team


def bounds(year: int, quarter: int) -> tuple[date, date]:
    """A financial quarter (1 to 4) or, with quarter 0, the whole year."""
    first, last = years.year_bounds(year)
    if quarter == 0:
        return first, last
    start_month = (4 - 1 + (quarter - 1) * 3) % 12 + 1
    start = date(year + (1 if start_month < 4 else 0), start_month, 1)
    end_month = (start_month + 2 - 1) % 12 + 1
    end_year = start.year + (1 if end_month < start_month else 0)
    next_month = date(end_year + (1 if end_month == 12 else 0), end_month % 12 + 1, 1)
    return start, date.fromordinal(next_month.toordinal() - 1)


def label(year: int, quarter: int) -> str:
    return years.year_label(year) if quarter == 0 else years.quarter_label(year, quarter)


def previous(year: int, quarter: int) -> tuple[int, int]:
    if quarter == 0:
        return year - 1, 0
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _grouped(stmt_for, periods, names):
    """{name: [count per period]} from a grouped query run once per period."""
    table: dict[str, list[int]] = {}
    for index, period in enumerate(periods):
        for key, count in db.session.execute(stmt_for(*period)):
            name = names(key)
            table.setdefault(name, [0] * len(periods))[index] += count
    return sorted(table.items(), key=lambda item: (-item[1][0], item[0]))


def _instants(start: date, end: date):
    """The first and last instants of a span of London days, for timestamp columns."""
    first = datetime.combine(start, time.min, LONDON)
    last = datetime.combine(end + timedelta(days=1), time.min, LONDON) - timedelta(microseconds=1)
    return first, last


def _count(stmt_for, periods):
    return [db.session.scalar(stmt_for(*p)) or 0 for p in periods]


def _timeliness(stage_number, start, end):
    # The columns the clock needs, not whole records: a year can have thousands of stages.
    stages = db.session.execute(
        select(
            ComplaintStage.stage,
            ComplaintStage.started_on,
            ComplaintStage.extended,
            ComplaintStage.panel_on,
            ComplaintStage.report_on,
            ComplaintStage.responded_on,
        ).where(
            ComplaintStage.stage == stage_number, ComplaintStage.responded_on.between(start, end)
        )
    )
    responded, in_time, days = 0, 0, []
    calendar = Calendar()
    for stage in stages:
        responded += 1
        if services.within_timescale(stage, calendar.add):
            in_time += 1
        days.append(calendar.between(stage.started_on, stage.responded_on))
    percent = round(100 * in_time / responded) if responded else None
    average = round(sum(days) / len(days), 1) if days else None
    return responded, percent, average


def build(year: int, quarter: int) -> dict:
    periods_named = [(year, quarter), previous(year, quarter), (year - 1, quarter)]
    periods = [bounds(*p) for p in periods_named]
    headings = [label(*p) for p in periods_named]
    sections = []

    def section(title, rows, chart=True, suffix=""):
        sections.append({"title": title, "rows": rows, "chart": chart, "suffix": suffix})

    received = lambda s, e: (
        select(func.count())
        .select_from(Complaint)
        .where(  # noqa: E731
            Complaint.received_on.between(s, e)
        )
    )
    closed = lambda s, e: (
        select(func.count())
        .select_from(Complaint)
        .where(  # noqa: E731
            Complaint.closed_on.between(s, e)
        )
    )
    section(
        "Complaints received and closed",
        [("Received", _count(received, periods)), ("Closed", _count(closed, periods))],
    )

    started = lambda s, e: (  # noqa: E731
        select(ComplaintStage.stage, func.count())
        .where(ComplaintStage.started_on.between(s, e))
        .group_by(ComplaintStage.stage)
    )
    section("Stages started", _grouped(started, periods, lambda k: STAGES[k]))

    responded = lambda s, e: (  # noqa: E731
        select(ComplaintStage.stage, func.count())
        .where(ComplaintStage.responded_on.between(s, e))
        .group_by(ComplaintStage.stage)
    )
    section("Stages responded to", _grouped(responded, periods, lambda k: STAGES[k]))

    by_area = lambda s, e: (  # noqa: E731
        select(ServiceArea.name, func.count())
        .select_from(Complaint)
        .outerjoin(ServiceArea, ServiceArea.id == Complaint.service_area_id)
        .where(Complaint.received_on.between(s, e))
        .group_by(ServiceArea.name)
    )
    section("Received by service area", _grouped(by_area, periods, lambda k: k or "Not recorded"))
    by_team = lambda s, e: (  # noqa: E731
        select(Team.name, func.count())
        .select_from(Complaint)
        .outerjoin(Team, Team.id == Complaint.team_id)
        .where(Complaint.received_on.between(s, e))
        .group_by(Team.name)
    )
    section("Received by team", _grouped(by_team, periods, lambda k: k or "Not recorded"))
    by_category = lambda s, e: (  # noqa: E731
        select(CategoryOption.name, func.count())
        .select_from(complaint_category)
        .join(CategoryOption, CategoryOption.id == complaint_category.c.category_id)
        .join(Complaint, Complaint.id == complaint_category.c.complaint_id)
        .where(Complaint.received_on.between(s, e))
        .group_by(CategoryOption.name)
    )
    section("Received by category", _grouped(by_category, periods, lambda k: k))
    by_who = lambda s, e: (  # noqa: E731
        select(Complaint.complainant_type, func.count())
        .where(Complaint.received_on.between(s, e))
        .group_by(Complaint.complainant_type)
    )
    section(
        "Received by who complained", _grouped(by_who, periods, lambda k: COMPLAINANTS.get(k, k))
    )

    timely_rows, average_rows = [], []
    for number in (1, 2, 3):
        results = [_timeliness(number, *p) for p in periods]
        timely_rows.append((STAGES[number], [r[1] for r in results]))
        average_rows.append((STAGES[number], [r[2] for r in results]))
    section("Responded to within timescale (%)", timely_rows, suffix="%")
    section("Average working days to respond", average_rows)

    for number in (1, 2, 3):
        outcomes = lambda s, e, n=number: (  # noqa: E731
            select(ComplaintStage.outcome, func.count())
            .where(
                ComplaintStage.stage == n,
                ComplaintStage.responded_on.between(s, e),
                ComplaintStage.outcome != "",
            )
            .group_by(ComplaintStage.outcome)
        )
        section(
            f"Outcomes at {STAGES[number].split(':')[0]}",
            _grouped(outcomes, periods, lambda k: OUTCOMES.get(k, k)),
        )

    stage_two = _count(
        lambda s, e: (
            select(func.count())
            .select_from(ComplaintStage)
            .where(ComplaintStage.stage == 2, ComplaintStage.started_on.between(s, e))
        ),
        periods,
    )
    stage_one = _count(
        lambda s, e: (
            select(func.count())
            .select_from(ComplaintStage)
            .where(ComplaintStage.stage == 1, ComplaintStage.responded_on.between(s, e))
        ),
        periods,
    )
    section(
        "Escalation",
        [
            ("Stage 1 responses", stage_one),
            ("Stage 2 requests", stage_two),
            (
                "Escalation rate (%)",
                [
                    round(100 * b / a) if a else None
                    for a, b in zip(stage_one, stage_two, strict=True)
                ],
            ),
        ],
        chart=False,
    )
    ombudsman = lambda s, e: (  # noqa: E731
        select(ComplaintStage.outcome, func.count())
        .where(ComplaintStage.stage == 4, ComplaintStage.started_on.between(s, e))
        .group_by(ComplaintStage.outcome)
    )
    section(
        "Ombudsman cases",
        _grouped(
            ombudsman,
            periods,
            lambda k: OUTCOMES.get(k, "Decision awaited") if k else "Decision awaited",
        ),
    )

    learned = _count(
        lambda s, e: (
            select(func.count())
            .select_from(Complaint)
            .where(Complaint.closed_on.between(s, e), Complaint.learning != "")
        ),
        periods,
    )
    raised = _count(
        lambda s, e: (
            select(func.count())
            .select_from(Action)
            .where(Action.source_type == "complaint", Action.created_at.between(*_instants(s, e)))
        ),
        periods,
    )
    done = _count(
        lambda s, e: (
            select(func.count())
            .select_from(Action)
            .where(
                Action.source_type == "complaint",
                Action.created_at.between(*_instants(s, e)),
                Action.status == "completed",
            )
        ),
        periods,
    )
    section(
        "Learning and actions",
        [
            ("Closed complaints with learning recorded", learned),
            ("Actions raised", raised),
            ("Of which completed", done),
        ],
        chart=False,
    )

    external = Compliment.external.is_(True)
    by_source = lambda s, e: (  # noqa: E731
        select(Compliment.source, func.count())
        .where(Compliment.received_on.between(s, e), external)
        .group_by(Compliment.source)
    )
    section(
        "Compliments by who gave them (external)",
        _grouped(by_source, periods, lambda k: COMPLIMENT_SOURCES.get(k, k)),
    )
    c_team = lambda s, e: (  # noqa: E731
        select(Team.name, func.count())
        .select_from(Compliment)
        .outerjoin(Team, Team.id == Compliment.team_id)
        .where(Compliment.received_on.between(s, e), external)
        .group_by(Team.name)
    )
    section(
        "Compliments by team (external)", _grouped(c_team, periods, lambda k: k or "Not recorded")
    )
    c_theme = lambda s, e: (  # noqa: E731
        select(ComplimentThemeOption.name, func.count())
        .select_from(compliment_theme)
        .join(ComplimentThemeOption, ComplimentThemeOption.id == compliment_theme.c.theme_id)
        .join(Compliment, Compliment.id == compliment_theme.c.compliment_id)
        .where(Compliment.received_on.between(s, e), external)
        .group_by(ComplimentThemeOption.name)
    )
    section("Compliments by theme (external)", _grouped(c_theme, periods, lambda k: k))

    start, end = periods[0]
    return {
        "period": {
            "label": headings[0],
            "start": start,
            "end": end,
            "slug": f"{year}-{'year' if quarter == 0 else 'q' + str(quarter)}",
        },
        "headings": headings,
        "sections": sections,
    }


def workbook(data: dict):
    """Summary sheet, then one sheet per section with a native chart; counts only."""
    heads = data["headings"]
    columns = [Column("Figure", 44), *[Column(h, 26, "number") for h in heads]]
    summary = [
        (s["title"] + ": " + name, *values)
        for s in data["sections"][:1]
        for name, values in s["rows"]
    ]
    sheets = []
    for number, s in enumerate(data["sections"], start=1):
        chart = BarChart(s["title"], series=1, height_cm=8, width_cm=16)

        sheets.append(
            Sheet(
                f"{number} {s['title']}"[:31].replace(":", "").replace("(", "").replace(")", ""),
                [Column("", 44), *[Column(h, 26, "number") for h in heads]],
                [(name, *values) for name, values in s["rows"]],
                chart=chart if s["chart"] else None,
            )
        )
    return columns, summary, sheets
