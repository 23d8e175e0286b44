"""The one Excel writer every export goes through: styled, filterable, printable, streamed.

Modules hand it columns and rows (and optionally a summary, further sheets, totals and chart
specs); nothing outside this file knows which library writes the file. It is xlsxwriter in
constant-memory mode: each row goes to a temporary file as it is written, so a 100,000-row
export keeps memory flat, and the finished .xlsx is sent in chunks.

Every workbook gets, from here and nowhere else:

- a first "About" sheet: the council, the report, the period, the filters applied, and when
  and by whom it was made;
- the summary (if any) next, then the tables; sheet names unique, within Excel's 31
  characters and cut at a word, never inside one;
- column widths from the content (the first ``SAMPLE_ROWS`` rows and the header), capped at
  the column's ``width``; long text wraps, with the row tall enough to show it; headers wrap
  at words, never cut off;
- totals rows below the filter range, so sorting or filtering never moves them;
- dates and times as real date cells (text that looks like a formula stays text);
- print set-up on every sheet: A4, landscape where the sheet is wide, one page wide, the
  header row repeated on each page, the council and report in the page header and
  "Page N of M" in the footer;
- native bar charts with axis titles, one series per compared column (every period a table
  compares), coloured from the data they show (the grading scale's colours, in its order,
  for grades: ``qaweb.core.grading.chart_colours``) and read top to bottom in the table's
  order.

Import templates (a header row, drop-downs for fixed choices, instructions on their own
sheet, no sample rows) are built by ``qaweb.core.import_template``.
"""

import math
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import chain, islice

import xlsxwriter
from flask import Response, has_request_context

from qaweb.core.text import printable
from qaweb.core.timefmt import to_london

FORMULA_STARTS = ("=", "+", "-", "@")  # written as text, never as a formula
HEADER_STYLE = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#0B0C0C",
    "pattern": 1,
    "text_wrap": True,
    "valign": "top",
}
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
PIXELS_PER_CM = 37.8
#: Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_MAX = 31
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
#: Rows read ahead to size the columns: enough to see the data's shape, few enough to keep
#: a streamed export's memory flat.
SAMPLE_ROWS = 200
#: Column widths in characters: the narrowest a column is made, and the default cap.
MIN_WIDTH = 6
MAX_WIDTH = 50
MIN_CAP = 40
#: The workbook's font: Arial 10, the usual council document font, whose metrics every
#: spreadsheet program has (LibreOffice's Liberation Sans matches it; a missing Calibri is
#: replaced by a wider font, which cut off columns and charts when printed).
DEFAULT_COLUMN_PX = 64  # a column left at its default width
FONT = {"font_name": "Arial", "font_size": 10, "font_scheme": False}
BOOK_OPTIONS = {
    "default_format_properties": FONT,
    "default_row_height": 17,  # pixels: Arial 10's row
    "default_column_width": DEFAULT_COLUMN_PX,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
LINE_HEIGHT = 12.75  # points per line of Arial 10
#: Arial's advance widths (thousandths of an em; Liberation Sans has the same), regular and
#: bold, for the characters of English text, so a cell's wrapped lines are counted as a
#: spreadsheet program lays them out: counting characters made a row a line too tall for
#: narrow letters ("Stage 1: complaints answered point by point" in a 40-wide column).
ARIAL_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
        "abcdefghijklmnopqrstuvwxyz{|}~£€–—‘’“”·…",
        (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278)
        + (556,) * 10
        + (278, 278, 584, 584, 584, 556, 1015)
        + (667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833)
        + (722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611)
        + (278, 278, 278, 469, 556, 333)
        + (556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833)
        + (556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500)
        + (334, 260, 334, 584, 556, 556, 556, 1000, 222, 222, 333, 333, 278, 1000),
        strict=True,
    )
)
ARIAL_BOLD_WIDTHS = {
    **ARIAL_WIDTHS,
    **dict(
        zip(
            "!\"&':;?@ABJKLbdfghijklmnopqrstuvwxy{|}",
            (333, 474, 722, 238, 333, 333, 611, 975, 722, 722, 556, 722, 611, 611, 611, 333)
            + (611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611)
            + (556, 778, 556, 556, 389, 280, 389),
            strict=True,
        )
    ),
}
#: Any other character: as wide as most capitals (a letter with an accent, say), and a full
#: em for East Asian wide characters: erring wide, as a row too short cuts its text off.
OTHER_WIDTH, WIDE_WIDTH = 722, 1000
#: Pixels per thousandth of an em of Arial 10 at 96 pixels an inch.
PIXELS_PER_UNIT = 10 * 96 / 72 / 1000
#: Of a column's pixels (7 a unit of width and 5 more), those its text may not take: the
#: cell's margins either side (LibreOffice wraps "Average working days" over two lines in a
#: column 12 wide, its second line 85.2 pixels of the column's 89).
CELL_MARGIN_PX = 3
PIXELS_PER_CHAR = 7  # Excel's column-width unit (Arial 10's widest digit) at 100 % zoom
#: Pixels a column of width 1 takes when printed, with a margin for programs that measure a
#: little wider: used when working out a print scale, so nothing falls off the page.
PRINT_PIXELS_PER_CHAR = 7.5
#: Width (in characters) that fits across an A4 portrait page at 100 %; wider sheets print
#: landscape (and every sheet is scaled to one page wide).
PORTRAIT_WIDTH = 100
A4 = 9  # Excel's paper-size code for A4
#: Series fills for compared periods when the data has no colours of its own: the current
#: period strongest (GOV.UK blue, light blue, mid grey, then further GOV.UK colours).
PERIOD_COLOURS = ["#1D70B8", "#5694CA", "#B1B4B6", "#4C2C92", "#28A197", "#F47738"]


@dataclass(frozen=True)
class Column:
    """One column: its header, the widest it may grow (characters, never less than
    ``MIN_CAP``; it is sized from the content up to this), and how its values are written."""

    title: str
    width: int = MAX_WIDTH
    kind: str = "text"  # text, date, datetime, number


@dataclass(frozen=True)
class BarChart:
    """A native Excel bar chart drawn from a sheet's table: categories from the first column
    (top to bottom in the table's order), one series per following column named by its header
    (``series`` limits how many; by default every one, so every compared period is plotted).

    ``colours`` fill the series in order (``#RRGGBB``; default ``PERIOD_COLOURS``);
    ``point_colours`` instead fill each bar of a one-series chart by its row (a grade
    table's rows, say, from ``grading.chart_colours``). ``value_title`` names the value
    axis; the category axis is named by ``category_title`` or the first column's header."""

    title: str
    series: int | None = None
    stacked: bool = False
    height_cm: float = 8
    width_cm: float = 16
    value_title: str = "Number"
    category_title: str | None = None
    colours: Sequence[str] | None = None
    point_colours: Sequence[str] | None = None
    counts: bool = True  # whole numbers: the value axis is never marked 0.5, 1.5 ...


@dataclass
class Table:
    """One of several small titled tables on a report sheet (``Sheet.tables``), each with
    its chart beside it. Rows are a list: a report's figures, not a stream."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence]
    chart: BarChart | None = None


@dataclass
class Sheet:
    """A further sheet: a table, optionally totals rows below its filter range and a native
    Excel chart drawn from its rows; or, with ``tables`` (and no columns or rows), a report
    sheet of several small titled tables one under another, each with its chart beside it
    (a report's figures grouped by topic, so the workbook prints in a few pages)."""

    title: str
    columns: Sequence[Column] = ()
    rows: Iterable[Sequence] = ()
    chart: BarChart | None = None
    totals: Sequence[Sequence] = ()
    tables: Sequence[Table] = ()


@dataclass
class About:
    """What the first sheet says about the workbook. ``filters`` are (label, value) pairs of
    the filters in force (none: "None: everything"); ``council``, ``made_by`` and ``made_at``
    are filled in by ``send_workbook`` from the settings and the signed-in person."""

    report: str = ""
    period: str = ""
    filters: Sequence[tuple[str, object]] = ()
    council: str = ""
    made_by: str = ""
    made_at: datetime | None = None
    notes: Sequence[str] = field(default_factory=tuple)


def sheet_name(title: str, used: set[str] | None = None) -> str:
    """``title`` as a sheet name Excel accepts: characters it refuses dropped, at most 31
    characters cut at the last whole word (a single longer word is cut), and made unique
    among ``used`` (case-insensitively, as Excel compares them) with " (2)", " (3)" ...;
    the name is added to ``used``."""
    used = set() if used is None else used
    text = " ".join(SHEET_NAME_BAD.sub(" ", printable(title)).replace("'", "").split())
    text = text or "Sheet"

    def fit(limit):
        if len(text) <= limit:
            return text
        cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
        return cut.rstrip(" ,;-–(") or text[:limit]

    name, number = fit(SHEET_NAME_MAX), 1
    taken = {u.lower() for u in used}
    while name.lower() in taken:
        number += 1
        suffix = f" ({number})"
        name = fit(SHEET_NAME_MAX - len(suffix)) + suffix
    used.add(name)
    return name


class _Formats:
    def __init__(self, book):
        self.header = book.add_format(HEADER_STYLE)
        # Bottom-aligned, as a table row's other cells are: a date set at the top of a row
        # whose text wraps read as the row above's.
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.row_wrap = book.add_format({"text_wrap": True})
        self.top = book.add_format({"valign": "top"})
        self.bold = book.add_format({"bold": True, "valign": "top"})
        self.title = book.add_format({"bold": True, "font_size": 16})
        self.heading = book.add_format({"bold": True, "font_size": 13})
        self.total = book.add_format({"bold": True, "top": 1, "valign": "top"})
        # A label's value (About and Summary sheets) starts beside its label, whatever it is.
        left = {"valign": "top", "align": "left"}
        self.left = book.add_format(left)
        self.left_dates = (
            book.add_format({**left, "num_format": DATE_FORMAT}),
            book.add_format({**left, "num_format": DATETIME_FORMAT}),
        )


def _shown(value) -> str:
    """The text a cell shows, for sizing its column."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return "00/00/0000 00:00"
    if isinstance(value, date):
        return "00/00/0000"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return printable(str(value))


def _text_px(text: str, bold: bool = False) -> float:
    """The width ``text`` takes in Arial 10 (bold if ``bold``), in pixels at 100 % zoom."""
    table = ARIAL_BOLD_WIDTHS if bold else ARIAL_WIDTHS
    try:
        return sum(map(table.__getitem__, text)) * PIXELS_PER_UNIT  # the usual: all known
    except KeyError:
        pass
    units = 0
    for ch in text:
        width = table.get(ch)
        if width is None:
            wide = unicodedata.east_asian_width(ch) in ("W", "F")
            width = WIDE_WIDTH if wide else OTHER_WIDTH
        units += width
    return units * PIXELS_PER_UNIT


_WORD_PX: dict[bool, dict[str, float]] = {False: {}, True: {}}


def _room_px(width: int) -> int:
    """The pixels a cell's text may take in a column ``width`` characters wide (7 pixels a
    unit and 5 more, less the cell's margins), at least one unit."""
    return max(width * PIXELS_PER_CHAR + 5 - CELL_MARGIN_PX, PIXELS_PER_CHAR)


def _lines(text: str, width: int, bold: bool = False) -> int:
    """Lines ``text`` (Arial 10, bold if ``bold``) takes wrapped at words in a column
    ``width`` characters wide, laid out as a spreadsheet program does: each line holds the
    words whose letters' widths (``ARIAL_WIDTHS``) fit in the column, and a word wider than
    the column breaks over lines."""
    room = _room_px(width)
    # Most cells: one line, found without measuring (no letter is wider than 15 pixels).
    if "\n" not in text and len(text) * 15 <= room:
        return 1
    space = _text_px(" ", bold)
    # Words recur (a streamed export's notes say the same things): each is measured once
    # (at most 20,000 words of up to 40 letters kept, so a long-running worker stays small).
    known = _WORD_PX[bold]
    if len(known) > 20_000:
        known.clear()
    count = 0
    for part in text.split("\n"):
        lines, used = 1, 0.0
        for word in part.split(" "):
            size = known.get(word)
            if size is None:
                size = _text_px(word, bold)
                if len(word) <= 40:  # a long unbroken string is rare: not kept
                    known[word] = size
            if used and used + space + size > room:
                lines, used = lines + 1, 0.0
            used += (space if used else 0) + size
            while used > room:  # a word wider than the line breaks over lines
                lines, used = lines + 1, used - room
        count += lines
    return count


def _widths(columns: Sequence[Column], sample: Sequence[Sequence]) -> list[int]:
    """Each column's width: the widest value in the sample (or the header's longest word,
    so a header wraps and is never cut), capped at the column's ``width`` (or ``MIN_CAP``)."""
    widths = []
    for index, column in enumerate(columns):
        words = printable(column.title).split() or [""]
        # A header takes at most two lines (wrapped at a word), and never cuts a word.
        header = max(max(len(w) for w in words), math.ceil(len(" ".join(words)) / 2)) + 2
        content = max(
            (
                max(len(line) for line in _shown(row[index]).split("\n")) + 2
                for row in sample
                if index < len(row)
            ),
            default=0,
        )
        whole_header = len(printable(column.title)) + 2
        # A short header keeps one line when the column's values are about as wide.
        want = max(content, header, whole_header if whole_header <= content + 4 else header)
        # A narrower cap than MIN_CAP made names like "Quality Assurance and Safeguarding"
        # take two lines for no gain: a column may always grow that far for its content.
        widths.append(max(MIN_WIDTH, min(want, max(column.width, header, MIN_CAP))))
    return widths


def _write_cell(sheet, formats, r, c, value, width=None, bold=False, left=False):
    """One value, typed: text stays text (even "=1+1"), dates and numbers are real (aligned
    left if ``left``: a label's value). Returns the lines the cell takes at ``width`` (1
    unless its text wraps)."""
    if value.__class__ is str:
        value = printable(value)  # stored text, whatever it holds: Excel shows it as typed
    lines = _lines(value, width, bold) if value.__class__ is str and value and width else 1
    plain = formats.total if bold else formats.left if left else formats.top
    dates = formats.left_dates if left else None
    _put(sheet, formats, r, c, value, formats.wrap if lines > 1 else plain, plain, dates)
    return lines


def _put(sheet, formats, r, c, value, text_format, plain, dates=None):
    """Write a cleaned value: strings with ``text_format``, numbers with ``plain``, dates
    and times with ``dates`` (a (date, datetime) pair of formats; default right-aligned)."""
    if value is None or value == "":
        return
    kind = value.__class__
    if kind is str:
        sheet.write_string(r, c, value, text_format)
    elif kind is bool:
        sheet.write_boolean(r, c, value, plain)
    elif kind is int or kind is float:
        sheet.write_number(r, c, value, plain)
    elif isinstance(value, datetime):
        # Excel has no time zones: write the London wall-clock time people expect.
        stamp = to_london(value).replace(tzinfo=None)
        sheet.write_datetime(r, c, stamp, dates[1] if dates else formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(r, c, value, dates[0] if dates else formats.date)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(r, c, float(value), plain)
    else:
        sheet.write_string(r, c, printable(str(value)), text_format)


def _write_row(sheet, formats, r, row, widths, bold=False):
    """One row of a table; a row whose text wraps is made tall enough to show it all."""
    wrapped = None  # {column: lines} of the cells whose text wraps, found in one pass
    values = list(row)
    for c, value in enumerate(values):
        if value.__class__ is str:
            value = values[c] = printable(value)
            # Cheap tests first: text this short fits whatever its letters (no letter is wider
            # than 15 pixels, see _lines), and text narrower than the column fits. Counting
            # characters against the column's width is not enough: capitals are wider than
            # its unit, so a value in capitals as many letters long as the column is wide
            # takes two lines.
            room = _room_px(widths[c])
            if "\n" in value or (len(value) * 15 > room and _text_px(value, bold) > room):
                lines = _lines(value, widths[c], bold)
                if lines > 1:
                    wrapped = wrapped or {}
                    wrapped[c] = lines
    if bold:
        for c, value in enumerate(values):
            _put(sheet, formats, r, c, value, formats.total, formats.total)
    elif wrapped is None:
        for c, value in enumerate(values):
            _put(sheet, formats, r, c, value, None, None)
    else:
        # Only the wrapping cells get a style (a style on every cell costs a fifth more
        # time to write); all stay bottom-aligned, the default, so the row reads level.
        for c, value in enumerate(values):
            _put(sheet, formats, r, c, value, formats.row_wrap if c in wrapped else None, None)
    if wrapped:
        sheet.set_row(r, LINE_HEIGHT * max(wrapped.values()))


def _print_setup(sheet, width_chars: float, about: About, title_rows: int | None = 0):
    """A4, landscape when wider than a portrait page, one page wide (as many tall as it
    takes), the header row repeated, the council and report at the top of every page and
    "Page N of M" at the foot."""
    sheet.set_paper(A4)
    if width_chars > PORTRAIT_WIDTH:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    if title_rows is not None:
        sheet.repeat_rows(title_rows)
    council = (about.council or "").replace("&", "&&")
    report = (about.report or "").replace("&", "&&")
    sheet.set_header(f"&L{council[:100]}&R{report[:100]}")
    sheet.set_footer("&CPage &P of &N")


def _write_table(book, formats, name, columns, rows, about, chart=None, totals=()):
    """A table: header row, rows, filter over them, totals below the filter range, chart
    beside it. Returns (sheet, number of data rows)."""
    sheet = book.add_worksheet(name)
    rows = iter(rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    widths = _widths(columns, [*sample, *totals])
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    header_lines = 1
    for index, column in enumerate(columns):
        title = printable(column.title)
        sheet.write_string(0, index, title, formats.header)
        header_lines = max(header_lines, _lines(title, widths[index], bold=True))
    if header_lines > 1:
        sheet.set_row(0, LINE_HEIGHT * header_lines)
    width = len(columns)
    count = 0
    for count, row in enumerate(chain(sample, rows), start=1):  # noqa: B007 (used below)
        if len(row) != width:
            raise ValueError(f"row {count} has {len(row)} values for {width} columns")
        _write_row(sheet, formats, count, row, widths)
    sheet.autofilter(0, 0, count, width - 1)
    # Totals after a blank row: outside the filter range, so sorting leaves them at the foot.
    for offset, row in enumerate(totals, start=count + 2):
        if len(row) != width:
            raise ValueError(f"totals row has {len(row)} values for {width} columns")
        _write_row(sheet, formats, offset, row, widths, bold=True)
    chart_chars = 0
    if chart is not None and count:
        chart_chars = 1 + chart.width_cm * PIXELS_PER_CM / PIXELS_PER_CHAR
        _add_chart(book, sheet, chart, columns, count)
    _print_setup(sheet, sum(widths) + chart_chars, about)
    return sheet, count


def _page_px(landscape: bool) -> tuple[float, float]:
    """The printable width and height of an A4 page, in pixels at 96 per inch, inside the
    margins ``_print_setup`` sets (and room for the page header and footer)."""
    long, short = 297 / 25.4 * 96, 210 / 25.4 * 96
    width, height = (long, short) if landscape else (short, long)
    return width - 96, height - 1.5 * 96 - 24


#: A chart beside a report table: its title, legend, value axis and its title take about
#: this much height (cm); each category then takes room for its bars (one per series), never
#: less than a line of its 8-point label. The chart is as tall as its table where that is
#: more, so the two read side by side and the sheet wastes no height; never below the least.
CHART_CHROME_CM = 2.4
BAR_CM = 0.12
CATEGORY_MIN_CM = 0.38
CHART_MIN_CM = 3.6
#: A report sheet of several tables prints portrait (tall stacked tables fill a portrait
#: page best) when that keeps its text at least this scale; otherwise landscape.
PORTRAIT_MIN_SCALE = 0.6


def chart_height_cm(spec: BarChart, categories: int, series: int, beside_cm: float = 0) -> float:
    """The height (cm) of a chart of ``categories`` rows of ``series`` bars each, beside a
    table ``beside_cm`` tall: as tall as its bars need (``CATEGORY_MIN_CM`` a category at
    least) or as the table, whichever is more, and at least ``CHART_MIN_CM``; at most the
    spec's ``height_cm``."""
    bars = 1 if spec.stacked else max(series, 1)
    each = max(CATEGORY_MIN_CM, bars * BAR_CM)
    need = max(CHART_MIN_CM, beside_cm, CHART_CHROME_CM + max(categories, 1) * each)
    return min(max(spec.height_cm, CHART_MIN_CM), need)


def _write_tables(book, formats, name, tables: Sequence[Table], about):
    """Several titled tables one under another, each chart beside its table and as tall as
    its bars need (``chart_height_cm``). Printed one page wide at a fixed scale, portrait
    unless that makes the text too small (``PORTRAIT_MIN_SCALE``), with a page break before
    any table (and chart) that would otherwise be cut across two pages (Excel ignores manual
    breaks when "fit to" is set, so the scale is worked out here), and the print area the
    tables and charts take."""
    sheet = book.add_worksheet(name)
    width = max((len(t.columns) for t in tables), default=1)
    widths = [MIN_WIDTH] * width
    for table in tables:
        for index, value in enumerate(_widths(table.columns, table.rows)):
            widths[index] = max(widths[index], value)
    for index, value in enumerate(widths):
        sheet.set_column(index, index, value)

    def columns_px(count: int) -> float:
        return sum(widths[:count]) * PRINT_PIXELS_PER_CHAR + 5 * count

    def chart_px(table: Table) -> float:
        return table.chart.width_cm * PIXELS_PER_CM + 24 if table.chart and table.rows else 0

    # Each chart beside its own table's columns: a wide table without a chart (say a
    # timescales table) sits under narrower ones with theirs, and the sheet is only as wide
    # as the widest of them (and a margin for the chart's frame and the programs' rounding,
    # so no sliver spills onto a page).
    content_px = 48 + max(
        (columns_px(len(t.columns)) + chart_px(t) for t in tables), default=columns_px(width)
    )
    right_px = max((columns_px(len(t.columns)) + chart_px(t) for t in tables), default=0)
    landscape = page_width = None
    for landscape in (False, True):
        page_width, page_height = _page_px(landscape)
        if page_width / content_px >= PORTRAIT_MIN_SCALE:
            break
    scale = min(1.0, page_width / content_px)
    room = page_height / scale  # pixels of sheet per printed page
    row_px = LINE_HEIGHT * 4 / 3
    breaks, used_px, r = [], 0.0, 0
    for table in tables:
        header_lines = max(
            _lines(printable(c.title), widths[i], bold=True) for i, c in enumerate(table.columns)
        )
        count = len(table.rows)
        block_px = row_px * (2 + header_lines + count)
        chart = table.chart if count else None
        if chart is not None:
            series = len(table.columns) - 1 if chart.series is None else chart.series
            beside_cm = (block_px - row_px - 8) / PIXELS_PER_CM  # the table under the title
            height = chart_height_cm(chart, count, series, beside_cm)
            chart = replace(chart, height_cm=height)
            block_px = max(block_px, chart.height_cm * PIXELS_PER_CM + 12)
        if used_px and used_px + block_px > room:
            breaks.append(r)
            used_px = 0.0
        _write_titled_table(book, sheet, formats, table, widths, r, header_lines, chart)
        rows_used = math.ceil(block_px / row_px) - (header_lines - 1)
        r += rows_used
        used_px += rows_used * row_px + (header_lines - 1) * row_px
    _print_setup(sheet, 0, about, title_rows=None)
    if landscape:
        sheet.set_landscape()
    sheet.set_print_scale(max(10, math.floor(scale * 100)))
    # The tables and the charts beside them (default-width columns), and nothing further.
    extra_px = max(0.0, right_px - columns_px(width)) + 16
    last_column = width - 1 + (math.ceil(extra_px / DEFAULT_COLUMN_PX) if right_px else 0)
    sheet.print_area(0, 0, max(r - 1, 0), last_column)
    if breaks:
        sheet.set_h_pagebreaks(breaks)
    return sheet


def _write_titled_table(
    book, sheet, formats, table: Table, widths, r: int, header_lines: int, chart
):
    """``table`` at row ``r`` of ``sheet``: its title, its header row (``header_lines``
    lines tall), its rows, and ``chart`` (None for none) beside it. Raises ValueError for a
    row whose number of values is not the table's number of columns."""
    sheet.write_string(r, 0, printable(table.title), formats.heading)
    top = r + 1
    for index, column in enumerate(table.columns):
        sheet.write_string(top, index, printable(column.title), formats.header)
    if header_lines > 1:
        sheet.set_row(top, LINE_HEIGHT * header_lines)
    for offset, row in enumerate(table.rows, start=1):
        if len(row) != len(table.columns):
            raise ValueError(f"{table.title}: a row has {len(row)} values")
        _write_row(sheet, formats, top + offset, row, widths)
    if chart is not None:
        largest = max(
            (v for row in table.rows for v in row[1:] if isinstance(v, int | float)), default=0
        )
        _add_chart(
            book,
            sheet,
            chart,
            table.columns,
            len(table.rows),
            first_row=top,
            at=(r, len(table.columns)),
            largest=largest,
            label_chars=max(len(_shown(row[0])) for row in table.rows),
        )


def _fill(colour):
    return {"fill": {"color": colour}, "border": {"color": "#FFFFFF"}}


#: A chart's fixed parts, in centimetres: the title above the plot; below it the value
#: axis's numbers and title, and the legend's line; beside it the category axis's title, and
#: an 8-point label's width per character.
PLOT_TOP_CM = 0.85
PLOT_BOTTOM_CM = 1.15
LEGEND_CM = 0.5
PLOT_LEFT_CM = 0.75
LABEL_CHAR_CM = 0.16
LABEL_SHARE = 0.6


def _plot_layout(spec: BarChart, label_chars: int, legend: bool) -> dict:
    """The plot area's position and size as fractions of the chart (as Excel stores a
    manual layout): under the title, over the value axis (and legend), right of the
    category labels (at most ``LABEL_SHARE`` of the chart's width; longer labels wrap)."""
    width, height = spec.width_cm, spec.height_cm
    left = min(PLOT_LEFT_CM + LABEL_CHAR_CM * label_chars, width * LABEL_SHARE)
    bottom = PLOT_BOTTOM_CM + (LEGEND_CM if legend else 0)
    return {
        "x": round(left / width, 3),
        "y": round(PLOT_TOP_CM / height, 3),
        "width": round((width - left - 0.4) / width, 3),
        "height": round(max(height - PLOT_TOP_CM - bottom, 0.5) / height, 3),
    }


def _add_chart(
    book,
    sheet,
    spec: BarChart,
    columns: Sequence[Column],
    count: int,
    first_row=0,
    at=None,
    largest=None,
    label_chars=None,
):
    """A bar chart of ``count`` rows from ``first_row`` (the header) on ``sheet``, at ``at``
    (row, column; default beside the table). Given ``label_chars`` (the longest category
    label), its plot area is laid out in centimetres (``_plot_layout``), so a short chart's
    bars and labels get the room rather than the white space around them."""
    chart = book.add_chart({"type": "bar", **({"subtype": "stacked"} if spec.stacked else {})})
    name = sheet.get_name()
    series = len(columns) - 1 if spec.series is None else spec.series
    colours = list(spec.colours or PERIOD_COLOURS)
    for col in range(1, 1 + series):
        options = {
            "name": [name, first_row, col],
            "categories": [name, first_row + 1, 0, first_row + count, 0],
            "values": [name, first_row + 1, col, first_row + count, col],
            # Narrow gaps between categories: the bars, not white space, take the height.
            **({"overlap": 100, "gap": 60} if spec.stacked else {"gap": 60}),
            **_fill(colours[(col - 1) % len(colours)]),
        }
        if spec.point_colours and series == 1:
            options["points"] = [
                _fill(spec.point_colours[i % len(spec.point_colours)]) for i in range(count)
            ]
        chart.add_series(options)
    chart.set_title({"name": spec.title, "name_font": {"size": 10, "bold": True}})
    # A bar chart's y axis holds the categories: reversed, the first row is at the top as in
    # the table, and the value axis (crossing at the last category) stays at the foot.
    chart.set_y_axis(
        {
            "name": spec.category_title or columns[0].title or "Figure",
            "name_font": {"size": 9, "bold": True},
            "num_font": {"size": 8},
            "reverse": True,
            "crossing": "max",
            "interval_unit": 1,  # every category named, however many
        }
    )
    chart.set_x_axis(
        {
            "name": spec.value_title,
            "name_font": {"size": 9, "bold": True},
            "num_font": {"size": 8},
            "major_gridlines": {"visible": True},
            "min": 0,
            # Small counts: a mark at each whole number, not at 0.2, 0.4 ...
            **({"major_unit": 1} if spec.counts and largest is not None and largest < 8 else {}),
        }
    )
    if series == 1 and spec.point_colours:
        chart.set_legend({"none": True})  # each bar is named on the category axis
    else:
        chart.set_legend({"position": "bottom", "font": {"size": 7}})
    chart.set_size(
        {"width": spec.width_cm * PIXELS_PER_CM, "height": spec.height_cm * PIXELS_PER_CM}
    )
    if label_chars is not None:
        legend = not (series == 1 and spec.point_colours)
        chart.set_plotarea({"layout": _plot_layout(spec, label_chars, legend)})
    row, col = at or (1, len(columns))
    sheet.insert_chart(row, col, chart, {"x_offset": 16, "y_offset": 4})


def _write_about(book, formats, about: About, names: Sequence[str]):
    sheet = book.add_worksheet("About")
    pairs = [
        ("Council", about.council),
        ("Report", about.report),
        ("Period", about.period or "Not limited to a period"),
    ]
    if about.filters:
        pairs += [(f"Filter: {label}", value) for label, value in about.filters]
    else:
        pairs.append(("Filters", "None: everything this report covers"))
    pairs += [
        ("Made on", about.made_at),
        ("Made by", about.made_by),
        ("Sheets", "\n".join(names)),
        *[("Note", note) for note in about.notes],
    ]
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.write_string(0, 0, printable(about.report or "Report"), formats.title)
    for r, (label, value) in enumerate(pairs, start=2):
        sheet.write_string(r, 0, printable(label), formats.bold)
        value = value if value not in (None, "") else ""
        lines = _write_cell(sheet, formats, r, 1, value, 70, left=True)
        if lines > 1:
            sheet.set_row(r, LINE_HEIGHT * lines)
    _print_setup(sheet, 94, about, title_rows=None)


def build_workbook(
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence],
    summary: Iterable[tuple[str, object]] | None = None,
    sheets: Sequence[Sheet] = (),
    about: About | None = None,
    totals: Sequence[Sequence] = (),
):
    """Write the workbook to a temporary .xlsx; return the open file, positioned at the start.

    Sheets in order: "About" (``about``; its report defaults to ``title``), "Summary"
    (``summary``'s (label, value) pairs) if given, the main table ``title`` (``columns`` and
    ``rows``, with ``totals`` rows below its filter range), then ``sheets``. The workbook opens
    on the main table. Raises ValueError if a row's
    length differs from its columns'."""
    about = about or About()
    about.report = about.report or title
    handle = tempfile.TemporaryFile()
    book = xlsxwriter.Workbook(handle, {"constant_memory": True, **BOOK_OPTIONS})
    book.set_properties({"title": about.report, "author": about.made_by, "company": about.council})
    try:
        formats = _Formats(book)
        used: set[str] = {"About"}
        summary_name = sheet_name("Summary", used) if summary is not None else None
        main_name = sheet_name(title, used)
        names = [n for n in (summary_name, main_name) if n]
        names += [sheet_name(extra.title, used) for extra in sheets]
        _write_about(book, formats, about, names)
        if summary is not None:
            info = book.add_worksheet(summary_name)
            info.set_column(0, 0, 44)
            info.set_column(1, 1, 50)
            for r, (label, value) in enumerate(summary):
                info.write_string(r, 0, printable(label), formats.bold)
                lines = _write_cell(info, formats, r, 1, value, 50, left=True)
                if lines > 1:
                    info.set_row(r, LINE_HEIGHT * lines)
            _print_setup(info, 94, about, title_rows=None)
        main, _ = _write_table(book, formats, main_name, columns, rows, about, totals=totals)
        main.activate()  # the workbook opens on its table; About and the summary come first
        for extra, name in zip(sheets, names[-len(sheets) :] if sheets else [], strict=True):
            if extra.tables:
                _write_tables(book, formats, name, extra.tables, about)
                continue
            _write_table(
                book, formats, name, extra.columns, extra.rows, about, extra.chart, extra.totals
            )
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


def made_by_now(about: About | None = None) -> About:
    """``about`` (or a new one) with the council's name, the signed-in person and the time
    filled in where they are not given."""
    from flask_login import current_user

    from qaweb.core.settings import get_setting

    about = about or About()
    if not about.council:
        about.council = get_setting("council_name")
    if not about.made_by and has_request_context() and current_user.is_authenticated:
        about.made_by = current_user.name
    if about.made_at is None:
        about.made_at = datetime.now(UTC)
    return about


def send_response(filename: str, handle) -> Response:
    """An open .xlsx file (positioned at the start) sent in chunks as ``filename``."""
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


def send_workbook(filename: str, *args, about: About | None = None, **kwargs):
    """An .xlsx download of ``build_workbook(*args, about=..., **kwargs)``, sent in chunks;
    the About sheet names the council, the person downloading it and the time."""
    handle = build_workbook(*args, about=made_by_now(about), **kwargs)
    return send_response(filename, handle)
