"""Reading a table people upload (.xlsx or .csv): the first row names the columns.

An .xlsx is read from its first sheet; when that sheet lacks the required headings (an
export from qaweb opens with an "About" sheet), from the first later sheet whose first row
has them.

Uploaded files are checked against limits while they are read, before anything large is
built in memory: an .xlsx is a zip of XML parts, and a file of a few kilobytes can declare a
whole sheet (1,048,576 rows by 16,384 columns), unpack to gigabytes or hold one enormous
cell. So the zip's declared sizes are checked first, then the shared strings and the sheet
are scanned as a stream (expat, counting only), and only then does openpyxl read the sheet,
in read-only mode, with its declared dimensions ignored. A limit passed is a refusal that
names the limit; nothing is ever cut short silently.
"""

import csv
import io
import re
import unicodedata
import zipfile
from contextlib import closing
from dataclasses import dataclass

from openpyxl import load_workbook

from qaweb.core import xlsx_checks


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why."""


class _NoHeadings(SpreadsheetError):
    """The sheet read lacks the required headings (or is empty): a later sheet may hold
    them (an export from qaweb opens with its "About" sheet)."""


@dataclass(frozen=True)
class Limits:
    """What one uploaded table may hold. Sizes in bytes, cell length in characters."""

    max_rows: int  # rows of data, not counting the header row or blank rows
    #: HR exports carry many columns qaweb ignores (grade, FTE, cost centre...).
    max_columns: int = 200
    #: Cells in the sheet, empty ones included: what openpyxl must parse.
    max_cells: int = 2_000_000
    #: Excel's own limit for one cell.
    max_cell: int = 32_767
    #: The upload itself (the app refuses requests over MAX_CONTENT_LENGTH before this).
    max_file: int = 10 * 1024 * 1024
    #: All parts of an .xlsx unpacked, as its zip declares them.
    max_unpacked: int = 100 * 1024 * 1024
    #: The sheet's XML unpacked.
    max_sheet: int = 60 * 1024 * 1024
    #: The workbook's shared strings (every text cell) unpacked: openpyxl loads them whole.
    max_shared_strings: int = 20 * 1024 * 1024
    #: Any other part (styles, workbook, relationships) unpacked.
    max_other_part: int = 10 * 1024 * 1024
    #: Elements in each part openpyxl loads whole (styles, workbook, properties).
    max_elements: int = 50_000
    #: Unpacked bytes per packed byte, over the whole file, once it unpacks past 10 MB.
    max_ratio: int = 200
    #: Rows counted with blank ones: a sheet whose rows are numbered far apart is refused.
    max_blank_rows: int = 10_000
    #: Characters in all the cells kept, together: an .xlsx can repeat one long shared string
    #: in every cell, which unpacks small but is stored (staged) once per cell.
    max_text: int = 20_000_000

    def file_message(self) -> str:
        """The refusal for a file larger than ``max_file`` bytes."""
        size = xlsx_checks.size_text(self.max_file)
        return f"The file is larger than {size}. Split it into smaller files"

    def rows_message(self) -> str:
        """The refusal for a sheet of more than ``max_rows`` rows."""
        return f"The file has more than {self.max_rows:,} rows. Split it into smaller files"

    def columns_message(self) -> str:
        """The refusal for a sheet of more than ``max_columns`` columns."""
        return (
            f"The file has more than {self.max_columns:,} columns. "
            "Delete the columns qaweb does not use"
        )

    def cells_message(self) -> str:
        """The refusal for a sheet of more than ``max_cells`` cells."""
        return (
            f"The file has more than {self.max_cells:,} cells. "
            "Delete the columns qaweb does not use, or split it into smaller files"
        )

    def cell_message(self) -> str:
        """The refusal for a cell of more than ``max_cell`` characters."""
        return (
            f"A cell in the file has more than {self.max_cell:,} characters. "
            "Shorten it and upload the file again"
        )


def read_upload(stream, limits: Limits) -> bytes:
    """The whole uploaded file (a file-like object), or SpreadsheetError if it is too large.

    Reads one byte past the limit so a larger file is refused, never cut short.
    """
    data = stream.read(limits.max_file + 1)
    if len(data) > limits.max_file:
        raise SpreadsheetError(limits.file_message())
    return data


# Invisible characters that change nothing a person sees but make two identifiers differ:
# zero-width spaces and joiners, bidi marks and isolates, the byte order mark, soft hyphens
# (Unicode category Cf, "format"). Pasted from web pages, Outlook and Teams into HR lists.
def clean_identifier(text: str) -> str:
    """``text`` without format characters (zero-width, bidi) and without spaces at its ends."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip()


def is_plain_identifier(text: str) -> bool:
    """True when ``text`` has no control, format, separator or unassigned characters."""
    return not any(unicodedata.category(ch)[0] in "CZ" for ch in text)


def header_key(text: str) -> str:
    """A column heading as a comparable key: lower case, without invisible characters,
    apostrophes, a note in brackets ("Date received (dd/mm/yyyy)") or punctuation ("Stage 1 -
    outcome:", "Received_date*"), single-spaced. "Complainant's Name " -> "complainants name"."""
    text = clean_identifier(text).lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def cell_text(value) -> str:
    """A cell's value as stripped text: "" for an empty cell, a whole-number float without ".0"
    (Excel stores 7 as 7.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_rows(data: bytes, limits: Limits):
    """Each row of the first sheet as a tuple of values, checked against ``limits`` first."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise SpreadsheetError(
            "The file could not be read: check it is a real .xlsx file"
        ) from None
    with archive:
        xlsx_checks.check_zip(archive, len(data), limits)
        xlsx_checks.scan_loaded_parts(archive, limits)
        for member in archive.infolist():
            if member.filename.lower().endswith("sharedstrings.xml"):
                with archive.open(member) as source:
                    xlsx_checks.scan_shared_strings(source, limits)
        # Scanned before openpyxl opens the workbook: opening it reads the whole sheet when
        # the sheet does not declare its size.
        path = xlsx_checks.first_sheet_path(archive)
        if path is None or path not in archive.namelist():
            raise SpreadsheetError("The first sheet of the file must be a table")
        with archive.open(path) as source:
            xlsx_checks.scan_sheet(source, limits)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("The first sheet of the file must be a table")
        sheet = workbook.worksheets[0]
        chosen = getattr(sheet, "_worksheet_path", path)
        if chosen != path:  # a chart sheet first, say: openpyxl reads the first table
            with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(chosen) as source:
                xlsx_checks.scan_sheet(source, limits)
        # A declared range (<dimension ref="A1:XFD1048576"/>) is not data: without this,
        # openpyxl pads every row to the declared width and adds the declared rows.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _later_sheets(data: bytes, limits: Limits):
    """The rows of each sheet of an .xlsx after the first, in order; each sheet is
    scanned against ``limits`` before its rows are read (the file as a whole was checked
    when its first sheet was read)."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for sheet in workbook.worksheets[1:]:
                with archive.open(sheet._worksheet_path) as source:
                    xlsx_checks.scan_sheet(source, limits)
                sheet.reset_dimensions()
                yield sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def _sniff_delimiter(text: str, headers: dict[str, str], name=str.lower) -> str:
    """The delimiter of a .csv: the one that splits the first line into the most known headers.

    Excel in a European locale (where the decimal mark is a comma) saves "CSV" with
    semicolons. When no delimiter finds a header, csv.Sniffer guesses among , ; and tab.
    """
    first_line = text[: 64 * 1024].split("\n", 1)[0]
    best, best_count = ",", 0
    for delimiter in (",", ";", "\t"):
        try:
            names = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        count = len({name(n.strip()) for n in names} & set(headers))
        if count > best_count:
            best, best_count = delimiter, count
    if best_count:
        return best
    try:
        return csv.Sniffer().sniff(text[: 16 * 1024], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _lines(text: str, delimiter: str, limits: Limits):
    """The lines of ``text`` with their endings, one at a time, each checked for width.

    csv.reader builds every field of a row before the row can be checked: a line of ten
    million commas would be a list of ten million strings. A line may hold a cell's own
    delimiters (in quotes), so the cap allows a full cell of them besides the columns.
    (Lines are cut here rather than by io.StringIO, which holds 4 bytes a character.)
    """
    most = limits.max_columns + limits.max_cell
    # Excel for Mac's "CSV (Macintosh)" ends lines with a bare carriage return.
    end_of_line = "\n" if "\n" in text or "\r" not in text else "\r"
    start = 0
    while start < len(text):
        end = text.find(end_of_line, start)
        end = len(text) if end < 0 else end + 1
        if text.count(delimiter, start, end) > most:
            raise SpreadsheetError(limits.columns_message())
        yield text[start:end]
        start = end


def _csv_rows(data: bytes, headers: dict[str, str], limits: Limits, name=str.lower):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            "The .csv file must be saved as UTF-8 (CSV UTF-8 in Excel)"
        ) from None
    delimiter = _sniff_delimiter(text, headers, name)
    reader = csv.reader(_lines(text, delimiter, limits), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise SpreadsheetError(limits.cell_message()) from None
        raise SpreadsheetError(
            f"The .csv file could not be read at line {reader.line_num:,}: {error}"
        ) from None


def _refuse_repeated(header: list[str], raw, headers: dict[str, str]) -> None:
    seen: dict[str, str] = {}
    for key, heading in zip(header, raw, strict=False):
        if key not in headers:
            continue
        if key in seen:
            raise SpreadsheetError(
                f"Two columns mean {headers[key]}: '{seen[key]}' and '{cell_text(heading)}'. "
                "Delete or rename one of them"
            )
        seen[key] = cell_text(heading)


def _source_rows(filename: str, data: bytes, headers, limits: Limits, heading_key, what: str):
    """The raw rows of a .csv or .xlsx file (an iterator of cell lists); SpreadsheetError for
    a file over ``limits.max_file`` bytes or of another type."""
    if len(data) > limits.max_file:
        raise SpreadsheetError(limits.file_message())
    name = filename.lower()
    if name.endswith(".csv"):
        return _csv_rows(data, headers, limits, heading_key)
    if name.endswith(".xlsx"):
        return _xlsx_rows(data, limits)
    raise SpreadsheetError(f"The {what} must be an .xlsx or .csv file")


def _last_filled(raw: list, number: int, limits: Limits) -> int:
    """The index of the last non-empty cell of row ``number`` (-1 for a blank row);
    SpreadsheetError when the row passes the limits on rows, columns or cell length."""
    if number > limits.max_rows + 1 + limits.max_blank_rows:
        raise SpreadsheetError(limits.rows_message())
    last = max((i for i, c in enumerate(raw) if cell_text(c)), default=-1)
    if last < 0:
        return last
    if last >= limits.max_columns:
        raise SpreadsheetError(limits.columns_message())
    if any(isinstance(c, str) and len(c) > limits.max_cell for c in raw):
        raise SpreadsheetError(limits.cell_message())
    return last


def _check_header(titles: list, header: list[str], headers, required, refuse_header) -> None:
    """Refuse the heading row: a column ``refuse_header`` names, or a required one missing."""
    if refuse_header is not None:
        for title in titles:
            message = refuse_header(cell_text(title))
            if message:
                raise SpreadsheetError(message)
    missing = [headers[h] for h in required if h not in header]
    if missing:
        raise _NoHeadings("The first row must name the columns. Missing: " + ", ".join(missing))


def _read_rows(source, limits: Limits, headers, required, heading_key, aliases, refuse_header):
    """(header keys, [(row number, {header: value})]) of one sheet's rows (see read_table);
    _NoHeadings when the sheet is empty or its first row lacks a required heading."""
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    number = text_size = 0
    try:
        for number, raw in enumerate(source, start=1):
            last = _last_filled(raw, number, limits)
            if last < 0:
                continue
            if header is None:
                header = [heading_key(h) for h in raw[: last + 1]]
                if aliases is not None:
                    _refuse_repeated(header, raw, headers)
                _check_header(raw[: last + 1], header, headers, required, refuse_header)
                continue
            if len(rows) >= limits.max_rows:
                raise SpreadsheetError(limits.rows_message())
            values = {h: raw[i] if i < len(raw) else None for i, h in enumerate(header) if h}
            values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
            text_size += sum(
                len(v) for k, v in values.items() if k in headers and isinstance(v, str)
            )
            if text_size > limits.max_text:
                raise SpreadsheetError(
                    f"The file holds more than {limits.max_text:,} characters of text. "
                    "Split it into smaller files"
                )
            rows.append((number, {key: values.get(key) for key in headers}))
    except xlsx_checks.Refused as refusal:
        raise SpreadsheetError(str(refusal)) from None
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(
            "The file could not be read: check it is a real .xlsx file"
        ) from None
    finally:
        close = getattr(source, "close", None)
        if close:
            close()
    if header is None:
        raise _NoHeadings("The file is empty")
    return header, rows


def read_table(
    filename: str,
    data: bytes,
    headers: dict[str, str],
    required,
    max_rows: int | None = None,
    what: str = "file",
    limits: Limits | None = None,
    aliases: dict[str, str] | None = None,
    refuse_header=None,
) -> tuple[set[str], list[tuple[int, dict]]]:
    """The known columns present, and each non-empty row as (row number, {header: value}).

    Headers are matched in lower case. Values are as the file holds them: text from a .csv;
    text, numbers, dates and times from an .xlsx. ``limits`` (or ``max_rows`` with the
    default limits) bound rows, columns, cell length and sizes; passing one raises
    SpreadsheetError naming it, as soon as it is passed.

    With ``aliases`` ({heading key: header}, may be empty), headings are compared as
    ``header_key`` makes them, so "Date Received*" finds the header "received date" when
    aliases maps "date received" to it; the keys of ``headers`` must then be header keys
    themselves. Two columns that mean the same header are refused (which one holds the data
    would be a guess).

    ``refuse_header`` (a header as the
    file spells it -> a message, or None) refuses the whole file for a column it must not
    hold (a child's name in a case list, say), before any row is read.

    An .xlsx whose first sheet is empty or lacks a required heading is read from the first
    later sheet whose first row has them all (a qaweb export's "About" sheet comes first);
    when none has, the refusal names the first sheet, the one read.
    """

    def heading_key(heading) -> str:
        if aliases is None:
            return cell_text(heading).lower()
        key = header_key(cell_text(heading))
        return aliases.get(key, key)

    if limits is None:
        limits = Limits(max_rows=max_rows or 1000)

    def read(source) -> tuple[list[str], list[tuple[int, dict]]]:
        return _read_rows(source, limits, headers, required, heading_key, aliases, refuse_header)

    try:
        header, rows = read(_source_rows(filename, data, headers, limits, heading_key, what))
    except _NoHeadings as refusal:
        if not filename.lower().endswith(".xlsx"):
            raise SpreadsheetError(str(refusal)) from None
        found = _read_later_sheet(data, limits, read)
        if found is None:
            raise SpreadsheetError(_on_first_sheet(str(refusal), data)) from None
        header, rows = found
    return set(header) & set(headers), rows


def _read_later_sheet(data: bytes, limits: Limits, read):
    """``read`` (rows -> (header, rows), raising _NoHeadings) of the first sheet after the
    first that has the headings, or None when none has them."""
    try:
        with closing(_later_sheets(data, limits)) as sheets:
            for source in sheets:
                try:
                    return read(source)
                except _NoHeadings:
                    continue
    except xlsx_checks.Refused as refusal:
        raise SpreadsheetError(str(refusal)) from None
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(
            "The file could not be read: check it is a real .xlsx file"
        ) from None
    return None


def _on_first_sheet(message: str, data: bytes) -> str:
    """The refusal for an .xlsx none of whose sheets has the headings: with several sheets,
    it names the first sheet, the one read."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return message
    try:
        titles = [sheet.title for sheet in workbook.worksheets]
    finally:
        workbook.close()
    if len(titles) < 2:
        return message
    return (
        f"{message}. qaweb read the first sheet, called '{titles[0]}', and no other sheet "
        "names the columns in its first row. Put the rows on the first sheet, under a row "
        "naming the columns"
    )
