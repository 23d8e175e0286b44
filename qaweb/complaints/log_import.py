"""Bring in the council's old complaints and compliments log (.xlsx or .csv).

The file is read by the core table reader (qaweb.core.spreadsheets: the crafted-file limits,
semicolon .csv, a byte order mark), every row is checked against the same rules the pages
apply, and a preview names each row's problems by column before anything is saved. Nothing
is saved while any row has a problem. Rows are matched on the old log's reference
(``legacy_reference``): a row already brought in is left as it is and said so in the
preview, so importing the same file again creates nothing.

A complaint's clocks are worked out from its imported dates with the procedure's working
days (services.compute_due: statutory or corporate calendar), never typed: each stage keeps
its start, response and outcome, and an answer after its due date is late in the report
and, while unanswered, overdue in the lists.
"""

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.complaints import services
from qaweb.complaints.log_columns import FIELDS, LENGTHS, TITLES
from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    HOW,
    OUTCOMES,
    PROCEDURES,
    CategoryOption,
    Complaint,
    ComplaintStage,
    Compliment,
    ComplimentThemeOption,
)
from qaweb.core import spreadsheets
from qaweb.core.db import Base, UTCDateTime, utcnow
from qaweb.core.imports import keep, outcome_totals
from qaweb.core.text import clean_identifier, clean_text
from qaweb.core.timefmt import format_date, today_london
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team

#: A few years of a council's log; a larger file is split (saving 2,000 takes about 10 s).
MAX_ROWS = 2000
LIMITS = spreadsheets.Limits(max_rows=MAX_ROWS)
KINDS = {"complaints": "Complaints", "compliments": "Compliments"}
ImportFileError = spreadsheets.SpreadsheetError
#: What the imported log says when it marks a stage extended without a reason column.
EXTENDED_IN_LOG = "Extended, as recorded in the council's old log (imported)"
YES = {"yes", "y", "true", "1", "extended"}
NO = {"no", "n", "false", "0", "not extended", ""}


class ComplaintImport(Base):
    """A checked log waiting for confirmation (kept so any worker can confirm it). Once
    applied, complainants' names are removed from the rows kept here."""

    __tablename__ = "complaint_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # complaints or compliments
    filename: Mapped[str] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)


# -- reading ---------------------------------------------------------------------------------


def _as_text(value) -> str:
    """A cell as the text staged (JSON): dates from an .xlsx as ISO dates."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(spreadsheets.cell_text(value)).strip()


def read_table(kind: str, filename: str, data: bytes) -> list[dict]:
    """Rows of the file as {"row": n, header key: text}, or ImportFileError."""
    fields = FIELDS[kind]
    headers = {f.key: f.title for f in fields}
    aliases = {spreadsheets.header_key(a): f.key for f in fields for a in f.aliases}
    _, table = spreadsheets.read_table(
        filename,
        data,
        headers,
        [f.key for f in fields if f.required],
        what="log",
        limits=LIMITS,
        aliases=aliases,
    )
    rows = []
    for number, values in table:
        row = {key: _as_text(values.get(key)) for key in headers}
        # Invisible characters pasted into a reference, a date or a name on one of qaweb's
        # lists (zero-width spaces, direction marks) would make it match nothing.
        for f in fields:
            if f.choices or f.date or f.key == "old reference":
                row[f.key] = clean_identifier(row[f.key])
        row["row"] = number
        rows.append(row)
    return rows


# -- checking --------------------------------------------------------------------------------

DATE_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")


def parse_date(text: str) -> date | None:
    """A date typed as people type them in a UK log, or None; ValueError if not a date."""
    if not text:
        return None
    text = text.split(" 00:00")[0].split("T00:00")[0].strip()
    for pattern in DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _simple(text: str) -> str:
    return spreadsheets.header_key(text)


#: Words old logs use for the fixed choices, beside qaweb's own names and labels.
SYNONYMS = {
    "how": {
        "e mail": "email",
        "telephone": "phone",
        "phone call": "phone",
        "post": "letter",
        "online": "web",
        "online form": "web",
        "website": "web",
        "web": "web",
        "face to face": "in_person",
        "in person": "in_person",
    },
    "who": {"young person": "child", "child": "child", "cyp": "child", "carer": "foster_carer"},
    "procedure": {"statutory": "statutory", "corporate": "corporate"},
    "outcome": {"partly upheld": "partly_upheld", "partially upheld": "partly_upheld"},
    "source": {"parent": "parent", "carer": "parent", "partner agency": "partner"},
}
OPTIONS = {
    "how": HOW,
    "who": COMPLAINANTS,
    "procedure": PROCEDURES,
    "outcome": OUTCOMES,
    "source": COMPLIMENT_SOURCES,
}


def parse_choice(kind: str, text: str) -> str | None:
    """The stored key of a fixed choice typed as its key, its label or a common synonym
    (case, spaces and punctuation ignored), or None when it is none of them."""
    wanted = _simple(text)
    for key, label in OPTIONS[kind].items():
        if wanted in (_simple(key), _simple(label)):
            return key
    return SYNONYMS.get(kind, {}).get(wanted)


@dataclass
class Lookups:
    teams: dict[str, Team]
    areas: dict[str, ServiceArea]
    named: dict[str, object]  # categories or themes, by lower-case name
    existing: dict[str, str]  # old reference -> what it became ("CMP-2025-0004", ...)
    today: date


def lookups(kind: str, rows: list[dict]) -> Lookups:
    """What checking the rows needs from the database, in a few statements."""
    model = Complaint if kind == "complaints" else Compliment
    option = CategoryOption if kind == "complaints" else ComplimentThemeOption
    refs = [r["old reference"] for r in rows if r["old reference"]]
    label = model.reference if kind == "complaints" else model.received_on
    existing = {}
    for start in range(0, len(refs), 500):
        for ref, made in db.session.execute(
            select(model.legacy_reference, label).where(
                model.legacy_reference.in_(refs[start : start + 500])
            )
        ):
            existing[ref] = made if isinstance(made, str) else f"received {format_date(made)}"
    return Lookups(
        teams={t.name.lower(): t for t in db.session.scalars(select(Team))},
        areas={a.name.lower(): a for a in db.session.scalars(select(ServiceArea))},
        named={o.name.lower(): o for o in db.session.scalars(select(option))},
        existing=existing,
        today=today_london(),
    )


class _Row:
    """One row being checked: its values parsed, its problems named by column."""

    def __init__(self, kind: str, values: dict, found: Lookups):
        self.kind, self.values, self.found = kind, values, found
        self.found_problems: list[tuple[int, str]] = []
        self.titles = TITLES[kind]
        self.order = {key: index for index, key in enumerate(self.titles)}

    def problem(self, key: str, message: str) -> None:
        self.found_problems.append((self.order[key], f"{self.titles[key]}: {message}"))

    @property
    def problems(self) -> list[str]:
        """Every problem, in the order of the columns of the template."""
        return [text for _, text in sorted(self.found_problems, key=lambda p: p[0])]

    def text(self, key: str) -> str:
        value = self.values.get(key, "")
        limit = LENGTHS.get(key)
        if limit and len(value) > limit:
            self.problem(key, f"must be {limit:,} characters or fewer")
        return value

    def required(self, key: str, what: str) -> str:
        value = self.text(key)
        if not value:
            self.problem(key, f"missing: enter {what}")
        return value

    def date(self, key: str, required: bool = False) -> date | None:
        text = self.values.get(key, "")
        if not text:
            if required:
                self.problem(key, "missing: enter the date")
            return None
        try:
            day = parse_date(text)
        except ValueError:
            self.problem(key, f"'{text}' is not a date: use dd/mm/yyyy, for example 01/04/2025")
            return None
        if day > self.found.today:
            self.problem(key, f"{format_date(day)} is in the future")
            return None
        return day

    def choice(self, key: str, options: str, required: bool = True) -> str | None:
        text = self.values.get(key, "")
        if not text:
            if required:
                self.problem(key, "missing: choose one from the template's list")
            return None
        value = parse_choice(options, text)
        if value is None:
            allowed = ", ".join(OPTIONS[options].values())
            self.problem(key, f"'{text}' is not one of: {allowed}")
        return value

    def yes_no(self, key: str) -> bool:
        text = self.values.get(key, "").lower()
        if text in YES:
            return True
        if text not in NO:
            self.problem(key, f"'{self.values[key]}' must be Yes or No")
        return False

    def area_and_team(self) -> tuple[int | None, int | None]:
        """(service area id, team id): the team must be in the area; no area: the team's."""
        team_name, area_name = self.values.get("team", ""), self.values.get("service area", "")
        team = self.found.teams.get(team_name.lower()) if team_name else None
        area = self.found.areas.get(area_name.lower()) if area_name else None
        if team_name and team is None:
            self.problem("team", f"'{team_name}' is not a team in qaweb: add it first")
        if area_name and area is None:
            self.problem("service area", f"'{area_name}' is not a service area in qaweb")
        if team and area and team.service_area_id != area.id:
            self.problem(
                "team",
                f"{team.name} is in {team.service_area.name}, not {area.name}: give a team in "
                "the service area, or change the service area",
            )
        if team and area is None and not area_name:
            return team.service_area_id, team.id
        return (area.id if area else None), (team.id if team else None)

    def named(self, key: str, what: str) -> list:
        found, unknown = [], []
        for part in self.values.get(key, "").split(";"):
            part = part.strip()
            if not part:
                continue
            option = self.found.named.get(part.lower())
            if option is None:
                unknown.append(part)
            elif option not in found:
                found.append(option)
        if unknown:
            self.problem(
                key,
                ", ".join(f"'{u}'" for u in unknown)
                + f" {'is not a' if len(unknown) == 1 else 'are not'} {what} in qaweb: add "
                "it in Lists and calendar first, or correct the spelling",
            )
        return found


def _stage_text(number: int, stage, due: date, current: bool) -> str:
    head = f"Stage {number} from {format_date(stage.started_on)}, due {format_date(due)}"
    if stage.responded_on:
        late = "in time" if stage.responded_on <= due else "late"
        return f"{head}: answered {format_date(stage.responded_on)}, {late}"
    if not current:
        return f"{head}: not answered"
    return f"{head}: open" + (", overdue" if due < today_london() else "")


def _check_stage_dates(r: _Row, number: int, stage) -> None:
    """A stage's response, panel and panel report dates are not before it started, and the
    report not before the panel met."""
    prefix, started = f"stage {number} ", stage.started_on
    label = "the received date" if number == 1 else f"the Stage {number} request date"
    for key, value in (
        ("response date", stage.responded_on),
        ("panel date", stage.panel_on),
        ("panel report date", stage.report_on),
    ):
        if value and value < started:
            r.problem(
                prefix + key,
                f"{format_date(value)} is before {label} ({format_date(started)})",
            )
    if stage.report_on and stage.panel_on and stage.report_on < stage.panel_on:
        r.problem(prefix + "panel report date", "is before the panel met")


def _check_closed(r: _Row, stages: list) -> date | None:
    """The row's closed date; a complaint closes only after its last stage's response."""
    closed = r.date("closed date")
    if closed and stages:
        last = stages[-1]
        if not last.responded_on:
            r.problem(
                "closed date",
                f"Stage {last.stage} has no response: give its response date, or leave "
                "Closed date empty (the complaint stays open)",
            )
        elif closed < last.responded_on:
            r.problem(
                "closed date",
                f"{format_date(closed)} is before the Stage {last.stage} response "
                f"({format_date(last.responded_on)})",
            )
    return closed


def _check_complaint(row: _Row) -> dict:
    """The complaint the row describes (dates, choices, ids, stages), its problems in
    ``row.problems``. The procedure's rules are those of services (escalate, update_stage,
    close): a stage starts on its request, its response and panel not before that, the next
    stage not before the response, or, unanswered, only once out of time; a statutory request
    after the 20 working days allowed needs its late reason (regulations 17 and 18)."""
    r = row
    received = r.date("received date", required=True)
    plan = {
        "received_on": received,
        "received_how": r.choice("received how", "how"),
        "complainant_type": r.choice("complainant type", "who"),
        "complainant_name": r.text("complainant name"),
        "summary": r.required("summary", "a summary of the complaint"),
        "procedure": r.choice("procedure", "procedure", required=False) or "statutory",
        "categories": r.named("category", "category"),
        "learning": r.text("learning"),
    }
    if "\n" in plan["complainant_name"]:
        r.problem("complainant name", "must be on one line")
    plan["service_area_id"], plan["team_id"] = r.area_and_team()
    statutory = services.is_statutory(plan["procedure"])
    add = services.adder(statutory)
    stages, summary = [], []
    previous, previous_due = None, None
    requests = ((1, None), (2, "stage 2 request date"), (3, "stage 3 request date"))
    for number, request_key in requests:
        prefix = f"stage {number} "
        started = received if number == 1 else r.date(request_key)
        if number > 1 and started is None:
            # This stage's or a later stage's details without the day this stage was asked for.
            given = [
                k
                for k in TITLES["complaints"]
                if k[:6] == "stage " and k[6].isdigit() and int(k[6]) >= number
                if k != request_key and r.values.get(k)
            ]
            if given and not r.values.get(request_key):
                r.problem(
                    request_key,
                    f"missing: {r.titles[given[0]]} is given, so give the day Stage "
                    f"{number} was asked for",
                )
            break
        stage = SimpleNamespace(
            stage=number,
            started_on=started,
            extended=r.yes_no(prefix + "extended") if number < 3 else False,
            panel_on=r.date(prefix + "panel date") if number == 3 else None,
            report_on=r.date(prefix + "panel report date") if number == 3 else None,
            responded_on=r.date(prefix + "response date"),
            outcome=r.choice(prefix + "outcome", "outcome", required=False) or "",
            late_reason=r.text(prefix + "late reason") if number > 1 else "",
        )
        if stage.responded_on and not stage.outcome and not r.values.get(prefix + "outcome"):
            r.problem(prefix + "outcome", "missing: a response has an outcome")
        if stage.outcome and not stage.responded_on and not r.values.get(prefix + "response date"):
            r.problem(prefix + "response date", "missing: give the date of the response")
        if started is None:  # received date missing or wrong: said already
            break
        _check_stage_dates(r, number, stage)
        if number > 1 and started < received:
            r.problem(
                request_key,
                f"{format_date(started)} is before the received date ({format_date(received)})",
            )
        elif previous is not None:
            _check_request(r, number, stage, previous, previous_due, statutory, add)
        due = services.compute_due(stage, add)[0]
        stages.append(stage)
        previous, previous_due = stage, due
        summary.append((number, stage, due))
    plan["closed_on"] = _check_closed(r, stages)
    plan["stages"] = stages
    plan["clocks"] = [
        _stage_text(n, s, due, n == len(summary)) for n, s, due in summary if due is not None
    ]
    return plan


def _check_request(r, number, stage, previous, previous_due, statutory, add) -> None:
    key = f"stage {number} request date"
    before = number - 1
    if previous.responded_on:
        if stage.started_on < previous.responded_on:
            r.problem(
                key,
                f"{format_date(stage.started_on)} is before the Stage {before} response "
                f"({format_date(previous.responded_on)})",
            )
            return
    elif previous_due is not None and stage.started_on <= previous_due:
        r.problem(
            key,
            f"Stage {before} has no response and was still within its time on "
            f"{format_date(stage.started_on)} (due {format_date(previous_due)}): give the "
            f"Stage {before} response date",
        )
        return
    if statutory and previous_due is not None:
        window = add(previous.responded_on or previous_due, services.REQUEST_WINDOW)
        if stage.started_on > window and not stage.late_reason:
            r.problem(
                f"stage {number} late reason",
                f"missing: Stage {number} was asked for on {format_date(stage.started_on)}, "
                f"after the 20 working days allowed (by {format_date(window)}): give the "
                "reason it was accepted",
            )


def _check_compliment(row: _Row) -> dict:
    r = row
    plan = {
        "received_on": r.date("received date", required=True),
        "source": r.choice("source", "source"),
        "valued": r.required("what was valued", "what was valued"),
        "staff_named": r.text("staff named"),
        "themes": r.named("themes", "compliment theme"),
    }
    if "\n" in plan["staff_named"]:
        r.problem("staff named", "must be on one line")
    plan["service_area_id"], plan["team_id"] = r.area_and_team()
    plan["clocks"] = []
    return plan


def _received(text: str) -> str:
    """A row's received date as an ISO date, for the preview's ``date`` filter (every row's
    date shown the same way); the text as typed when it is not a date."""
    try:
        day = parse_date(text)
    except ValueError:
        return text
    return day.isoformat() if day else text


def check(kind: str, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(rows with "problems", "outcome" (new or already), "clocks", "received" (an ISO
    date, or the text as typed when it is not one) and "closed" (a new complaint's closed
    date as an ISO date, or "") for the preview, and the parsed plan of
    each row, in order). A row already imported (its old reference is in qaweb) is not
    checked: it will be left as it is."""
    found = lookups(kind, rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["old reference"]] = counts.get(r["old reference"], 0) + 1
    checked, plans = [], []
    for values in rows:
        ref = values["old reference"]
        if ref and ref in found.existing:
            checked.append(
                {
                    **values,
                    "problems": [],
                    "outcome": "already",
                    "made": found.existing[ref],
                    "received": _received(values["received date"]),
                }
            )
            plans.append(None)
            continue
        row = _Row(kind, values, found)
        if not ref:
            row.problem("old reference", "missing: every row needs its reference in the old log")
        elif not spreadsheets.is_plain_identifier(ref.replace(" ", "")):
            row.problem("old reference", f"'{ref}' holds characters a reference cannot")
        elif counts[ref] > 1:
            row.problem("old reference", f"{ref} appears more than once in the file")
        row.text("old reference")
        plan = _check_complaint(row) if kind == "complaints" else _check_compliment(row)
        received = plan["received_on"]
        checked.append(
            {
                **values,
                "problems": row.problems,
                "outcome": "new",
                "clocks": plan["clocks"],
                "received": received.isoformat() if received else values["received date"],
                "closed": closed.isoformat() if (closed := plan.get("closed_on")) else "",
            }
        )
        plans.append(plan)
    return checked, plans


def stage(kind: str, filename: str, data: bytes, uploaded_by) -> ComplaintImport:
    """Read and check the file and keep it for the preview; ImportFileError if unreadable."""
    rows, _ = check(kind, read_table(kind, filename, data))
    return keep(ComplaintImport, filename, rows, uploaded_by, kind=kind)


def totals(rows: list[dict]) -> dict:
    """Counts of the checked rows by outcome (``new``, ``already``) and ``problem_rows``."""
    return outcome_totals(rows, ("new", "already"))


# -- saving ----------------------------------------------------------------------------------


def _save_complaint(plan: dict, ref: str, reference: str) -> Complaint:
    complaint = Complaint(
        legacy_reference=ref,
        received_on=plan["received_on"],
        received_how=plan["received_how"],
        complainant_type=plan["complainant_type"],
        complainant_name=plan["complainant_name"],
        service_area_id=plan["service_area_id"],
        team_id=plan["team_id"],
        summary=plan["summary"],
        procedure=plan["procedure"],
        learning=plan["learning"],
        closed_on=plan["closed_on"],
    )
    complaint.set_categories(plan["categories"])
    complaint.reference = reference
    db.session.add(complaint)
    for spec in plan["stages"]:
        stage = ComplaintStage(
            complaint=complaint,
            stage=spec.stage,
            started_on=spec.started_on,
            extended=spec.extended,
            extension_reason=EXTENDED_IN_LOG if spec.extended else "",
            late_reason=spec.late_reason,
            panel_on=spec.panel_on,
            report_on=spec.report_on,
            responded_on=spec.responded_on,
            outcome=spec.outcome,
        )
        db.session.add(stage)
        services.update_stage(stage)  # the same date checks, and the due date from the rules
    return complaint


def _save_compliment(plan: dict, ref: str) -> Compliment:
    compliment = Compliment(
        legacy_reference=ref,
        received_on=plan["received_on"],
        source=plan["source"],
        external=plan["source"] != "internal",
        service_area_id=plan["service_area_id"],
        team_id=plan["team_id"],
        valued=plan["valued"],
        staff_named=plan["staff_named"],
        themes=plan["themes"],
    )
    db.session.add(compliment)
    return compliment


def apply(staged: ComplaintImport) -> dict:
    """Save every new row, or nothing: the rows are checked again against the database as it
    is now (a row imported meanwhile is then left alone). Returns the totals; the caller
    commits. services.ComplaintError if a stage breaks a rule the check let through."""
    rows, plans = check(staged.kind, staged.rows)
    staged.rows = rows
    if any(r["problems"] for r in rows):
        return totals(rows)
    new = [(row, plan) for row, plan in zip(rows, plans, strict=True) if plan is not None]
    if staged.kind == "complaints":
        # The references of each year's complaints in one statement, in the file's order.
        references: dict[int, list[str]] = {}
        for _, plan in new:
            references.setdefault(plan["received_on"].year, []).append("")
        for year, block in references.items():
            block[:] = services.next_references(year, len(block))
            block.reverse()  # popped from the end: the first row gets the first number
    with db.session.no_autoflush:
        for row, plan in new:
            if staged.kind == "complaints":
                reference = references[plan["received_on"].year].pop()
                _save_complaint(plan, row["old reference"], reference)
            else:
                _save_compliment(plan, row["old reference"])
    db.session.flush()
    # The staged copy no longer needs the complainants' names (personal data).
    staged.rows = [{**r, "complainant name": ""} if "complainant name" in r else r for r in rows]
    staged.applied_at = utcnow()
    db.session.flush()
    return totals(rows)
