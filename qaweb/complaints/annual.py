"""The complaints annual report as a Word paper: what the Children Act 1989 Representations
Procedure (England) Regulations 2006 (the yearly report on representations they require)
and the Ombudsman's complaint handling code ask a council to publish, for a financial year
(April to March) and optionally one service area.

No complainant can be identified from it: it holds counts, the learning recorded on closed
complaints with names, contact details and case references taken out, and the complaints
officer's self-assessment (written for publication)."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from qaweb.complaints import reports
from qaweb.complaints.models import (
    COMPLAINANTS,
    NOT_ACCEPTED,
    OUTCOMES,
    STAGES,
    Complaint,
    SelfAssessment,
)
from qaweb.core import years
from qaweb.core.percentages import percent
from qaweb.core.word import FOR_INFORMATION, WordPaper
from qaweb.extensions import db
from qaweb.organisation.models import User

#: Who count as children and young people making representations themselves.
YOUNG_PEOPLE = ("child", "care_leaver")
REMOVED = "[removed]"
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# Seven or more digits, maybe spaced or dashed: a phone number or a case number (a year
# such as 2026-27 stays).
NUMBER = re.compile(r"\+?\d(?:[\s\-]?\d){6,}")


def _first(rows: dict, name: str) -> int:
    values = rows.get(name)
    return values[0] if values else 0


def _redactor(names: set[str]):
    """A function taking names, emails and long numbers out of a text. ``names`` are the
    words to remove (whole words, as written: a name is capitalised, so "Will" goes and
    "will" stays); the longest first, so a full name goes as one."""
    words = sorted((n for n in names if len(n) >= 3), key=len, reverse=True)
    pattern = (
        re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
        if words
        else None
    )

    def redact(text: str) -> str:
        text = EMAIL.sub(REMOVED, text)
        text = NUMBER.sub(REMOVED, text)
        return pattern.sub(REMOVED, text) if pattern else text

    return redact


def _name_words(name: str) -> set[str]:
    """The words of a complainant's name to take out of the learning text: its capitalised
    words ("Jo", "Bloggs"), never the ordinary words of a note typed in the name field
    ("Name held in the old log" gives "Name", not "the" or "old"). A name typed all in
    lower case gives each word, and the whole name, as typed and capitalised ("jo bloggs":
    jo, Jo, bloggs, Bloggs, Jo Bloggs)."""
    words = name.split()
    if any(word[:1].isupper() for word in words):
        return {word for word in words if word[:1].isupper()}
    capitalised = [word[:1].upper() + word[1:] for word in words]
    return {*words, *capitalised, " ".join(capitalised)}


def _learning(start, end, area_id) -> list[str]:
    """The learning recorded on complaints closed between ``start`` and ``end`` (oldest
    first; a text recorded on several complaints once, with their number), with every
    complainant's and staff member's name, any email address, phone or case number, the
    complainants' contact details and the children's case references taken out (staff by
    full name and surname; a first name alone is left, as it is also an ordinary word as
    often as not). Two statements: the complaints, then the people's names."""
    condition = [
        Complaint.closed_on.between(start, end),
        Complaint.learning != "",
        reports._area_condition(Complaint.service_area_id, area_id),
    ]
    rows = db.session.execute(
        select(
            Complaint.learning,
            Complaint.complainant_name,
            Complaint.complainant_contact,
            Complaint.child_reference,
            Complaint.staff_involved,
        )
        .where(*condition)
        .order_by(Complaint.closed_on, Complaint.id)
    ).all()
    # The names are read even when nothing was learned, so the report's statement count
    # does not depend on the data (tests/test_queries.py).
    names: set[str] = set()
    for _learning_text, name, contact, child, staff in rows:
        names.update(_name_words(name))
        names.add(name.strip())
        names.update(line.strip() for line in contact.splitlines())
        names.add(child.strip())
        # Staff as listed ("Priya Raman, Tom Reid"), and each capitalised word of them.
        names.update(re.split(r"[,;/\n]| and ", staff))
        names.update(word for word in staff.split() if word[:1].isupper())
    for first, last in db.session.execute(select(User.first_name, User.last_name)):
        names.update((f"{first} {last}", last))
    redact = _redactor({n.strip() for n in names if n and n.strip()})
    # The same lesson from several complaints is said once, with how many it came from.
    counted: dict[str, int] = {}
    for row in rows:
        text = redact(row.learning).strip()
        counted[text] = counted.get(text, 0) + 1
    return [text if n == 1 else f"{text} ({n} complaints)" for text, n in counted.items()]


@dataclass(frozen=True)
class YoungPeople:
    """Complaints made by children and young people themselves in the year: ``received``,
    and of those the ones offered and the ones that used an advocate."""

    received: int
    offered: int
    used: int


@dataclass(frozen=True)
class AnnualFigures:
    """The annual report's figures (``figures``): the financial ``year`` (its starting
    year), the complaints report for it (``data``), that report's tables by title
    (``sections``: {title: {row: [this year, last year]}}), the reasons complaints were not
    accepted with their counts (most first), advocacy for children and young people, the
    learning text and the self-assessment ("" when not written)."""

    year: int
    data: reports.ComplaintsReport
    sections: dict[str, dict[str, list]]
    not_accepted: list[tuple[str, int]]
    young: YoungPeople
    learning: list[str]
    self_assessment: str


def figures(year: int, area_id: int | None = None) -> AnnualFigures:
    """The annual report's figures for the financial year starting in April ``year``, for
    one service area (``area_id``) or the whole council (None): the complaints report's
    year beside the year before (``reports.build``), plus the reasons complaints were not
    accepted, advocacy for children and young people, the learning text and the
    self-assessment. Counts only; see ``_learning`` for the text."""
    data = reports.build(year, 0, area_id)
    start, end = data.period.start, data.period.end
    in_area = reports._area_condition(Complaint.service_area_id, area_id)
    not_accepted = db.session.execute(
        select(Complaint.not_accepted_reason, func.count())
        .where(Complaint.not_accepted_on.between(start, end), in_area)
        .group_by(Complaint.not_accepted_reason)
    ).all()
    young = Complaint.complainant_type.in_(YOUNG_PEOPLE)
    advocacy = db.session.execute(
        select(
            func.count(),
            func.count().filter(Complaint.advocate_offered.is_(True)),
            func.count().filter(Complaint.advocate_used.is_(True)),
        ).where(Complaint.received_on.between(start, end), young, in_area)
    ).one()
    assessment = db.session.scalar(select(SelfAssessment.text).where(SelfAssessment.year == year))
    return AnnualFigures(
        year=year,
        data=data,
        sections=data.tables(),
        not_accepted=sorted(
            ((NOT_ACCEPTED.get(k, k), n) for k, n in not_accepted), key=lambda r: (-r[1], r[0])
        ),
        young=YoungPeople(received=advocacy[0], offered=advocacy[1], used=advocacy[2]),
        learning=_learning(start, end, area_id),
        self_assessment=assessment or "",
    )


def _count_table(word: WordPaper, rows: dict, heading: str, total: int | None = None):
    """A two- or three-column table of this year's and last year's counts (with this year's
    share of ``total`` when given)."""
    headers = ["", "This year", "Last year"] + (["This year (%)"] if total is not None else [])
    body = []
    for name, values in rows.items():
        row = [name, values[0], values[1] if len(values) > 1 else ""]
        if total is not None:
            share = percent(values[0], total)
            row.append("–" if share is None else f"{share}%")
        body.append(row)
    if body:
        word.heading(heading, level=2)
        word.table(headers, body)


def docx_bytes(f: AnnualFigures, council: str, downloaded_by: str) -> bytes:
    """The annual report as a .docx (``core.word.WordPaper``): numbers by stage and outcome,
    timeliness per stage, who complained, representations by children and young people,
    advocacy, how complaints arrived, learning and service improvements, complaints not
    accepted and why, the Ombudsman, compliments, and the self-assessment."""
    data, s = f.data, f.sections
    year_label = years.year_label(f.year)
    area = data.area.label
    title = f"Complaints and compliments annual report {year_label}"
    word = WordPaper(title, council, downloaded_by, subject="Complaints annual report")
    word.heading(title, level=0)
    word.status_line(FOR_INFORMATION, area, f"compared with {data.headings[1]}")
    word.paragraph(
        "Representations and complaints about children's social care under the Children Act "
        "1989 Representations Procedure (England) Regulations 2006, and compliments. No "
        "complainant, child or member of staff is named. Percentages are rounded half up."
    )

    received = s["Complaints received and closed"]
    word.heading("Complaints received", level=1)
    word.table(
        ["", "This year", "Last year"],
        [[name, *values] for name, values in received.items()],
    )
    word.heading("Numbers by stage and outcome", level=1)
    started, responded = s["Stages started"], s["Stages responded to"]
    stage_rows = []
    for number in (1, 2, 3):
        outcomes = s[f"Outcomes at Stage {number}"]
        stage_rows.append(
            [
                STAGES[number],
                _first(started, STAGES[number]),
                _first(responded, STAGES[number]),
                *(_first(outcomes, OUTCOMES[k]) for k in OUTCOMES),
            ]
        )
    word.table(["Stage", "Started", "Responded", *OUTCOMES.values()], stage_rows)

    word.heading("Timeliness", level=1)
    within = s["Responded to within timescale (%)"]
    average = s["Average working days to respond"]
    rows = []
    for number in (1, 2, 3):
        share = within[STAGES[number]][0]
        days = average[STAGES[number]][0]
        rows.append(
            [
                STAGES[number],
                _first(responded, STAGES[number]),
                "–" if share is None else f"{share}%",
                "–" if days is None else days,
            ]
        )
    word.table(["Stage", "Responded", "Within time", "Average working days"], rows)
    for number in (1, 2):
        split = s[f"Stage {number} responses: in time and late"]
        word.heading(f"Stage {number} responses", level=2)
        word.table(
            ["", "This year", "Last year"],
            [
                [name, *(("–" if v is None else v) for v in values)]
                for name, values in split.items()
            ],
        )

    word.heading("Who complained", level=1)
    who = s["Received by who complained"]
    _count_table(word, who, "Complainants", total=_first(received, "Received"))
    _count_table(word, s["How complaints arrived"], "How complaints arrived")

    word.heading("Children and young people", level=1)
    young = f.young
    children = _first(who, COMPLAINANTS["child"])
    leavers = _first(who, COMPLAINANTS["care_leaver"])
    word.table(
        ["Representations made by children and young people themselves", "This year"],
        [
            [COMPLAINANTS["child"], children],
            [COMPLAINANTS["care_leaver"], leavers],
            ["In all", young.received],
        ],
    )
    word.heading("Advocacy", level=1)
    advocacy = s["Advocacy"]
    word.table(
        ["", "All complainants", "Children and young people"],
        [
            ["Advocate offered", _first(advocacy, "Advocate offered"), young.offered],
            ["Advocate used", _first(advocacy, "Advocate used"), young.used],
        ],
    )

    word.heading("Learning and service improvements", level=1)
    learning = s["Learning and actions"]
    word.table(
        ["", "This year", "Last year"],
        [[name, *values] for name, values in learning.items()],
    )
    if f.learning:
        word.heading("What was learned", level=2)
        for text in f.learning:
            word.bullet(text)

    word.heading("Complaints not accepted", level=1)
    if f.not_accepted:
        word.table(["Reason", "Complaints"], f.not_accepted)
    else:
        word.paragraph("Every complaint received was accepted under the procedure.")

    word.heading("The Local Government and Social Care Ombudsman", level=1)
    enquiries = _first(started, STAGES[4])
    decisions = s["Ombudsman decisions"]
    word.table(
        ["", "This year"],
        [
            ["Enquiries received", enquiries],
            ["Decisions made", sum(v[0] for v in decisions.values())],
        ],
    )
    word.table(["Decision", "This year", "Last year"], [[k, *v] for k, v in decisions.items()])

    word.heading("Compliments", level=1)
    total = s["Compliments received (external)"]["Total"]
    word.paragraph("Only compliments from people and agencies outside the council are counted.")
    word.table(["", "This year", "Last year"], [["Compliments received", *total]])
    _count_table(word, s["Compliments by who gave them (external)"], "Who gave them")
    _count_table(word, s["Compliments by theme (external)"], "What was valued")

    word.heading("Self-assessment", level=1)
    word.paragraphs(f.self_assessment or "The self-assessment has not been written yet.")
    return word.to_bytes()
