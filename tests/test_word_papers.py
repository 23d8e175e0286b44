"""Word papers come from one builder (qaweb.core.word.WordPaper) and are fit to send.

The field report (issue 15): the thematic board paper was US Letter with 1.25-inch margins,
no header, footer or page numbers, "python-docx" as author and 2013 as date, US English,
headings in theme fonts, four equal table columns with a header row stranded at the foot
of a page, evidence not under its bullet, an empty "Terms of reference" heading, and the
status line naming version 1 over version 2's text. Each is checked here on the file.
"""

import io
import re
from datetime import UTC, datetime

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table
from lxml import etree
from sqlalchemy import select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import format_date, today_london
from qaweb.core.word import EXTENDED, TemplateError, WordPaper, column_widths, open_template
from qaweb.extensions import db
from qaweb.thematic import services

COUNCIL = "Brackenfield Borough Council"
TERMS = {
    "title": "Voice of the child",
    "lines": ["Old line"],
    "context": "Core audits found the child's voice thin in plans.",
    "methodology": ["focus_groups"],
    "cohort": "Children on child protection plans",
    "start_on": "2027-01-01",
    "fieldwork_end_on": "2027-02-01",
    "report_due_on": "2027-03-01",
}
LONG_ACTION = (
    "Team managers to check at each supervision that the child's own words are recorded in "
    "the plan, and to note in the supervision record where they are not and why."
)


@pytest.fixture
def people(make_user, make_team):
    team = make_team("Impact and Inspection")
    return {
        "qa": make_user("qa_officer", team=team, first_name="Quinn", last_name="Adebayo"),
        "board": make_user("qa_board", first_name="Beatrice", last_name="Lowe"),
        "psw": make_user("practitioner", team=team, first_name="Paula", last_name="Wright"),
    }


@pytest.fixture
def second_version(people):
    """An audit whose version 1 was approved, then revised: version 2 is with the Board."""
    set_setting("council_name", COUNCIL)
    audit = services.add_to_plan("Voice of the child", today_london().year, 3, None)
    services.save_terms(audit, {**TERMS, "lead_id": people["psw"].id})
    services.submit(audit, people["qa"])
    services.decide(audit, people["board"], True, "")
    services.revise(audit)
    services.save_terms(audit, {**audit.terms, "lines": ["New line"], "cohort": ""})
    services.submit(audit, people["qa"])
    db.session.commit()
    return audit


def in_progress_with_findings(audit, people, make_action):
    services.decide(audit, people["board"], True, "")
    services.advance(audit)
    services.add_finding(audit, "strength", "Children are seen alone.", "8 of 10 files")
    services.add_finding(audit, "risk", "Plans rarely quote the child.", "")
    for description in (LONG_ACTION, "Share the findings"):
        make_action(
            people["psw"],
            description=description,
            source_type="thematic_audit",
            source_id=audit.id,
            source_label=audit.reference,
        )
    db.session.commit()


def download(client, audit):
    response = client.get(f"/thematic/{audit.id}.docx")
    assert response.status_code == 200
    return docx.Document(io.BytesIO(response.data))


def print_line(client, audit) -> str:
    page = client.get(f"/thematic/{audit.id}/print").get_data(as_text=True)
    line = re.search(r'<p class="govuk-body"><strong>(For [a-z]+)</strong> · ([^<]+)</p>', page)
    assert line, page
    return f"{line[1]} · {line[2]}"


def headings(document) -> list[tuple[int | None, str]]:
    """(level, text) of each Title/Heading paragraph, in order, with the content between
    (paragraphs with text, tables) as level None entries."""
    out = []
    for paragraph in document.iter_inner_content():
        if isinstance(paragraph, Table):
            out.append((None, "(table)"))
            continue
        name = paragraph.style.name
        if name == "Title":
            out.append((0, paragraph.text))
        elif name.startswith("Heading "):
            out.append((int(name.split()[1]), paragraph.text))
        elif paragraph.text.strip():
            out.append((None, paragraph.text))
    return out


def test_the_paper_is_a4_with_header_footer_and_properties(client, people, second_version):
    sign_in(client, people["board"])
    document = download(client, second_version)
    section = document.sections[0]
    # Stored in twentieths of a point: A4 is 11906 x 16838, as Word writes it.
    assert (round(section.page_width.cm, 2), round(section.page_height.cm, 2)) == (21.0, 29.7)
    for margin in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        assert round(getattr(section, margin).cm, 2) == 2.54

    header = section.header.paragraphs[0].text
    title = "Thematic audit: Voice of the child"
    assert COUNCIL in header and title in header and format_date(today_london()) in header
    footer = section.footer.paragraphs[0]
    instructions = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.text.startswith("Page ") and " of " in footer.text

    properties = document.core_properties
    assert properties.author == "Beatrice Lowe" == properties.last_modified_by
    assert properties.title == title and COUNCIL in properties.category
    assert properties.created.year != 2013
    assert abs(properties.created.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() < 120
    app = etree.fromstring(document.part.package.part_related_by(RT.EXTENDED_PROPERTIES).blob)
    assert app.findtext(f"{{{EXTENDED}}}Company") == COUNCIL


def test_styles_are_british_english_and_arial_by_name(client, people, second_version):
    sign_in(client, people["qa"])
    document = download(client, second_version)
    styles = document.styles.element
    default_rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert default_rpr.find(qn("w:lang")).get(qn("w:val")) == "en-GB"
    normal = document.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:val")) == "en-GB"
    settings = document.settings.element
    assert settings.find(qn("w:themeFontLang")).get(qn("w:val")) == "en-GB"
    assert settings.find(qn("w:proofState")) is None  # Word spell-checks it afresh
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        fonts = document.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == "Arial" and fonts.get(qn("w:hAnsi")) == "Arial"
        assert fonts.get(qn("w:asciiTheme")) is None and fonts.get(qn("w:hAnsiTheme")) is None
    used = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2"} <= used


def test_status_line_names_the_version_printed_as_the_print_view_does(
    client, people, second_version
):
    sign_in(client, people["board"])
    document = download(client, second_version)
    line = print_line(client, second_version)
    reference = second_version.reference
    assert line == f"For decision · {reference} · With the QA Board · terms version 2"
    assert services.paper(second_version).version == 2
    assert services.paper(second_version).line == line
    texts = [p.text for p in document.paragraphs]
    assert line in texts
    assert "New line" in texts and "Old line" not in texts

    # Approved and under way, the line names version 2, over version 2's text.
    in_progress_with_findings(second_version, people, lambda *a, **k: None)
    line = print_line(client, second_version)
    assert line == f"For information · {reference} · In progress · terms version 2, approved"
    texts = [p.text for p in download(client, second_version).paragraphs]
    assert line in texts and "New line" in texts and "Old line" not in texts

    # Revised again: the working draft is shown and no approved version is claimed for it.
    services.revise(second_version)
    services.save_terms(second_version, {**second_version.terms, "lines": ["Draft line"]})
    db.session.commit()
    line = print_line(client, second_version)
    assert line == f"For information · {reference} · Terms being drafted"
    texts = [p.text for p in download(client, second_version).paragraphs]
    assert line in texts and "Draft line" in texts and "New line" not in texts


def test_no_empty_sections_and_evidence_nested(client, people, second_version, make_action):
    sign_in(client, people["qa"])
    before = headings(download(client, second_version))
    # No findings and no actions yet: neither heading is written; nor is "Cohort", emptied
    # in version 2.
    assert (1, "Findings") not in before and (1, "Actions") not in before
    assert (2, "Cohort") not in before and (1, "Terms of reference") in before

    in_progress_with_findings(second_version, people, make_action)
    document = download(client, second_version)
    found = headings(document)
    for (level, text), (next_level, next_text) in zip(found, found[1:], strict=False):
        if level is not None and next_level is not None:
            assert next_level > level, f"{text!r} is empty: {next_text!r} follows it"
    assert found[-1][0] is None
    assert (2, "Strengths") in found and (2, "Areas of potential risk") in found
    assert (2, "Key themes") not in found  # no findings of that kind

    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    strength = paragraphs.index(("List Bullet", "Children are seen alone."))
    assert paragraphs[strength + 1] == ("List Bullet 2", "Evidence: 8 of 10 files")
    risk = paragraphs.index(("List Bullet", "Plans rarely quote the child."))
    assert paragraphs[risk + 1][0] != "List Bullet 2"
    assert ("List Number", "New line") in paragraphs


def test_actions_table_repeats_its_bold_header_and_sizes_columns_by_content(
    client, people, second_version, make_action
):
    in_progress_with_findings(second_version, people, make_action)
    sign_in(client, people["qa"])
    document = download(client, second_version)
    (table,) = document.tables
    header, *rows = table.rows
    assert [c.text for c in header.cells] == ["Reference", "Action", "Owner", "Due", "Status"]
    assert all(run.bold for cell in header.cells for run in cell.paragraphs[0].runs)
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert rows[0].cells[1].text == LONG_ACTION or rows[1].cells[1].text == LONG_ACTION
    actions = db.session.scalars(select(Action).where(Action.source_id == second_version.id))
    references = {a.reference for a in actions}
    assert {r.cells[0].text for r in rows} == references
    page = client.get(f"/thematic/{second_version.id}/print").get_data(as_text=True)
    assert all(f'<td class="govuk-table__cell">{ref}</td>' in page for ref in references)

    properties = table._tbl.tblPr
    assert len(properties.findall(qn("w:tblLayout"))) == 1
    assert properties.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    reference, action, owner, due, status = grid
    assert action > 2 * max(reference, owner, due, status)
    # The date and the owner's name keep to one line: 10 pt Arial, about 5 pt a character.
    longest_due = max(len(r.cells[3].text) for r in rows)
    assert due * 635 >= Pt(5) * longest_due + Cm(0.4) - 635
    assert owner * 635 >= Pt(5) * len("Paula Wright") + Cm(0.4) - 635
    text_width = Cm(21.0 - 2 * 2.54) / 635
    assert abs(sum(grid) - text_width) <= 5
    assert [round(rows[0].cells[i].width / 635) for i in range(5)] == grid


def test_column_widths_follow_content_within_bounds():
    total = Cm(15.92)
    natural = [Pt(5) * n + Cm(0.4) for n in (4, 10)]  # "Ref" (at least 4), "1 May 2027"
    ref, action, due = column_widths(
        ["Ref", "Action", "Due"], [["A-1", "x " * 200, "1 May 2027"]], total
    )
    assert ref + action + due == total
    assert (ref, due) == tuple(int(n) for n in natural)  # short columns: one line, no more
    assert action == total - ref - due  # the long column takes the rest
    # Short columns give way so that long ones keep 40% of the width...
    least = Pt(5) * len("character") + Cm(0.4)
    headers = ["Action"] + [f"Column {n}" for n in range(3)]
    action, *short = column_widths(headers, [["word " * 40] + ["Eighteen character"] * 3], total)
    assert action == round(0.4 * total) and all(least < width < least * 2 for width in short)
    # ...but never below their longest word.
    headers = ["Action"] + [f"Column {n}" for n in range(6)]
    action, *short = column_widths(headers, [["word " * 40] + ["Eighteen character"] * 6], total)
    assert short == [least] * 6 and action == total - 6 * least
    # Short content only: spread out in proportion.
    assert column_widths(["A", "Bbbbbbbb"], [["1", "2"]], 1000)[1] > 500


def test_a_paper_with_only_headings_has_no_headings():
    paper = WordPaper("Empty", COUNCIL, "Someone")
    paper.heading("Empty", level=0)
    paper.heading("Section", level=1)
    paper.heading("Sub", level=2)
    paper.table(("A", "B"), [])
    document = docx.Document(io.BytesIO(paper.to_bytes()))
    assert [p.text for p in document.paragraphs if p.text] == []
    assert document.tables == []


def test_a_planned_audit_has_no_terms_of_reference_heading(client, people):
    audit = services.add_to_plan("Neglect", today_london().year, 2, None)
    db.session.commit()
    sign_in(client, people["qa"])
    found = headings(download(client, audit))
    assert found[0] == (0, "Thematic audit: Neglect")
    assert [h for h in found if h[0] is not None and h[0] > 0] == []
    page = client.get(f"/thematic/{audit.id}/print").get_data(as_text=True)
    assert "Terms of reference</h2>" not in page
    line = f"For information · {audit.reference} · On the forward plan · draft terms"
    assert print_line(client, audit) == line
    assert line in [p.text for p in download(client, audit).paragraphs]
    services.save_terms(audit, {"title": "Neglect", "cohort": "Children in need"})
    db.session.commit()
    assert "Terms of reference</h2>" in client.get(f"/thematic/{audit.id}/print").get_data(
        as_text=True
    )
    assert (1, "Terms of reference") in headings(download(client, audit))


def council_template(drop_styles=(), header=True) -> bytes:
    """A council's own template as Word saves one: Georgia headings, 2 cm margins, its
    letterhead in the header, and a line of sample text in the body."""
    document = docx.Document()
    document.styles["Heading 1"].font.name = "Georgia"
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    if header:
        section.header.paragraphs[0].text = "Brackenfield letterhead"
    document.add_paragraph("Delete this sample text")
    for name in drop_styles:
        element = document.styles[name].element
        element.getparent().remove(element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def build_on(template: bytes):
    paper = WordPaper("Quarterly report", COUNCIL, "Quinn Adebayo", template=template)
    paper.heading("Quarterly report", level=0)
    paper.status_line("For decision", "Q3", "Draft")
    paper.heading("Actions", level=1)
    paper.table(("Reference", "Action"), [("A-1", "Do the thing " * 10)])
    return docx.Document(io.BytesIO(paper.to_bytes()))


def test_a_paper_is_built_on_the_councils_template():
    document = build_on(council_template())
    texts = [p.text for p in document.paragraphs]
    assert "Delete this sample text" not in texts and "Quarterly report" in texts
    section = document.sections[0]
    assert section.header.paragraphs[0].text == "Brackenfield letterhead"  # theirs, kept
    footer = section.footer.paragraphs[0]._p
    assert [t.text.strip() for t in footer.iter(qn("w:instrText"))] == ["PAGE", "NUMPAGES"]
    assert round(section.left_margin.cm, 2) == 2.0
    fonts = document.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:ascii")) == "Georgia"  # the council's heading font, not Arial
    assert document.styles["Normal"].element.rPr.find(qn("w:lang")).get(qn("w:val")) == "en-GB"
    grid = document.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))
    text_width = section.page_width - Cm(2) - Cm(2)  # the template's own page
    assert abs(sum(int(c.get(qn("w:w"))) for c in grid) - text_width / 635) <= 2
    assert document.core_properties.author == "Quinn Adebayo"
    # Without a header of its own, the template gets the paper's header.
    header = build_on(council_template(header=False)).sections[0].header.paragraphs[0].text
    assert COUNCIL in header and "Quarterly report" in header


def test_a_template_missing_a_style_is_refused_by_name():
    with pytest.raises(TemplateError) as refused:
        open_template(council_template(drop_styles=("Table Grid", "List Bullet 2")))
    assert str(refused.value) == (
        "The template has no style named List Bullet 2 and Table Grid. Use each one once in "
        "Word (the text can be deleted again) and upload it again"
    )
    with pytest.raises(TemplateError, match="must be a Word document"):
        open_template(b"%PDF-1.7 not a Word document")
