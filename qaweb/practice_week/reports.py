"""Coverage during the week and the week's report afterwards, counted in SQL."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, case, func, select

from qaweb.actions.models import CANCELLED as ACTION_CANCELLED
from qaweb.actions.models import COMPLETED as ACTION_COMPLETED
from qaweb.actions.models import OPEN as ACTION_OPEN
from qaweb.actions.models import Action
from qaweb.core import grading
from qaweb.core.permissions import ROLES
from qaweb.core.summaries import Count, area_in, overall_grades
from qaweb.core.timefmt import today_london
from qaweb.core.years import Period
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.practice_week.models import (
    CANCELLED,
    COMPLETED,
    DECLINED,
    FEEDBACK_CHOICES,
    GIVEN,
    NOT_APPROPRIATE,
    NOT_HELD,
    NOT_HELD_REASONS,
    REQUESTED,
    SCHEDULED,
    LearningTheme,
    Observation,
    PracticeWeek,
    observation_theme,
)
from qaweb.tools import reports as tool_reports
from qaweb.tools.models import COMPLETED as RESPONSE_COMPLETED
from qaweb.tools.models import Response
from qaweb.tools.renderer import FIXED_OPTIONS

STATUS_ORDER = (SCHEDULED, COMPLETED, NOT_HELD, CANCELLED, REQUESTED)
CHOICE_KINDS = {"yes_partly_no", "agree_scale", "single_choice", "multiple_choice"}


@dataclass
class CoverageRow:
    """One team's line of the coverage table: its service area and team names (the team id None for
    the "No team" and total lines) and ``counts`` as {observation status: count}."""

    area: str
    team: str
    team_id: int | None
    counts: dict = field(default_factory=lambda: defaultdict(int))

    @property
    def planned(self) -> int:
        """Observations counting towards the target: scheduled, completed or not held."""
        return self.counts[SCHEDULED] + self.counts[COMPLETED] + self.counts[NOT_HELD]


def coverage(week: PracticeWeek, area_id: int | None = None) -> list[CoverageRow]:
    """Observations by team and status, every team of the area listed (none is a gap too)."""
    counts = db.session.execute(
        select(Observation.team_id, Observation.status, func.count())
        .where(Observation.week_id == week.id)
        .group_by(Observation.team_id, Observation.status)
    ).all()
    teams = select(Team.id, Team.name, ServiceArea.name).join(ServiceArea)
    if area_id:
        teams = teams.where(Team.service_area_id == area_id)
    rows = {
        team_id: CoverageRow(area, name, team_id)
        for team_id, name, area in db.session.execute(teams.order_by(ServiceArea.name, Team.name))
    }
    for team_id, status, count in counts:
        if team_id in rows:
            rows[team_id].counts[status] += count
        elif team_id is None and not area_id:
            rows.setdefault(None, CoverageRow("", "No team", None)).counts[status] += count
    return list(rows.values())


def totals(rows: list[CoverageRow]) -> CoverageRow:
    """The "All teams" line: each status's count summed over ``rows``."""
    total = CoverageRow("", "All teams", None)
    for row in rows:
        for status, count in row.counts.items():
            total.counts[status] += count
    return total


@dataclass(frozen=True)
class ObserverProgress:
    """One observer short of the week's target: name, team, observations planned and
    completed."""

    name: str
    team: str
    planned: int
    completed: int


@dataclass(frozen=True)
class ObserverTargets:
    """How the week's observers stand against its target (``observers``): people
    ``expected`` to observe (those holding the week's target ``roles``, by label) and how
    many ``met`` the ``target`` (observations each); ``behind`` lists the expected ones
    short of it and anyone else who observes with none completed."""

    expected: int
    met: int
    target: int
    roles: list[str]
    behind: list[ObserverProgress]


@dataclass(frozen=True)
class ActionCounts:
    """Actions raised from a week's observations (cancelled ones left out): raised, done
    (completed) and overdue (open past their due date, London's today)."""

    raised: int
    done: int
    overdue: int


@dataclass(frozen=True)
class WeekFigures:
    """A week's key figures (``figures``). Counts: observations per status (``by_status``,
    every status of ``STATUS_ORDER``), ``planned`` (scheduled, completed or not held),
    ``completed`` and ``graded``; ``feedback`` as {"family" | "child": {feedback choice:
    count}} over the completed ones. Rates are per cent to one decimal place, None when
    there is nothing to divide by: completion of the planned, family and child feedback
    given of the completed, Good or better of the graded. ``grades``: the overall grades'
    shares, best first (``tools.reports.Share``)."""

    by_status: dict[str, int]
    planned: int
    completed: int
    completion_rate: float | None
    feedback: dict[str, dict[str, int]]
    family_given_rate: float | None
    child_given_rate: float | None
    graded: int
    good_or_better: float | None
    grades: list[tool_reports.Share]
    actions: ActionCounts


@dataclass(frozen=True)
class FeedbackQuestion:
    """One choice question of the feedback forms: its label, each answer's share (the
    scale's order, answers nobody gave as 0) and how many answered it."""

    question: str
    shares: list[tool_reports.Share]
    answered: int


def observers(week: PracticeWeek) -> ObserverTargets:
    """Who is expected to observe and how far each has got; observers with none completed
    (the week's target per observer, ``PracticeWeek.target_per_observer``)."""
    per = (
        select(
            Observation.observer_id.label("uid"),
            func.count(case((Observation.status.in_((SCHEDULED, COMPLETED, NOT_HELD)), 1))).label(
                "planned"
            ),
            func.count(case((Observation.status == COMPLETED, 1))).label("completed"),
        )
        .where(Observation.week_id == week.id, Observation.observer_id.is_not(None))
        .group_by(Observation.observer_id)
        .subquery()
    )
    expected_ids = (
        select(UserRole.user_id).where(UserRole.role.in_(week.target_roles or [])).distinct()
    )
    people = db.session.execute(
        select(
            User,
            func.coalesce(per.c.planned, 0),
            func.coalesce(per.c.completed, 0),
            User.id.in_(expected_ids),
        )
        .outerjoin(per, per.c.uid == User.id)
        .where(User.active.is_(True), (User.id.in_(expected_ids)) | (per.c.uid.is_not(None)))
        .order_by(User.last_name, User.first_name)
    ).all()
    target = week.target_per_observer
    expected = [row for row in people if row[3]]
    met = [row for row in expected if row[2] >= target]
    behind = [
        ObserverProgress(u.name, u.team.name if u.team else "", planned, completed)
        for u, planned, completed, is_expected in people
        if (is_expected and completed < target) or (not is_expected and completed == 0)
    ]
    return ObserverTargets(
        expected=len(expected),
        met=len(met),
        target=target,
        roles=[ROLES[r] for r in week.target_roles or [] if r in ROLES],
        behind=behind,
    )


def _week_observations(week_id: int):
    return select(Observation.id).where(Observation.week_id == week_id)


def _completed_responses(week_id: int, column, feedback=None):
    stmt = (
        select(column)
        .join(Response, Response.id == column)
        .where(
            Observation.week_id == week_id,
            Observation.status == COMPLETED,
            Response.status == RESPONSE_COMPLETED,
        )
    )
    return stmt if feedback is None else stmt.where(feedback == GIVEN)


def figures(week: PracticeWeek, scale=None) -> WeekFigures:
    """The key figures of a week, for the report and for comparing one week with another
    (five grouped statements, one of them the grading scale unless ``scale`` is given). Good
    or better is the two best overall grades of the tool's scale (the practice-week
    observation tool's overall grade)."""
    by_status = dict(
        db.session.execute(
            select(Observation.status, func.count())
            .where(Observation.week_id == week.id)
            .group_by(Observation.status)
        ).all()
    )
    planned = sum(by_status.get(s, 0) for s in (SCHEDULED, COMPLETED, NOT_HELD))
    completed = by_status.get(COMPLETED, 0)
    feedback = {}
    for whose in ("family", "child"):
        column = getattr(Observation, f"{whose}_feedback")
        feedback[whose] = dict(
            db.session.execute(
                select(column, func.count())
                .where(Observation.week_id == week.id, Observation.status == COMPLETED)
                .group_by(column)
            ).all()
        )
    grades = tool_reports.grade_distribution(
        _completed_responses(week.id, Observation.response_id), scale
    )
    overall = grades.get(("overall", "overall_grade"), [])
    graded = sum(s.count for s in overall)
    good_or_better = sum(s.count for s in overall[:2]) if overall else 0
    actions = db.session.execute(
        select(
            func.count(),
            func.count(case((Action.status == ACTION_COMPLETED, 1))),
            func.count(
                case((and_(Action.status == ACTION_OPEN, Action.due_on < today_london()), 1))
            ),
        ).where(
            Action.source_type == "observation",
            Action.source_id.in_(_week_observations(week.id)),
            Action.status != ACTION_CANCELLED,
        )
    ).one()
    return WeekFigures(
        by_status={s: by_status.get(s, 0) for s in STATUS_ORDER},
        planned=planned,
        completed=completed,
        completion_rate=_percent(completed, planned),
        feedback=feedback,
        family_given_rate=_percent(feedback["family"].get(GIVEN, 0), completed),
        child_given_rate=_percent(feedback["child"].get(GIVEN, 0), completed),
        graded=graded,
        good_or_better=_percent(good_or_better, graded),
        grades=overall,
        actions=ActionCounts(raised=actions[0], done=actions[1], overdue=actions[2]),
    )


def compared(
    week: PracticeWeek, previous: PracticeWeek | None
) -> tuple[WeekFigures, WeekFigures | None]:
    """The figures of ``week`` and of the week before it (``previous``; None when there is
    none), for the report and its workbook: the grading scale is read once for both."""
    scale = grading.levels(include_inactive=True)
    return figures(week, scale), (figures(previous, scale) if previous else None)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def not_held_reasons(week: PracticeWeek) -> list[tuple[str, int]]:
    """Why the week's observations did not take place: [(reason label, count)], most often first
    ("Not given" for none recorded)."""
    rows = db.session.execute(
        select(Observation.not_held_reason, func.count())
        .where(Observation.week_id == week.id, Observation.status == NOT_HELD)
        .group_by(Observation.not_held_reason)
        .order_by(func.count().desc())
    ).all()
    return [(NOT_HELD_REASONS.get(key, "Not given"), count) for key, count in rows]


def themes_ranked(week: PracticeWeek) -> list[tuple[str, int]]:
    """The learning themes recorded on the week's completed observations: [(theme name,
    observations)], most often first, then by name."""
    return [
        (name, count)
        for name, count in db.session.execute(
            select(LearningTheme.name, func.count())
            .join(observation_theme, observation_theme.c.theme_id == LearningTheme.id)
            .join(Observation, Observation.id == observation_theme.c.observation_id)
            .where(Observation.week_id == week.id, Observation.status == COMPLETED)
            .group_by(LearningTheme.name)
            .order_by(func.count().desc(), LearningTheme.name)
        )
    ]


def feedback_summary(week: PracticeWeek, whose: str) -> list[FeedbackQuestion]:
    """Each choice question of the family-feedback forms given, with its answers and
    percentages (Worcestershire's table), counted in one grouped query. ``whose``: "family"
    or "child"; empty when no form of that kind was completed."""
    from qaweb.tools.models import Answer, ToolVersion

    column = getattr(Observation, f"{whose}_response_id")
    ids = _completed_responses(week.id, column, getattr(Observation, f"{whose}_feedback"))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for key, text, count in db.session.execute(
        select(Answer.question_key, Answer.value_text, func.count())
        .where(Answer.response_id.in_(ids), Answer.value_text.is_not(None))
        .group_by(Answer.question_key, Answer.value_text)
    ):
        counts[key][text] = count
    if not counts:
        return []
    versions = select(Response.tool_version_id).where(Response.id.in_(ids)).distinct()
    summary = []
    seen = set()
    for version in db.session.scalars(
        select(ToolVersion).where(ToolVersion.id.in_(versions)).order_by(ToolVersion.id)
    ):
        for section in version.sections:
            for question in section["questions"]:
                key = question["key"]
                if question["kind"] not in CHOICE_KINDS or key in seen or key not in counts:
                    continue
                seen.add(key)
                answered = sum(counts[key].values())
                # The scale's own order, with the answers nobody gave shown as 0.
                order = FIXED_OPTIONS.get(question["kind"]) or question.get("options") or []
                labels = list(order) + sorted(set(counts[key]) - set(order))
                shares = [
                    tool_reports.Share(
                        text,
                        counts[key].get(text, 0),
                        round(100 * counts[key].get(text, 0) / answered, 1),
                    )
                    for text in labels
                ]
                summary.append(FeedbackQuestion(question["label"], shares, answered))
    return summary


def _sum(shares) -> int:
    return sum(s.count for s in shares)


def feedback_label(key: str) -> str:
    """A feedback choice ("given", "declined", ...) as the report words it; "Not recorded" for
    none."""
    return FEEDBACK_CHOICES.get(key, "Not recorded")


FEEDBACK_KEYS = (GIVEN, DECLINED, NOT_APPROPRIATE)


@dataclass(frozen=True)
class PracticeWeekSummary:
    """The practice weeks starting in a period: their ``themes_of_weeks`` (each week's
    theme), observations ``planned`` (scheduled, completed or not held: the target) and
    ``completed``; of the completed, those with family and child feedback given; the
    overall ``grades`` (best first) and the learning ``themes`` recorded, most often first."""

    weeks: tuple[str, ...]
    planned: int
    completed: int
    family_given: int
    child_given: int
    grades: tuple[Count, ...]
    themes: tuple[Count, ...]


def summary(period: Period, area_id: int | None = None) -> PracticeWeekSummary:
    """Practice-week figures for the weeks starting in ``period``, for the observations of
    one service area's teams (None: every observation). Four grouped queries (seed 000,
    Practice weeks: observations against the target, family and child feedback, themes)."""
    weeks = tuple(
        db.session.scalars(
            select(PracticeWeek.theme)
            .where(PracticeWeek.starts_on.between(period.start, period.end))
            .order_by(PracticeWeek.starts_on)
        )
    )
    in_scope = and_(
        Observation.week_id.in_(
            select(PracticeWeek.id).where(PracticeWeek.starts_on.between(period.start, period.end))
        ),
        area_in(Observation.team_id, area_id),
    )
    planned, completed, family, child = db.session.execute(
        select(
            func.count(case((Observation.status.in_((SCHEDULED, COMPLETED, NOT_HELD)), 1))),
            func.count(case((Observation.status == COMPLETED, 1))),
            func.count(
                case(
                    ((Observation.status == COMPLETED) & (Observation.family_feedback == GIVEN), 1)
                )
            ),
            func.count(
                case(((Observation.status == COMPLETED) & (Observation.child_feedback == GIVEN), 1))
            ),
        ).where(in_scope)
    ).one()
    responses = (
        select(Observation.response_id)
        .join(Response, Response.id == Observation.response_id)
        .where(in_scope, Observation.status == COMPLETED, Response.status == RESPONSE_COMPLETED)
    )
    themes = db.session.execute(
        select(LearningTheme.name, func.count())
        .join(observation_theme, observation_theme.c.theme_id == LearningTheme.id)
        .join(Observation, Observation.id == observation_theme.c.observation_id)
        .where(in_scope, Observation.status == COMPLETED)
        .group_by(LearningTheme.name)
        .order_by(func.count().desc(), LearningTheme.name)
    ).all()
    return PracticeWeekSummary(
        weeks=weeks,
        planned=planned,
        completed=completed,
        family_given=family,
        child_given=child,
        grades=overall_grades(tool_reports.grade_distribution(responses)),
        themes=tuple(Count(name, n) for name, n in themes),
    )


def weeks_in(period: Period) -> list[PracticeWeek]:
    """The practice weeks starting in ``period`` (as ``summary`` counts them), earliest
    first: the weeks whose reports an inspection evidence pack holds. One query."""
    return list(
        db.session.scalars(
            select(PracticeWeek)
            .where(PracticeWeek.starts_on.between(period.start, period.end))
            .order_by(PracticeWeek.starts_on, PracticeWeek.id)
        )
    )
