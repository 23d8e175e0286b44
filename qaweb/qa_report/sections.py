"""The report's sections, each read from its module through that module's public
``summary(period, area_id)`` (never its tables), and the registry a module uses to provide
a section it owns.

A section's figures are a ``Figures``: the rows compared with the previous period and the
same period last year, a chart (label and count), lists and tables for the period itself,
and the learning themes the module recorded (for the ranked themes section). A section
with no provider (a module a council has switched off, say) says so instead."""

from collections.abc import Callable
from dataclasses import dataclass, field

from qaweb.core.percentages import percent
from qaweb.core.summaries import Count
from qaweb.core.text import counted
from qaweb.core.timefmt import format_date
from qaweb.core.years import Period


@dataclass(frozen=True)
class Row:
    label: str
    value: int | None
    suffix: str = ""  # "%" for a percentage


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Figures:
    """One section's figures for one period (see the module docstring)."""

    rows: tuple[Row, ...]
    chart_title: str = ""
    chart: tuple[Count, ...] = ()
    lists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tables: tuple[Table, ...] = ()
    themes: tuple[Count, ...] = ()
    source: str = ""  # where the themes came from, as a reader names it


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    missing: str  # what the section says when no module provides it


SECTIONS = (
    Section("case_audits", "Case-file audits", "Case-file audits are not recorded in qaweb."),
    Section("dip_samples", "Dip samples", "Dip samples are not recorded in qaweb."),
    Section("supervision", "Supervision audits", "Supervision audits are not recorded."),
    Section("practice_week", "Practice weeks", "Practice weeks are not recorded."),
    Section("thematic", "Thematic audits", "Thematic audits are not recorded."),
    Section("complaints", "Complaints and compliments", "Complaints are not recorded."),
    Section("actions", "Actions", "Actions are not recorded."),
    Section("themes", "Learning themes across QA activity", ""),
)
TITLES = {s.key: s.title for s in SECTIONS}
THEMES = "themes"

_providers: dict[str, Callable[..., Figures]] = {}


def provide(key: str, provider: Callable[..., Figures]) -> None:
    """Register ``provider(period, area_id, details) -> Figures`` for section ``key`` (a
    module calls this from its hooks; case-file audits will). ``details`` is False for the
    periods the report only compares with: their rows are read, their lists may be left
    out."""
    if key not in TITLES or key == THEMES:
        raise KeyError(f"No report section {key!r}")
    _providers[key] = provider


def provider(key: str):
    """The provider of section ``key``, or None when no module provides it."""
    return _providers.get(key)


# Providers that read many periods at once: {key: (the section's provider, many)}, where
# ``many(periods, area_id)`` returns {period: Figures} as the provider would with details.
_many: dict[str, tuple[Callable, Callable]] = {}


def prefetch(periods, area_id: int | None, known: dict) -> None:
    """Read into ``known`` (see ``build``) the figures of each section whose module can read
    many periods at once, for every one of ``periods`` (while that module still provides
    the section): the evidence pack's quarters and year, each beside its previous period
    and its year before, read together."""
    for key, (single, many) in _many.items():
        if provider(key) is single:
            for when, figures in many(periods, area_id).items():
                known[(key, when, area_id, True)] = figures


def _good_or_better(grades: tuple[Count, ...]) -> int | None:
    """The share graded in the top two levels of the scale (Outstanding, Good)."""
    return percent(sum(g.count for g in grades[:2]), sum(g.count for g in grades))


def supervision(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.supervision.reports import summary

    s = summary(period, area_id)
    return Figures(
        rows=(
            Row("Audits planned in the audit year", s.planned),
            Row("Completed by the end of the period", s.completed_by_end),
            Row("Coverage, year to date", percent(s.completed_by_end, s.planned), "%"),
            Row("Overdue now", s.overdue),
            Row("Completed in the period", s.completed_in_period),
            Row("Graded Good or better", _good_or_better(s.grades), "%"),
        ),
        chart_title="Overall grades of the audits completed",
        chart=s.grades,
    )


def practice_week(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.practice_week.reports import summary

    s = summary(period, area_id)
    return Figures(
        rows=(
            Row("Practice weeks", len(s.weeks)),
            Row("Observations planned (target)", s.planned),
            Row("Observations completed", s.completed),
            Row("Completed against target", percent(s.completed, s.planned), "%"),
            Row("Family feedback given", s.family_given),
            Row("Family feedback (of completed)", percent(s.family_given, s.completed), "%"),
            Row("Child feedback given", s.child_given),
            Row("Child feedback (of completed)", percent(s.child_given, s.completed), "%"),
            Row("Graded Good or better", _good_or_better(s.grades), "%"),
        ),
        chart_title="Overall grades of the observations",
        chart=s.grades,
        lists=(("Practice weeks in the period", s.weeks),) if s.weeks else (),
        themes=s.themes,
        source="Practice-week observations",
    )


def thematic(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.thematic.services import summary

    s = summary(period, area_id)
    lists = []
    if s.key_themes:
        lists.append(("Key themes found", s.key_themes))
    if s.recommendations:
        lists.append(("Recommendations", s.recommendations))
    return Figures(
        rows=(
            Row("On the forward plan", s.planned),
            Row("Terms signed off by the QA Board", s.signed_off),
            Row("Closed with findings", s.closed),
            Row("Findings recorded", sum(f.count for f in s.findings)),
            Row("Recommendations", len(s.recommendations)),
        ),
        chart_title="Findings of the audits closed",
        chart=s.findings,
        lists=tuple(lists),
        themes=s.themes,
        source="Thematic audits",
    )


def complaints(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.complaints.reports import summary

    s = summary(period, area_id, learning=details)
    return Figures(
        rows=(
            Row("Complaints received", s.received),
            Row("Complaints closed", s.closed),
            Row("Closed with learning recorded", s.with_learning),
            Row("Closed with a change to practice", s.practice_change),
            Row("Closed with a change to policy", s.policy_change),
            Row("Compliments received", s.compliments),
        ),
        chart_title="What the complaints were about",
        chart=s.categories,
        lists=(("Learning from complaints closed", s.learning),) if s.learning else (),
        themes=s.categories,
        source="Complaints",
    )


def actions(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.actions.services import summary

    return _actions_figures(summary(period, area_id))


def actions_many(periods, area_id: int | None) -> dict:
    """``actions`` for each of ``periods`` from one read of the actions
    (``actions.services.summaries``): {period: Figures}."""
    from qaweb.actions.services import summaries

    return {p: _actions_figures(s) for p, s in summaries(periods, area_id).items()}


def _actions_figures(s) -> Figures:
    lists = ()
    if s.oldest:
        o = s.oldest
        lists = (
            (
                "The oldest overdue action",
                (
                    f"{o.reference}: {o.description} ({o.source}, {o.team}; due "
                    f"{format_date(o.due_on)}, {counted(o.days_overdue, 'day')} overdue)",
                ),
            ),
        )
    headers = ("Raised", "Completed", "Overdue")
    return Figures(
        rows=(
            Row("Raised", s.raised),
            Row("Completed", s.completed),
            Row("Verified by the QA team", s.verified),
            Row("Overdue (of those raised)", s.overdue),
        ),
        chart_title="Actions raised by where they came from",
        chart=tuple(Count(f.label, f.raised) for f in s.by_source),
        lists=lists,
        tables=(
            Table(
                "By where they came from",
                ("Source", *headers),
                tuple((f.label, f.raised, f.completed, f.overdue) for f in s.by_source),
            ),
            Table(
                "By team",
                ("Team", *headers),
                tuple((f.label, f.raised, f.completed, f.overdue) for f in s.by_team),
            ),
        ),
    )


def case_audits(period: Period, area_id: int | None, details: bool = True) -> Figures:
    from qaweb.case_audits.reports import summary
    from qaweb.moderation.panel import summary as moderation_summary

    s = summary(period, area_id)
    m = moderation_summary(period, area_id)
    learning = tuple(f"{p.reference} ({p.team}): {p.text}" for p in m.learning_points)
    return Figures(
        rows=(
            Row("Audits allocated", s.allocated),
            Row("Audits completed", s.completed),
            Row("Overdue at the end of the period", s.overdue),
            Row("Graded Good or better (as audited)", _good_or_better(s.grades), "%"),
            Row("Graded Inadequate (as audited)", s.inadequate),
            Row("Moderation confirmed by the panel", m.confirmed),
            Row("Moderated share of the audits completed", percent(m.confirmed, s.completed), "%"),
            Row("Overall grade lowered at moderation", m.changed_down),
            Row("Overall grade raised at moderation", m.changed_up),
        ),
        chart_title="Overall grades of the audits completed (as audited)",
        chart=s.grades,
        lists=(("Organisational learning from moderation", learning),)
        if details and learning
        else (),
    )


def dip_samples(period: Period, area_id: int | None, details: bool = True) -> Figures:
    """Dip samples whose period ends in ``period``: cases sampled and the compliance of the
    done cases' answers (yes of yes, partly and no; "not applicable" left out), from
    ``dip_samples.reports.summary``."""
    from qaweb.dip_samples.reports import summary

    s = summary(period, area_id)
    c = s.compliance
    return Figures(
        rows=(
            Row("Dip samples", s.samples),
            Row("Cases to sample", s.cases),
            Row("Cases sampled", s.done),
            Row("Answers Yes (compliant)", c.compliant, "%"),
            Row("Answers Partly", c.partly_percent, "%"),
            Row("Answers No", c.no_percent, "%"),
            Row("Cases with a No to follow up", s.cases_with_no),
        ),
        chart_title="Answers of the cases sampled",
        chart=(
            Count("Yes", c.yes),
            Count("Partly", c.partly),
            Count("No", c.no),
            Count("Not applicable", c.not_applicable),
        )
        if c.counted or c.not_applicable
        else (),
    )


for _key, _function in (
    ("case_audits", case_audits),
    ("dip_samples", dip_samples),
    ("supervision", supervision),
    ("practice_week", practice_week),
    ("thematic", thematic),
    ("complaints", complaints),
    ("actions", actions),
):
    provide(_key, _function)
_many["actions"] = (actions, actions_many)


@dataclass(frozen=True)
class RankedTheme:
    name: str
    count: int
    sources: tuple[tuple[str, int], ...]

    @property
    def where(self) -> str:
        return ", ".join(f"{source} ({n})" for source, n in self.sources)


def rank_themes(figures: list[Figures]) -> tuple[RankedTheme, ...]:
    """Every module's learning themes as one ranking: the same name (any case) from several
    modules is one theme, counted across them, most recorded first, then by name."""
    merged: dict[str, dict] = {}
    for f in figures:
        for theme in f.themes:
            entry = merged.setdefault(theme.label.casefold(), {"name": theme.label, "sources": {}})
            entry["sources"][f.source] = entry["sources"].get(f.source, 0) + theme.count
    ranked = [
        RankedTheme(
            e["name"],
            sum(e["sources"].values()),
            tuple(sorted(e["sources"].items(), key=lambda kv: (-kv[1], kv[0]))),
        )
        for e in merged.values()
    ]
    return tuple(sorted(ranked, key=lambda t: (-t.count, t.name.casefold())))


@dataclass
class SectionReport:
    """A section of the report: its figures for the period, the previous period and the
    same period last year (None when no module provides it), and the comparison rows
    (label, this period, previous, last year, suffix)."""

    section: Section
    current: Figures | None
    previous: Figures | None = None
    last_year: Figures | None = None
    ranked: tuple[RankedTheme, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return self.section.key

    @property
    def title(self) -> str:
        return self.section.title

    @property
    def empty(self) -> bool:
        """Nothing recorded in any of the three periods (every count 0, no percentage)."""
        figures = [f for f in (self.current, self.previous, self.last_year) if f is not None]
        return not any(row.value for f in figures for row in f.rows)

    @property
    def comparison(self) -> list[tuple]:
        if self.current is None:
            return []
        out = []
        for i, row in enumerate(self.current.rows):
            prev = self.previous.rows[i].value if self.previous else None
            last = self.last_year.rows[i].value if self.last_year else None
            out.append((row.label, row.value, prev, last, row.suffix))
        return out


def periods_of(period: Period) -> tuple[Period, Period, Period]:
    """The periods a report on ``period`` reads: it, the previous period and the year before."""
    return period, period.previous(), period.year_before()


def build(period: Period, area_id: int | None, known: dict | None = None) -> list[SectionReport]:
    """Every section for ``period`` and service area ``area_id`` (None: the council), each
    beside the previous period and the same period a year before.

    ``known``: a dict kept across several builds (the evidence pack's four quarters and
    their year) so each module's figures for a period are read once: a quarter is the next
    one's previous period, and the 12 months before a year are also the year before it.
    Figures read with their details also answer for a period only compared with."""

    def figures(key: str, make, when: Period, details: bool) -> Figures:
        if known is None:
            return make(when, area_id, details)
        for wanted in (True,) if details else (False, True):
            if (key, when, area_id, wanted) in known:
                return known[(key, when, area_id, wanted)]
        known[(key, when, area_id, details)] = make(when, area_id, details)
        return known[(key, when, area_id, details)]

    out = []
    current_figures = []
    for section in SECTIONS:
        if section.key == THEMES:
            out.append(SectionReport(section, None, ranked=rank_themes(current_figures)))
            continue
        make = provider(section.key)
        if make is None:
            out.append(SectionReport(section, None))
            continue
        current = figures(section.key, make, period, True)
        current_figures.append(current)
        out.append(
            SectionReport(
                section,
                current,
                figures(section.key, make, period.previous(), False),
                figures(section.key, make, period.year_before(), False),
            )
        )
    return out
