"""`make bench`, crafted files: how long each takes to be refused, and its peak memory.

Each file of issue 21's "Files crafted to hurt" is built small in memory (tests/crafted.py)
and given to the reader the imports use, with the staff import's limits, or to the tool
file parser. Time is measured in one run, peak memory (tracemalloc) in another, since
tracing slows the reader. Run alone: `.venv/bin/python tests/bench/crafted_files.py`.
"""

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import crafted  # noqa: E402

from qaweb.core import spreadsheets  # noqa: E402
from qaweb.organisation import staff_import  # noqa: E402
from qaweb.tools import schema  # noqa: E402

#: The figures issue 21 gives for the reader before the limits (one run, this machine kind).
BEFORE = {
    "declared A1:XFD1048576": "3.8 GB",
    "one 400 MB cell": "500, 2.4 GB held after",
    "3,000,000 rows": "191 s",
    "3,000 x 16,000 cells": "no answer in 7 min",
    "tool nested 350 deep": "500",
    "10 MB line of commas (.csv)": "read as a blank row in 21 s, 152 MB",
    "64,000 cell formats": "read in 3.8 s, +112 MB",
}


def _staff(filename, data):
    return spreadsheets.read_table(
        filename, data, staff_import.HEADERS, staff_import.REQUIRED, limits=staff_import.LIMITS
    )


def cases():
    header = crafted.STAFF_HEADER
    row = ["ann.lee@council.example", "Ann", "Lee", "Oaks"]
    csv_rows = "Email,First name,Last name,Team\r\n" + "a@b.example,A,B,Oaks\r\n" * 30_000
    wide_line = b"Email,First name,Last name,Team\r\n" + b"," * (10 * 1024 * 1024 - 40)
    return [
        ("declared A1:XFD1048576", "xlsx", crafted.declared_whole_sheet([header, row])),
        ("one 400 MB cell", "xlsx", crafted.one_huge_shared_string(400 * 1024 * 1024)),
        ("one 40,000-character cell", "xlsx", crafted.one_huge_shared_string(40_000)),
        ("3,000,000 rows", "xlsx", crafted.many_rows(3_000_000)),
        ("25,000 rows (limit 20,000)", "xlsx", crafted.many_rows(25_000)),
        ("3,000 x 16,000 cells", "xlsx", crafted.wide_rows(3_000, 16_000)),
        ("20 x 16,000 cells", "xlsx", crafted.wide_rows(20, 16_000)),
        ("a row numbered 1,048,576", "xlsx", crafted.far_row(1_048_576)),
        ("64,000 cell formats", "xlsx", crafted.bloated_styles(64_000)),
        ("30,000-row .csv", "csv", csv_rows.encode()),
        ("10 MB line of commas (.csv)", "csv", wide_line),
        ("tool nested 350 deep", "yaml", crafted.deep_yaml(350)),
    ]


def _attempt(kind, data) -> str:
    try:
        if kind == "yaml":
            schema.parse(data, ["Good"])
        else:
            _staff(f"file.{kind}", data)
    except (spreadsheets.SpreadsheetError, schema.ToolFileError) as refused:
        return str(refused)
    return "read"


def run_crafted() -> list[dict]:
    results = []
    for name, kind, data in cases():
        started = time.perf_counter()
        outcome = _attempt(kind, data)
        seconds = time.perf_counter() - started
        tracemalloc.start()
        try:
            _attempt(kind, data)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        results.append(
            {
                "file": name,
                "size_kb": round(len(data) / 1024, 1),
                "seconds": round(seconds, 3),
                "peak_mb": round(peak / 1024 / 1024, 1),
                "before": BEFORE.get(name, ""),
                "outcome": outcome,
            }
        )
    return results


def print_crafted(results) -> None:
    print("\n== crafted files (staff import limits; time and peak memory to refuse) ==")
    print(f"{'file':<30} {'size':>10} {'time':>8} {'peak':>9}  outcome (before)")
    for r in results:
        before = f" (before: {r['before']})" if r["before"] else ""
        print(
            f"{r['file']:<30} {r['size_kb']:>7} KB {r['seconds']:>6.2f} s {r['peak_mb']:>6} MB"
            f"  {r['outcome'][:70]}{before}"
        )


if __name__ == "__main__":
    print_crafted(run_crafted())
