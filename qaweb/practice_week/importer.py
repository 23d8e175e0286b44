"""Import a week's schedule of observations from a spreadsheet.

Every row is checked (people, meeting type, times, and clashes, including clashes between
rows of the same file) and reported before anything is saved; nothing is saved while any row
has a problem.
"""

from datetime import date, datetime, time

from sqlalchemy import func, select

from qaweb.core import spreadsheets
from qaweb.core.db import utcnow
from qaweb.core.import_template import ImportColumn, import_columns
from qaweb.core.imports import keep
from qaweb.extensions import db
from qaweb.organisation.models import User
from qaweb.practice_week import services
from qaweb.practice_week.forms import CASE_REFERENCE
from qaweb.practice_week.models import MeetingType, PracticeWeek, ScheduleImport

HEADERS = {
    "observer email": "Observer email",
    "practitioner email": "Practitioner email",
    "meeting type": "Meeting type",
    "date": "Date",
    "start time": "Start time",
    "end time": "End time",
    "place": "Place",
    "virtual": "Virtual",
    "case reference": "Case reference",
    "family agreed": "Family agreed",
    "notes": "Notes",
    "reason for overriding a clash": "Reason for overriding a clash",
}
REQUIRED = ("practitioner email", "meeting type", "date", "start time", "end time")
MAX_ROWS = 2000
LIMITS = spreadsheets.Limits(max_rows=MAX_ROWS)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", "not yet", ""}

ImportFileError = spreadsheets.SpreadsheetError


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = spreadsheets.cell_text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _time(value) -> time:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time held as a fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60, minutes % 60)
    return services.parse_time(spreadsheets.cell_text(value))


def read(filename: str, data: bytes) -> list[tuple[int, dict]]:
    table = spreadsheets.read_table(
        filename, data, HEADERS, REQUIRED, what="schedule", limits=LIMITS
    )[1]
    for _, values in table:
        # Invisible characters pasted into an identifier (zero-width spaces, bidi marks)
        # would make it match nobody: removed here, once, where the file enters.
        for key in ("observer email", "practitioner email", "meeting type", "case reference"):
            if isinstance(values.get(key), str):
                values[key] = spreadsheets.clean_identifier(values[key])
    return table


def _when(values: dict, problems: list[str]) -> tuple:
    """The row's day, start and end times (None for each that is wrong, said in
    ``problems``; the end None too when it is not after the start)."""
    try:
        day = _date(values["date"])
    except ValueError:
        day = None
        problems.append("The date must be a real date, like 3/11/2026")
    try:
        starts = _time(values["start time"])
        ends = _time(values["end time"])
    except ValueError:
        starts = ends = None
        problems.append("Start and end times must be times, like 9:30am or 14:00")
    if starts and ends and ends <= starts:
        problems.append("The end time must be after the start time")
        ends = None
    return day, starts, ends


def _check_details(text: dict[str, str], problems: list[str]) -> None:
    """Add to ``problems`` what is wrong with the row's place, case reference (a case
    number, never a name), Yes/No answers and text lengths."""
    virtual = text["virtual"].lower() in YES
    if text["virtual"].lower() not in YES | NO:
        problems.append("Virtual must be Yes or No")
    if not text["place"] and not virtual:
        problems.append("Enter the place, or Yes under Virtual")
    reference = text["case reference"]
    if not reference:
        problems.append("Enter the case reference")
    elif not CASE_REFERENCE.match(reference) or not any(c.isdigit() for c in reference):
        problems.append("The case reference must be the case number, never a name")
    if text["family agreed"].lower() not in YES | NO:
        problems.append("Family agreed must be Yes or No")
    for key, limit in (("place", 200), ("case reference", 40), ("notes", 2000)):
        if len(text[key]) > limit:
            problems.append(f"{HEADERS[key]} must be {limit} characters or fewer")


def check(week: PracticeWeek, table: list[tuple[int, dict]]) -> list[dict]:
    """Each row with what it would book and its problems (an empty list if none)."""
    emails = {
        spreadsheets.cell_text(values.get(key)).lower()
        for _, values in table
        for key in ("observer email", "practitioner email")
    } - {""}
    people = {
        u.email.lower(): u
        for u in db.session.scalars(select(User).where(func.lower(User.email).in_(emails)))
    }
    types = {
        t.name.lower(): t
        for t in db.session.scalars(select(MeetingType).where(MeetingType.active.is_(True)))
    }
    accepted: list[services.Slot] = []
    report = []
    for number, values in table:
        text = {k: spreadsheets.cell_text(v) for k, v in values.items()}
        problems: list[str] = []
        row = {"row": number, "problems": problems, "clashes": [], "text": text}
        observer = None
        if text["observer email"]:
            observer = people.get(text["observer email"].lower())
            if observer is None:
                problems.append(f"No one in qaweb has the email {text['observer email']}")
        practitioner = people.get(text["practitioner email"].lower())
        if not text["practitioner email"]:
            problems.append("Enter the practitioner's email")
        elif practitioner is None:
            problems.append(f"No one in qaweb has the email {text['practitioner email']}")
        meeting = types.get(text["meeting type"].lower())
        if meeting is None:
            problems.append(
                f"“{text['meeting type']}” is not a meeting type: use one of "
                + ", ".join(t.name for t in types.values())
                if text["meeting type"]
                else "Enter the meeting type"
            )
        day, starts, ends = _when(values, problems)
        _check_details(text, problems)
        virtual = text["virtual"].lower() in YES
        reference = text["case reference"]
        agreed = text["family agreed"].lower()
        if practitioner is not None and day and starts and ends:
            slot = services.Slot(
                week,
                observer,
                practitioner,
                services.at_london(day, starts),
                services.at_london(day, ends),
                label=f"row {number}",
                earlier=accepted,
            )
            found = services.clashes(slot)
            slot.earlier = []  # checked: keep no copy of the earlier rows per row
            reason = text["reason for overriding a clash"]
            for clash in found:
                row["clashes"].append(clash.message)
                if clash.hard:
                    problems.append(clash.message)
                elif not reason:
                    problems.append(
                        f"{clash.message}: give a reason for overriding a clash to book it"
                    )
            accepted.append(slot)
            row["booking"] = {
                "observer_id": observer.id if observer else None,
                "practitioner_id": practitioner.id,
                "meeting_type_id": meeting.id if meeting else None,
                "starts_at": slot.starts_at.isoformat(),
                "ends_at": slot.ends_at.isoformat(),
                "place": text["place"],
                "is_virtual": virtual,
                "case_reference": reference,
                "family_agreed": agreed in YES,
                "notes": text["notes"],
                "override_reason": text["reason for overriding a clash"],
            }
        row["label"] = (
            f"{observer.name if observer else 'No observer yet'} observes "
            f"{practitioner.name if practitioner else text['practitioner email']}"
        )
        row["when"] = (
            services.format_span(services.at_london(day, starts), services.at_london(day, ends))
            if day and starts and ends
            else ""
        )
        report.append(row)
    return report


def save(week: PracticeWeek, filename: str, report: list[dict], by: User) -> ScheduleImport:
    """Keep the checked ``report`` for the preview (``core.imports.keep``: added and flushed);
    raises ImportFileError when it has no rows."""
    return keep(ScheduleImport, filename, report, by, week_id=week.id)


def stage(week: PracticeWeek, filename: str, data: bytes, by: User) -> ScheduleImport:
    """Read, check and keep the uploaded schedule for ``week`` (``core.imports.stage_upload``'s
    ``stage``); raises ImportFileError when the file cannot be read or has no rows."""
    return save(week, filename, check(week, read(filename, data)), by)


def apply(pending: ScheduleImport, by: User) -> int:
    """Book every row; refuse all if any row no longer books (checked again now)."""
    if pending.applied_at is not None:
        raise services.PracticeWeekError("This schedule has already been imported.")
    if any(row["problems"] for row in pending.rows):
        raise services.PracticeWeekError("Correct the file and upload it again.")
    week = db.session.get(PracticeWeek, pending.week_id)
    ids = {r["booking"]["observer_id"] for r in pending.rows} | {
        r["booking"]["practitioner_id"] for r in pending.rows
    }
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids - {None})))}
    made = 0
    for row in pending.rows:
        b = row["booking"]
        booking = services.Booking(
            observer=people.get(b["observer_id"]),
            practitioner=people[b["practitioner_id"]],
            meeting_type_id=b["meeting_type_id"],
            starts_at=datetime.fromisoformat(b["starts_at"]),
            ends_at=datetime.fromisoformat(b["ends_at"]),
            place=b["place"],
            is_virtual=b["is_virtual"],
            case_reference=b["case_reference"],
            family_agreed=b["family_agreed"],
            notes=b["notes"],
        )
        try:
            services.schedule(week, booking, by, b["override_reason"])
        except services.PracticeWeekError as error:
            raise services.PracticeWeekError(
                f"Row {row['row']}: {error}. Nothing has been imported."
            ) from None
        made += 1
    pending.applied_at = utcnow()
    return made


def template_columns() -> list[ImportColumn]:
    """The schedule template's columns (``HEADERS``, in order): what each means, and the
    fixed choices this importer accepts (the active meeting types; Yes or No)."""
    meeting_types = list(
        db.session.scalars(
            select(MeetingType.name).where(MeetingType.active.is_(True)).order_by(MeetingType.name)
        )
    )
    yes_no = ("Yes", "No")
    meanings = {
        "observer email": (
            "The observer's work email. Leave empty to find an observer later.",
            (),
            "text",
            "observer@council.gov.uk",
        ),
        "practitioner email": (
            "The practitioner's work email, as in qaweb.",
            (),
            "text",
            "practitioner@council.gov.uk",
        ),
        "meeting type": ("The kind of meeting observed.", meeting_types, "text", ""),
        "date": ("The day of the meeting, within the practice week.", (), "date", "3/11/2026"),
        "start time": ("When the meeting starts, like 9:30 or 14:00.", (), "time", "9:30"),
        "end time": ("When the meeting ends, after the start time.", (), "time", "11:00"),
        "place": (
            "Where the meeting is (up to 200 characters). Empty if it is virtual.",
            (),
            "text",
            "Civic Offices, room 2",
        ),
        "virtual": ("Yes if the meeting is online.", yes_no, "text", ""),
        "case reference": (
            "The case number, never a name (up to 40 characters).",
            (),
            "text",
            "123456",
        ),
        "family agreed": ("Yes once the family has agreed to the observation.", yes_no, "text", ""),
        "notes": ("Anything the observer should know (up to 2,000 characters).", (), "text", ""),
        "reason for overriding a clash": (
            "Why to book it although it clashes with another booking.",
            (),
            "text",
            "",
        ),
    }
    return import_columns(HEADERS, meanings, REQUIRED)


TEMPLATE_INSTRUCTIONS = (
    "One observation per row. Every row is checked and shown to you before anything is "
    "booked; nothing is booked if any row has a problem.",
    "People are matched by email address: everyone named must already be in qaweb.",
)
