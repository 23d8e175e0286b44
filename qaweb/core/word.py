"""The one Word (.docx) builder every paper uses: A4, UK margins, en-GB, Arial throughout.

Every paper (the thematic board paper now; the QA Board quarterly report and the complaints
annual report later) is built here, so each is right from the start:

- A4 (21.0 × 29.7 cm) with 2.54 cm margins, not python-docx's US Letter and 1.25 inches;
- British English proofing (``w:lang en-GB``) in the document defaults and the Normal style;
- the council, the paper's title and the date in the header, "Page X of Y" in the footer;
- a status line ("For decision" / "For information", reference, status, version);
- Heading 1-3 and Title in Arial by name (the template's theme fonts removed), in black;
- tables whose columns are as wide as their content needs, a bold header row that repeats
  on every page and rows that never split across a page;
- lists that nest (``bullet(text, level=2)`` for evidence under a finding);
- no empty sections: a heading waits until something is written under it, and is dropped if
  the next heading of the same or a higher level (or the end of the paper) comes first;
- document properties naming the person who downloaded it, the council and the time, never
  the library's "python-docx" and 2013.

python-docx refuses text that XML cannot hold (a vertical tab pasted from Word, a form feed,
a NUL), so every piece of text goes through ``printable`` here, and nothing a person saved
can stop a paper being downloaded.
"""

import copy
import io
from collections.abc import Iterable, Sequence
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from qaweb.core.db import utcnow
from qaweb.core.text import printable
from qaweb.core.timefmt import format_date, today_london

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN = Cm(2.54)
FONT = "Arial"
LANGUAGE = "en-GB"
FOR_DECISION = "For decision"
FOR_INFORMATION = "For information"
SEPARATOR = " · "
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

# Heading sizes in points: Title (level 0), then Heading 1, 2, 3.
HEADING_SIZES = {0: 20, 1: 16, 2: 13, 3: 12}
BULLET_STYLES = {1: "List Bullet", 2: "List Bullet 2", 3: "List Bullet 3"}
NUMBER_STYLES = {1: "List Number", 2: "List Number 2", 3: "List Number 3"}

# Column widths (``column_widths``): a short column (its longest value no more than
# SHORT_CHARS) is as wide as its longest value, so a date or a name keeps to one line; long
# columns share the rest by the length of their content (capped at MAX_CHARS), and get at
# least LONG_SHARE of the width, short columns giving way down to their longest word.
# Table text is 10 pt Arial: about 5 pt a character, plus the cell's own margins.
TABLE_TEXT = Pt(10)
CHAR_WIDTH = Pt(5)
CELL_PADDING = Cm(0.4)
MIN_CHARS = 4
SHORT_CHARS = 20
MAX_CHARS = 60
LONG_SHARE = 0.4


def _text(value) -> str:
    return printable("" if value is None else str(value))


def _arial(rpr) -> None:
    """Name Arial in a run-properties element and drop theme fonts (which win over names)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)


def _language(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LANGUAGE)
    lang.set(qn("w:eastAsia"), LANGUAGE)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice fill in when they lay out."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run("1")
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _row_property(row, name: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(name)) is None:
        tr_pr.append(OxmlElement(name))


def _finish_row(row, widths: Sequence[int]) -> None:
    """Each cell of a table row as wide as its column, with no space after its text."""
    for cell, width in zip(row.cells, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> list[int]:
    """Widths in EMU, summing to ``total``, from the content of each column (header and
    values, as strings): short columns at their natural width, long columns sharing the
    rest by content length; see the constants above for the bounds."""
    longest, word = [], []
    for index, header in enumerate(headers):
        values = [header] + [row[index] for row in rows]
        longest.append(max(len(line) for v in values for line in v.split("\n")))
        word.append(max([MIN_CHARS] + [len(w) for v in values for w in v.split()]))
    least = [CELL_PADDING + CHAR_WIDTH * min(w, MAX_CHARS) for w in word]
    natural = [
        max(low, CELL_PADDING + CHAR_WIDTH * min(n, MAX_CHARS))
        for low, n in zip(least, longest, strict=True)
    ]
    long = [i for i, n in enumerate(longest) if n > SHORT_CHARS]
    short = [i for i in range(len(headers)) if i not in long]
    if not long:
        widths = [total * n / sum(natural) for n in natural]
    elif sum(least) >= total:  # too many columns for their words: in proportion to them
        widths = [total * n / sum(least) for n in least]
    else:
        short_natural = sum(natural[i] for i in short)
        short_least = sum(least[i] for i in short)
        budget = min(
            short_natural,
            max(short_least, total * (1 - LONG_SHARE)),
            total - sum(least[i] for i in long),
        )
        ratio = (budget - short_least) / (short_natural - short_least or 1)
        widths = [0.0] * len(headers)
        for i in short:
            widths[i] = least[i] + (natural[i] - least[i]) * max(0.0, min(1.0, ratio))
        rest = total - sum(widths)
        weights = {i: min(longest[i], MAX_CHARS) for i in long}
        for i in long:
            widths[i] = rest * weights[i] / sum(weights.values())
    out = [int(w) for w in widths]
    out[-1] += total - sum(out)
    return out


# The styles a paper is written with: a council's template must have each of them.
NEEDED_STYLES = (
    "Normal",
    "Title",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "List Bullet",
    "List Bullet 2",
    "List Number",
    "Table Grid",
)


def _names(names: Sequence[str]) -> str:
    """The names joined as "A", "A and B" or "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class TemplateError(ValueError):
    """A council template that papers cannot be built on; the message says why."""


def open_template(blob: bytes):
    """The council's .docx as an empty document to write a paper into: its styles, page
    set-up, header and footer kept, its body text removed. Raises TemplateError when the
    file is not a Word document or lacks any of NEEDED_STYLES (naming each one)."""
    try:
        document = Document(io.BytesIO(blob))
    except Exception as error:  # python-docx raises several kinds for a file it cannot read
        raise TemplateError(
            "The template must be a Word document (.docx or .dotx) saved from Word"
        ) from error
    names = {style.name for style in document.styles}
    missing = [name for name in NEEDED_STYLES if name not in names]
    if missing:
        raise TemplateError(
            "The template has no style named "
            + _names(missing)
            + ". Use each one once in Word (the text can be deleted again) and upload it again"
        )
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document


class WordPaper:
    """A paper in the house style: add headings, paragraphs, lists and tables with the
    methods below, then ``to_bytes()``. Line breaks in text become line breaks in the
    paragraph.

    ``title`` goes in the header and the document properties (and is the paper's Title
    unless ``title_heading=False``); ``council`` in the header and properties; ``author`` is
    the person downloading the paper; ``dated`` the date in the header (today in London)."""

    def __init__(
        self,
        title: str,
        council: str,
        author: str,
        subject: str = "",
        dated: date | None = None,
        template: bytes | None = None,
    ):
        self.title = _text(title)
        self.council = _text(council)
        self._pending: list[tuple[str, int]] = []
        self._style_ids: dict[tuple[str, int], str | None] = {}
        if template:
            # The council's own template: its page, fonts and heading styles as they are,
            # and its header and footer where it has them.
            self.document = open_template(template)
            self._language()
        else:
            self.document = Document()
            self._house_style()
            self._page()
        self._header_footer(dated or today_london())
        self._properties(_text(author), _text(subject))

    @classmethod
    def for_council(cls, title: str, author: str, subject: str = "", dated: date | None = None):
        """A paper on the council's uploaded template (Admin → Settings), or on the built-in
        A4 template when none is uploaded or the stored one can no longer be opened, with
        the council's name from its settings. Needs an app context."""
        from flask import current_app

        from qaweb.core import council_template
        from qaweb.core.settings import get_setting

        council = get_setting("council_name")
        template = council_template.current_content()
        if template:
            try:
                return cls(title, council, author, subject, dated, template=template)
            except TemplateError as error:
                current_app.logger.warning("Council Word template not used: %s", error)
        return cls(title, council, author, subject, dated)

    # -- set-up ----------------------------------------------------------------------------

    def _language(self) -> None:
        """British English in the document defaults and the Normal style."""
        styles = self.document.styles
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = OxmlElement("w:docDefaults")
            styles.element.insert(0, defaults)
        default_rpr = defaults.find(qn("w:rPrDefault"))
        if default_rpr is None:
            default_rpr = OxmlElement("w:rPrDefault")
            defaults.insert(0, default_rpr)
        rpr = default_rpr.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            default_rpr.append(rpr)
        _language(rpr)
        _language(styles["Normal"].element.get_or_add_rPr())

    def _house_style(self) -> None:
        styles = self.document.styles
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(11)
        _arial(normal.element.get_or_add_rPr())
        self._language()
        _arial(styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))[0])
        for level, size in HEADING_SIZES.items():
            style = styles["Title" if level == 0 else f"Heading {level}"]
            _arial(style.element.get_or_add_rPr())
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.paragraph_format.keep_with_next = True
            if level == 0:
                # The template's Title has a blue rule under it and letter-spacing.
                ppr = style.element.get_or_add_pPr()
                for element in ppr.findall(qn("w:pBdr")):
                    ppr.remove(element)
                rpr = style.element.get_or_add_rPr()
                for element in rpr.findall(qn("w:spacing")):
                    rpr.remove(element)
        for name in ("Heading 1 Char", "Heading 2 Char", "Heading 3 Char", "Title Char"):
            _arial(styles[name].element.get_or_add_rPr())

    def _page(self) -> None:
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width = PAGE_WIDTH
        section.page_height = PAGE_HEIGHT
        for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
            setattr(section, side, MARGIN)
        section.header_distance = Cm(1.25)
        section.footer_distance = Cm(1.25)

    def _header_footer(self, dated: date) -> None:
        """The council, title and date in the header and "Page X of Y" in the footer,
        unless the council's template has a header or footer of its own."""
        section = self.document.sections[0]
        if section.header.is_linked_to_previous:
            self._header(section, dated)
        if section.footer.is_linked_to_previous:
            self._footer(section)

    def _header(self, section, dated: date) -> None:
        header = section.header.paragraphs[0]
        header.text = SEPARATOR.join(p for p in (self.council, self.title, format_date(dated)) if p)
        header.runs[0].font.size = Pt(9)

    def _footer(self, section) -> None:
        footer = section.footer.paragraphs[0]
        footer.add_run("Page ")
        _field(footer, "PAGE")
        footer.add_run(" of ")
        _field(footer, "NUMPAGES")
        for run in footer.runs:
            run.font.size = Pt(9)

    def _properties(self, author: str, subject: str) -> None:
        now = utcnow().replace(microsecond=0)
        properties = self.document.core_properties
        properties.author = author
        properties.last_modified_by = author
        properties.title = self.title
        properties.subject = subject
        properties.category = self.council
        properties.comments = f"{self.council}: {self.title}" if self.council else self.title
        properties.keywords = ""
        properties.created = now
        properties.modified = now
        properties.revision = 1
        properties.language = LANGUAGE
        # The extended properties (File > Properties in Word): the council as the company,
        # not the template's "Microsoft Macintosh Word" as the application.
        for part in self.document.part.package.parts:
            if part.partname == "/docProps/app.xml":
                app = etree.fromstring(part.blob)
                for tag, value in (("Company", self.council), ("Application", "qaweb")):
                    element = app.find(f"{{{EXTENDED}}}{tag}")
                    if element is not None:
                        element.text = value
                part._blob = etree.tostring(app, xml_declaration=True, encoding="UTF-8")
        # Proofing: Word is told nothing has been checked yet, and the theme's language is
        # British English too.
        settings = self.document.settings.element
        for element in settings.findall(qn("w:proofState")):
            settings.remove(element)
        theme_language = settings.find(qn("w:themeFontLang"))
        if theme_language is not None:
            theme_language.set(qn("w:val"), LANGUAGE)

    @property
    def text_width(self) -> int:
        """The width between the margins, in EMU."""
        section = self.document.sections[-1]
        return section.page_width - section.left_margin - section.right_margin

    # -- content ---------------------------------------------------------------------------

    def heading(self, text, level: int) -> None:
        """A heading (0 is the paper's Title, 1-3 Heading 1-3), written only once something
        is written under it: a heading with nothing under it is left out."""
        while self._pending and self._pending[-1][1] >= level:
            self._pending.pop()
        self._pending.append((_text(text), level))

    def _style_id(self, name: str, kind: WD_STYLE_TYPE) -> str | None:
        """The id of the style called ``name`` (None for the document's default style, which
        is written by naming no style), looked up once per paper: python-docx looks it up,
        and the default style, through every style of the document each time it is named."""
        key = (name, kind)
        if key not in self._style_ids:
            self._style_ids[key] = self.document.styles.get_style_id(name, kind)
        return self._style_ids[key]

    def _add_paragraph(self, text: str = "", style: str | None = None):
        """``document.add_paragraph(text, style)``, with the style's id looked up once."""
        paragraph = self.document.add_paragraph(text)
        if style is not None:
            paragraph._p.style = self._style_id(style, WD_STYLE_TYPE.PARAGRAPH)
        return paragraph

    def _flush(self) -> None:
        for text, level in self._pending:
            self._add_paragraph(text, "Title" if level == 0 else f"Heading {level}")
        self._pending = []

    def paragraph(self, text, style: str | None = None):
        """Add a paragraph of cleaned ``text`` in ``style`` (the body style for None), writing any
        heading waiting for it first; returns the python-docx paragraph."""
        self._flush()
        return self._add_paragraph(_text(text), style)

    def paragraphs(self, text) -> None:
        """Text with blank-line or line-break paragraphs, one Word paragraph each; nothing
        (and no heading) for empty text."""
        for part in _text(text).split("\n"):
            if part.strip():
                self.paragraph(part.strip())

    def bullet(self, text, level: int = 1):
        """A bullet; level 2 sits under the bullet before it (evidence under a finding)."""
        return self.paragraph(text, style=BULLET_STYLES[level])

    def numbered(self, text, level: int = 1):
        """Add a numbered paragraph at list ``level`` (1 to the depth of ``NUMBER_STYLES``)."""
        return self.paragraph(text, style=NUMBER_STYLES[level])

    def status_line(self, purpose: str, *parts):
        """The line under the title: what the reader is asked to do ("For decision" or
        "For information") then the reference, status and version, each said once."""
        words = [purpose] + [_text(p) for p in parts if p]
        paragraph = self.paragraph("")
        lead = paragraph.add_run(words[0])
        lead.bold = True
        if len(words) > 1:
            paragraph.add_run(SEPARATOR + SEPARATOR.join(words[1:]))
        return paragraph

    def table(self, headers: Sequence[str], rows: Iterable[Sequence]):
        """A table with a bold header row repeated on each page, rows that do not split
        across pages, and columns as wide as their content (``column_widths``). Nothing
        (not even the heading above it) is written for a table without rows."""
        headers = [_text(h) for h in headers]
        rows = [[_text(v) for v in values] for values in rows]
        if not rows:
            return None
        self._flush()
        text_width = self.text_width
        widths = column_widths(headers, rows, text_width)
        table = self.document.add_table(rows=1, cols=len(headers))
        style_id = self._style_id("Table Grid", WD_STYLE_TYPE.TABLE)
        table._tbl.tblStyle_val = style_id  # table.style = "Table Grid", looked up once
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        table.autofit = False  # a fixed layout: Word keeps the widths below
        table_width = table._tbl.tblPr.find(qn("w:tblW"))
        table_width.set(qn("w:type"), "dxa")
        table_width.set(qn("w:w"), str(round(text_width / 635)))
        for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
            column.set(qn("w:w"), str(round(width / 635)))  # EMU to twentieths of a point
        header = table.rows[0]
        _row_property(header, "w:tblHeader")
        _row_property(header, "w:cantSplit")
        for cell, title in zip(header.cells, headers, strict=True):
            run = cell.paragraphs[0].add_run(title)
            run.bold = True
            run.font.size = TABLE_TEXT
        _finish_row(header, widths)
        # The first row is made cell by cell; the others are copies of it with their own
        # text (the same XML, made without python-docx's per-cell look-ups).
        first = None
        for values in rows:
            if first is None:
                first = table.add_row()
                _row_property(first, "w:cantSplit")
                for cell, value in zip(first.cells, values, strict=True):
                    cell.text = value
                    for run in cell.paragraphs[0].runs:
                        run.font.size = TABLE_TEXT
                _finish_row(first, widths)
                continue
            tr = copy.deepcopy(first._tr)
            for tc, value in zip(tr.tc_lst, values, strict=True):
                tc.p_lst[0].r_lst[0].text = value
            table._tbl.append(tr)
        # A paragraph after the table, so a following heading is not glued to it.
        self.document.add_paragraph()
        return table

    def page_break(self) -> None:
        """Start a new page (after a title page, say)."""
        self._flush()
        self.document.add_page_break()

    def contents(self, entries: Sequence[str], heading: str = "Contents") -> None:
        """A table of contents (Word's TOC field over Heading 1 and 2), listing ``entries``
        until Word updates it: the paper asks Word to update its fields when opened, so the
        page numbers appear there."""
        self.heading(heading, 1)
        self._flush()
        paragraph = self.document.add_paragraph()
        for kind, text in (
            ("begin", None),
            (None, 'TOC \\o "1-2" \\h \\z \\u'),
            ("separate", None),
        ):
            run = paragraph.add_run()
            if kind:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
            else:
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = f" {text} "
            run._r.append(element)
        for index, entry in enumerate(entries):
            if index:
                paragraph.add_run().add_break()
            paragraph.add_run(_text(entry))
        end = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        paragraph.add_run()._r.append(end)
        settings = self.document.settings.element
        if settings.find(qn("w:updateFields")) is None:
            update = OxmlElement("w:updateFields")
            update.set(qn("w:val"), "true")
            settings.append(update)

    def picture(self, image: bytes, description: str, width_cm: float = 16) -> None:
        """An image (a PNG chart) as wide as ``width_cm`` (never wider than the text), with
        ``description`` as its alternative text for screen readers."""
        self._flush()
        width = min(Cm(width_cm), self.text_width)
        self.document.add_picture(io.BytesIO(image), width=width)
        shape = self.document.inline_shapes[-1]
        shape._inline.docPr.set("descr", _text(description))

    def to_bytes(self) -> bytes:
        """The .docx file as bytes; headings with nothing under them are left out."""
        self._pending = []  # headings with nothing under them are left out
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_response(body: bytes, filename: str):
    """A Flask response downloading the Word document ``body`` (bytes, as
    ``WordPaper.docx_bytes`` gives them) as an attachment called ``filename`` (ends in
    .docx; written into the header as given, so a name made from a reference and dates,
    never from typed text)."""
    from flask import Response

    response = Response(body, mimetype=DOCX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
