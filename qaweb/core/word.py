"""The one Word (.docx) builder: A4-ready paragraphs, headings and tables, on any stored text.

python-docx refuses text that XML cannot hold (a vertical tab pasted from Word, a form feed,
a NUL), so every piece of text goes through ``printable`` here, and nothing a person saved
can stop a paper being downloaded.
"""

import io
from collections.abc import Iterable, Sequence

from docx import Document
from docx.shared import Pt

from qaweb.core.text import printable


class WordPaper:
    """A document in the house style (Arial 11): add text with the methods below, then
    ``to_bytes()``. Line breaks in text become line breaks in the paragraph."""

    def __init__(self):
        self.document = Document()
        style = self.document.styles["Normal"]
        style.font.name = "Arial"
        style.font.size = Pt(11)

    def paragraph(self, text, style: str | None = None):
        return self.document.add_paragraph(printable(str(text)), style=style)

    def heading(self, text, level: int):
        return self.document.add_heading(printable(str(text)), level=level)

    def table(self, headers: Sequence[str], rows: Iterable[Sequence]):
        table = self.document.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        for cell, title in zip(table.rows[0].cells, headers, strict=True):
            cell.text = printable(str(title))
        for values in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                cell.text = printable("" if value is None else str(value))
        return table

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()
