"""The quarterly and annual report: each figure beside the previous quarter and the same
quarter last year (a year's beside the year before). No personal data: counts and
percentages only."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import and_, func, or_, select

from qaweb.actions.models import Action
from qaweb.complaints import services
from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    HOW,
    OMBUDSMAN_DECISIONS,
    OUTCOMES,
    POINT_OUTCOMES,
    STAGES,
    CategoryOption,
    Complaint,
    ComplaintStage,
    Compliment,
    ComplimentThemeOption,
    PointOutcome,
    complaint_category,
    compliment_theme,
)
from qaweb.core import years
from qaweb.core.excel import About, BarChart, Column, Sheet, Table
from qaweb.core.percentages import mean, percent
from qaweb.core.summaries import Count
from qaweb.core.timefmt import LONDON
from qaweb.core.workdays import Calendar
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report is for: its heading ("Q3: October to December 2026 (2026-27)"),
    first and last day, and the slug its files are named by ("2026-q3", "2026-year")."""

    label: str
    start: date
    end: date
    slug: str


@dataclass(frozen=True)
class ReportArea:
    """The service area a report counts: ``id`` None for the whole council; ``name`` None
    for the whole council and for an id that names no area (which counts nothing)."""

    id: int | None
    name: str | None

    @property
    def label(self) -> str:
        """The area's name, "All service areas" or "No service area"."""
        return self.name or ("All service areas" if self.id is None else "No service area")


@dataclass(frozen=True)
class ReportSection:
    """One table of the report: ``rows`` as [(name, [value per period or column])], each
    value a count, a percentage (``suffix`` "%"), working days or None (nothing to divide);
    ``chart`` False for tables drawn without bars; ``columns`` the headings of a table
    whose columns are not the periods (None: the report's headings)."""

    title: str
    rows: list[tuple[str, list]]
    chart: bool = True
    suffix: str = ""
    columns: list[str] | None = None


@dataclass(frozen=True)
class ComplaintsReport:
    """The complaints and compliments report (``build``): its period, service area, the
    headings of the periods compared (this one first) and its tables in reading order."""

    period: ReportPeriod
    area: ReportArea
    headings: list[str]
    sections: list[ReportSection]
    #: The same periods named short for the workbook's narrow columns.
    short_headings: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, dict[str, list]]:
        """{section title: {row name: values}}, for reading a figure by name."""
        return {s.title: dict(s.rows) for s in self.sections}


@dataclass(frozen=True)
class Timeliness:
    """The clocks of the stages responded to in each period (``_timeliness``).

    - ``overall``: {stage: [(responded, % within time, mean working days) per period]};
    - ``split``: {stage: [[within the normal limit, within an agreed extension, late] per
      period]} for Stages 1 and 2;
    - ``by_team`` and ``by_area``: {(stage, name): [responded, within time, working days]}
      for the first period only."""

    overall: dict[int, list[tuple]]
    split: dict[int, list[list[int]]]
    by_team: dict[tuple[int, str], list[int]]
    by_area: dict[tuple[int, str], list[int]]


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
    """The heading of a period: "April 2026 to March 2027" for a year (quarter 0), else "Q3: October
    to December 2026"."""
    return years.year_label(year) if quarter == 0 else years.quarter_label(year, quarter)


def previous(year: int, quarter: int) -> tuple[int, int]:
    """The (year, quarter) before this one: the previous quarter (Q1's is last year's Q4), or for a
    year (quarter 0) the year before."""
    if quarter == 0:
        return year - 1, 0
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _spans(periods) -> list[tuple[date, date]]:
    """The periods merged where they meet or overlap: the rows any period needs."""
    spans: list[list[date]] = []
    for start, end in sorted(periods):
        if spans and start <= spans[-1][1] + timedelta(days=1):
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [(start, end) for start, end in spans]


def _within(column, periods):
    """The rows whose ``column`` falls in any period (one index range per merged span)."""
    return or_(*(column.between(start, end) for start, end in _spans(periods)))


def _per_period(column, periods, *conditions):
    """One count per period, in one pass: COUNT(*) FILTER (WHERE column in the period ...)."""
    return [
        func.count().filter(and_(column.between(start, end), *conditions)) for start, end in periods
    ]


def _table(rows, periods, names, first=0):
    """{name: [count per period]} from grouped rows (key, *counts), sorted by the first period's
    count, largest first; keys that count nothing in any period are left out."""
    table: dict[str, list[int]] = {}
    for key, *counts in rows:
        counts = counts[first : first + len(periods)]
        if not any(counts):
            continue
        totals = table.setdefault(names(key), [0] * len(periods))
        for index, count in enumerate(counts):
            totals[index] += count
    return sorted(table.items(), key=lambda item: (-item[1][0], item[0]))


def _instants(start: date, end: date):
    """The first and last instants of a span of London days, for timestamp columns."""
    first = datetime.combine(start, time.min, LONDON)
    last = datetime.combine(end + timedelta(days=1), time.min, LONDON) - timedelta(microseconds=1)
    return first, last


def _area_condition(column, area_id):
    """The rows of one service area (``area_id``), or every row (None)."""
    return column == area_id if area_id is not None else sa.true()


def _timeliness(periods, area_id=None) -> Timeliness:
    """The clocks of the stages responded to in each period, from one grouped statement.

    A Timeliness:

    - ``overall``: {stage: [(responded, within time, working days in all) per period]} for
      stages 1 to 3;
    - ``split``: {stage: [(within the normal limit, within an agreed extension, late) per
      period]} for Stages 1 and 2 (10 and 25 working days; extended to 20 and 65);
    - ``by_team`` and ``by_area``: {(stage, name): [responded, within time, working days]} for
      the first period only ("Not recorded" for none).

    The clock needs working-day sums, so the stages come back grouped by the dates the clock
    reads (thousands of stages share a few thousand combinations) and each combination is
    worked out once. A stage's time runs on its complaint's calendar: the statutory one for
    the children's procedure (the 2006 Regulations), the council's for the corporate one."""
    clock = (
        ComplaintStage.stage,
        ComplaintStage.started_on,
        ComplaintStage.extended,
        ComplaintStage.panel_on,
        ComplaintStage.report_on,
        ComplaintStage.responded_on,
        Complaint.procedure,
        Team.name,
        ServiceArea.name,
    )
    combinations = db.session.execute(
        select(*clock, func.count())
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .outerjoin(Team, Team.id == Complaint.team_id)
        .outerjoin(ServiceArea, ServiceArea.id == Complaint.service_area_id)
        # No condition on the stage: the responded-on index finds the period's few stages.
        .where(
            _within(ComplaintStage.responded_on, periods),
            _area_condition(Complaint.service_area_id, area_id),
        )
        .group_by(*clock)
    )
    # [responded, in time, working days] per stage and period
    sums = {number: [[0, 0, 0] for _ in periods] for number in (1, 2, 3)}
    split = {number: [[0, 0, 0] for _ in periods] for number in services.LIMITS}
    by_team: dict[tuple[int, str], list[int]] = {}
    by_area: dict[tuple[int, str], list[int]] = {}
    # The statutory clock (closure days are working days) or the council's (corporate).
    calendars = {True: Calendar(statutory=True), False: Calendar()}
    for stage in combinations:
        if stage.stage not in sums:
            continue  # the Ombudsman keeps no clock here
        count = stage[-1]
        calendar = calendars[services.is_statutory(stage.procedure)]
        in_time = bool(services.within_timescale(stage, calendar.add))
        days = calendar.between(stage.started_on, stage.responded_on)
        if stage.stage in services.LIMITS:
            normal = services.LIMITS[stage.stage][0]
            if stage.responded_on <= calendar.add(stage.started_on, normal):
                kind = 0  # within the normal limit, extended or not
            else:
                kind = 1 if in_time else 2  # within an agreed extension, or late
        for index, (start, end) in enumerate(periods):
            if start <= stage.responded_on <= end:
                totals = sums[stage.stage][index]
                totals[0] += count
                totals[1] += count if in_time else 0
                totals[2] += count * days
                if stage.stage in split:
                    split[stage.stage][index][kind] += count
                if index == 0:
                    for table, name in ((by_team, stage[7]), (by_area, stage[8])):
                        row = table.setdefault((stage.stage, name or "Not recorded"), [0, 0, 0])
                        row[0] += count
                        row[1] += count if in_time else 0
                        row[2] += count * days
    return Timeliness(
        overall={
            number: [
                (responded, percent(in_time, responded), mean(days, responded))
                for responded, in_time, days in per_period
            ]
            for number, per_period in sums.items()
        },
        split=split,
        by_team=by_team,
        by_area=by_area,
    )


def _points_rows(periods, in_area=None) -> list[tuple[str, list[int]]]:
    """Points of complaint answered in each period, beside the complaints answered point by
    point, for Stages 1 to 3 (``points.POINT_STAGES``): per stage, "complaints answered point
    by point", "points answered" and one row per point outcome (``POINT_OUTCOMES`` order),
    each counted by the date of the stage's response. Stages with no points answered in any
    period are left out. ``in_area`` is the report's service-area condition on ``Complaint``.
    Two grouped queries."""
    from qaweb.complaints.points import POINT_STAGES

    in_area = sa.true() if in_area is None else in_area
    width = len(periods)
    by_outcome = db.session.execute(
        select(
            ComplaintStage.stage,
            PointOutcome.outcome,
            *_per_period(ComplaintStage.responded_on, periods),
        )
        .select_from(PointOutcome)
        .join(ComplaintStage, ComplaintStage.id == PointOutcome.stage_id)
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .where(_within(ComplaintStage.responded_on, periods), in_area)
        .group_by(ComplaintStage.stage, PointOutcome.outcome)
    ).all()
    answered = select(PointOutcome.stage_id).distinct().scalar_subquery()
    by_stage = dict(
        (number, list(counts))
        for number, *counts in db.session.execute(
            select(ComplaintStage.stage, *_per_period(ComplaintStage.responded_on, periods))
            .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
            .where(
                _within(ComplaintStage.responded_on, periods),
                ComplaintStage.id.in_(answered),
                in_area,
            )
            .group_by(ComplaintStage.stage)
        )
    )
    rows = []
    for number in POINT_STAGES:
        outcomes = {o: list(c) for n, o, *c in by_outcome if n == number}
        if not outcomes:
            continue
        name = STAGES[number].split(":")[0]
        totals = [sum(c[i] for c in outcomes.values()) for i in range(width)]
        rows.append(
            (f"{name}: complaints answered point by point", by_stage.get(number, [0] * width))
        )
        rows.append((f"{name}: points answered", totals))
        for key, text in POINT_OUTCOMES.items():
            rows.append((f"{name}: points {text.lower()}", outcomes.get(key, [0] * width)))
    return rows


#: The columns of the timescale tables by team and by service area (the chosen period only).
TIMESCALE_COLUMNS = ["Responded", "Within time", "Late", "Within time (%)", "Average working days"]


def _timescale_rows(table: dict) -> list:
    """[("Stage N: name", [responded, within, late, percent, average])], by stage then name."""
    return [
        (
            f"Stage {number}: {name}",
            [
                responded,
                within,
                responded - within,
                percent(within, responded),
                mean(days, responded),
            ],
        )
        for (number, name), (responded, within, days) in sorted(table.items())
    ]


def build(year: int, quarter: int, area_id: int | None = None) -> ComplaintsReport:
    """The report's figures for a quarter beside the previous one and the same one a year
    before (a year, quarter 0, beside the year before): one grouped query per table (or per
    few tables that read the same rows), each counting every period at once.

    ``area_id`` limits every figure to one service area's complaints, compliments and
    actions (None: the whole council; the caller decides who may choose, see
    ``services.report_area``). Percentages are rounded half up (``core.percentages``), as
    councils' spreadsheets round them."""
    periods_named = [(year, quarter), previous(year, quarter)]
    if quarter:
        periods_named.append((year - 1, quarter))  # a year's previous one is last year already
    periods = [bounds(*p) for p in periods_named]
    headings = [label(*p) for p in periods_named]
    width = len(periods)
    sections = []
    in_area = _area_condition(Complaint.service_area_id, area_id)

    def section(title, rows, chart=True, suffix="", columns=None):
        sections.append(ReportSection(title, rows, chart, suffix, columns))

    # Received, closed, closed with learning recorded and with what changed, advocacy and
    # complaints not accepted: one pass.
    counts = db.session.execute(
        select(
            *_per_period(Complaint.received_on, periods),
            *_per_period(Complaint.closed_on, periods),
            *_per_period(Complaint.closed_on, periods, Complaint.learning != ""),
            *_per_period(Complaint.closed_on, periods, Complaint.practice_change.is_(True)),
            *_per_period(Complaint.closed_on, periods, Complaint.policy_change.is_(True)),
            *_per_period(Complaint.received_on, periods, Complaint.advocate_offered.is_(True)),
            *_per_period(Complaint.received_on, periods, Complaint.advocate_used.is_(True)),
            *_per_period(Complaint.not_accepted_on, periods),
        ).where(
            or_(_within(Complaint.received_on, periods), _within(Complaint.closed_on, periods)),
            in_area,
        )
    ).one()
    (
        received,
        closed,
        learned,
        practice_changed,
        policy_changed,
        advocate_offered,
        advocate_used,
        not_accepted,
    ) = (list(counts[i * width : (i + 1) * width]) for i in range(8))
    section(
        "Complaints received and closed",
        [("Received", received), ("Closed", closed), ("Not accepted", not_accepted)],
    )

    # Stages started and responded to, outcomes, Ombudsman decisions and who handled each
    # stage (job title): one pass over stages.
    stage_rows = db.session.execute(
        select(
            ComplaintStage.stage,
            ComplaintStage.outcome,
            ComplaintStage.ombudsman_decision,
            User.job_title,
            *_per_period(ComplaintStage.started_on, periods),
            *_per_period(ComplaintStage.responded_on, periods),
        )
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .outerjoin(User, User.id == ComplaintStage.handler_id)
        .where(
            or_(
                _within(ComplaintStage.started_on, periods),
                _within(ComplaintStage.responded_on, periods),
            ),
            in_area,
        )
        .group_by(
            ComplaintStage.stage,
            ComplaintStage.outcome,
            ComplaintStage.ombudsman_decision,
            User.job_title,
        )
    ).all()
    by_stage = [(number, *counts) for number, _outcome, _decision, _job, *counts in stage_rows]
    started = _table(by_stage, periods, lambda k: STAGES[k])
    responded = _table(by_stage, periods, lambda k: STAGES[k], first=width)
    section("Stages started", started)
    section("Stages responded to", responded)
    not_recorded = lambda k: k or "Not recorded"  # noqa: E731
    section(
        "Stage 1 handled by (job title)",
        _table(
            [(job, *counts) for number, _o, _d, job, *counts in stage_rows if number == 1],
            periods,
            not_recorded,
        ),
    )

    # Received by service area, team, who complained, how it arrived and why not accepted:
    # one pass over the period's complaints.
    complaint_rows = db.session.execute(
        select(
            ServiceArea.name,
            Team.name,
            Complaint.complainant_type,
            Complaint.received_how,
            *_per_period(Complaint.received_on, periods),
        )
        .select_from(Complaint)
        .outerjoin(ServiceArea, ServiceArea.id == Complaint.service_area_id)
        .outerjoin(Team, Team.id == Complaint.team_id)
        .where(_within(Complaint.received_on, periods), in_area)
        .group_by(ServiceArea.name, Team.name, Complaint.complainant_type, Complaint.received_how)
    ).all()
    section(
        "Received by service area",
        _table([(a, *c) for a, _t, _w, _h, *c in complaint_rows], periods, not_recorded),
    )
    section(
        "Received by team",
        _table([(t, *c) for _a, t, _w, _h, *c in complaint_rows], periods, not_recorded),
    )
    by_category = db.session.execute(
        select(CategoryOption.name, *_per_period(Complaint.received_on, periods))
        .select_from(complaint_category)
        .join(CategoryOption, CategoryOption.id == complaint_category.c.category_id)
        .join(Complaint, Complaint.id == complaint_category.c.complaint_id)
        .where(_within(Complaint.received_on, periods), in_area)
        .group_by(CategoryOption.name)
    )
    section("Received by category", _table(by_category, periods, lambda k: k))
    section(
        "Received by who complained",
        _table(
            [(w, *c) for _a, _t, w, _h, *c in complaint_rows],
            periods,
            lambda k: COMPLAINANTS.get(k, k),
        ),
    )
    section(
        "How complaints arrived",
        _table([(h, *c) for _a, _t, _w, h, *c in complaint_rows], periods, lambda k: HOW.get(k, k)),
    )
    section(
        "Advocacy",
        [("Advocate offered", advocate_offered), ("Advocate used", advocate_used)],
        chart=False,
    )

    timeliness = _timeliness(periods, area_id)
    overall = timeliness.overall
    section(
        "Responded to within timescale (%)",
        [(STAGES[n], [r[1] for r in overall[n]]) for n in (1, 2, 3)],
        suffix="%",
    )
    section(
        "Average working days to respond",
        [(STAGES[n], [r[2] for r in overall[n]]) for n in (1, 2, 3)],
    )
    for number, (normal, longest) in services.LIMITS.items():
        split = timeliness.split[number]
        section(
            f"Stage {number} responses: in time and late",
            [
                (f"Within {normal} working days", [p[0] for p in split]),
                (f"Within an agreed extension (up to {longest})", [p[1] for p in split]),
                ("Late", [p[2] for p in split]),
                (
                    f"Within {normal} working days (%)",
                    [percent(p[0], sum(p)) for p in split],
                ),
            ],
            chart=False,
        )
    section(
        "Timescales by service area",
        _timescale_rows(timeliness.by_area),
        chart=False,
        columns=TIMESCALE_COLUMNS,
    )
    section(
        "Timescales by team",
        _timescale_rows(timeliness.by_team),
        chart=False,
        columns=TIMESCALE_COLUMNS,
    )

    for number in (1, 2, 3):
        outcomes = [
            (outcome, *counts[width:])
            for stage, outcome, _d, _j, *counts in stage_rows
            if stage == number and outcome
        ]
        section(
            f"Outcomes at {STAGES[number].split(':')[0]}",
            _table(outcomes, periods, lambda k: OUTCOMES.get(k, k)),
        )

    section("Points of complaint", _points_rows(periods, in_area), chart=False)

    stage_one = dict(responded).get(STAGES[1], [0] * width)
    stage_two = dict(started).get(STAGES[2], [0] * width)
    section(
        "Escalation",
        [
            ("Stage 1 responses", stage_one),
            ("Stage 2 requests", stage_two),
            (
                "Escalation rate (%)",
                [percent(b, a) for a, b in zip(stage_one, stage_two, strict=True)],
            ),
        ],
        chart=False,
    )
    section(
        "Ombudsman cases",
        _table(
            [(outcome, *counts) for stage, outcome, _d, _j, *counts in stage_rows if stage == 4],
            periods,
            lambda k: OUTCOMES.get(k, "Decision awaited") if k else "Decision awaited",
        ),
    )
    section(
        "Ombudsman decisions",
        _table(
            [
                (decision, *counts[width:])
                for stage, _o, decision, _j, *counts in stage_rows
                if stage == 4 and decision
            ],
            periods,
            lambda k: OMBUDSMAN_DECISIONS.get(k, k),
        ),
    )

    instants = [_instants(*p) for p in periods]
    actions_in_area = (
        Action.source_id.in_(select(Complaint.id).where(in_area))
        if area_id is not None
        else sa.true()
    )
    raised_done = db.session.execute(
        select(
            *_per_period(Action.created_at, instants),
            *_per_period(Action.created_at, instants, Action.status == "completed"),
        ).where(
            Action.source_type == "complaint",
            or_(*(Action.created_at.between(*span) for span in instants)),
            actions_in_area,
        )
    ).one()
    section(
        "Learning and actions",
        [
            ("Closed complaints with learning recorded", learned),
            ("Of which practice changed", practice_changed),
            ("Of which policy or procedure changed", policy_changed),
            ("Actions raised", list(raised_done[:width])),
            ("Of which completed", list(raised_done[width:])),
        ],
        chart=False,
    )

    external = Compliment.external.is_(True)
    compliment_rows = db.session.execute(
        select(Compliment.source, Team.name, *_per_period(Compliment.received_on, periods))
        .select_from(Compliment)
        .outerjoin(Team, Team.id == Compliment.team_id)
        .where(
            _within(Compliment.received_on, periods),
            external,
            _area_condition(Compliment.service_area_id, area_id),
        )
        .group_by(Compliment.source, Team.name)
    ).all()
    total = [sum(row[2 + i] for row in compliment_rows) for i in range(width)]
    section("Compliments received (external)", [("Total", total)], chart=False)
    section(
        "Compliments by who gave them (external)",
        _table(
            [(s, *c) for s, _t, *c in compliment_rows],
            periods,
            lambda k: COMPLIMENT_SOURCES.get(k, k),
        ),
    )
    section(
        "Compliments by team (external)",
        _table([(t, *c) for _s, t, *c in compliment_rows], periods, not_recorded),
    )
    by_theme = db.session.execute(
        select(ComplimentThemeOption.name, *_per_period(Compliment.received_on, periods))
        .select_from(compliment_theme)
        .join(ComplimentThemeOption, ComplimentThemeOption.id == compliment_theme.c.theme_id)
        .join(Compliment, Compliment.id == compliment_theme.c.compliment_id)
        .where(
            _within(Compliment.received_on, periods),
            external,
            _area_condition(Compliment.service_area_id, area_id),
        )
        .group_by(ComplimentThemeOption.name)
    )
    section("Compliments by theme (external)", _table(by_theme, periods, lambda k: k))

    start, end = periods[0]
    # An area that is not there (an old link, a typed address) names none and counts nothing.
    area = db.session.get(ServiceArea, area_id) if area_id and area_id > 0 else None
    area_name = area.name if area is not None else None
    return ComplaintsReport(
        period=ReportPeriod(
            label=headings[0],
            start=start,
            end=end,
            slug=f"{year}-{'year' if quarter == 0 else 'q' + str(quarter)}",
        ),
        area=ReportArea(id=area_id, name=area_name if area_id is not None else None),
        headings=headings,
        # For the workbook's narrow period columns: "Q3 Oct to Dec 2026", "Apr 2025 to Mar 2026".
        short_headings=[
            (f"Q{q} " if q else "") + years.Period(*bounds(y, q)).short_label
            for y, q in periods_named
        ],
        sections=sections,
    )


#: The report's sheets after the key figures: its tables grouped by topic, in the order the
#: report reads (each table keeps the order ``build`` gives it).
SHEET_GROUPS = (
    (
        "Complaints received",
        (
            "Complaints received and closed",
            "Received by service area",
            "Received by team",
            "Received by category",
            "Received by who complained",
            "How complaints arrived",
            "Advocacy",
        ),
    ),
    # Four topics, each a page of the quarter's report: it prints in a handful of pages.
    (
        "Responses and timeliness",
        (
            "Stages started",
            "Stages responded to",
            "Responded to within timescale (%)",
            "Average working days to respond",
            "Escalation",
            "Stage 1 handled by",
            "Stage 1 responses",
            "Stage 2 responses",
        ),
    ),
    (
        "Timescales and outcomes",
        ("Timescales by", "Outcomes at", "Points of complaint", "Ombudsman"),
    ),
    ("Learning and compliments", ("Learning and actions", "Compliments")),
)


def _group(title: str) -> str:
    for name, starts in SHEET_GROUPS:
        if any(title.startswith(start) for start in starts):
            return name
    return "Other figures"


def _first_column(title: str) -> str:
    """The header of a table's first column: what its rows are ("Team", "Stage", ...)."""
    for prefix in ("Received by ", "Compliments by "):
        if title.startswith(prefix):
            rest = title[len(prefix) :].split(" (")[0]
            return rest[:1].upper() + rest[1:]
    if title.startswith("Timescales by "):
        return "Stage: " + title[len("Timescales by ") :]
    if title.startswith("Stage 1 handled by"):
        return "Job title"
    if title.startswith(("Stages", "Responded", "Average")):
        return "Stage"
    if title.startswith("Outcomes"):
        return "Outcome"
    return "Figure"


def _value_title(section: ReportSection) -> str:
    title = section.title
    if section.suffix == "%" or title.endswith("(%)"):
        return "Per cent"
    if "working days" in title:
        return "Working days"
    if title.startswith("Compliments"):
        return "Compliments"
    if title.startswith(("Stages", "Outcomes")):
        return "Stages"
    return "Complaints"


def about(data: ComplaintsReport) -> About:
    """What the workbook's About sheet says: the period and what it is compared with."""
    heads = data.headings
    area = data.area.label
    return About(
        "Complaints and compliments report",
        period=heads[0],
        filters=[("Service area", area)],
        notes=[
            "Each figure is compared with " + " and ".join(heads[1:]) + ", except the "
            "timescales by team and by service area, which are for " + heads[0] + " only.",
            "Percentages are rounded half up (12.5% shows as 13%), as councils' spreadsheets "
            "round them.",
            "Counts and percentages only: no personal data.",
        ],
    )


def workbook(data: ComplaintsReport) -> tuple[list[Column], list[tuple], list[Sheet]]:
    """The key figures, then a sheet per topic (``SHEET_GROUPS``) holding its tables, each
    with a native chart plotting every period compared; counts only. Returns the key
    figures' columns and rows and the topic sheets, for ``core.excel``."""
    heads = data.headings
    columns = [Column("Figure", 44), *[Column(h, 16, "number") for h in heads]]
    # The headline of each topic: what came in and went out, how much was answered in time,
    # how much went further, and how many thanked the service.
    sections = data.tables()
    key_figures = [
        (f"Complaints {name.lower()}", *values)
        for name, values in sections.get("Complaints received and closed", {}).items()
    ]
    key_figures += [
        (f"{name}: responded to within timescale (%)", *values)
        for name, values in sections.get("Responded to within timescale (%)", {}).items()
    ]
    if "Escalation rate (%)" in sections.get("Escalation", {}):
        key_figures.append(("Escalation rate (%)", *sections["Escalation"]["Escalation rate (%)"]))
    compliments = sections.get("Compliments by who gave them (external)", {}).values()
    key_figures.append(
        ("Compliments (external)", *[sum(v[i] for v in compliments) for i in range(len(heads))])
    )
    groups: dict[str, list[Table]] = {}
    short = data.short_headings or heads
    for s in data.sections:
        rows = [(name, *values) for name, values in s.rows]
        chart = None
        if s.chart:
            chart = BarChart(
                s.title,
                height_cm=15,  # at most: sized to its bars (excel.chart_height_cm)
                width_cm=11,
                value_title=_value_title(s),
                counts=_value_title(s) not in ("Per cent", "Working days"),
            )
        values = s.columns or short
        groups.setdefault(_group(s.title), []).append(
            Table(
                s.title,
                [Column(_first_column(s.title), 36), *[Column(h, 12, "number") for h in values]],
                rows or [("None in these periods", *[None] * len(values))],
                chart=chart if rows else None,
            )
        )
    sheets = [Sheet(name, tables=tables) for name, tables in groups.items()]
    return columns, key_figures, sheets


@dataclass(frozen=True)
class ComplaintsSummary:
    """Complaints and compliments in a period: complaints ``received`` and ``closed``; of
    the closed, those with learning recorded and those that changed practice or policy;
    ``compliments`` received; the complaints' ``categories`` (most often first) and the
    ``learning`` recorded on the closed complaints (names and numbers removed, see
    ``annual._learning``)."""

    received: int
    closed: int
    with_learning: int
    practice_change: int
    policy_change: int
    compliments: int
    categories: tuple[Count, ...]
    learning: tuple[str, ...]


def summary(
    period: years.Period, area_id: int | None = None, learning: bool = True
) -> ComplaintsSummary:
    """Headline complaints and compliments figures for ``period`` and one service area
    (None: the council): one grouped query for the counts, one for the categories, one for
    the compliments and two for the learning (left empty with ``learning=False``, for a
    period a report only compares with) (Children Act 1989 Representations Procedure
    (England) Regulations 2006, the annual report's headline figures)."""
    from qaweb.complaints.annual import _learning

    in_area = _area_condition(Complaint.service_area_id, area_id)
    closed = Complaint.closed_on.between(period.start, period.end)
    received, closed_count, learned, practice, policy = db.session.execute(
        select(
            func.count().filter(Complaint.received_on.between(period.start, period.end)),
            func.count().filter(closed),
            func.count().filter(closed, Complaint.learning != ""),
            func.count().filter(closed, Complaint.practice_change.is_(True)),
            func.count().filter(closed, Complaint.policy_change.is_(True)),
        ).where(in_area)
    ).one()
    compliments = db.session.scalar(
        select(func.count()).where(
            Compliment.received_on.between(period.start, period.end),
            _area_condition(Compliment.service_area_id, area_id),
        )
    )
    categories = db.session.execute(
        select(CategoryOption.name, func.count())
        .join(complaint_category, complaint_category.c.category_id == CategoryOption.id)
        .join(Complaint, Complaint.id == complaint_category.c.complaint_id)
        .where(Complaint.received_on.between(period.start, period.end), in_area)
        .group_by(CategoryOption.name)
        .order_by(func.count().desc(), CategoryOption.name)
    ).all()
    return ComplaintsSummary(
        received=received,
        closed=closed_count,
        with_learning=learned,
        practice_change=practice,
        policy_change=policy,
        compliments=compliments or 0,
        categories=tuple(Count(name, n) for name, n in categories),
        learning=tuple(_learning(period.start, period.end, area_id)) if learning else (),
    )
