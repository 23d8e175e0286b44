"""What the benchmark requests: every list page, report, export and My work.

Each module lists its URLs in one function below; :func:`all_targets` joins them. A list page
is measured with its default filters, one selective filter, and a deep page (found from the
first page's pager). The practice-week module adds its pages in :func:`observation_targets`.
"""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from qaweb.extensions import db

# Targets from the issue, in milliseconds of p95 server time.
LIST_P95_MS = 150
REPORT_P95_MS = 300
PAGE_OVER_SQL = 3.0
EXPORT_OVER_FLOOR = 1.5
EXPORT_PEAK_MB = 100


@dataclass
class Target:
    name: str
    kind: str  # list, deep, mywork, report, export
    url: str
    user: str  # demo sign-in prefix: qa.officer, complaints, admin, ... or "busy"


@dataclass
class Context:
    """Ids the URLs need, looked up in the bench database."""

    team_id: int
    area_id: int
    last_year: int
    busy_user_id: int
    #: The past practice week with the most observations, and the latest open week.
    week_id: int | None = None
    open_week_id: int | None = None
    #: An observer with observations in the largest week (for the board's observer filter).
    observer_id: int | None = None


def context() -> Context:
    from qaweb.actions.models import OPEN, Action
    from qaweb.organisation.models import Team
    from qaweb.supervision import services as sup

    team_id, area_id = db.session.execute(
        select(Team.id, Team.service_area_id).where(Team.name == "Brambles")
    ).one()
    busy = db.session.scalar(
        select(Action.owner_id)
        .where(Action.status == OPEN)
        .group_by(Action.owner_id)
        .order_by(func.count().desc(), Action.owner_id)
        .limit(1)
    )
    from qaweb.core.timefmt import today_london

    ctx = Context(team_id, area_id, sup.year_for(today_london()) - 1, busy)
    _practice_week_context(ctx)
    return ctx


def _practice_week_context(ctx: Context) -> None:
    from qaweb.core.timefmt import today_london
    from qaweb.practice_week.models import OPEN, Observation, PracticeWeek

    ctx.open_week_id = db.session.scalar(
        select(PracticeWeek.id)
        .where(PracticeWeek.status == OPEN)
        .order_by(PracticeWeek.starts_on.desc())
        .limit(1)
    )
    # A week with one before it (its report compares the two), so the everyday demo and a
    # large one ask the same statements: the everyday demo has only this week's.
    first_start = select(func.min(PracticeWeek.starts_on)).scalar_subquery()
    ctx.week_id = (
        db.session.scalar(
            select(Observation.week_id)
            .join(PracticeWeek, PracticeWeek.id == Observation.week_id)
            .where(PracticeWeek.ends_on < today_london(), PracticeWeek.starts_on > first_start)
            .group_by(Observation.week_id)
            .order_by(func.count().desc(), Observation.week_id)
            .limit(1)
        )
        or ctx.open_week_id
    )
    ctx.observer_id = db.session.scalar(
        select(Observation.observer_id)
        .where(Observation.week_id == ctx.week_id, Observation.observer_id.is_not(None))
        .group_by(Observation.observer_id)
        .order_by(func.count().desc(), Observation.observer_id)
        .limit(1)
    )


def list_page(name, url, user, selective: str | None = None, deep=True) -> list[Target]:
    """A list page: default filters, one selective filter, and (later) a deep page."""
    targets = [Target(name, "list", url, user)]
    if selective:
        joiner = "&" if "?" in url else "?"
        # Named without ids ("team=7" is "[team]"), so runs on two databases line up.
        label = re.sub(r"=\d+", "", selective)
        targets.append(Target(f"{name} [{label}]", "list", f"{url}{joiner}{selective}", user))
    if deep:
        # The page number is filled in from the first page's pager by the runner.
        targets.append(Target(f"{name} [deep page]", "deep", url, user))
    return targets


def home_targets(ctx: Context) -> list[Target]:
    return [
        Target("My work (busy person)", "mywork", "/", "busy"),
        Target("My work (QA officer)", "mywork", "/", "qa.officer"),
    ]


def actions_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Actions: all", "/actions/all?status=all", "qa.officer", f"team={ctx.team_id}"),
        *list_page("Actions: open", "/actions/all", "qa.officer", "overdue=y", deep=False),
        *list_page("Actions: mine", "/actions/mine?status=all", "busy", "status=open"),
        *list_page("Actions: team", "/actions/team?status=all", "team.manager", "status=open"),
        Target(
            "Actions export: all", "export", "/actions/all/export.xlsx?status=all", "qa.officer"
        ),
        Target(
            "Actions export: one team",
            "export",
            f"/actions/all/export.xlsx?status=all&team={ctx.team_id}",
            "qa.officer",
        ),
    ]


def organisation_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Staff", "/admin/users", "admin", f"team={ctx.team_id}"),
        Target("Teams", "list", "/admin/teams", "admin"),
        Target("Service areas", "list", "/admin/service-areas", "admin"),
        Target("Staff export", "export", "/admin/users/export.xlsx", "admin"),
    ]


def notifications_targets(ctx: Context) -> list[Target]:
    # The demo schedules through the services, so its outbox has a few pages of messages.
    return [
        *list_page("Outbox", "/admin/outbox", "admin", "status=queued&kind=observation"),
        Target("Outbox export", "export", "/admin/outbox/export.xlsx", "admin"),
    ]


def tools_targets(ctx: Context) -> list[Target]:
    return [Target("QA tools", "list", "/admin/tools/", "admin")]


def supervision_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Supervision audits", "/supervision/", "qa.officer", f"year={ctx.last_year}"),
        Target("Supervision coverage", "report", "/supervision/coverage", "qa.officer"),
        Target(
            "Supervision coverage, last year",
            "report",
            f"/supervision/coverage?year={ctx.last_year}",
            "qa.officer",
        ),
        Target("Supervision audits export", "export", "/supervision/export.xlsx", "qa.officer"),
        Target(
            "Supervision annual workbook",
            "export",
            f"/supervision/coverage/report.xlsx?year={ctx.last_year}",
            "qa.officer",
        ),
    ]


def case_audit_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Case-file audits", "/case-audits/", "qa.officer", f"team={ctx.team_id}"),
        Target("Case-file audit report", "report", "/case-audits/reports", "qa.officer"),
        Target(
            "Case-file audit team summary",
            "report",
            f"/case-audits/summary?team={ctx.team_id}",
            "qa.officer",
        ),
        Target("Case-file audit sample", "report", _this_month_sample(), "qa.officer"),
        Target(
            "Case-file audit workbook", "export", "/case-audits/reports/workbook.xlsx", "qa.officer"
        ),
        Target("My work (team manager)", "mywork", "/", "team.manager"),
    ]


def _this_month_sample() -> str:
    from qaweb.core.timefmt import today_london

    today = today_london()
    return f"/case-audits/months/{today.year}/{today.month}"


def moderation_targets(ctx: Context) -> list[Target]:
    from qaweb.case_audits.services import add_months
    from qaweb.core.timefmt import today_london

    last = add_months(today_london().replace(day=1), -1)
    return [
        Target("Moderation", "list", "/moderation/", "qa.officer"),
        Target("Grade agreement", "report", "/moderation/agreement", "qa.officer"),
        Target(
            "Grade agreement by year", "report", "/moderation/agreement?period=year", "qa.officer"
        ),
        Target(
            "Grade agreement workbook",
            "export",
            "/moderation/agreement/workbook.xlsx",
            "qa.officer",
        ),
        Target(
            "Moderation sample",
            "report",
            f"/moderation/months/{last.year}/{last.month}",
            "qa.officer",
        ),
        *moderation_panel_targets(ctx),
    ]


def moderation_panel_targets(ctx: Context) -> list[Target]:
    """The panel meetings and the latest meeting (its moderated audits, their due dates)."""
    from qaweb.moderation.models import PanelMeeting

    latest = db.session.scalar(
        select(PanelMeeting.id).order_by(PanelMeeting.held_on.desc(), PanelMeeting.id).limit(1)
    )
    found = [Target("Moderation Panel meetings", "list", "/moderation/panels", "qa.officer")]
    if latest is not None:
        found.append(
            Target("Moderation Panel meeting", "list", f"/moderation/panels/{latest}", "qa.officer")
        )
    return found


def thematic_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Thematic audits", "/thematic/", "qa.officer", "status=closed", deep=False),
        Target("Thematic export", "export", "/thematic/export.xlsx", "qa.officer"),
    ]


def complaints_targets(ctx: Context) -> list[Target]:
    return [
        *list_page("Complaints: open", "/complaints/", "complaints", "overdue=y", deep=False),
        *list_page(
            "Complaints: all", "/complaints/?status=all", "complaints", f"area={ctx.area_id}"
        ),
        *list_page("Complaints: stage 2", "/complaints/?status=all&stage=2", "complaints"),
        *list_page("Compliments", "/complaints/compliments", "complaints"),
        Target("Complaints report (quarter)", "report", "/complaints/report", "complaints"),
        Target("Complaints report (year)", "report", "/complaints/report?quarter=0", "complaints"),
        Target(
            "Complaints report (service area)",
            "report",
            f"/complaints/report?quarter=0&area={ctx.area_id}",
            "qa.officer",
        ),
        # A service manager's report: their own area, whatever the address asks for.
        Target(
            "Complaints report (service manager)",
            "report",
            f"/complaints/report?area={ctx.area_id + 1}",
            "service.manager",
        ),
        Target(
            "Complaints export: all", "export", "/complaints/export.xlsx?status=all", "complaints"
        ),
        Target("Complaints report workbook", "export", "/complaints/report.xlsx", "complaints"),
        # A Word paper, not a workbook: measured as a report (its rows are not counted).
        Target(
            "Complaints annual report", "report", "/complaints/report/annual.docx", "complaints"
        ),
    ]


def qa_report_targets(ctx: Context) -> list[Target]:
    """The QA Board's report: last quarter's (the demo's draft), a service area's figures,
    12 months, and the Word paper and workbook."""
    from qaweb.qa_report.models import QAReport

    report_id = db.session.scalar(select(func.max(QAReport.id)))
    return [
        Target("QA reports", "list", "/qa-report/", "qa.officer"),
        Target("QA report (quarter)", "report", f"/qa-report/{report_id}", "qa.officer"),
        Target(
            "QA report (service area)",
            "report",
            f"/qa-report/?start={ctx.last_year}-07&length=quarter&area={ctx.area_id}",
            "qa.officer",
        ),
        Target(
            "QA report (12 months)",
            "report",
            f"/qa-report/?start={ctx.last_year}-04&length=12",
            "qa.board",
        ),
        Target("QA report paper", "report", f"/qa-report/{report_id}.docx", "qa.officer"),
        Target("QA report workbook", "export", f"/qa-report/{report_id}.xlsx", "qa.officer"),
    ]


def observation_targets(ctx: Context) -> list[Target]:
    """Practice weeks: the weeks, the schedule board (the largest past week, and this week's),
    coverage, the week's report, and the three exports; My work for an observer."""
    week, now = f"/practice-weeks/{ctx.week_id}", f"/practice-weeks/{ctx.open_week_id}"
    return [
        Target("My work (observer)", "mywork", "/", "observer"),
        Target("Practice weeks", "list", "/practice-weeks/", "organiser"),
        Target("Practice weeks (observer)", "list", "/practice-weeks/", "observer"),
        Target("Practice week lists", "list", "/practice-weeks/settings", "organiser"),
        Target("Practice week page", "list", week, "organiser"),
        Target("Practice week page (practitioner)", "list", now, "practitioner"),
        # The board shows 150 meetings a page, by day; a large week has several pages.
        *list_page("Practice week board", f"{week}/board", "organiser", f"team={ctx.team_id}"),
        *list_page(
            "Practice week board: this week",
            f"{now}/board",
            "organiser",
            f"observer={ctx.observer_id}",
            deep=False,
        ),
        Target(
            "Practice week board [not held]", "list", f"{week}/board?status=not_held", "organiser"
        ),
        Target("Practice week coverage", "report", f"{week}/coverage", "organiser"),
        Target(
            "Practice week coverage [area]",
            "report",
            f"{week}/coverage?area={ctx.area_id}",
            "organiser",
        ),
        Target("Practice week coverage: this week", "report", f"{now}/coverage", "organiser"),
        Target("Practice week report", "report", f"{week}/report", "organiser"),
        Target("Practice week schedule export", "export", f"{week}/schedule.xlsx", "organiser"),
        Target(
            "Practice week schedule export [team]",
            "export",
            f"{week}/schedule.xlsx?team={ctx.team_id}",
            "organiser",
        ),
        Target("Practice week records export", "export", f"{week}/records.xlsx", "organiser"),
        Target("Practice week report workbook", "export", f"{week}/report.xlsx", "organiser"),
    ]


def dip_sample_targets(ctx: Context) -> list[Target]:
    """The demo's finished dip sample (its first): the list, its cases, results, workbook."""
    from sqlalchemy import select

    from qaweb.dip_samples.models import DipSample
    from qaweb.extensions import db

    first = db.session.scalar(select(DipSample.id).order_by(DipSample.id).limit(1))
    sample = f"/dip-samples/{first}"
    return [
        Target("Dip samples", "list", "/dip-samples/", "qa.officer"),
        *list_page("Dip sample cases", sample, "qa.officer", "status=done"),
        Target("Dip sample results", "report", f"{sample}/results", "qa.officer"),
        Target(
            "Dip sample results (service area)", "report", f"{sample}/results", "service.manager"
        ),
        Target("Dip sample workbook", "export", f"{sample}/results.xlsx", "qa.officer"),
        # The cases answered "No" come 20 a page (about 80 in the demo's sample).
        Target("Dip sample results [deep page]", "deep", f"{sample}/results", "qa.officer"),
    ]


MODULES = [
    home_targets,
    actions_targets,
    organisation_targets,
    notifications_targets,
    tools_targets,
    supervision_targets,
    case_audit_targets,
    moderation_targets,
    thematic_targets,
    complaints_targets,
    observation_targets,
    qa_report_targets,
    dip_sample_targets,
]


def all_targets(ctx: Context) -> list[Target]:
    return [target for module in MODULES for target in module(ctx)]


# The load run: the pages people open most, with the sign-in that sees them.
LOAD_PAGES = [
    ("qa.officer", "/"),
    ("qa.officer", "/actions/all"),
    ("qa.officer", "/actions/all?status=all&page=20"),
    ("qa.officer", "/supervision/"),
    ("qa.officer", "/supervision/coverage"),
    ("qa.officer", "/thematic/"),
    ("qa.officer", "/case-audits/"),
    ("qa.officer", "/case-audits/reports"),
    ("complaints", "/complaints/"),
    ("complaints", "/complaints/?status=all&page=5"),
    ("complaints", "/complaints/compliments"),
    ("complaints", "/complaints/report"),
    ("team.manager", "/"),
    ("team.manager", "/actions/team"),
    ("practitioner", "/actions/mine"),
    ("admin", "/admin/users"),
    # Practice weeks: a fresh bench database has the demo's own weeks first, so week 1 is
    # last spring's (closed, the largest) and week 2 this week's.
    ("organiser", "/"),
    ("organiser", "/practice-weeks/"),
    ("organiser", "/practice-weeks/2"),
    ("organiser", "/practice-weeks/2/board"),
    ("organiser", "/practice-weeks/2/coverage"),
    ("organiser", "/practice-weeks/1/report"),
    ("observer", "/"),
    ("observer", "/practice-weeks/"),
    ("observer", "/practice-weeks/2"),
    ("practitioner", "/practice-weeks/"),
]
