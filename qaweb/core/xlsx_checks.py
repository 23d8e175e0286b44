"""Checks on an .xlsx before anything in it is parsed: the zip's declared sizes, then the
shared strings and the first sheet streamed through expat, counting only.

An .xlsx is a zip of XML parts, and a file of a few kilobytes can declare a whole sheet,
unpack to gigabytes or hold one enormous cell. Each check raises Refused as soon as a limit
in ``Limits`` (qaweb.core.spreadsheets) is passed; memory stays flat whatever the file holds.
"""

import re
import zipfile
from typing import TYPE_CHECKING
from xml.parsers import expat

if TYPE_CHECKING:
    from qaweb.core.spreadsheets import Limits


def size_text(size: int) -> str:
    """A size in bytes as people write it: "10 MB", or "500 KB" under a megabyte."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.0f} MB"
    return f"{size / 1024:,.0f} KB"


class Refused(Exception):
    """The file passes a limit (or is not an .xlsx); the message says which."""


_COLUMN = re.compile(r"[A-Z]+")


def _column_number(reference: str) -> int:
    match = _COLUMN.match(reference)
    number = 0
    for letter in match.group(0) if match else "":
        number = number * 26 + ord(letter) - 64
    return number


def _scan(member, handlers: dict) -> None:
    """Stream one zip member through expat with ``handlers``; no DOCTYPE, no entities."""
    parser = expat.ParserCreate()

    def no_doctype(*args):
        raise Refused("The file could not be read: check it is a real .xlsx file")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    while chunk := member.read(64 * 1024):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


#: Parts openpyxl reads whole, into objects, when it opens a workbook in read-only mode.
#: Their unpacked size alone does not bound the objects: 4 MB of styles (Excel's maximum of
#: 64,000 cell formats) took 110 MB, so their elements are counted first.
LOADED_WHOLE = {
    "[content_types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "docprops/core.xml",
    "docprops/app.xml",
    "docprops/custom.xml",
}


def scan_loaded_parts(archive: zipfile.ZipFile, limits: "Limits") -> None:
    """Refuse a part openpyxl loads whole if it has more than limits.max_elements elements."""
    for member in archive.infolist():
        if member.filename.lower() not in LOADED_WHOLE:
            continue
        count = 0

        def start(name, attrs):
            nonlocal count
            count += 1
            if count > limits.max_elements:
                raise Refused(
                    f"The file's formatting or settings have more than {limits.max_elements:,} "
                    "entries. Copy the table, paste it as values into a new workbook and "
                    "upload that"
                )

        with archive.open(member) as source:
            _scan(source, {"StartElementHandler": start})


def scan_shared_strings(member, limits: "Limits") -> None:
    """Refuse a shared string longer than a cell may be, without building any string."""
    state = {"depth": 0, "length": 0}

    def start(name, attrs):
        if _local(name) == "si":
            state["depth"], state["length"] = 1, 0
        elif state["depth"]:
            state["depth"] += 1

    def end(name):
        if state["depth"]:
            state["depth"] -= 1

    def text(data):
        if state["depth"]:
            state["length"] += len(data)
            if state["length"] > limits.max_cell:
                raise Refused(limits.cell_message())

    _scan(
        member,
        {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": text},
    )


def scan_sheet(member, limits: "Limits") -> None:
    """Refuse a sheet with too many rows, columns or characters in a cell, as it streams."""
    # Blank rows are allowed (people leave gaps), but not so many that reading them is work.
    last_row_number = limits.max_rows + 1 + limits.max_blank_rows
    state = {
        "row": 0,
        "row_elements": 0,
        "rows": 0,
        "column": 0,
        "cells": 0,
        "all_cells": 0,
        "in_cell": False,
        "length": 0,
        "filled": False,
    }

    def start(name, attrs):
        name = _local(name)
        if name == "row":
            number = attrs.get("r")
            state["row"] = int(number) if number and number.isdigit() else state["row"] + 1
            state["row_elements"] += 1
            state["column"], state["cells"], state["filled"] = 0, 0, False
            # Both the row's number and the count of rows: rows may repeat a number.
            if max(state["row"], state["row_elements"]) > last_row_number:
                raise Refused(limits.rows_message())
        elif name == "c":
            reference = attrs.get("r")
            state["column"] = _column_number(reference) if reference else state["column"] + 1
            state["cells"] += 1
            state["all_cells"] += 1
            if max(state["column"], state["cells"]) > limits.max_columns:
                raise Refused(limits.columns_message())
            if state["all_cells"] > limits.max_cells:
                raise Refused(limits.cells_message())
            state["in_cell"], state["length"] = True, 0

    def end(name):
        name = _local(name)
        if name == "c":
            state["in_cell"] = False
            if state["length"]:
                state["filled"] = True
        elif name == "row" and state["filled"]:
            state["rows"] += 1
            if state["rows"] > limits.max_rows + 1:  # the header row and max_rows of data
                raise Refused(limits.rows_message())

    def text(data):
        if state["in_cell"]:
            state["length"] += len(data)
            if state["length"] > limits.max_cell:
                raise Refused(limits.cell_message())

    _scan(
        member,
        {"StartElementHandler": start, "EndElementHandler": end, "CharacterDataHandler": text},
    )


def check_zip(archive: zipfile.ZipFile, packed_size: int, limits: "Limits") -> None:
    """Refuse on the sizes the zip declares, before anything is unpacked.

    Python's zipfile never unpacks a member past its declared size (and checks its CRC), so
    the declared sizes bound what is read later.
    """
    members = archive.infolist()
    if len(members) > 1000:
        raise Refused("The file could not be read: check it is a real .xlsx file")
    for member in members:
        name = member.filename.lower()
        if name.endswith("sharedstrings.xml"):
            limit, what = limits.max_shared_strings, "The text in the file"
        elif name.startswith("xl/worksheets/"):
            limit, what = limits.max_sheet, "A sheet in the file"
        else:
            limit, what = limits.max_other_part, "A part of the file"
        if member.file_size > limit:
            raise Refused(
                f"{what} unpacks to more than {size_text(limit)}. Split it into smaller files"
            )
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked:
        size = size_text(limits.max_unpacked)
        raise Refused(f"The file unpacks to more than {size}. Split it into smaller files")
    # Spreadsheets unpack to 5 to 20 times their size; hundreds of times is a crafted file.
    if total > 10 * 1024 * 1024 and total > limits.max_ratio * max(packed_size, 1):
        raise Refused(
            f"The file unpacks to more than {limits.max_ratio} times its size, which a "
            "spreadsheet never does. Save it again from Excel and upload that file"
        )


def _attributes(archive: zipfile.ZipFile, name: str, element: str) -> list[dict]:
    """The attributes of every ``element`` in the part ``name`` (a small XML part), by stream."""
    found: list[dict] = []

    def start(tag, attrs):
        if _local(tag) == element:
            found.append({_local(k): v for k, v in attrs.items()})

    try:
        with archive.open(name) as source:
            _scan(source, {"StartElementHandler": start})
    except KeyError:
        return []
    return found


def _join(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    parts = [p for p in (folder + "/" + target).split("/") if p and p != "."]
    path: list[str] = []
    for part in parts:
        if part == "..":
            path = path[:-1]
        else:
            path.append(part)
    return "/".join(path)


def first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The zip path of the workbook's first sheet, as openpyxl will choose it."""
    office = next(
        (
            r.get("Target", "")
            for r in _attributes(archive, "_rels/.rels", "Relationship")
            if r.get("Type", "").endswith("/officeDocument")
        ),
        "xl/workbook.xml",
    )
    office = _join("", office)
    folder, _, base = office.rpartition("/")
    sheets = _attributes(archive, office, "sheet")
    if not sheets:
        return None
    relations = {
        r.get("Id"): r.get("Target", "")
        for r in _attributes(archive, f"{folder}/_rels/{base}.rels", "Relationship")
    }
    target = relations.get(sheets[0].get("id"))
    return _join(folder, target) if target else None
