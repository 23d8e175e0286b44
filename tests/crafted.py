"""Files crafted to hurt an importer, built small in memory (for tests and `make bench`).

Each builder writes the .xlsx parts by hand so a file can say what a real spreadsheet
program never would: a declared range of the whole sheet, one cell of 30 MB, millions of
rows. Large parts are written in chunks, so building them holds a few megabytes at most.
"""

import io
import struct
import zipfile
from xml.sax.saxutils import escape

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)

STAFF_HEADER = ["Email", "First name", "Last name", "Team"]


def row_xml(values, number=None) -> str:
    """One <row> of inline-string cells (no shared strings needed)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(str(v))}</t></is></c>' for v in values)
    return f'<row r="{number}">{cells}</row>' if number else f"<row>{cells}</row>"


def xlsx(sheet_chunks, shared_chunks=None, styles: str | None = None) -> bytes:
    """A workbook whose first sheet's XML is the concatenation of ``sheet_chunks`` (str)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        types = CONTENT_TYPES
        if shared_chunks is not None:
            types = types.replace("</Types>", SHARED_STRINGS_TYPE + "</Types>")
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        for name, chunks in (
            ("xl/sharedStrings.xml", shared_chunks),
            ("xl/worksheets/sheet1.xml", sheet_chunks),
        ):
            if chunks is None:
                continue
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk.encode())
    return out.getvalue()


def declared_whole_sheet(rows) -> bytes:
    """A tiny workbook whose sheet declares A1:XFD1048576 but holds only ``rows``."""

    def chunks():
        yield SHEET_START + '<dimension ref="A1:XFD1048576"/><sheetData>'
        for number, row in enumerate(rows, start=1):
            yield row_xml(row, number)
        yield "</sheetData></worksheet>"

    return xlsx(chunks())


def one_huge_shared_string(characters: int, header=STAFF_HEADER, rows: int = 1) -> bytes:
    """A workbook whose rows' first cell is the one shared string of ``characters``."""

    def shared():
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="1" uniqueCount="1"><si><t>'
        )
        block = "a" * (1024 * 1024)
        left = characters
        while left > 0:
            yield block[: min(left, len(block))]
            left -= len(block)
        yield "</t></si></sst>"

    def sheet():
        yield SHEET_START + "<sheetData>" + row_xml(header, 1)
        for number in range(2, rows + 2):
            yield f'<row r="{number}"><c r="A{number}" t="s"><v>0</v></c></row>'
        yield "</sheetData></worksheet>"

    return xlsx(sheet(), shared())


def many_rows(count: int, header=STAFF_HEADER) -> bytes:
    """A header and ``count`` identical rows (rows without numbers, as the format allows)."""
    row = row_xml(["a@b.example", "A", "B", "Team"])

    def chunks():
        yield SHEET_START + "<sheetData>" + row_xml(header, 1)
        block = row * 1000
        left = count
        while left > 0:
            yield block if left >= 1000 else row * left
            left -= 1000
        yield "</sheetData></worksheet>"

    return xlsx(chunks())


def wide_rows(rows: int, columns: int) -> bytes:
    """``rows`` rows of ``columns`` numeric cells each."""
    row = "<row>" + "<c><v>1</v></c>" * columns + "</row>"

    def chunks():
        yield SHEET_START + "<sheetData>"
        for _ in range(rows):
            yield row
        yield "</sheetData></worksheet>"

    return xlsx(chunks())


def far_row(number: int, header=STAFF_HEADER) -> bytes:
    """A header and one row numbered ``number`` (openpyxl would yield every row between)."""

    def chunks():
        yield SHEET_START + "<sheetData>" + row_xml(header, 1)
        yield row_xml(["far@b.example", "Far", "Row", "Team"], number)
        yield "</sheetData></worksheet>"

    return xlsx(chunks())


def bloated_styles(formats: int) -> bytes:
    """A one-row staff list whose styles.xml declares ``formats`` cell formats."""
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Arial"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        f'</cellStyleXfs><cellXfs count="{formats}">'
        + '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        * formats
        + '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        "</cellStyles></styleSheet>"
    )
    rows = [STAFF_HEADER, ["ann.lee@council.example", "Ann", "Lee", "Oaks"]]
    sheet = SHEET_START + "<sheetData>" + "".join(row_xml(r, n) for n, r in enumerate(rows, 1))
    return xlsx([sheet + "</sheetData></worksheet>"], styles=styles)


def lying_size(data: bytes, member: str, size: int) -> bytes:
    """``data`` with the zip's central directory declaring ``member`` unpacks to ``size``."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<I", raw, at + 24, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def deep_yaml(levels: int) -> str:
    """A tool file whose sections nest ``levels`` lists deep."""
    return (
        "tool: deep\nkind: supervision_audit\nname: Deep\nversion: 1\nsections: "
        + "[" * levels
        + "]" * levels
        + "\n"
    )
