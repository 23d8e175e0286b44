"""The columns of the old complaints and compliments log: headings, meanings, allowed values,
the headings also accepted, and the downloadable template (qaweb.complaints.log_import reads
the file)."""

from dataclasses import dataclass

from sqlalchemy import select

from qaweb.complaints.models import (
    COMPLAINANTS,
    COMPLIMENT_SOURCES,
    HOW,
    OUTCOMES,
    PROCEDURES,
    CategoryOption,
    ComplimentThemeOption,
)
from qaweb.core import spreadsheets
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team


@dataclass(frozen=True)
class Field:
    """One column of the log: its heading, what it holds, and the headings also accepted."""

    key: str  # the heading as a header key (spreadsheets.header_key of the title)
    title: str
    meaning: str
    required: bool = False
    allowed: str = ""  # the allowed values, as the instructions say them
    aliases: tuple[str, ...] = ()
    choices: str = ""  # the drop-down in the template: "how", "who", "team", ...
    date: bool = False


def _field(title, meaning, **kw) -> Field:
    return Field(spreadsheets.header_key(title), title, meaning, **kw)


DATE_HELP = "A date: a date cell, or typed as dd/mm/yyyy (also 2025-04-01 or 1 April 2025)"
OUTCOME_HELP = ", ".join(OUTCOMES.values())
YES_NO = "Yes or No (empty is No)"

COMPLAINT_FIELDS = (
    _field(
        "Old reference",
        "The complaint's reference in the old log. Kept with the complaint, searchable, and "
        "used to recognise the row if the file is imported again (up to 40 characters)",
        required=True,
        aliases=("legacy reference", "old ref", "reference", "ref", "complaint reference"),
    ),
    _field(
        "Received date",
        "The day the complaint was received: Stage 1 starts that day",
        required=True,
        allowed=DATE_HELP,
        aliases=("date received", "received", "received on", "date of complaint"),
        date=True,
    ),
    _field(
        "Received how",
        "How the complaint was made",
        required=True,
        allowed=", ".join(HOW.values()),
        aliases=("how received", "how it was made", "method", "channel", "how"),
        choices="how",
    ),
    _field(
        "Complainant type",
        "Who complained",
        required=True,
        allowed=", ".join(COMPLAINANTS.values()),
        aliases=("who complained", "complainant category"),
        choices="who",
    ),
    _field(
        "Complainant name",
        "The complainant's name (personal data: only complaints officers and administrators "
        "see it). Leave empty if the old log does not hold it",
        aliases=("name", "complainant's name", "name of complainant"),
    ),
    _field(
        "Service area",
        "The service area complained about. Empty: the team's service area",
        allowed="A service area in qaweb",
        aliases=("area",),
        choices="area",
    ),
    _field(
        "Team",
        "The team complained about; it must be in the service area given",
        allowed="A team in qaweb",
        aliases=("team name",),
        choices="team",
    ),
    _field(
        "Category",
        "What the complaint is about; several separated by semicolons",
        allowed="Categories on the complaints list in qaweb",
        aliases=("categories", "complaint category", "type of complaint"),
        choices="category",
    ),
    _field(
        "Summary",
        "A summary of the complaint",
        required=True,
        aliases=("summary of the complaint", "description", "details", "complaint summary"),
    ),
    _field(
        "Procedure",
        "The procedure it went through; empty is the statutory children's procedure",
        allowed=", ".join(PROCEDURES.values()) + " (or Statutory, Corporate)",
        aliases=("complaint procedure",),
        choices="procedure",
    ),
    _field(
        "Stage 1 response date",
        "The day the Stage 1 response was sent. Empty: not answered",
        allowed=DATE_HELP,
        aliases=("stage 1 response", "stage 1 responded", "stage 1 responded on"),
        date=True,
    ),
    _field(
        "Stage 1 outcome",
        "The outcome of Stage 1, given with its response date",
        allowed=OUTCOME_HELP,
        choices="outcome",
    ),
    _field(
        "Stage 1 extended",
        "Whether Stage 1 was extended from 10 to 20 working days",
        allowed=YES_NO,
        aliases=("stage 1 extension",),
        choices="yes_no",
    ),
    _field(
        "Stage 2 request date",
        "The day the complainant asked for Stage 2. Empty: no Stage 2",
        allowed=DATE_HELP,
        aliases=("stage 2 requested", "stage 2 request", "stage 2 received"),
        date=True,
    ),
    _field(
        "Stage 2 late reason",
        "Why a Stage 2 request made after the 20 working days allowed was accepted",
        aliases=("stage 2 accepted late because",),
    ),
    _field(
        "Stage 2 extended",
        "Whether Stage 2 was extended from 25 to up to 65 working days",
        allowed=YES_NO,
        aliases=("stage 2 extension",),
        choices="yes_no",
    ),
    _field(
        "Stage 2 response date",
        "The day the adjudicating officer's Stage 2 response was sent",
        allowed=DATE_HELP,
        aliases=("stage 2 response", "stage 2 responded", "stage 2 responded on"),
        date=True,
    ),
    _field("Stage 2 outcome", "The outcome of Stage 2", allowed=OUTCOME_HELP, choices="outcome"),
    _field(
        "Stage 3 request date",
        "The day the complainant asked for a review panel. Empty: no Stage 3",
        allowed=DATE_HELP,
        aliases=("stage 3 requested", "stage 3 request", "stage 3 received"),
        date=True,
    ),
    _field(
        "Stage 3 late reason",
        "Why a Stage 3 request made after the 20 working days allowed was accepted",
        aliases=("stage 3 accepted late because",),
    ),
    _field(
        "Stage 3 panel date",
        "The day the review panel met",
        allowed=DATE_HELP,
        aliases=("panel date", "review panel date"),
        date=True,
    ),
    _field(
        "Stage 3 panel report date",
        "The day the panel's report was received",
        allowed=DATE_HELP,
        aliases=("panel report date",),
        date=True,
    ),
    _field(
        "Stage 3 response date",
        "The day the council's response to the panel was sent",
        allowed=DATE_HELP,
        aliases=("stage 3 response", "stage 3 responded"),
        date=True,
    ),
    _field("Stage 3 outcome", "The outcome of Stage 3", allowed=OUTCOME_HELP, choices="outcome"),
    _field(
        "Closed date",
        "The day the complaint was closed. Empty: still open (its last stage must have a "
        "response to be closed)",
        allowed=DATE_HELP,
        aliases=("date closed", "closed", "closed on", "closure date"),
        date=True,
    ),
    _field(
        "Learning",
        "What was learned from the complaint",
        aliases=("lessons learned", "lessons learnt", "learning outcomes"),
    ),
)

COMPLIMENT_FIELDS = (
    _field(
        "Old reference",
        "The compliment's reference in the old log, used to recognise the row if the file is "
        "imported again (up to 40 characters)",
        required=True,
        aliases=("legacy reference", "old ref", "reference", "ref", "compliment reference"),
    ),
    _field(
        "Received date",
        "The day the compliment was received",
        required=True,
        allowed=DATE_HELP,
        aliases=("date received", "received", "received on"),
        date=True,
    ),
    _field(
        "Source",
        "Who paid the compliment",
        required=True,
        allowed=", ".join(COMPLIMENT_SOURCES.values()),
        aliases=("from", "who from", "compliment from"),
        choices="source",
    ),
    _field(
        "Service area",
        "The service area complimented. Empty: the team's service area",
        allowed="A service area in qaweb",
        aliases=("area",),
        choices="area",
    ),
    _field(
        "Team",
        "The team complimented; it must be in the service area given",
        allowed="A team in qaweb",
        aliases=("team name",),
        choices="team",
    ),
    _field(
        "What was valued",
        "What the person valued, in their words where the log has them",
        required=True,
        aliases=("valued", "compliment", "details", "summary", "description"),
    ),
    _field(
        "Themes",
        "Themes of the compliment; several separated by semicolons",
        allowed="Compliment themes on the list in qaweb",
        aliases=("theme",),
        choices="theme",
    ),
    _field(
        "Staff named",
        "Staff the compliment names",
        aliases=("staff", "staff member"),
    ),
)
FIELDS = {"complaints": COMPLAINT_FIELDS, "compliments": COMPLIMENT_FIELDS}
TITLES = {kind: {f.key: f.title for f in fields} for kind, fields in FIELDS.items()}
#: The longest value of each text column (the model's column sizes and the forms' limits).
LENGTHS = {
    "old reference": 40,
    "complainant name": 200,
    "summary": 10000,
    "learning": 10000,
    "stage 2 late reason": 2000,
    "stage 3 late reason": 2000,
    "what was valued": 10000,
    "staff named": 500,
}


# -- the template ----------------------------------------------------------------------------


def choice_values(kind: str) -> dict[str, tuple[str, ...]]:
    """The values of each drop-down of the template: the council's lists as they are now,
    with the entries no longer offered (an old log names them)."""
    option = CategoryOption if kind == "complaints" else ComplimentThemeOption
    named = tuple(db.session.scalars(select(option.name).order_by(option.name)))
    return {
        "how": tuple(HOW.values()),
        "who": tuple(COMPLAINANTS.values()),
        "procedure": tuple(PROCEDURES.values()),
        "outcome": tuple(OUTCOMES.values()),
        "yes_no": ("Yes", "No"),
        "source": tuple(COMPLIMENT_SOURCES.values()),
        # Teams and areas no longer in use too: an old log names them.
        "area": tuple(db.session.scalars(select(ServiceArea.name).order_by(ServiceArea.name))),
        "team": tuple(db.session.scalars(select(Team.name).order_by(Team.name))),
        "category": named,
        "theme": named,
    }


def template(kind: str) -> list:
    """The downloadable template's columns (``qaweb.core.import_template.ImportColumn``):
    the data sheet has headers only (no sample rows among the data), drop-downs for the fixed
    choices and the council's teams, areas and lists; the Instructions sheet says what each
    column holds, its allowed values and the other headings accepted."""
    from qaweb.core.import_template import ImportColumn, sentences

    values = choice_values(kind)
    columns = []
    for f in FIELDS[kind]:
        allowed = f"Allowed: {f.allowed}" if f.allowed and not values.get(f.choices) else ""
        also = ""
        if f.aliases:
            also = "Also accepted as the heading: " + "; ".join(
                a[:1].upper() + a[1:] for a in f.aliases
            )
        meaning = sentences(f.meaning, allowed, also)
        columns.append(
            ImportColumn(
                f.title,
                meaning,
                required=f.required,
                choices=values.get(f.choices, ()),
                kind="date" if f.date else "text",
                # A cell may hold several categories or themes: the list only warns.
                strict=f.choices not in ("category", "theme"),
            )
        )
    return columns
