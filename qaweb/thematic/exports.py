"""The board paper as a Word document, and the audit and list as Excel."""

from qaweb.core.excel import Column, Sheet
from qaweb.core.timefmt import format_date
from qaweb.core.word import WordPaper
from qaweb.thematic import services
from qaweb.thematic.models import FINDING_KINDS


def docx_bytes(audit, terms: dict, actions, council: str) -> bytes:
    """The terms of reference and findings as a document the QA Board can circulate."""
    paper = WordPaper()
    paper.paragraph(council)
    paper.heading(f"Thematic audit: {audit.title}", level=0)
    paper.paragraph(services.paper_line(audit))
    paper.heading("Terms of reference", level=1)
    for label, value in services.readable(terms).items():
        if label == "Title" or not value:
            continue
        paper.heading(label, level=2)
        if isinstance(value, list):
            style_name = "List Number" if label == "Key lines of enquiry" else "List Bullet"
            for item in value:
                paper.paragraph(item, style=style_name)
        else:
            for paragraph in str(value).split("\n"):
                if paragraph.strip():
                    paper.paragraph(paragraph.strip())
    findings = [f for f in audit.findings if not f.withdrawn]
    if findings:
        paper.heading("Findings", level=1)
        for kind, label in FINDING_KINDS.items():
            of_kind = [f for f in findings if f.kind == kind]
            if not of_kind:
                continue
            paper.heading(label, level=2)
            for f in of_kind:
                paper.paragraph(f.text, style="List Bullet")
                if f.evidence:
                    paper.paragraph(f"Evidence: {f.evidence}")
    if actions:
        paper.heading("Actions", level=1)
        paper.table(
            ("Action", "Owner", "Due", "Status"),
            ((a.description, a.owner.name, format_date(a.due_on), a.status_label) for a in actions),
        )
    return paper.to_bytes()


def audit_sheets(audit, terms: dict, actions) -> tuple[list, list, list[Sheet]]:
    """Columns and rows of the Terms sheet, and the other sheets of one audit's workbook."""
    readable = services.readable(terms)
    terms_rows = [
        (label, "\n".join(value) if isinstance(value, list) else value)
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
        [
            Column("Reference", 13),
            Column("Action", 60),
            Column("Owner", 24),
            Column("Due date", 12, "date"),
            Column("Status", 12),
            Column("Date completed", 15, "date"),
        ],
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
