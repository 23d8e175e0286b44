"""The board paper as a Word document, and the audit and list as Excel."""

from datetime import date

from qaweb.actions.exports import columns as action_columns
from qaweb.core.excel import Column, Sheet
from qaweb.core.timefmt import format_date
from qaweb.core.word import WordPaper
from qaweb.thematic import services
from qaweb.thematic.models import FINDING_KINDS

ACTION_HEADERS = ("Reference", "Action", "Owner", "Due", "Status")


def docx_bytes(audit, paper: services.Paper, actions, downloaded_by: str) -> bytes:
    """The board paper as a document the QA Board can circulate, on the council's Word
    template (or the built-in A4 one): the terms of reference ``paper`` chose
    (``services.paper``, the same as the print view), the findings with their evidence
    nested under each, and the actions as a table. ``downloaded_by`` is the person's name,
    recorded as the document's author."""
    title = f"Thematic audit: {audit.title}"
    word = WordPaper.for_council(title, downloaded_by, subject="Thematic audit: QA Board paper")
    word.heading(title, level=0)
    word.status_line(paper.purpose, *paper.parts)
    word.heading("Terms of reference", level=1)
    for label, value in services.readable(paper.terms).items():
        if label == "Title" or not value:
            continue
        word.heading(label, level=2)
        if isinstance(value, list):
            for item in value:
                if label == "Key lines of enquiry":
                    word.numbered(item)
                else:
                    word.bullet(item)
        else:
            word.paragraphs(value)
    findings = [f for f in audit.findings if not f.withdrawn]
    word.heading("Findings", level=1)
    for kind, label in FINDING_KINDS.items():
        word.heading(label, level=2)
        for finding in (f for f in findings if f.kind == kind):
            word.bullet(finding.text)
            if finding.evidence:
                word.bullet(f"Evidence: {finding.evidence}", level=2)
    word.heading("Actions", level=1)
    word.table(
        ACTION_HEADERS,
        (
            (a.reference, a.description, a.owner.name, format_date(a.due_on), a.status_label)
            for a in actions
        ),
    )
    return word.to_bytes()


def audit_sheets(audit, terms: dict, actions) -> tuple[list, list, list[Sheet]]:
    """Columns and rows of the Terms sheet, and the other sheets of one audit's workbook."""
    readable = services.readable(terms)
    # Dates as date cells (Excel sorts, filters and formats them), not the text shown on pages.
    dates = {
        services.TERMS_FIELDS[key]: date.fromisoformat(terms[key])
        for key in services.TERMS_DATE_FIELDS
        if terms.get(key)
    }
    terms_rows = [
        (label, dates.get(label) or ("\n".join(value) if isinstance(value, list) else value))
        for label, value in readable.items()
        if label != "Key lines of enquiry"
    ]
    lines = Sheet(
        "Lines of enquiry",
        [Column("Number", 9, "number"), Column("Line of enquiry", 90)],
        [(n, line) for n, line in enumerate(terms.get("lines", []), start=1)],
    )
    findings = Sheet(
        "Findings",
        [Column("Kind", 34), Column("Finding", 70), Column("Evidence", 70)],
        [(FINDING_KINDS[f.kind], f.text, f.evidence) for f in audit.findings if not f.withdrawn],
    )
    action_sheet = Sheet(
        "Actions",
        action_columns("Reference", "Action", "Owner", "Due date", "Status", "Date completed"),
        [
            (a.reference, a.description, a.owner.name, a.due_on, a.status_label, a.completed_on)
            for a in actions
        ],
    )
    return (
        [Column("Field", 34), Column("Terms of reference", 100)],
        terms_rows,
        [lines, findings, action_sheet],
    )
