"""Reading a table people upload (.xlsx or .csv): the first row names the columns."""

import csv
import io

from openpyxl import load_workbook


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(
    filename: str, data: bytes, headers: dict[str, str], required, max_rows: int, what: str
) -> tuple[set[str], list[tuple[int, dict]]]:
    """The known columns present, and each non-empty row as (row number, {header: value}).

    Headers are matched in lower case. Values are as the file holds them: text from a .csv;
    text, numbers, dates and times from an .xlsx.
    """
    name = filename.lower()
    try:
        if name.endswith(".csv"):
            table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        elif name.endswith(".xlsx"):
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            table = [list(row) for row in sheet.iter_rows(values_only=True)]
            workbook.close()
        else:
            raise SpreadsheetError(f"The {what} must be an .xlsx or .csv file")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            "The .csv file must be saved as UTF-8 (CSV UTF-8 in Excel)"
        ) from None
    except SpreadsheetError:
        raise
    except Exception:
        raise SpreadsheetError(
            "The file could not be read: check it is a real .xlsx file"
        ) from None

    numbered = [
        (number, row) for number, row in enumerate(table, start=1) if any(cell_text(c) for c in row)
    ]
    if not numbered:
        raise SpreadsheetError("The file is empty")
    header = [cell_text(h).lower() for h in numbered[0][1]]
    missing = [headers[h] for h in required if h not in header]
    if missing:
        raise SpreadsheetError(
            "The first row must name the columns. Missing: " + ", ".join(missing)
        )
    if len(numbered) - 1 > max_rows:
        raise SpreadsheetError(f"The file has more than {max_rows:,} rows: split it")
    rows = []
    for number, raw in numbered[1:]:
        values = {h: raw[i] if i < len(raw) else None for i, h in enumerate(header) if h}
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
        rows.append((number, {key: values.get(key) for key in headers}))
    return set(header) & set(headers), rows
