"""A dip sample's results: compliance per question and per team, and the cases answered "no".

The compliance rule (Wokingham QA framework §4 asks dip samples to give a baseline and then
monitor progress, so one rule is used throughout):

- only cases marked done count (a case part-answered is not a result yet);
- "Yes" is compliant; "Partly" is not compliant and is shown as its own percentage, so a
  standard partly met is never hidden inside either figure; "No" is not compliant;
- "Not applicable" is left out of the denominator: compliance is
  yes / (yes + partly + no), and partly and no are shares of the same denominator;
- percentages are rounded half up (``qaweb.core.percentages``), so 1 of 8 is 13%.

Every figure comes from one grouped query over the answer rows (team, question, answer,
count), never from loading cases one by one.
"""

from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, lazyload

from qaweb.core.percentages import percent
from qaweb.dip_samples.models import (
    DONE,
    NO,
    NOT_APPLICABLE,
    PARTLY,
    YES,
    DipSample,
    DipSampleAnswer,
    DipSampleCase,
)
from qaweb.extensions import db
from qaweb.organisation.models import Team, User


@dataclass
class Compliance:
    """Counts of each answer and the percentages of the rule above (None: nothing counted)."""

    label: str
    yes: int = 0
    partly: int = 0
    no: int = 0
    not_applicable: int = 0

    @property
    def counted(self) -> int:
        """The denominator: yes + partly + no ("not applicable" left out)."""
        return self.yes + self.partly + self.no

    @property
    def compliant(self) -> int | None:
        """Yes as a whole percentage of ``counted`` (rounded half up); None when nothing
        counted."""
        return percent(self.yes, self.counted)

    @property
    def partly_percent(self) -> int | None:
        """Partly as a whole percentage of ``counted`` (not compliant, shown on its own)."""
        return percent(self.partly, self.counted)

    @property
    def no_percent(self) -> int | None:
        """No as a whole percentage of ``counted``."""
        return percent(self.no, self.counted)

    def add(self, answer: str, count: int) -> None:
        """Add ``count`` answers of code ``answer`` ("yes", "partly", "no", "na"); any other
        code is ignored."""
        if answer == YES:
            self.yes += count
        elif answer == PARTLY:
            self.partly += count
        elif answer == NO:
            self.no += count
        elif answer == NOT_APPLICABLE:
            self.not_applicable += count


@dataclass
class NoCase:
    """A done case with at least one "no": what to follow up."""

    case_id: int
    case_number: str
    team: str
    sampler: str
    questions: list[str]
    note: str


@dataclass
class Results:
    """A dip sample's results, for the whole council or one service area."""

    sample: DipSample
    cases: int
    done: int
    questions: list[Compliance]
    teams: list[Compliance]
    overall: Compliance
    no_cases: list[NoCase] = field(default_factory=list)
    #: (team name, question label) -> Compliance, for the team-by-question table.
    grid: dict[tuple[str, str], Compliance] = field(default_factory=dict)


def _area_teams(area_id: int | None):
    return select(Team.id).where(Team.service_area_id == area_id)


def _scope(sample: DipSample, area_id: int | None) -> list:
    scope = [DipSampleCase.dip_sample_id == sample.id]
    if area_id is not None:
        scope.append(DipSampleCase.team_id.in_(_area_teams(area_id)))
    return scope


def results(
    sample: DipSample,
    area_id: int | None = None,
    no_to: str | None = None,
    no_list: bool = True,
) -> Results:
    """The results of ``sample`` (a DipSample): counts per question (in the tool's order), per
    team (by name) and overall, and (``no_list``) every done case answering "no" to any
    question, for the whole council (``area_id`` None) or the teams of one service area (its
    id); ``no_to`` (a question key) keeps the "no" list to the cases answering "no" to that
    question. Four queries whatever the number of cases: progress, the grouped answers, the
    "no" rows and the names of their samplers; two without the "no" list (a page lists it a
    page at a time: ``no_cases_statement``)."""
    questions = sample.questions()
    labels = {q["key"]: q["label"] for q in questions}
    scope = _scope(sample, area_id)
    cases, done = db.session.execute(
        select(func.count(), func.count().filter(DipSampleCase.status == DONE)).where(*scope)
    ).one()
    rows = db.session.execute(
        select(Team.name, DipSampleAnswer.question_key, DipSampleAnswer.answer, func.count())
        .join(DipSampleCase, DipSampleCase.id == DipSampleAnswer.case_id)
        .join(Team, Team.id == DipSampleCase.team_id)
        .where(*scope, DipSampleCase.status == DONE)
        .group_by(Team.name, DipSampleAnswer.question_key, DipSampleAnswer.answer)
    ).all()
    by_question = {q["key"]: Compliance(q["label"]) for q in questions}
    by_team: dict[str, Compliance] = {}
    overall = Compliance("All questions")
    grid: dict[tuple[str, str], Compliance] = {}
    for team, key, answer, count in rows:
        if key not in by_question:
            continue  # a question the tool no longer asks cannot be in its version; skip
        by_question[key].add(answer, count)
        by_team.setdefault(team, Compliance(team)).add(answer, count)
        grid.setdefault((team, labels[key]), Compliance(labels[key])).add(answer, count)
        overall.add(answer, count)
    found = Results(
        sample=sample,
        cases=cases,
        done=done,
        questions=list(by_question.values()),
        teams=sorted(by_team.values(), key=lambda c: c.label.lower()),
        overall=overall,
        grid=grid,
    )
    if no_list:
        found.no_cases = _all_no_cases(sample, scope, no_to)
    return found


def _all_no_cases(sample: DipSample, scope: list, no_to: str | None) -> list[NoCase]:
    questions = sample.questions()
    labels = {q["key"]: q["label"] for q in questions}
    no_filter = [DipSampleAnswer.question_key == no_to] if no_to else []
    no_rows = db.session.execute(
        select(
            DipSampleCase.id,
            DipSampleCase.case_number,
            Team.name,
            DipSampleCase.sampler_id,
            DipSampleCase.note,
            DipSampleAnswer.question_key,
        )
        .join(DipSampleAnswer, DipSampleAnswer.case_id == DipSampleCase.id)
        .join(Team, Team.id == DipSampleCase.team_id)
        .where(*scope, DipSampleCase.status == DONE, DipSampleAnswer.answer == NO, *no_filter)
        .order_by(Team.name, DipSampleCase.case_number)
    ).all()
    order = {q["key"]: n for n, q in enumerate(questions)}
    no_cases: dict[int, NoCase] = {}
    sampler_ids = {r[3] for r in no_rows}
    names = _names(sampler_ids)
    for case_id, number, team, sampler_id, note, key in no_rows:
        item = no_cases.setdefault(
            case_id, NoCase(case_id, number, team, names.get(sampler_id, ""), [], note)
        )
        item.questions.append(key)
    for item in no_cases.values():
        item.questions = [
            labels[k] for k in sorted(item.questions, key=lambda k: order.get(k, 0)) if k in labels
        ]
    return list(no_cases.values())


def no_cases_statement(
    sample: DipSample,
    area_id: int | None = None,
    question: str | None = None,
    team_id: int | None = None,
):
    """The "no" list as one select of DipSampleCase, for a page to paginate in SQL
    (``core.lists.paginate``): the done cases of ``sample`` answering "no" to at least one
    question (to ``question``, a question key, when given), of the team ``team_id`` when
    given, within the teams of service area ``area_id`` (None: the whole council); by team
    name, then case number. Each case comes with its team and sampler (one statement a
    page); ``no_cases_page`` adds the questions answered "no"."""
    answered_no = [DipSampleAnswer.case_id == DipSampleCase.id, DipSampleAnswer.answer == NO]
    if question:
        answered_no.append(DipSampleAnswer.question_key == question)
    stmt = (
        select(DipSampleCase)
        .join(Team, Team.id == DipSampleCase.team_id)
        .where(
            *_scope(sample, area_id),
            DipSampleCase.status == DONE,
            exists().where(*answered_no),
        )
        .order_by(Team.name, DipSampleCase.case_number, DipSampleCase.id)
        .options(
            lazyload(DipSampleCase.dip_sample),
            joinedload(DipSampleCase.sampler).lazyload(User.role_rows),
        )
    )
    if team_id is not None:
        stmt = stmt.where(DipSampleCase.team_id == team_id)
    return stmt


def no_cases_page(sample: DipSample, cases: list[DipSampleCase]) -> list[NoCase]:
    """``cases`` (a page of ``no_cases_statement``) as NoCase rows, each with the labels of
    every question it answered "no" to, in the tool's order. One query for the page."""
    questions = sample.questions()
    labels = {q["key"]: q["label"] for q in questions}
    order = {q["key"]: n for n, q in enumerate(questions)}
    keys: dict[int, list[str]] = {}
    if cases:
        for case_id, key in db.session.execute(
            select(DipSampleAnswer.case_id, DipSampleAnswer.question_key).where(
                DipSampleAnswer.case_id.in_([c.id for c in cases]), DipSampleAnswer.answer == NO
            )
        ):
            keys.setdefault(case_id, []).append(key)
    return [
        NoCase(
            case.id,
            case.case_number,
            case.team.name,
            case.sampler.name,
            [
                labels[k]
                for k in sorted(keys.get(case.id, []), key=lambda k: order.get(k, 0))
                if k in labels
            ],
            case.note,
        )
        for case in cases
    ]


def sample_teams(sample: DipSample, area_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the teams with cases in ``sample`` (within service area ``area_id``;
    None: the whole council), by name: the "no" list's team filter. One query."""
    rows = db.session.execute(
        select(Team.id, Team.name)
        .where(Team.id.in_(select(DipSampleCase.team_id).where(*_scope(sample, area_id))))
        .order_by(Team.name)
    )
    return [(team_id, name) for team_id, name in rows]


def _names(user_ids) -> dict[int, str]:
    from qaweb.organisation.models import User

    if not user_ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.first_name, User.last_name).where(User.id.in_(user_ids))
    )
    return {user_id: f"{first} {last}".strip() for user_id, first, last in rows}


@dataclass(frozen=True)
class Summary:
    """Dip samples whose period ends in a reporting period, for the QA Board's report:
    how many, their cases and cases done, compliance over every answer of the done cases
    (the rule above), and the done cases with a "no" to follow up."""

    samples: int
    cases: int
    done: int
    compliance: Compliance
    cases_with_no: int


def summary(period, area_id: int | None = None) -> Summary:
    """``period`` (a ``core.years.Period``: ``start`` and ``end`` dates, both included) for
    the whole council (``area_id`` None) or one service area's teams. Two grouped queries
    whatever the number of samples and cases."""
    scope = [DipSample.ends_on >= period.start, DipSample.ends_on <= period.end]
    if area_id is not None:
        scope.append(DipSampleCase.team_id.in_(_area_teams(area_id)))
    samples, cases, done = db.session.execute(
        select(
            func.count(func.distinct(DipSample.id)),
            func.count(DipSampleCase.id),
            func.count(DipSampleCase.id).filter(DipSampleCase.status == DONE),
        )
        .select_from(DipSampleCase)
        .join(DipSample, DipSample.id == DipSampleCase.dip_sample_id)
        .where(*scope)
    ).one()
    rows = db.session.execute(
        select(
            DipSampleAnswer.answer,
            func.count(),
            func.count(func.distinct(DipSampleCase.id)),
        )
        .join(DipSampleCase, DipSampleCase.id == DipSampleAnswer.case_id)
        .join(DipSample, DipSample.id == DipSampleCase.dip_sample_id)
        .where(*scope, DipSampleCase.status == DONE)
        .group_by(DipSampleAnswer.answer)
    ).all()
    compliance = Compliance("All questions")
    with_no = 0
    for answer, count, distinct_cases in rows:
        compliance.add(answer, count)
        if answer == NO:
            with_no = distinct_cases
    return Summary(samples, cases, done, compliance, with_no)
