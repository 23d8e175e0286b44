"""Import staff from the HR list a council already has (.xlsx or .csv).

The file is read, every row checked, and a preview shown before anything is saved. Nothing
is saved if any row has a problem. People are matched by email, so importing the same file
again changes nothing.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Mapped, mapped_column, selectinload

from qaweb.core import spreadsheets
from qaweb.core.db import Base, UTCDateTime, utcnow
from qaweb.core.forms import EMAIL_PATTERN
from qaweb.core.import_template import ImportColumn
from qaweb.core.imports import keep, outcome_totals, too_long
from qaweb.core.permissions import PRACTITIONER, ROLES
from qaweb.extensions import db
from qaweb.organisation.models import Team, User

HEADERS = {
    "email": "Email",
    "first name": "First name",
    "last name": "Last name",
    "team": "Team",
    "job title": "Job title",
    "line manager email": "Line manager email",
    "roles": "Roles",
    "active": "Active",
}
REQUIRED = ("email", "first name", "last name", "team")
YES = {"yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive", "left"}
MAX_ROWS = 20000
LIMITS = spreadsheets.Limits(max_rows=MAX_ROWS)
#: Columns that identify something (a person, a team, a role): invisible characters pasted
#: into them (zero-width spaces, bidi marks) are removed on import, so they still match.
IDENTIFIER_COLUMNS = ("email", "line manager email", "team", "roles", "active")
#: The longest value each column may hold (the user table's column sizes).
LENGTHS = {
    "email": 254,
    "first name": 100,
    "last name": 100,
    "job title": 200,
    "line manager email": 254,
}


ImportFileError = spreadsheets.SpreadsheetError  # the file as a whole cannot be read


def template_columns() -> list[ImportColumn]:
    """The staff template's columns (``HEADERS``, in order): what each means, with the teams
    in qaweb and Yes or No as drop-downs (the values ``check`` accepts)."""
    teams = list(db.session.scalars(select(Team.name).order_by(Team.name)))
    roles = "; ".join(ROLES.values())
    meanings = {
        "email": (
            "Their work email address: how qaweb matches people.",
            (),
            "a.person@council.gov.uk",
        ),
        "first name": ("Their first name.", (), ""),
        "last name": ("Their last name.", (), ""),
        "team": ("Their team, as named in qaweb (teams must exist first).", teams, ""),
        "job title": ("Their job title (up to 200 characters).", (), "Social worker"),
        "line manager email": ("Their line manager's work email.", (), ""),
        "roles": (
            f"Their qaweb roles, separated by semicolons: {roles}.",
            (),
            "Team manager; Observer",
        ),
        "active": ("No for someone who has left; Yes (or empty) otherwise.", ("Yes", "No"), ""),
    }
    return [
        ImportColumn(
            HEADERS[key], meaning, required=key in REQUIRED, choices=choices, example=example
        )
        for key, (meaning, choices, example) in meanings.items()
    ]


TEMPLATE_INSTRUCTIONS = (
    "One person per row: the staff list from HR. Every row is checked and shown to you before "
    "anything is saved; nothing is saved if any row has a problem.",
    "People not in the file are left as they are. New people cannot sign in until an "
    "administrator sets their password.",
)


class StaffImport(Base):
    """A checked staff list waiting for confirmation (kept so every worker can confirm it)."""

    __tablename__ = "staff_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[list] = mapped_column(sa.JSON, default=list)


def read_table(filename: str, data: bytes) -> list[dict]:
    """Rows of the file as dicts keyed by the known headers (lower case)."""
    present, table = spreadsheets.read_table(
        filename, data, HEADERS, REQUIRED, what="staff list", limits=LIMITS
    )
    rows = []
    for number, values in table:
        row = {key: spreadsheets.cell_text(values.get(key)) for key in HEADERS}
        for key in IDENTIFIER_COLUMNS:
            row[key] = spreadsheets.clean_identifier(row[key])
        row["row"] = number
        # Optional columns left out of the file leave those details as they are.
        row["has_roles"] = "roles" in present
        row["has_active"] = "active" in present
        row["has_job_title"] = "job title" in present
        row["has_line_manager"] = "line manager email" in present
        rows.append(row)
    return rows


def _role_names(text: str) -> tuple[set[str], list[str]]:
    by_label = {label.lower(): key for key, label in ROLES.items()}
    found, unknown = set(), []
    for part in text.replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        key = part.lower().replace(" ", "_")
        if key in ROLES:
            found.add(key)
        elif part.lower() in by_label:
            found.add(by_label[part.lower()])
        else:
            unknown.append(part)
    return found, unknown


def _check_email(typed: str, counts: dict[str, int], problems: list[str]) -> None:
    """Add to ``problems`` an email missing, not an email address, or in the file twice."""
    email = typed.lower()
    if not email:
        problems.append("Email is missing")
    elif not EMAIL_PATTERN.match(email) or not spreadsheets.is_plain_identifier(email):
        problems.append(f"Email '{typed}' is not a valid email address")
    elif counts[email] > 1:
        problems.append(f"Email {typed} appears more than once in the file")


def _active(text: str, problems: list[str]) -> bool:
    """The Active column: Yes (or empty) True, No False; anything else is a problem."""
    if text and text.lower() in NO:
        return False
    if text and text.lower() not in YES:
        problems.append(f"Active must be Yes or No, not '{text}'")
    return True


def _outcome(r: dict, team, roles, active: bool, user: User | None) -> tuple[str, list[str]]:
    """What importing the row would do ("new", "update" or "unchanged") and, for an update,
    the labels of the fields it changes."""
    if user is None:
        return "new", []
    wanted = _wanted(r, team, roles, active, user)
    changed = [
        label for label, (old, new) in wanted.items() if old != new and label != "Line manager"
    ]
    manager = r["line manager email"].lower()
    old_manager = user.line_manager.email.lower() if user.line_manager else ""
    if r.get("has_line_manager", True) and manager != old_manager:
        changed.append("Line manager")
    return ("update" if changed else "unchanged"), changed


def check(rows: list[dict]) -> list[dict]:
    """Each row with its problems and what importing it would do (new, update, unchanged)."""
    emails = [r["email"].lower() for r in rows]
    counts: dict[str, int] = {}
    for e in emails:
        counts[e] = counts.get(e, 0) + 1
    teams = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    existing = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User)
            .options(selectinload(User.line_manager))
            .where(func.lower(User.email).in_(emails))
        )
    }
    manager_emails = {r["line manager email"].lower() for r in rows if r["line manager email"]}
    known_managers = set(emails) | {
        e.lower()
        for e in db.session.scalars(
            select(User.email).where(func.lower(User.email).in_(manager_emails))
        )
    }
    checked = []
    for r in rows:
        problems = []
        email = r["email"].lower()
        _check_email(r["email"], counts, problems)
        for key in ("first name", "last name"):
            if not r[key]:
                problems.append(f"{HEADERS[key]} is missing")
        problems += too_long(r, LENGTHS, HEADERS)
        team = teams.get(r["team"].lower())
        if not r["team"]:
            problems.append("Team is missing")
        elif team is None:
            problems.append(f"Team '{r['team']}' is not a team in qaweb: add it first")
        manager = r["line manager email"].lower()
        if manager and manager not in known_managers:
            problems.append(f"Line manager {r['line manager email']} is not in the file or qaweb")
        if manager and manager == email:
            problems.append("A person cannot be their own line manager")
        roles, unknown = _role_names(r["roles"])
        if unknown:
            problems.append("Unknown role: " + ", ".join(unknown))
        active = _active(r["active"], problems)
        outcome, changed = _outcome(r, team, roles, active, existing.get(email))
        checked.append({**r, "problems": problems, "outcome": outcome, "changed": changed})
    return checked


def _wanted(r, team, roles, active, user):
    """Field label -> (current value, value in the file) for an existing person."""
    wanted = {
        "First name": (user.first_name, r["first name"]),
        "Last name": (user.last_name, r["last name"]),
        "Team": (user.team_id, team.id if team else None),
        "Line manager": (None, None),
    }
    if r.get("has_job_title", True):
        wanted["Job title"] = (user.job_title, r["job title"])
    if r["has_roles"] and roles:
        wanted["Roles"] = (user.roles, roles)
    if r["has_active"] and r["active"]:
        wanted["Active"] = (user.active, active)
    return wanted


def stage(filename: str, data: bytes, uploaded_by: User) -> StaffImport:
    rows = check(read_table(filename, data))
    return keep(StaffImport, filename, rows, uploaded_by)


def totals(rows: list[dict]) -> dict:
    """Counts of the checked rows by outcome (``new``, ``update``, ``unchanged``) and
    ``problem_rows`` (``core.imports.outcome_totals``)."""
    return outcome_totals(rows, ("new", "update", "unchanged"))


def apply(staged: StaffImport) -> dict:
    """Save every row, or nothing: rows are checked again against the database as it is now."""
    rows = check(staged.rows)
    if any(r["problems"] for r in rows):
        staged.rows = rows
        return totals(rows)
    teams = {t.name.lower(): t for t in db.session.scalars(select(Team))}
    emails = [r["email"].lower() for r in rows]
    people = {
        u.email.lower(): u
        for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    for r in rows:
        if r["outcome"] == "unchanged":
            continue
        email = r["email"].lower()
        user = people.get(email)
        if user is None:
            user = User(email=email, active=True)
            db.session.add(user)
            people[email] = user
        user.first_name = r["first name"]
        user.last_name = r["last name"]
        if r.get("has_job_title", True) or user.id is None:
            user.job_title = r["job title"]
        user.team_id = teams[r["team"].lower()].id
        roles, _ = _role_names(r["roles"])
        if roles:
            user.roles = roles
        elif not user.role_rows:
            user.roles = {PRACTITIONER}
        if r["has_active"] and r["active"]:
            user.active = r["active"].lower() in YES
    db.session.flush()
    managers = {
        u.email.lower(): u
        for u in db.session.scalars(
            select(User).where(
                func.lower(User.email).in_(
                    [r["line manager email"].lower() for r in rows if r["line manager email"]]
                )
            )
        )
    }
    for r in rows:
        if r["outcome"] == "unchanged":
            continue
        if not r.get("has_line_manager", True):
            continue
        user = people[r["email"].lower()]
        manager = managers.get(r["line manager email"].lower())
        user.line_manager_id = manager.id if manager else None
    staged.rows = rows
    staged.applied_at = utcnow()
    db.session.flush()
    return totals(rows)
