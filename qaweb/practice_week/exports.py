"""The rows of Practice Week's Excel exports: the schedule, the records and the week's report."""

from collections import defaultdict

from sqlalchemy import func, select

from qaweb.actions.models import Action
from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.core.grading import GradeLevel
from qaweb.core.timefmt import to_london
from qaweb.extensions import db
from qaweb.practice_week import reports
from qaweb.practice_week.models import (
    NOT_HELD_REASONS,
    OBSERVATION_STATUSES,
    LearningTheme,
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


def schedule_rows(stmt):
    for o in db.session.scalars(stmt.execution_options(yield_per=500)):
        yield (
            o.reference,
            o.starts_at,
            o.ends_at,
            o.observer.name if o.observer else "",
            o.practitioner.name,
            o.team.name if o.team else "",
            o.team.service_area.name if o.team else "",
            o.meeting_type.name,
            o.place,
            "Yes" if o.is_virtual else "No",
            o.case_reference,
            "Yes" if o.family_agreed else "Not yet",
            o.status_label,
            o.override_reason,
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
    grades = dict(
        db.session.execute(
            select(Observation.id, GradeLevel.label)
            .join(Answer, Answer.response_id == Observation.response_id)
            .join(GradeLevel, GradeLevel.id == Answer.grade_level_id)
            .where(Observation.week_id == week.id, Answer.question_key == "overall_grade")
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
    stmt = (
        select(Observation)
        .where(Observation.week_id == week.id)
        .order_by(Observation.starts_at, Observation.id)
        .execution_options(yield_per=500)
    )
    for o in db.session.scalars(stmt):
        yield (
            o.reference,
            to_london(o.starts_at).date(),
            o.observer.name if o.observer else "",
            o.practitioner.name,
            o.team.name if o.team else "",
            o.meeting_type.name,
            OBSERVATION_STATUSES[o.status],
            NOT_HELD_REASONS.get(o.not_held_reason, ""),
            grades.get(o.id, ""),
            reports.feedback_label(o.family_feedback) if o.family_feedback else "",
            reports.feedback_label(o.child_feedback) if o.child_feedback else "",
            "; ".join(themes.get(o.id, [])),
            o.reflections,
            actions.get(o.id, 0),
        )


def _rate(value):
    return "" if value is None else value


def report_workbook(week: PracticeWeek):
    """(title, columns, rows, summary=…, sheets=…) for send_workbook."""
    from qaweb.practice_week import services

    previous = services.previous_week(week)
    this = reports.figures(week)
    before = reports.figures(previous) if previous else None
    headings = [f"{week.theme} ({week.starts_on:%b %Y})"]
    if before:
        headings.append(f"{previous.theme} ({previous.starts_on:%b %Y})")

    def pair(key):
        return [_rate(this[key])] + ([_rate(before[key])] if before else [])

    summary_rows = [
        ("Observations planned", *pair("planned")),
        ("Completed", *pair("completed")),
        ("Completion rate (%)", *pair("completion_rate")),
        ("Family feedback given (% of completed)", *pair("family_given_rate")),
        ("Child's feedback given (% of completed)", *pair("child_given_rate")),
        ("Graded Good or better (%)", *pair("good_or_better")),
        (
            "Actions raised",
            this["actions"]["raised"],
            *([before["actions"]["raised"]] if before else []),
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
        [(s.label, s.count) for s in this["grades"]],
        chart=BarChart("Overall grades of completed observations"),
    )
    themes = Sheet(
        "Learning themes",
        [Column("Learning theme", 40), Column("Observations", 14, "number")],
        reports.themes_ranked(week),
        chart=BarChart("Learning themes"),
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
                    (item["question"], share.label, share.count, share.percent)
                    for item in reports.feedback_summary(week, whose)
                    for share in item["shares"]
                ],
            )
        )
    info = [
        ("Practice week", week.theme),
        ("From", week.starts_on),
        ("To", week.ends_on),
        ("Compared with", previous.theme if previous else "No earlier week"),
    ]
    return (
        "Key figures",
        figures_columns,
        summary_rows,
    ), {"summary": info, "sheets": [coverage, grades, themes, *feedback_sheets]}
