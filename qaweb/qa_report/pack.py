"""The inspection evidence pack: one .zip for a chosen 12 months of what qaweb knows about
practice, for Ofsted's ILACS inspectors (who ask for audit activity, its findings and its
impact within days of arriving) and the council's annual self-evaluation.

The pack holds, each made by its own module's builder (never by reading its tables here):

- the QA report for each quarter of the 12 months: the saved report's Word board paper
  where one was started, otherwise the quarter's figures saying "No analysis was written";
- the year's figures workbook (the 12 months' QA report figures, with native charts);
- every thematic audit's board paper planned in the period (``thematic.services``);
- the supervision annual workbook of each audit year the months fall in;
- the report workbook of each practice week starting in the period;
- the complaints annual report of each financial year the months fall in;
- an index (.docx) listing every file and what it is, and anything left out and why.

Who may see what: the pack is made for the person who asked, and each part only when that
person may download it from its own page (the module's own rule and service-area rule);
the index says which parts were left out for them. It runs in the background
(``core/jobs.py``) and streams each part into the zip file, so memory stays flat however
large the council."""

import shutil
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from qaweb.core import jobs
from qaweb.core.db import utcnow
from qaweb.core.excel import About, build_workbook
from qaweb.core.settings import get_setting
from qaweb.core.timefmt import format_date, format_datetime
from qaweb.core.word import WordPaper
from qaweb.core.years import Period, quarter_of, quarter_period, year_for
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, User
from qaweb.qa_report import paper, sections, services

KIND = "evidence_pack"
TITLE = "Inspection evidence pack"
INDEX_NAME = "00-index.docx"


@dataclass(frozen=True)
class Part:
    """One file of the pack: its ``name`` in the zip (folder/file), ``what`` it is (for the
    index), the ``step`` shown while it is made, and ``make()`` returning bytes or an open
    binary file positioned at the start (closed after copying)."""

    name: str
    what: str
    step: str
    make: Callable


@dataclass(frozen=True)
class Left:
    """A part the person who asked may not download: what it is and why it is missing."""

    what: str
    why: str


def pack_period(start: str | None) -> tuple[Period | None, str | None]:
    """The pack's 12 months from the first month chosen (``start``, "2026-04"): (period,
    None), or (None, the message to show). The months start with a quarter (April, July,
    October or January), so the pack holds four whole quarters' reports."""
    period, problem = services.period_from(start, services.TWELVE_MONTHS)
    if period is None:
        return None, problem
    if period.start.month not in (4, 7, 10, 1):
        return None, "The 12 months start with a quarter: choose April, July, October or January"
    return period, None


def quarters(period: Period) -> list[Period]:
    """The financial quarters that make up ``period`` (12 months starting with a quarter)."""
    year, quarter = quarter_of(period.start)
    out = []
    for _ in range(period.months // 3):
        out.append(quarter_period(year, quarter))
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    return out


def _years(period: Period, start_month: int) -> range:
    return range(year_for(period.start, start_month), year_for(period.end, start_month) + 1)


@dataclass
class _Unwritten:
    """A period with no saved QA report: its figures only (``paper`` reads these names)."""

    period: Period
    scope_label: str
    reference: str = "No report started"
    status: str = "none"
    status_label: str = "No report was started in qaweb"
    versions: tuple = ()
    narrative: dict = None

    def __post_init__(self):
        self.narrative = {}


def _scope(area_id: int | None) -> str:
    if area_id is None:
        return "All service areas"
    area = db.session.get(ServiceArea, area_id)
    return area.name if area else "No service area"


def _slug(period: Period) -> str:
    return f"{period.start:%Y-%m}-to-{period.end:%Y-%m}"


def _thematic_parts(
    user: User, period: Period, wanted_area: int | None, name: str, parts: list, left: list
) -> None:
    """Append to ``parts`` the board paper of each thematic audit in ``period`` (council-wide),
    or to ``left`` why ``user`` gets none when there are some they may not download."""
    from qaweb.actions.services import actions_for
    from qaweb.thematic import exports as thematic_exports
    from qaweb.thematic import services as thematic

    # Thematic audits: council-wide, each one's board paper.
    audits = thematic.audits_in(period)
    if thematic.can_view(user):
        for audit in audits:

            def make_audit(audit=audit):
                return thematic_exports.docx_bytes(
                    audit,
                    thematic.paper(audit),
                    actions_for("thematic_audit", audit.id),
                    downloaded_by=name,
                )

            parts.append(
                Part(
                    f"thematic-audits/{audit.reference}.docx",
                    f"Thematic audit board paper: {audit.title} ({audit.reference}, "
                    f"{audit.status_label.lower()})",
                    f"The board paper of {audit.reference}",
                    make_audit,
                )
            )
    elif audits:
        left.append(
            Left(
                "Thematic audits' board papers",
                "Only the QA team and the QA Board, and service managers, can download them.",
            )
        )


def _supervision_parts(
    user: User, period: Period, wanted_area: int | None, name: str, parts: list, left: list
) -> None:
    """Append to ``parts`` the supervision audits' annual workbook of each audit year
    ``period`` falls in (``user``'s coverage area), or to ``left`` why ``user`` gets none."""
    from qaweb.supervision import reports as supervision
    from qaweb.supervision import services as supervision_services

    # Supervision: the annual workbook of each audit year the months fall in.
    if supervision.can_see_coverage(user):
        sup_area = supervision.coverage_area(user, wanted_area)
        for year in _years(period, supervision_services.start_month()):
            label = supervision_services.year_label(year)

            def make_supervision(year=year, label=label):
                about = About(
                    "Supervision audits: annual report",
                    period=label,
                    filters=[("Service area", _scope(sup_area))],
                    council=get_setting("council_name"),
                    made_by=name,
                    made_at=utcnow(),
                )
                return build_workbook(**supervision.annual_workbook(year, sup_area), about=about)

            parts.append(
                Part(
                    f"supervision/supervision-audits-{year}-{year + 1}.xlsx",
                    f"Supervision audits annual workbook, {label} ({_scope(sup_area)}): "
                    "coverage per team, grades, themes and actions",
                    f"The supervision annual workbook for {label}",
                    make_supervision,
                )
            )
    else:
        left.append(
            Left(
                "Supervision audits annual workbook",
                "Only the QA team and service managers can download it.",
            )
        )


def _practice_week_parts(
    user: User, period: Period, wanted_area: int | None, name: str, parts: list, left: list
) -> None:
    """Append to ``parts`` the report workbook of each practice week starting in ``period``,
    or to ``left`` why ``user`` gets none when there are some they may not download."""
    from qaweb.practice_week import exports as practice_exports
    from qaweb.practice_week import reports as practice_reports
    from qaweb.practice_week import services as practice

    # Practice weeks starting in the period: each week's report workbook.
    weeks = practice_reports.weeks_in(period)
    if practice.can_organise(user):
        for week in weeks:

            def make_week(week=week):
                args, kwargs = practice_exports.report_workbook(week)
                about = kwargs.pop("about", None) or About(f"Practice week report: {week.theme}")
                about.council = about.council or get_setting("council_name")
                about.made_by = name
                about.made_at = utcnow()
                return build_workbook(*args, about=about, **kwargs)

            parts.append(
                Part(
                    f"practice-weeks/practice-week-{week.starts_on.isoformat()}-report.xlsx",
                    f"Practice week report: {week.theme}, {format_date(week.starts_on)} to "
                    f"{format_date(week.ends_on)} (observations against target, grades, "
                    "family and child feedback, learning themes)",
                    f"The report of the practice week starting {format_date(week.starts_on)}",
                    make_week,
                )
            )
    elif weeks:
        left.append(
            Left(
                "Practice weeks' reports",
                "Only practice-week organisers and the QA team can download them.",
            )
        )


def _complaints_parts(
    user: User, period: Period, wanted_area: int | None, name: str, parts: list, left: list
) -> None:
    """Append to ``parts`` the complaints annual report of each financial year ``period``
    falls in (``user``'s report area), or to ``left`` why ``user`` gets none."""
    from qaweb.complaints import annual as complaints_annual
    from qaweb.complaints import services as complaints

    # Complaints: the annual report of each financial year the months fall in.
    if complaints.can_view_reports(user):
        complaints_area = complaints.report_area(user, wanted_area)
        for year in _years(period, 4):

            def make_complaints(year=year):
                return complaints_annual.docx_bytes(
                    complaints_annual.figures(year, complaints_area),
                    council=get_setting("council_name"),
                    downloaded_by=name,
                )

            parts.append(
                Part(
                    f"complaints/complaints-annual-report-{year}-{(year + 1) % 100:02d}.docx",
                    f"Complaints and compliments annual report, April {year} to March "
                    f"{year + 1} ({_scope(complaints_area)}): counts, learning (names taken "
                    "out) and the self-assessment",
                    f"The complaints annual report for {year}-{(year + 1) % 100:02d}",
                    make_complaints,
                )
            )
    else:
        left.append(
            Left(
                "Complaints annual report",
                "Only the complaints officer, the QA team and service managers can download it.",
            )
        )


def plan(user: User, period: Period, wanted_area: int | None) -> tuple[list[Part], list[Left]]:
    """What the pack for ``user`` holds for ``period`` and service area ``wanted_area``
    (None: the whole council; forced to their own area for a service manager): the parts
    in order, and the parts left out with why. Reads only which records exist; nothing is
    built until a part's ``make()`` is called."""

    name = user.name
    area_id = services.area_for(user, wanted_area)
    scope = _scope(area_id)
    parts: list[Part] = []
    left: list[Left] = []
    # Each module's figures for a period, read once for the quarters' papers and the
    # year's workbook (a quarter is the next one's previous period).
    known: dict = {}

    def read_once() -> None:
        if not known:
            wanted = [period, *quarters(period)]
            sections.prefetch([p for w in wanted for p in sections.periods_of(w)], area_id, known)

    # The QA report of each quarter, and the 12 months' figures.
    for quarter in quarters(period):
        report = services.find(quarter, area_id)

        def make_paper(quarter=quarter, report=report):
            read_once()
            shown = report or _Unwritten(quarter, scope)
            return paper.docx_bytes(shown, sections.build(quarter, area_id, known), name)

        parts.append(
            Part(
                f"qa-reports/qa-report-{_slug(quarter)}.docx",
                f"QA report, {quarter.label} ({scope}): "
                + (
                    f"{report.reference}, {report.status_label.lower()}"
                    if report
                    else "no report was started, so its figures only: no analysis was written"
                ),
                f"The QA report for {quarter.label}",
                make_paper,
            )
        )
    year_report = services.find(period, area_id)

    def make_figures():
        read_once()
        shown = year_report or _Unwritten(period, scope)
        contents = paper.workbook(shown, sections.build(period, area_id, known))
        about = About(
            f"QA report figures: {period.label}",
            period=period.label,
            filters=[("Service area", scope)],
            council=get_setting("council_name"),
            made_by=name,
            made_at=utcnow(),
        )
        return build_workbook(**contents, about=about)

    parts.append(
        Part(
            f"figures/qa-figures-{_slug(period)}.xlsx",
            f"The 12 months' figures from every module ({scope}), beside the 12 months "
            "before and the year before, with charts",
            "The year's figures workbook",
            make_figures,
        )
    )

    _thematic_parts(user, period, wanted_area, name, parts, left)
    _supervision_parts(user, period, wanted_area, name, parts, left)
    _practice_week_parts(user, period, wanted_area, name, parts, left)
    _complaints_parts(user, period, wanted_area, name, parts, left)
    return parts, left


def index_docx(
    user: User, period: Period, scope: str, parts: list[Part], left: list[Left]
) -> bytes:
    """The pack's index: what the pack is, then a table of every file in it and what it
    is, then anything left out for the person who asked and why."""
    title = f"{TITLE}: {period.label}"
    word = WordPaper.for_council(title, user.name, subject=scope)
    word.heading(title, 0)
    word.paragraph(f"Service area: {scope}")
    word.paragraph(
        f"Prepared for {user.name} at {format_datetime(utcnow())} from qaweb. "
        "Each file is as its own page would download it at that time."
    )
    word.heading("What is in this pack", 1)
    word.table(
        ("File", "What it is"), [(INDEX_NAME, "This index")] + [(p.name, p.what) for p in parts]
    )
    if left:
        word.heading("Not included", 1)
        word.paragraph(f"Left out because {user.name} cannot download them in qaweb:")
        for item in left:
            word.bullet(f"{item.what}: {item.why}")
    return word.to_bytes()


def _copy(made, target) -> None:
    if isinstance(made, bytes | bytearray):
        target.write(made)
        return
    try:
        shutil.copyfileobj(made, target, 256 * 1024)
    finally:
        made.close()


def build(job: jobs.BackgroundJob, progress) -> tuple:
    """The pack for ``job`` (parameters ``start`` "YYYY-MM" and ``area`` id or None),
    written part by part into a .zip under the jobs' folder; reports ``progress`` after
    each part. Returns (path, download name). Raises JobError when the person who asked
    may no longer read QA reports or the period is not one the pack accepts."""
    user = db.session.get(User, job.requested_by_id)
    if user is None or not services.can_view_reports(user):
        raise jobs.JobError("You can no longer see QA reports, so the pack was not made.")
    period, problem = pack_period(job.parameters.get("start"))
    if period is None:
        raise jobs.JobError(problem)
    wanted = job.parameters.get("area")
    scope = _scope(services.area_for(user, wanted))
    parts, left = plan(user, period, wanted)
    total = len(parts) + 1
    folder = jobs.files_directory()
    path = folder / f"evidence-pack-{job.id}-{uuid.uuid4().hex[:12]}.zip"
    partial = path.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
            for done, part in enumerate(parts):
                progress(done, total, part.step)
                with bundle.open(part.name, "w", force_zip64=True) as target:
                    _copy(part.make(), target)
            progress(len(parts), total, "The index")
            bundle.writestr(INDEX_NAME, index_docx(user, period, scope, parts, left))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path, f"inspection-evidence-pack-{_slug(period)}.zip"


def request_pack(user: User, start: str | None, area: int | None) -> jobs.BackgroundJob:
    """Queue the pack for ``user``: added and flushed, committed by the caller. Raises
    ValueError with the message to show when ``start`` is not a month a pack can start."""
    period, problem = pack_period(start)
    if period is None:
        raise ValueError(problem)
    return jobs.enqueue(KIND, {"start": f"{period.start:%Y-%m}", "area": area}, user)


def can_see_job(user, job: jobs.BackgroundJob) -> bool:
    """A pack's page and file: only the person who asked, while they may read QA reports."""
    return (
        job.kind == KIND
        and services.can_view_reports(user)
        and getattr(user, "id", None) == job.requested_by_id
    )


def latest_jobs(user, limit: int = 5) -> list[jobs.BackgroundJob]:
    """The packs ``user`` asked for, newest first (one query)."""
    from sqlalchemy import select

    return list(
        db.session.scalars(
            select(jobs.BackgroundJob)
            .where(jobs.BackgroundJob.kind == KIND, jobs.BackgroundJob.requested_by_id == user.id)
            .order_by(jobs.BackgroundJob.id.desc())
            .limit(limit)
        )
    )


def default_start(today: date | None = None) -> str:
    """The first month of the last 12 whole months ending with the last whole quarter."""
    return _back(services.last_quarter(today).start)


def _back(first: date) -> str:
    index = first.year * 12 + first.month - 1 - 9
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def seen(job: jobs.BackgroundJob) -> str:
    """What a job's status shows, as a short token: the page polls with it, and is answered
    with nothing new (204) while it is unchanged."""
    return f"{job.status}-{job.done}-{job.total}"


def scope_for(user, job: jobs.BackgroundJob) -> str:
    """The service area the pack covers, as its page names it."""
    return _scope(services.area_for(user, job.parameters.get("area")))


def label(job: jobs.BackgroundJob) -> str:
    """The 12 months a pack covers, as its page names them ("April 2026 to March 2027")."""
    period, _problem = pack_period(job.parameters.get("start"))
    return period.label if period else "A period no longer accepted"
