"""Agreement between auditors' and moderators' grades, question by question.

Every graded answer of a moderated audit is a *pair*: the auditor's grade ``a`` and the
moderator's grade ``m`` for the same question (section grades and the overall grade
included), each as its place on the council's scale, 1 (best) to ``k``. The pairs come from
one grouped query over the answer rows (cell counts per period, auditor, team and question),
never from loading forms. Source of the measures: Cohen (1968), "Weighted kappa", Psychol.
Bull. 70(4); the panel's purpose from Wokingham QA framework §2 (judging the rigour of the
auditor's grading).
"""

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from qaweb.case_audits.models import CaseAudit
from qaweb.core.grading import GradeLevel, levels
from qaweb.core.percentages import half_up, percent
from qaweb.extensions import db
from qaweb.moderation.models import SELECTED, ModerationLine, ModerationSample
from qaweb.tools.models import Answer

#: An auditor is flagged for the panel when their grades run above the moderators' by at
#: least this much on average (in grades) over at least MIN_PAIRS pairs.
GENEROUS = Fraction(1, 4)
MIN_PAIRS = 5

Cells = Counter  # {(a, m): number of pairs}


@dataclass(frozen=True)
class Agreement:
    """The measures for one group of pairs.

    - ``pairs`` n: the number of pairs.
    - ``exact`` (per cent, rounded half up): pairs with a = m, over n.
    - ``within_one`` (per cent): pairs with |a - m| <= 1, over n.
    - ``kappa``: Cohen's weighted kappa with linear weights w(a, m) = 1 - |a - m| / (k - 1):
      p_o = sum of w(a, m) over the pairs / n; p_e = sum over grades i, j of
      w(i, j) * r_i * c_j / n^2, where r_i counts pairs the auditor graded i and c_j pairs the
      moderator graded j; kappa = (p_o - p_e) / (1 - p_e), to 3 places. None (shown as "not
      enough variation") when n < 2 or p_e = 1 (every pair the same single grade).
    - ``lower`` / ``higher``: pairs where the moderator graded lower (m > a: the grade
      changed down) / higher (m < a: changed up).
    - ``mean_signed``: the mean of (m - a) over the pairs, to 2 places: above 0 the auditor's
      grades run above (better than) the moderators'.
    - ``generous``: mean_signed >= GENEROUS over at least MIN_PAIRS pairs.
    """

    pairs: int
    exact: int | None
    within_one: int | None
    kappa: float | None
    lower: int
    higher: int
    mean_signed: float | None
    generous: bool


def kappa(cells: Cells, k: int) -> Fraction | None:
    """Cohen's weighted kappa, linear weights, exactly (see ``Agreement``); None when
    undefined. ``k`` is the number of grades on the scale (at least 2)."""
    n = sum(cells.values())
    if n < 2 or k < 2:
        return None

    def weight(i, j):
        return 1 - Fraction(abs(i - j), k - 1)

    rows, cols = Counter(), Counter()
    for (a, m), count in cells.items():
        rows[a] += count
        cols[m] += count
    observed = Fraction(sum(weight(a, m) * c for (a, m), c in cells.items()), n)
    expected = Fraction(
        sum(weight(i, j) * r * c for i, r in rows.items() for j, c in cols.items()), n * n
    )
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def measure(cells: Cells, k: int) -> Agreement:
    """The measures for ``cells`` ({(a, m): count}) on a scale of ``k`` grades."""
    n = sum(cells.values())
    exact = sum(c for (a, m), c in cells.items() if a == m)
    near = sum(c for (a, m), c in cells.items() if abs(a - m) <= 1)
    lower = sum(c for (a, m), c in cells.items() if m > a)
    higher = sum(c for (a, m), c in cells.items() if m < a)
    signed = Fraction(sum((m - a) * c for (a, m), c in cells.items()), n) if n else None
    value = kappa(cells, k)
    return Agreement(
        pairs=n,
        exact=percent(exact, n),
        within_one=percent(near, n),
        kappa=None if value is None else half_up(value.numerator / value.denominator, 3),
        lower=lower,
        higher=higher,
        mean_signed=None if signed is None else half_up(signed.numerator / signed.denominator, 2),
        generous=signed is not None and n >= MIN_PAIRS and signed >= GENEROUS,
    )


def cell_rows(group):
    """Rows (group value, auditor's place, moderator's place, count) for every submitted
    moderation still in its sample, grouped by ``group`` (a column expression, or a callable
    given the auditor's answer table for a per-question group), from one grouped query over
    the answer rows of both forms."""
    theirs, ours = aliased(Answer), aliased(Answer)
    if callable(group):
        group = group(theirs)
    auditor_grade, moderator_grade = aliased(GradeLevel), aliased(GradeLevel)
    stmt = (
        select(group, auditor_grade.position, moderator_grade.position, func.count())
        .select_from(ModerationLine)
        .join(ModerationSample, ModerationSample.id == ModerationLine.sample_id)
        .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
        .join(theirs, theirs.response_id == CaseAudit.response_id)
        .join(
            ours,
            and_(
                ours.response_id == ModerationLine.response_id,
                ours.section_key == theirs.section_key,
                ours.question_key == theirs.question_key,
            ),
        )
        .join(auditor_grade, auditor_grade.id == theirs.grade_level_id)
        .join(moderator_grade, moderator_grade.id == ours.grade_level_id)
        .where(ModerationLine.status == SELECTED, ModerationLine.moderated_at.is_not(None))
        .group_by(group, auditor_grade.position, moderator_grade.position)
    )
    return db.session.execute(stmt).all()


def scale_places() -> dict[int, int]:
    """{position: place 1..k} on the active scale (positions need not be consecutive)."""
    return {g.position: n for n, g in enumerate(levels(), start=1)}


def grouped(group, places: dict[int, int] | None = None) -> dict:
    """{group value: Cells} for ``group``; ``places`` as ``scale_places`` (read when None)."""
    places = scale_places() if places is None else places
    out: dict = {}
    for key, a, m, count in cell_rows(group):
        if a in places and m in places:
            out.setdefault(key, Counter())[(places[a], places[m])] += count
    return out


def period_of(month, period: str) -> str:
    if period == "year":
        return str(month.year)
    if period == "quarter":
        return f"{month.year} Q{(month.month - 1) // 3 + 1}"
    return month.strftime("%Y-%m")


def report(period: str = "month") -> dict:
    """The agreement report: {"k", "periods", "auditors", "teams", "questions"}, each a list
    of (label, Agreement), periods oldest first (summed from monthly cells), auditors,
    teams and questions by name. Five grouped queries in all."""
    from qaweb.organisation.models import Team, User

    places = scale_places()
    k = len(places)
    by_month = grouped(ModerationSample.month, places)
    periods: dict[str, Counter] = {}
    for month, cells in sorted(by_month.items()):
        periods.setdefault(period_of(month, period), Counter()).update(cells)
    auditors = grouped(CaseAudit.auditor_id, places)
    teams = grouped(CaseAudit.team_id, places)
    questions = grouped(lambda answer: answer.section_key + ":" + answer.question_key, places)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(auditors)))}
    team_names = {t.id: t.name for t in db.session.scalars(select(Team).where(Team.id.in_(teams)))}
    return {
        "k": k,
        "periods": [(label, measure(cells, k)) for label, cells in periods.items()],
        "auditors": sorted(
            (
                (people[i].name if i in people else "No auditor", measure(c, k))
                for i, c in auditors.items()
            ),
            key=lambda row: row[0].lower(),
        ),
        "teams": sorted(
            ((team_names.get(i, ""), measure(c, k)) for i, c in teams.items()),
            key=lambda row: row[0].lower(),
        ),
        "questions": [
            (label, measure(questions[key], k))
            for key, label in question_labels()
            if key in questions
        ],
    }


def question_labels() -> list[tuple[str, str]]:
    """[("section:question", label)] in the order of the case-file audit tool versions
    moderated (newest first), each key once; section grades and the overall grade named."""
    from qaweb.tools.models import Response, ToolVersion
    from qaweb.tools.schema import OVERALL, OVERALL_GRADE, SECTION_GRADE

    versions = db.session.scalars(
        select(ToolVersion)
        .where(
            ToolVersion.id.in_(
                select(Response.tool_version_id).where(
                    Response.id.in_(select(ModerationLine.response_id))
                )
            )
        )
        .order_by(ToolVersion.id.desc())
    )
    seen: dict[str, str] = {}
    for version in versions:
        for section in version.definition.get("sections", []):
            for q in section.get("questions", []):
                seen.setdefault(f"{section['key']}:{q['key']}", q["label"])
            seen.setdefault(
                f"{section['key']}:{SECTION_GRADE}", f"{section['title']}: section grade"
            )
    seen.setdefault(f"{OVERALL}:{OVERALL_GRADE}", "Overall grade")
    return list(seen.items())


def _row(label, a: Agreement):
    return (
        label,
        a.pairs,
        a.exact,
        a.within_one,
        a.kappa if a.kappa is not None else "Not enough variation",
        a.lower,
        a.higher,
        a.mean_signed,
        "Yes" if a.generous else "",
    )


def grades_before_after() -> list[tuple[str, int, int]]:
    """[(grade, overall grades the auditors gave, overall grades after moderation)] over
    the submitted moderations, best grade first (two grouped queries)."""
    from qaweb.tools.schema import OVERALL, OVERALL_GRADE

    counts = {"auditor": Counter(), "moderator": Counter()}
    for who, response in (
        ("auditor", CaseAudit.response_id),
        ("moderator", ModerationLine.response_id),
    ):
        stmt = (
            select(Answer.grade_level_id, func.count())
            .select_from(ModerationLine)
            .join(CaseAudit, CaseAudit.id == ModerationLine.audit_id)
            .join(Answer, Answer.response_id == response)
            .where(
                ModerationLine.status == SELECTED,
                ModerationLine.moderated_at.is_not(None),
                Answer.section_key == OVERALL,
                Answer.question_key == OVERALL_GRADE,
            )
            .group_by(Answer.grade_level_id)
        )
        counts[who].update(dict(db.session.execute(stmt).all()))
    return [(g.label, counts["auditor"][g.id], counts["moderator"][g.id]) for g in levels()]


def grades_agreed() -> list[tuple[str, int]]:
    """[(grade, overall grades the Moderation Panel agreed)] over the moderations it has
    confirmed, best grade first (one grouped query)."""
    counts = dict(
        db.session.execute(
            select(ModerationLine.agreed_grade_level_id, func.count())
            .where(
                ModerationLine.status == SELECTED,
                ModerationLine.confirmed_at.is_not(None),
                ModerationLine.agreed_grade_level_id.is_not(None),
            )
            .group_by(ModerationLine.agreed_grade_level_id)
        ).all()
    )
    return [(g.label, counts.get(g.id, 0)) for g in levels()]


def workbook_parts(period: str):
    """(columns, rows, sheets) for ``send_workbook``: agreement over time (with a native
    chart of exact and within-one agreement), by auditor (flag), team and question, and the
    overall grades before and after moderation (a chart in the scale's colours)."""
    from qaweb.core.excel import BarChart, Column, Sheet
    from qaweb.core.grading import chart_colours

    data = report(period)

    def columns(first):
        return [
            Column(first, 40),
            Column("Pairs", 8, "number"),
            Column("Exact agreement %", 12, "number"),
            Column("Within one grade %", 12, "number"),
            Column("Weighted kappa", 14),
            Column("Changed down", 10, "number"),
            Column("Changed up", 10, "number"),
            Column("Mean difference (grades)", 14, "number"),
            Column("Grades above the panel's", 12),
        ]

    before_after = grades_before_after()
    agreed = grades_agreed()
    sheets = [
        Sheet(
            "Agreement over time",
            [
                Column(period.capitalize(), 14),
                Column("Exact agreement %", 14, "number"),
                Column("Within one grade %", 14, "number"),
            ],
            [(label, a.exact, a.within_one) for label, a in data["periods"]],
            chart=BarChart(
                "Agreement between auditors and moderators",
                value_title="Per cent of pairs",
                category_title=period.capitalize(),
            ),
        ),
        Sheet("By auditor", columns("Auditor"), [_row(*r) for r in data["auditors"]]),
        Sheet("By team", columns("Team"), [_row(*r) for r in data["teams"]]),
        Sheet("By question", columns("Question"), [_row(*r) for r in data["questions"]]),
        Sheet(
            "Grades before and after",
            [Column("Overall grades", 24)]
            + [Column(label, 14, "number") for label, _, _ in before_after],
            [
                ("Given by the auditors", *[before for _, before, _ in before_after]),
                ("After moderation", *[after for _, _, after in before_after]),
                ("Agreed by the panel", *[count for _, count in agreed]),
            ],
            # One series per grade, in the scale's own colours and order.
            chart=BarChart(
                "Overall grades before and after moderation",
                value_title="Audits",
                category_title="Overall grades",
                colours=chart_colours(),
            ),
        ),
    ]
    return columns(period.capitalize()), [_row(*r) for r in data["periods"]], sheets
