"""Import the month's case list exported from the case-management system (.xlsx or .csv).

As the staff import: every row is checked and shown before anything is saved, and nothing is
saved if any row has a problem. Cases are matched by case number, so importing the same list
again changes nothing. qaweb does not hold children's records: a column that looks like a
child's name, date of birth or address refuses the whole file, and nothing from it is kept.
"""

import re
from datetime import date, datetime

from sqlalchemy import func, select

from qaweb.case_audits.models import CASE_TYPES, CaseFile, CaseImport, case_type_named
from qaweb.core import spreadsheets
from qaweb.core.db import utcnow
from qaweb.core.import_template import ImportColumn, import_columns
from qaweb.core.imports import keep, outcome_totals, too_long
from qaweb.extensions import db
from qaweb.organisation.models import Team, User

HEADERS = {
    "case number": "Case number",
    "case type": "Case type",
    "team": "Team",
    "practitioner email": "Practitioner email",
    "date opened": "Date opened",
    "flags": "Flags",
    "closed": "Closed",
}
REQUIRED = ("case number", "case type", "team", "practitioner email")
YES = {"yes", "y", "true", "1", "closed"}
NO = {"no", "n", "false", "0", "open", ""}
MAX_ROWS = 20000
LIMITS = spreadsheets.Limits(max_rows=MAX_ROWS)
LENGTHS = {"case number": 40, "case type": 60, "flags": 200}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")

ImportFileError = spreadsheets.SpreadsheetError

ALLOWED_CASE_TYPES = ", ".join(CASE_TYPES[:-1]) + " or " + CASE_TYPES[-1]


def template_columns() -> list[ImportColumn]:
    """The case-list template's columns (``HEADERS``, in order): what each means, with the
    case types (``models.CASE_TYPES``), the teams in qaweb and Yes or No as drop-downs (the
    values ``check`` accepts)."""
    teams = list(db.session.scalars(select(Team.name).order_by(Team.name)))
    meanings = {
        "case number": (
            "The case's number in the case-management system (never a name).",
            (),
            "text",
            "123456",
        ),
        "case type": (
            f"The kind of case: {ALLOWED_CASE_TYPES}. The usual other names are read as "
            "these: CIN, CP, CPP, CLA, LAC, CiC, Looked after, EH, Care leavers.",
            CASE_TYPES,
            "text",
            "",
        ),
        "team": ("The team holding the case, as named in qaweb.", teams, "text", ""),
        "practitioner email": (
            "The allocated practitioner's work email, as in qaweb.",
            (),
            "text",
            "a.person@council.gov.uk",
        ),
        "date opened": ("The day the case was opened.", (), "date", "31/01/2026"),
        "flags": (
            "Anything the sample should know, up to 200 characters (never a name).",
            (),
            "text",
            "disabled child",
        ),
        "closed": (
            "Yes for a case closed since the list was made; No (or empty) otherwise.",
            ("Yes", "No"),
            "text",
            "",
        ),
    }
    # The importer reads other names for a case type ("CP"): Excel only warns.
    return import_columns(HEADERS, meanings, REQUIRED, warn_only=("case type",))


TEMPLATE_INSTRUCTIONS = (
    "One case per row: the month's list of open cases from the case-management system. Every "
    "row is checked and shown to you before anything is saved; nothing is saved if any row "
    "has a problem.",
    "Never add a child's name, date of birth or address: qaweb refuses a file with a column "
    "that looks like one.",
    "Teams and practitioners must already be in qaweb.",
)

# Headers that name a child or where they live (the words as a case-management export spells
# them). A header is compared in lower case with punctuation as spaces.
_PERSONAL_EXACT = {
    "name",
    "names",
    "first name",
    "firstname",
    "forename",
    "forenames",
    "given name",
    "surname",
    "last name",
    "lastname",
    "family name",
    "full name",
    "child",
    "dob",
    "d o b",
    "birth date",
    "birthdate",
    "postcode",
    "post code",
}
_PERSONAL_PARTS = ("date of birth", "address", "postcode", "post code", "surname", "forename")
_CHILD_WORDS = {"child", "childs", "children", "young", "person", "persons", "yp", "cyp"}


def personal_column(header: str) -> str | None:
    """The refusal for a header that looks like a child's name, date of birth or address.

    Takes the header as the file spells it; returns the message, or None for any other
    header ("Team name" and "Practitioner name" are not refused: they name staff).
    """
    words = re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()
    tokens = set(words.split())
    personal = (
        words in _PERSONAL_EXACT
        or any(part in words for part in _PERSONAL_PARTS)
        or ("name" in tokens and tokens & _CHILD_WORDS)
        or ("dob" in tokens)
    )
    if not personal:
        return None
    return (
        f"The column '{header}' looks like a child's name, date of birth or address. qaweb "
        "does not hold children's personal details: delete the column and upload the file again"
    )


def _date(value) -> tuple[date | None, bool]:
    """(the date, True) or (None, False) when the cell is not a date; blank is (None, True)."""
    if value is None or value == "":
        return None, True
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    text = spreadsheets.cell_text(value)
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date(), True
        except ValueError:
            continue
    return None, False


def read_case_list(
    filename: str, data: bytes, headers: dict[str, str], required, limits: spreadsheets.Limits
) -> list:
    """The data rows of an uploaded case list (this import's, a dip sample's), as
    ``spreadsheets.read_table`` gives them: ``(row number, {header key: cell value})``.
    A file with a column that names a child or where they live (``personal_column``) is
    refused, as is one without the ``required`` columns or past ``limits``: raises
    ``spreadsheets.SpreadsheetError`` saying why."""
    _, table = spreadsheets.read_table(
        filename,
        data,
        headers,
        required,
        what="case list",
        limits=limits,
        refuse_header=personal_column,
    )
    return table


def read_table(filename: str, data: bytes) -> list[dict]:
    """Rows of the file as dicts keyed by the known headers (lower case), values as text;
    "date opened" as an ISO date or the text as typed when it is not a date."""
    table = read_case_list(filename, data, HEADERS, REQUIRED, LIMITS)
    rows = []
    for number, values in table:
        row = {key: spreadsheets.cell_text(values.get(key)) for key in HEADERS}
        for key in ("case number", "team", "practitioner email", "closed"):
            row[key] = spreadsheets.clean_identifier(row[key])
        opened, ok = _date(values.get("date opened"))
        row["date opened"] = opened.isoformat() if opened else row["date opened"]
        row["date_ok"] = ok
        row["row"] = number
        rows.append(row)
    return rows


def _case_number_problems(number: str, counts: dict[str, int]) -> list[str]:
    """What is wrong with a row's case number: missing, spaces or hidden characters in it, or
    more than once in the file (``counts``: lower-case case number -> rows)."""
    problems = []
    if not number:
        problems.append("Case number is missing")
    elif not spreadsheets.is_plain_identifier(number):
        problems.append(f"Case number '{number}' has spaces or hidden characters in it")
    elif counts[number.lower()] > 1:
        problems.append(f"Case number {number} appears more than once in the file")
    return problems


def check(rows: list[dict]) -> list[dict]:
    """Each row with its problems and what importing it would do (new, update, unchanged).
    A case type must name one of ``models.CASE_TYPES`` (any case, spaces squeezed, or another
    name for it such as "CIN" or "Looked after": ``models.case_type_named``) and is kept as
    qaweb spells it; the problem otherwise lists the allowed ones."""
    numbers = [r["case number"].lower() for r in rows]
    counts: dict[str, int] = {}
    for n in numbers:
        counts[n] = counts.get(n, 0) + 1
    teams = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    emails = {r["practitioner email"].lower() for r in rows if r["practitioner email"]}
    people = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(User.active, func.lower(User.email).in_(emails))
        )
    }
    existing = {
        c.case_number.lower(): c
        for c in db.session.scalars(
            select(CaseFile).where(func.lower(CaseFile.case_number).in_(numbers))
        )
    }
    checked = []
    for r in rows:
        number = r["case number"]
        problems = _case_number_problems(number, counts)
        case_type = case_type_named(r["case type"])
        if not r["case type"]:
            problems.append("Case type is missing")
        elif case_type is None:
            problems.append(
                f"Case type '{r['case type']}' is not a case type in qaweb: use "
                f"{ALLOWED_CASE_TYPES} (or CIN, CP, CLA or another usual short name)"
            )
        else:
            r = {**r, "case type": case_type}  # as qaweb spells it, for the sample's rules
        problems += too_long(r, LENGTHS, HEADERS)
        team = teams.get(r["team"].lower())
        if not r["team"]:
            problems.append("Team is missing")
        elif team is None:
            problems.append(f"Team '{r['team']}' is not a team in qaweb")
        practitioner = people.get(r["practitioner email"].lower())
        if not r["practitioner email"]:
            problems.append("Practitioner email is missing")
        elif practitioner is None:
            problems.append(
                f"Practitioner {r['practitioner email']} is not a current member of staff in qaweb"
            )
        if not r.get("date_ok", True):
            problems.append(f"Date opened '{r['date opened']}' is not a date (use 31/01/2026)")
        if r["closed"].lower() not in YES | NO:
            problems.append(f"Closed must be Yes or No, not '{r['closed']}'")
        outcome = "new"
        case = existing.get(number.lower())
        if case is not None and not problems:
            same = (
                case.case_type == r["case type"]
                and case.team_id == team.id
                and case.practitioner_id == practitioner.id
                and (case.opened_on.isoformat() if case.opened_on else "") == r["date opened"]
                and case.flags == r["flags"]
                and case.closed == (r["closed"].lower() in YES)
            )
            outcome = "unchanged" if same else "update"
        checked.append({**r, "problems": problems, "outcome": outcome})
    return checked


def stage(month: date, filename: str, data: bytes, uploaded_by: User) -> CaseImport:
    """Read and check the file for ``month`` (its first day); raises ImportFileError."""
    rows = check(read_table(filename, data))
    return keep(CaseImport, filename, rows, uploaded_by, month=month)


def totals(rows: list[dict]) -> dict:
    """Counts of the checked rows by outcome (``new``, ``update``, ``unchanged``) and
    ``problem_rows`` (``core.imports.outcome_totals``)."""
    return outcome_totals(rows, ("new", "update", "unchanged"))


def apply(staged: CaseImport) -> dict:
    """Save every row, or nothing: rows are checked again against the database as it is now.
    Every case in the list is marked as listed in the import's month (the sample draws from
    that month's list)."""
    rows = check(staged.rows)
    staged.rows = rows
    if any(r["problems"] for r in rows):
        return totals(rows)
    teams = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    people = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(
                func.lower(User.email).in_({r["practitioner email"].lower() for r in rows})
            )
        )
    }
    existing = {
        c.case_number.lower(): c
        for c in db.session.scalars(
            select(CaseFile).where(
                func.lower(CaseFile.case_number).in_([r["case number"].lower() for r in rows])
            )
        )
    }
    for r in rows:
        case = existing.get(r["case number"].lower())
        if case is None:
            case = CaseFile(case_number=r["case number"])
            db.session.add(case)
        case.case_type = r["case type"]
        case.team_id = teams[r["team"].lower()].id
        case.practitioner_id = people[r["practitioner email"].lower()].id
        case.opened_on = date.fromisoformat(r["date opened"]) if r["date opened"] else None
        case.flags = r["flags"]
        case.closed = r["closed"].lower() in YES
        case.listed_month = staged.month
    staged.applied_at = utcnow()
    db.session.flush()
    return totals(rows)
