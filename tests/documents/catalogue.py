"""Every file qaweb produces for people to open, send or print, in one list: who downloads
it, from where, and how many A4 pages it may print as.

The documents lane (tests/documents) downloads each from the demo council as that person,
converts every .docx and .xlsx to PDF in one headless LibreOffice run and checks the PDF,
and parses every .ics with two calendar parsers other than the one that wrote it.
``test_every_download_route_is_in_the_catalogue`` fails when a route that sends a .docx,
.xlsx or .ics has no entry here.

Page bounds are what LibreOffice 7.4 printed for the everyday demo (the counts seen are in
the comments), with room for the demo's dates moving on; a file that suddenly prints as many
more pages (a lost print set-up, a table that no longer fits the page) fails.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

DOMAIN = "demo-council.example"
DEMO_PASSWORD = "qaweb-demo-2026"
LETTERHEAD = "Demo Council · Children's Services · Civic Offices, Demo Town"


@dataclass(frozen=True)
class Document:
    """One file: ``name`` (the file saved, without extension), the demo person's email
    prefix who downloads it, the URL (from the demo's record ids), and for a paper or
    workbook the page count range (inclusive) it must print within."""

    name: str
    role: str
    url: Callable[[dict], str]
    kind: str  # "docx", "xlsx" or "ics"
    pages: tuple[int, int] = (0, 0)
    #: Upload the council's Word template (``letterhead_template``) before downloading.
    on_template: bool = False


#: The routes (endpoint names) the catalogue covers; the lane checks that every route sending
#: a .docx, .xlsx or .ics is one of them.
ENDPOINTS = {
    "actions.export",
    "organisation.users_export",
    "organisation.download_template",
    "complaints.export",
    "complaints.report_workbook",
    "complaints.annual_report",
    "complaints.import_template",
    "organisation.import_template",
    "notifications.outbox_export",
    "case_audits.workbook",
    "qa_report.docx",
    "qa_report.workbook",
    "moderation.agreement_workbook",
    "practice_week.person_calendar",
    "practice_week.records_export",
    "practice_week.report_workbook",
    "practice_week.schedule_export",
    "practice_week.import_template",
    "practice_week.observation_invite",
    "practice_week.session_invite",
    "supervision.annual_report",
    "supervision.export",
    "thematic.docx",
    "thematic.workbook",
    "thematic.export",
    "dip_samples.workbook",
    "dip_samples.template",
    "case_audits.import_template",
}

DOCUMENTS = [
    # -- Word papers ---------------------------------------------------------------------
    Document(
        "thematic-board-paper",
        "qa.officer",
        lambda ids: f"/thematic/{ids['thematic_full']}.docx",
        "docx",
        (1, 3),  # seen: 2
    ),
    Document(
        "thematic-board-paper-planned",
        "qa.board",
        lambda ids: f"/thematic/{ids['thematic_planned']}.docx",
        "docx",
        (1, 1),  # seen: 1
    ),
    Document(
        "thematic-board-paper-on-template",
        "qa.officer",
        lambda ids: f"/thematic/{ids['thematic_full']}.docx",
        "docx",
        (1, 3),  # seen: 2
        on_template=True,
    ),
    Document(
        "council-template",
        "admin",
        lambda ids: "/admin/settings/template.docx",
        "docx",
        (1, 1),  # seen: 1
        on_template=True,
    ),
    Document(
        "qa-board-report-paper",
        "qa.officer",
        lambda ids: f"/qa-report/{ids['qa_report']}.docx",
        "docx",
        (1, 10),  # seen: 7
    ),
    Document(
        "complaints-annual-report-paper",
        "complaints",
        lambda ids: f"/complaints/report/annual.docx?year={ids['year']}",
        "docx",
        (1, 6),  # seen: 4
    ),
    # -- workbooks -------------------------------------------------------------------------
    Document(
        "thematic-audit-workbook",
        "qa.officer",
        lambda ids: f"/thematic/{ids['thematic_full']}.xlsx",
        "xlsx",
        (1, 7),  # seen: 5
    ),
    Document(
        "thematic-audits",
        "qa.officer",
        lambda ids: "/thematic/export.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "complaints-quarterly-report",
        "complaints",
        lambda ids: f"/complaints/report.xlsx?year={ids['year']}&quarter={ids['quarter']}",
        "xlsx",
        (1, 6),  # seen: 6 (13 before its tables were laid out for print): a handful
    ),
    Document(
        "complaints-annual-report",
        "complaints",
        lambda ids: f"/complaints/report.xlsx?year={ids['year']}&quarter=0",
        "xlsx",
        (1, 10),  # seen: 8 (16 before)
    ),
    Document(
        "complaints-log-template",
        "complaints",
        lambda ids: "/complaints/import/template-complaints.xlsx",
        "xlsx",
        (1, 6),  # seen: 4
    ),
    Document(
        "compliments-log-template",
        "complaints",
        lambda ids: "/complaints/import/template-compliments.xlsx",
        "xlsx",
        (1, 4),  # seen: 3
    ),
    Document(
        "staff-import-template",
        "admin",
        lambda ids: "/admin/users/import-template.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "complaints",
        "complaints",
        lambda ids: "/complaints/export.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "supervision-annual-report",
        "qa.officer",
        lambda ids: "/supervision/coverage/report.xlsx",
        "xlsx",
        (1, 8),  # seen: 6
    ),
    Document(
        "supervision-audits",
        "qa.officer",
        lambda ids: "/supervision/export.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "practice-week-report",
        "qa.officer",
        lambda ids: f"/practice-weeks/{ids['week_closed']}/report.xlsx",
        "xlsx",
        (1, 15),  # seen: 11
    ),
    Document(
        "practice-week-records",
        "qa.officer",
        lambda ids: f"/practice-weeks/{ids['week_closed']}/records.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "practice-week-schedule",
        "organiser",
        lambda ids: f"/practice-weeks/{ids['week_current']}/schedule.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "practice-week-import-template",
        "organiser",
        lambda ids: "/practice-weeks/import-template.xlsx",
        "xlsx",
        (1, 3),  # seen: 2
    ),
    Document(
        "actions",
        "qa.officer",
        lambda ids: "/actions/all/export.xlsx",
        "xlsx",
        (1, 7),  # seen: 5
    ),
    Document(
        "qa-board-report-workbook",
        "qa.officer",
        lambda ids: f"/qa-report/{ids['qa_report']}.xlsx",
        "xlsx",
        (1, 11),  # seen: 8
    ),
    Document(
        "case-file-audits",
        "qa.officer",
        lambda ids: "/case-audits/reports/workbook.xlsx",
        "xlsx",
        (1, 20),  # seen: 15
    ),
    Document(
        "grade-agreement",
        "qa.officer",
        lambda ids: "/moderation/agreement/workbook.xlsx?period=quarter",
        "xlsx",
        (1, 20),
    ),
    Document(
        "email-outbox",
        "admin",
        lambda ids: "/admin/outbox/export.xlsx",
        "xlsx",
        (1, 15),  # seen: 10 (11 before rows were sized by Arial's letter widths)
    ),
    Document(
        "staff",
        "admin",
        lambda ids: "/admin/users/export.xlsx",
        "xlsx",
        (1, 6),  # seen: 4
    ),
    # -- calendar files --------------------------------------------------------------------
    Document(
        "observation-invite-organiser",
        "organiser",
        lambda ids: f"/practice-weeks/observations/{ids['observation']}/invite.ics",
        "ics",
    ),
    Document(
        "observation-invite-cancelled",
        "organiser",
        lambda ids: f"/practice-weeks/observations/{ids['observation_cancelled']}/invite.ics",
        "ics",
    ),
    Document(
        "session-invite-organiser",
        "organiser",
        lambda ids: f"/practice-weeks/sessions/{ids['session']}/invite.ics",
        "ics",
    ),
    Document(
        "session-invite-practitioner",
        "practitioner",
        lambda ids: f"/practice-weeks/sessions/{ids['session']}/invite.ics",
        "ics",
    ),
    Document(
        "week-feed-observer",
        "organiser",
        lambda ids: f"/practice-weeks/{ids['week_current']}/calendar.ics?person={ids['observer']}",
        "ics",
    ),
    Document(
        "dip-sample-results",
        "qa.officer",
        lambda ids: f"/dip-samples/{ids['dip_sample']}/results.xlsx",
        "xlsx",
        (1, 20),
    ),
    Document(
        "dip-sample-results-service-area",
        "service.manager",
        lambda ids: f"/dip-samples/{ids['dip_sample']}/results.xlsx",
        "xlsx",
        (1, 20),
    ),
    Document(
        "dip-sample-cases-template",
        "qa.officer",
        lambda ids: "/dip-samples/template.xlsx",
        "xlsx",
        (1, 3),
    ),
    Document(
        "case-list-import-template",
        "qa.officer",
        lambda ids: "/case-audits/cases/import-template.xlsx",
        "xlsx",
        (1, 3),
    ),
]


def letterhead_template() -> bytes:
    """A council template as Word saves one: its letterhead in the header, Georgia headings,
    A4 with 2 cm margins, and a line of sample text in the body."""
    import docx
    from docx.shared import Cm, Pt

    document = docx.Document()
    for name, size in (("Title", 22), ("Heading 1", 16), ("Heading 2", 13)):
        style = document.styles[name]
        style.font.name = "Georgia"
        style.font.size = Pt(size)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    section.header.paragraphs[0].text = LETTERHEAD
    document.add_paragraph("Sample text: delete before use")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
