"""Downloadable templates for the spreadsheet imports (staff, practice-week schedule, ...).

A template is what a person fills in and uploads again, so it holds nothing the importer
would read as data: the first sheet is the header row alone (the importers read the first
sheet, ``qaweb.core.spreadsheets``), with drop-downs for columns of fixed choices and a
date check on date columns; what each column means is on its own "Instructions" sheet. A
sample row among the data made imports fail when someone typed under it, so there is none.

Use::

    from qaweb.core.import_template import ImportColumn, send_import_template

    return send_import_template(
        "complaints-template.xlsx",
        "Complaints",
        [
            ImportColumn("Received on", "The date the complaint arrived.", required=True,
                         kind="date"),
            ImportColumn("Stage", "The stage it is at.", choices=["Stage 1", "Stage 2"]),
        ],
        instructions=["One complaint per row."],
    )
"""

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from qaweb.core import excel
from qaweb.core.text import printable

#: Rows of the data sheet that carry the drop-downs and date checks.
VALIDATED_ROWS = 5000
#: Excel keeps a drop-down's choices written inline to 255 characters; longer lists are
#: read from the hidden "Choices" sheet.
INLINE_CHOICES_MAX = 255
#: Excel refuses a cell's input message (a data validation's prompt) over 255 characters.
INPUT_MESSAGE_MAX = 255
TIME_FORMAT = "hh:mm"
#: What ends a sentence: a part added after one of these needs no full stop before it.
_SENTENCE_ENDS = (".", "!", "?", "…")


def sentences(*parts: str) -> str:
    """``parts`` as one paragraph, each ending with a full stop before the next begins:
    ``sentences("Stage 1 starts that day", "Allowed: A date")`` is "Stage 1 starts that day.
    Allowed: A date." (empty parts are left out; a part already ending in . ! ? or an
    ellipsis keeps its own ending)."""
    kept = []
    for part in parts:
        part = part.strip()
        if part:
            kept.append(part if part.endswith(_SENTENCE_ENDS) else part + ".")
    return " ".join(kept)


def input_message(text: str, limit: int = INPUT_MESSAGE_MAX) -> str:
    """``text`` as a cell's pop-up input message of at most ``limit`` characters. Longer
    text keeps its whole sentences when they fill a third of ``limit`` or more; otherwise it is
    cut after the last whole word and ends with "…". Never cut mid-word (the full text
    is on the template's Instructions sheet)."""
    text = printable(text)
    if len(text) <= limit:
        return text
    # The sentence ends within the limit (one more character read: a sentence may end
    # exactly at it), and the spaces before which a word ends.
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)", text[: limit + 1])]
    if ends and ends[-1] >= limit // 3:
        return text[: ends[-1]]
    spaces = [m.start() for m in re.finditer(r"\s", text[:limit])]
    if not spaces:  # one enormous word: nothing to cut at
        return text[: limit - 1] + "…"
    return text[: spaces[-1]].rstrip(" ,;:.-–(\n\t") + "…"


@dataclass(frozen=True)
class ImportColumn:
    """One column of an import template.

    ``title`` is the header the importer matches; ``meaning`` says what to enter (shown on the
    Instructions sheet and as the cell's input message); ``choices`` are the only values
    accepted (a drop-down; the importer must accept exactly these); ``kind`` is "text",
    "date" (a date check and a date format), "time" (a time format) or "number";
    ``example`` is shown on the Instructions sheet only. ``strict`` False makes the drop-down
    only warn about a value not in its list (for a cell that may hold several choices)."""

    title: str
    meaning: str
    required: bool = False
    choices: Sequence[str] = ()
    kind: str = "text"
    example: str = ""
    strict: bool = True


def import_columns(
    headers: dict[str, str],
    meanings: dict[str, tuple[str, Sequence[str], str, str]],
    required: Sequence[str] = (),
    warn_only: Sequence[str] = (),
) -> list[ImportColumn]:
    """An importer's template columns, in ``meanings``' order: ``meanings`` {key: (meaning,
    choices, kind, example)} (see ``ImportColumn``), ``headers`` {key: the header the importer
    matches}, the keys in ``required`` required, those in ``warn_only`` with a drop-down that
    only warns (the importer reads other names for those choices too)."""
    return [
        ImportColumn(
            headers[key],
            meaning,
            required=key in required,
            choices=choices,
            kind=kind,
            example=example,
            strict=key not in warn_only,
        )
        for key, (meaning, choices, kind, example) in meanings.items()
    ]


def build_import_template(
    title: str, columns: Sequence[ImportColumn], instructions: Sequence[str] = ()
):
    """The template as an open temporary .xlsx positioned at the start: sheet ``title``
    (header row only, drop-downs, date checks), then "Instructions" (``instructions``, one
    paragraph each, then a row per column: required or not, what to enter, choices,
    example), then a hidden "Choices" sheet when a list is too long to write inline."""
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, excel.BOOK_OPTIONS)
    try:
        formats = excel._Formats(book)
        date_format = book.add_format({"num_format": excel.DATE_FORMAT})
        time_format = book.add_format({"num_format": TIME_FORMAT})
        data = book.add_worksheet(excel.sheet_name(title, {"Instructions", "Choices"}))
        help_sheet = book.add_worksheet("Instructions")
        choices_sheet = None
        last = VALIDATED_ROWS
        header_lines = 1
        for index, column in enumerate(columns):
            name = printable(column.title)
            width = max(
                len(name) + 2,
                max((len(c) + 3 for c in column.choices), default=0),
                12 if column.kind == "date" else 8,
            )
            width = min(width, 40)
            cell_format = {"date": date_format, "time": time_format}.get(column.kind)
            data.set_column(index, index, width, cell_format)
            data.write_string(0, index, name, formats.header)
            header_lines = max(header_lines, excel._lines(name, width, bold=True))
            prompt = {
                "input_title": name[:32],
                "input_message": input_message(column.meaning),
            }
            if column.choices:
                inline = ",".join(column.choices)
                if len(inline) <= INLINE_CHOICES_MAX and not any("," in c for c in column.choices):
                    source = list(column.choices)
                else:
                    if choices_sheet is None:
                        choices_sheet = book.add_worksheet("Choices")
                        choices_sheet.hide()
                    for r, choice in enumerate(column.choices):
                        choices_sheet.write_string(r, index, printable(choice))
                    letter = xl_col_to_name(index)
                    source = f"=Choices!${letter}$1:${letter}${len(column.choices)}"
                data.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "list",
                        "source": source,
                        "error_type": "stop" if column.strict else "warning",
                        "error_title": name[:32],
                        "error_message": f"Choose one of the {name} options in the list"[:255],
                        **prompt,
                    },
                )
            elif column.kind == "date":
                data.data_validation(
                    1,
                    index,
                    last,
                    index,
                    {
                        "validate": "date",
                        "criteria": "between",
                        "minimum": date(2000, 1, 1),
                        "maximum": date(2100, 12, 31),
                        "error_title": name[:32],
                        "error_message": "Enter a real date, like 3/11/2026",
                        **prompt,
                    },
                )
            else:
                data.data_validation(1, index, last, index, {"validate": "any", **prompt})
        if header_lines > 1:
            data.set_row(0, excel.LINE_HEIGHT * header_lines)
        data.freeze_panes(1, 0)
        data.activate()
        data.set_paper(excel.A4)
        data.set_landscape()
        data.fit_to_pages(1, 0)
        data.repeat_rows(0)
        data.set_footer("&CPage &P of &N")
        _instructions(help_sheet, formats, title, columns, instructions)
        book.close()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _drop_down_rule(columns) -> str:
    """The Instructions sheet's sentence on drop-downs: they accept only their list's values,
    except a column whose list only warns (``strict`` False), named as a guide."""
    guides = [column.title for column in columns if column.choices and not column.strict]
    if not guides:
        return "Columns with a drop-down accept only the values in its list."
    named = guides[0] if len(guides) == 1 else ", ".join(guides[:-1]) + " and " + guides[-1]
    return (
        f"Columns with a drop-down accept only the values in its list, except {named}: "
        "its list is a guide, and the other names listed for it are read too."
    )


def _instructions(sheet, formats, title, columns, instructions):
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 40)
    sheet.set_column(4, 4, 28)
    sheet.write_string(0, 0, f"How to fill in the {printable(title)} sheet", formats.title)
    paragraphs = [
        f"Enter one row per record on the {printable(title)} sheet, under its header row. "
        "Leave the header row as it is; the order of the columns does not matter.",
        *instructions,
        _drop_down_rule(columns),
    ]
    r = 2
    for paragraph in paragraphs:
        text = printable(paragraph)
        sheet.merge_range(r, 0, r, 4, text, formats.wrap)
        sheet.set_row(r, excel.LINE_HEIGHT * excel._lines(text, 160))
        r += 1
    r += 1
    for c, head in enumerate(("Column", "Required", "What to enter", "Choices", "Example")):
        sheet.write_string(r, c, head, formats.header)
    header_row = r
    for column in columns:
        r += 1
        values = [
            column.title,
            "Yes" if column.required else "No",
            column.meaning,
            "\n".join(column.choices),
            column.example,
        ]
        lines = 1
        for c, value in enumerate(values):
            lines = max(
                lines, excel._write_cell(sheet, formats, r, c, value, (28, 10, 60, 40, 28)[c])
            )
        if lines > 1:
            sheet.set_row(r, excel.LINE_HEIGHT * lines)
    sheet.set_paper(excel.A4)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_footer("&CPage &P of &N")


def send_import_template(
    filename: str,
    title: str,
    columns: Sequence[ImportColumn],
    instructions: Sequence[str] = (),
):
    """``build_import_template(title, columns, instructions)`` as an .xlsx download."""
    return excel.send_response(filename, build_import_template(title, columns, instructions))
