"""The rows of Practice Week's Excel exports: the schedule, the records and the week's report."""

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qaweb.actions.models import Action
from qaweb.core import grading
from qaweb.core.excel import About, BarChart, Column, Sheet
from qaweb.core.grading import GradeLevel
from qaweb.core.timefmt import format_date, to_london
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User
from qaweb.practice_week import reports
from qaweb.practice_week.models import (
    NOT_HELD_REASONS,
    OBSERVATION_STATUSES,
    LearningTheme,
    MeetingType,
    Observation,
    PracticeWeek,
    observation_theme,
)
from qaweb.tools.models import Answer

SCHEDULE_COLUMNS = [
    Column("Reference", 12),
    Column("Starts", 17, "datetime"),
    Column("Ends", 17, "datetime"),
    Column("Observer", 24),
    Column("Practitioner", 24),
    Column("Team", 26),
    Column("Service area", 28),
    Column("Meeting type", 26),
    Column("Place", 28),
    Column("Virtual", 9),
    Column("Case reference", 15),
    Column("Family agreed", 13),
    Column("Status", 20),
    Column("Clash overridden because", 30),
]


#: The observer and the practitioner of an observation, aliased once (``people_columns``):
#: aliases made afresh for each statement cost SQLAlchemy's cache key about 0.3 ms each, and
#: the board builds two such statements a request.
_OBSERVER = aliased(User, name="observer")
_PRACTITIONER = aliased(User, name="practitioner")


def people_columns(stmt):
    """``stmt`` (a SELECT of observations) with the names a row shows joined in, as columns:
    a large week is well over a thousand rows, too many to load as records. Returns the
    statement and the observer's and the practitioner's User aliases it joins."""
    observer, practitioner = _OBSERVER, _PRACTITIONER
    return (
        (
            stmt.outerjoin(observer, observer.id == Observation.observer_id)
            .join(practitioner, practitioner.id == Observation.practitioner_id)
            .outerjoin(Team, Team.id == Observation.team_id)
            .outerjoin(ServiceArea, ServiceArea.id == Team.service_area_id)
            .join(MeetingType, MeetingType.id == Observation.meeting_type_id)
        ),
        observer,
        practitioner,
    )


def _name(first, last) -> str:
    return f"{first} {last}" if first is not None else ""


def schedule_rows(stmt):
    stmt, observer, practitioner = people_columns(
        stmt.with_only_columns(
            Observation.id,
            Observation.starts_at,
            Observation.ends_at,
            Observation.place,
            Observation.is_virtual,
            Observation.case_reference,
            Observation.family_agreed,
            Observation.status,
            Observation.override_reason,
        )
    )
    stmt = stmt.add_columns(
        observer.first_name,
        observer.last_name,
        practitioner.first_name,
        practitioner.last_name,
        Team.name,
        ServiceArea.name,
        MeetingType.name,
    )
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        (id_, starts, ends, place, virtual, case, agreed, status, override) = row[:9]
        o_first, o_last, p_first, p_last, team, area, meeting = row[9:]
        yield (
            f"OBS-{id_:05d}",
            starts,
            ends,
            _name(o_first, o_last),
            _name(p_first, p_last),
            team or "",
            area or "",
            meeting,
            place,
            "Yes" if virtual else "No",
            case,
            "Yes" if agreed else "Not yet",
            OBSERVATION_STATUSES[status],
            override,
        )


RECORD_COLUMNS = [
    Column("Reference", 12),
    Column("Date", 12, "date"),
    Column("Observer", 24),
    Column("Practitioner", 24),
    Column("Team", 26),
    Column("Meeting type", 26),
    Column("Status", 20),
    Column("Why it did not take place", 30),
    Column("Overall grade", 20),
    Column("Family feedback", 16),
    Column("Child's feedback", 16),
    Column("Learning themes", 40),
    Column("Practitioner's reflections", 60),
    Column("Actions raised", 14, "number"),
]


def record_rows(week: PracticeWeek):
    """One row per observation of the week, with its grade, themes and actions (no query
    per row: grades, themes and action counts are read once for the week)."""
    ids = select(Observation.id).where(Observation.week_id == week.id)
    # Driven from the week's observations to each form's "overall" answers; the question is
    # matched as an expression so no engine starts from every overall grade of every tool.
    grades = dict(
        db.session.execute(
            select(Observation.id, GradeLevel.label)
            .join(
                Answer,
                (Answer.response_id == Observation.response_id) & (Answer.section_key == "overall"),
            )
            .join(GradeLevel, GradeLevel.id == Answer.grade_level_id)
            .where(
                Observation.week_id == week.id,
                Answer.question_key.concat("") == "overall_grade",
            )
        ).all()
    )
    themes = defaultdict(list)
    for observation_id, name in db.session.execute(
        select(observation_theme.c.observation_id, LearningTheme.name)
        .join(LearningTheme, LearningTheme.id == observation_theme.c.theme_id)
        .where(observation_theme.c.observation_id.in_(ids))
        .order_by(LearningTheme.name)
    ):
        themes[observation_id].append(name)
    actions = dict(
        db.session.execute(
            select(Action.source_id, func.count())
            .where(Action.source_type == "observation", Action.source_id.in_(ids))
            .group_by(Action.source_id)
        ).all()
    )
    stmt, observer, practitioner = people_columns(
        select(
            Observation.id,
            Observation.starts_at,
            Observation.status,
            Observation.not_held_reason,
            Observation.family_feedback,
            Observation.child_feedback,
            Observation.reflections,
        ).where(Observation.week_id == week.id)
    )
    stmt = stmt.add_columns(
        observer.first_name,
        observer.last_name,
        practitioner.first_name,
        practitioner.last_name,
        Team.name,
        MeetingType.name,
    ).order_by(Observation.starts_at, Observation.id)
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        id_, starts, status, not_held, family, child, reflections = row[:7]
        o_first, o_last, p_first, p_last, team, meeting = row[7:]
        yield (
            f"OBS-{id_:05d}",
            to_london(starts).date(),
            _name(o_first, o_last),
            _name(p_first, p_last),
            team or "",
            meeting,
            OBSERVATION_STATUSES[status],
            NOT_HELD_REASONS.get(not_held, ""),
            grades.get(id_, ""),
            reports.feedback_label(family) if family else "",
            reports.feedback_label(child) if child else "",
            "; ".join(themes.get(id_, [])),
            reflections,
            actions.get(id_, 0),
        )


def _rate(value):
    return "" if value is None else value


def report_workbook(week: PracticeWeek):
    """(title, columns, rows, summary=…, sheets=…) for send_workbook."""
    from qaweb.practice_week import services

    previous = services.previous_week(week)
    this, before = reports.compared(week, previous)
    headings = [f"{week.theme} ({week.starts_on:%b %Y})"]
    if before:
        headings.append(f"{previous.theme} ({previous.starts_on:%b %Y})")

    def pair(key):
        return [_rate(getattr(this, key))] + ([_rate(getattr(before, key))] if before else [])

    summary_rows = [
        ("Observations planned", *pair("planned")),
        ("Completed", *pair("completed")),
        ("Completion rate (%)", *pair("completion_rate")),
        ("Family feedback given (% of completed)", *pair("family_given_rate")),
        ("Child's feedback given (% of completed)", *pair("child_given_rate")),
        ("Graded Good or better (%)", *pair("good_or_better")),
        (
            "Actions raised",
            this.actions.raised,
            *([before.actions.raised] if before else []),
        ),
    ]
    figures_columns = [Column("Measure", 42), *[Column(h, 28, "number") for h in headings]]

    coverage_rows = reports.coverage(week)
    coverage = Sheet(
        "Coverage",
        [
            Column("Service area", 30),
            Column("Team", 30),
            Column("Scheduled", 11, "number"),
            Column("Completed", 11, "number"),
            Column("Did not take place", 17, "number"),
            Column("Cancelled", 11, "number"),
        ],
        [
            (
                r.area,
                r.team,
                r.counts["scheduled"],
                r.counts["completed"],
                r.counts["not_held"],
                r.counts["cancelled"],
            )
            for r in coverage_rows
        ],
    )
    grades = Sheet(
        "Grades",
        [Column("Overall grade", 26), Column("Observations", 14, "number")],
        [(s.label, s.count) for s in this.grades],
        chart=BarChart(
            "Overall grades of completed observations",
            value_title="Observations",
            # Each grade's bar in the scale's own colour, best first as in the table.
            point_colours=[
                grading.CHART_COLOURS.get(s.colour, grading.CHART_COLOURS["grey"])
                for s in this.grades
            ],
        ),
    )
    themes = Sheet(
        "Learning themes",
        [Column("Learning theme", 40), Column("Observations", 14, "number")],
        reports.themes_ranked(week),
        chart=BarChart("Learning themes", value_title="Observations"),
    )
    feedback_sheets = []
    for whose, title in (("family", "Family feedback"), ("child", "Child's feedback")):
        feedback_sheets.append(
            Sheet(
                title,
                [
                    Column("Question", 70),
                    Column("Answer", 22),
                    Column("Count", 9, "number"),
                    Column("Per cent", 10, "number"),
                ],
                [
                    (item.question, share.label, share.count, share.percent)
                    for item in reports.feedback_summary(week, whose)
                    for share in item.shares
                ],
            )
        )
    about = About(
        f"Practice week report: {week.theme}",
        period=f"{format_date(week.starts_on)} to {format_date(week.ends_on)}",
        notes=[
            "Compared with "
            + (
                f"{previous.theme} ({format_date(previous.starts_on)} to "
                f"{format_date(previous.ends_on)})"
                if previous
                else "no earlier week"
            )
        ],
    )
    return (
        "Key figures",
        figures_columns,
        summary_rows,
    ), {"sheets": [coverage, grades, themes, *feedback_sheets], "about": about}
