"""The one Excel writer every export goes through: styled, filterable, streamed.

Modules hand it columns and rows (and optionally further sheets, a summary and chart specs);
nothing outside this file knows which library writes the file. It is xlsxwriter in
constant-memory mode: each row goes to a temporary file as it is written, so a 100,000-row
export keeps memory flat, and the finished .xlsx is sent in chunks.
"""

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter
import xlsxwriter.utility
from flask import Response

from qaweb.core.text import printable
from qaweb.core.timefmt import to_london

FORMULA_STARTS = ("=", "+", "-", "@")  # written as text, never as a formula
HEADER_STYLE = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#0B0C0C", "pattern": 1}
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
PIXELS_PER_CM = 37.8


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 15
    kind: str = "text"  # text, date, datetime, number
    #: For a template people fill in: a drop-down of these values on the empty rows below the
    #: header (kept on a hidden "Lists" sheet, so a long list of team names fits). Strict
    #: refuses anything else; not strict only warns (a cell may hold several, say).
    choices: tuple[str, ...] = ()
    strict: bool = True


@dataclass(frozen=True)
class BarChart:
    """A native Excel bar chart drawn from a sheet's table: categories from the first column,
    one series per following column (named by its header), placed beside the table."""

    title: str
    series: int = 1
    stacked: bool = False
    height_cm: float = 8
    width_cm: float = 16


@dataclass
class Sheet:
    """A further sheet: a table, and optionally a native Excel chart drawn from it."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    chart: BarChart | None = None


class _Formats:
    def __init__(self, book):
        self.header = book.add_format(HEADER_STYLE)
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.bold = book.add_format({"bold": True})


def _write_cell(sheet, formats, r, c, value):
    """One value, typed: text stays text (even "=1+1"), dates and numbers are real."""
    if value is None:
        return
    if isinstance(value, str):
        value = printable(value)  # stored text, whatever it holds: Excel shows it as typed
        if value:
            sheet.write_string(r, c, value, formats.wrap if "\n" in value else None)
    elif isinstance(value, bool):
        sheet.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        sheet.write_number(r, c, value)
    elif isinstance(value, datetime):
        # Excel has no time zones: write the London wall-clock time people expect.
        sheet.write_datetime(r, c, to_london(value).replace(tzinfo=None), formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(r, c, value, formats.date)
    elif isinstance(value, Decimal):
        sheet.write_number(r, c, float(value))
    else:
        sheet.write_string(r, c, printable(str(value)))


#: Rows of a template that get its columns' drop-downs and date format.
TEMPLATE_ROWS = 5000


def _add_choices(book, sheet, columns: Sequence[Column]) -> None:
    """Drop-downs for the columns with choices, from a hidden "Lists" sheet."""
    listed = [(i, c) for i, c in enumerate(columns) if c.choices]
    if not listed:
        return
    lists = book.add_worksheet("Lists")
    # Row by row: in constant-memory mode a row is final once the next one is written.
    for r in range(1 + max(len(c.choices) for _, c in listed)):
        for n, (_, column) in enumerate(listed):
            if r == 0:
                lists.write_string(0, n, printable(column.title))
            elif r <= len(column.choices):
                lists.write_string(r, n, printable(column.choices[r - 1]))
    for n, (index, column) in enumerate(listed):
        letter = xlsxwriter.utility.xl_col_to_name(n)
        sheet.data_validation(
            1,
            index,
            TEMPLATE_ROWS,
            index,
            {
                "validate": "list",
                "source": f"=Lists!${letter}$2:${letter}${len(column.choices) + 1}",
                "error_type": "stop" if column.strict else "warning",
                "error_title": column.title[:32],
                "error_message": (
                    f"Choose one of the values in the list for {column.title}; the "
                    "Instructions sheet says what each column holds"
                )[:255],
            },
        )
    lists.hide()


def _write_table(book, formats, title, columns: Sequence[Column], rows: Iterable[Sequence]):
    sheet = book.add_worksheet(title[:31])
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    sheet.freeze_panes(1, 0)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, printable(column.title), formats.header)
    width = len(columns)
    count = 0
    write = _write_cell
    for count, row in enumerate(rows, start=1):  # noqa: B007 (count is used after the loop)
        if len(row) != width:
            raise ValueError(f"row {count} has {len(row)} values for {width} columns")
        for c, value in enumerate(row):
            write(sheet, formats, count, c, value)
    sheet.autofilter(0, 0, count, width - 1)
    return sheet, count


def _add_chart(book, sheet, spec: BarChart, columns: Sequence[Column], count: int):
    chart = book.add_chart({"type": "bar", **({"subtype": "stacked"} if spec.stacked else {})})
    name = sheet.get_name()
    for col in range(1, 1 + spec.series):
        chart.add_series(
            {
                "name": [name, 0, col],
                "categories": [name, 1, 0, count, 0],
                "values": [name, 1, col, count, col],
                **({"overlap": 100} if spec.stacked else {}),
            }
        )
    chart.set_title({"name": spec.title})
    chart.set_size(
        {"width": spec.width_cm * PIXELS_PER_CM, "height": spec.height_cm * PIXELS_PER_CM}
    )
    sheet.insert_chart(1, len(columns) + 1, chart)


def build_workbook(
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    summary: Iterable[tuple[str, object]] | None = None,
    sheets: Sequence[Sheet] = (),
):
    """Write the rows to a temporary .xlsx; return the open file, positioned at the start.

    Columns with ``choices`` (a template) get drop-downs on the first ``TEMPLATE_ROWS`` rows.
    """
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(
        handle,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        formats = _Formats(book)
        first, _ = _write_table(book, formats, title, columns, rows)
        if any(c.choices for c in columns):
            for index, column in enumerate(columns):
                if column.kind == "date":  # a date typed in the template is a real date
                    first.set_column(index, index, column.width, formats.date)
        for extra in sheets:
            sheet, count = _write_table(book, formats, extra.title, extra.columns, extra.rows)
            if extra.chart is not None and count:
                _add_chart(book, sheet, extra.chart, extra.columns, count)
        if summary is not None:
            info = book.add_worksheet("Summary")
            info.set_column(0, 0, 40)
            info.set_column(1, 1, 50)
            for r, (label, value) in enumerate(summary):
                info.write_string(r, 0, printable(label), formats.bold)
                _write_cell(info, formats, r, 1, value)
        _add_choices(book, first, columns)
        book.close()
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _chunks(handle, size=256 * 1024):
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


def send_workbook(filename: str, *args, **kwargs):
    """An .xlsx download of ``build_workbook(*args, **kwargs)``, sent in chunks."""
    handle = build_workbook(*args, **kwargs)
    handle.seek(0, 2)
    length = handle.tell()
    handle.seek(0)
    response = Response(
        _chunks(handle),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Length"] = str(length)
    response.headers["Cache-Control"] = "no-store"
    return response
