"""The one Excel writer every export goes through: styled, filterable, streamed."""

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from qaweb.core.timefmt import to_london

FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="0B0C0C")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 15
    kind: str = "text"  # text, date, datetime, number


def _cell(sheet, value, column: Column):
    if isinstance(value, datetime):
        # Excel has no time zones: write the London wall-clock time people expect.
        value = to_london(value).replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        if value.startswith(FORMULA_STARTS):
            cell.data_type = "s"  # text, never a formula
        if "\n" in value:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def _write_table(sheet, columns: Sequence[Column], rows: Iterable[Sequence]) -> int:
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.title)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value, col) for value, col in zip(row, columns, strict=True)])
        count += 1
    last_column = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
    return count


@dataclass
class Sheet:
    """A further sheet: a table, and optionally a native Excel chart drawn from it."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    #: (worksheet, number of data rows) -> an openpyxl chart, anchored beside the table.
    chart: object = None


def build_workbook(
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    summary: Iterable[tuple[str, object]] | None = None,
    sheets: Sequence[Sheet] = (),
):
    """Write the rows to a temporary .xlsx in write-only mode; return the open file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    _write_table(sheet, columns, rows)
    for extra in sheets:
        other = workbook.create_sheet(title=extra.title[:31])
        count = _write_table(other, extra.columns, extra.rows)
        if extra.chart is not None and count:
            anchor = get_column_letter(len(extra.columns) + 2) + "2"
            other.add_chart(extra.chart(other, count), anchor)
    if summary is not None:
        info = workbook.create_sheet(title="Summary")
        info.column_dimensions["A"].width = 40
        info.column_dimensions["B"].width = 50
        for label, value in summary:
            label_cell = WriteOnlyCell(info, value=label)
            label_cell.font = Font(bold=True)
            info.append([label_cell, _cell(info, value, Column(label))])
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
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
