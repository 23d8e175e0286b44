"""The dip sample's results as workbook rows: compliance by question (with a native chart),
by team, the cases answered "no", and every case's answers."""

from sqlalchemy import select

from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.dip_samples.models import ANSWERS, DipSampleAnswer, DipSampleCase
from qaweb.dip_samples.reports import Compliance, Results
from qaweb.extensions import db
from qaweb.organisation.models import Team, User

COMPLIANCE_COLUMNS = [
    Column("Compliant %", 12, "number"),
    Column("Partly %", 10, "number"),
    Column("No %", 8, "number"),
    Column("Yes", 6, "number"),
    Column("Partly", 8, "number"),
    Column("No", 6, "number"),
    Column("Not applicable", 14, "number"),
    Column("Counted (yes, partly, no)", 14, "number"),
]


def _figures(c: Compliance) -> list:
    return [
        c.compliant,
        c.partly_percent,
        c.no_percent,
        c.yes,
        c.partly,
        c.no,
        c.not_applicable,
        c.counted,
    ]


def summary(results: Results) -> list[tuple[str, object]]:
    return [
        ("Dip sample", f"{results.sample.reference} {results.sample.title}"),
        ("Questions", str(results.sample.tool_version)),
        ("Cases", results.cases),
        ("Cases done", results.done),
        ("Compliant % (all questions)", results.overall.compliant),
        ("Partly % (all questions)", results.overall.partly_percent),
        ("Cases with a 'no' to follow up", len(results.no_cases)),
    ]


def answer_columns(results: Results) -> list[Column]:
    return [
        Column("Case number", 16),
        Column("Team", 30),
        Column("Sampled by", 26),
        Column("Status", 10),
        *[Column(q["label"], 18) for q in results.sample.questions()],
        Column("Note", 50),
    ]


def extra_sheets(results: Results) -> list[Sheet]:
    """By question and by team (each with its native chart of compliance), the "no" list."""
    return [
        Sheet(
            "Compliance by question",
            [Column("Question", 60), *COMPLIANCE_COLUMNS],
            [[c.label, *_figures(c)] for c in results.questions],
            chart=question_chart(),
            totals=[["All questions", *_figures(results.overall)]],
        ),
        Sheet(
            "Compliance by team",
            [Column("Team", 40), *COMPLIANCE_COLUMNS],
            [[c.label, *_figures(c)] for c in results.teams],
            chart=BarChart(
                "Compliant % by team",
                series=1,
                value_title="Compliant %",
                category_title="Team",
                counts=False,
            ),
            totals=[["All teams", *_figures(results.overall)]],
        ),
        Sheet(
            "Cases answered no",
            [
                Column("Case number", 16),
                Column("Team", 30),
                Column("Sampled by", 26),
                Column("Answered no to", 70),
                Column("Note", 50),
            ],
            [
                [n.case_number, n.team, n.sampler, "; ".join(n.questions), n.note]
                for n in results.no_cases
            ],
        ),
    ]


def answer_rows(results: Results, area_id: int | None):
    """Every case's answers: two queries (cases, answers), streamed in case-number order."""
    questions = results.sample.questions()
    stmt = (
        select(DipSampleCase, Team.name, User)
        .join(Team, Team.id == DipSampleCase.team_id)
        .join(User, User.id == DipSampleCase.sampler_id)
        .where(DipSampleCase.dip_sample_id == results.sample.id)
        .order_by(DipSampleCase.case_number)
    )
    if area_id is not None:
        stmt = stmt.where(Team.service_area_id == area_id)
    answers: dict[int, dict[str, str]] = {}
    for case_id, key, answer in db.session.execute(
        select(DipSampleAnswer.case_id, DipSampleAnswer.question_key, DipSampleAnswer.answer)
        .join(DipSampleCase, DipSampleCase.id == DipSampleAnswer.case_id)
        .where(DipSampleCase.dip_sample_id == results.sample.id)
    ).all():
        answers.setdefault(case_id, {})[key] = ANSWERS.get(answer, answer)
    for case, team, sampler in db.session.execute(stmt):
        given = answers.get(case.id, {})
        yield [
            case.case_number,
            team,
            sampler.name,
            case.status_label,
            *[given.get(q["key"], "") for q in questions],
            case.note,
        ]


def question_chart() -> BarChart:
    return BarChart(
        "Compliant % by question",
        series=1,
        value_title="Compliant %",
        category_title="Question",
        counts=False,
    )
