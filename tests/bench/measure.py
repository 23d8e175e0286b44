"""Timing one URL: server time through the test client, its SQL replayed directly as the floor,
and for exports the same rows written by bare xlsxwriter and by the csv module."""

import csv
import dataclasses
import io
import re
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from contextlib import contextmanager
from datetime import date, datetime

from flask import before_render_template, template_rendered
from sqlalchemy import event

from qaweb.core import excel
from qaweb.extensions import db

SKIP = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(seconds: list[float]) -> dict:
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 2),
        "p95_ms": round(percentile(seconds, 0.95) * 1000, 2),
    }


@contextmanager
def captured_sql():
    """Every statement a request sends, with its parameters, in order."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(SKIP):
            statements.append((statement, parameters, executemany))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def render_timer(app):
    """Seconds spent rendering templates (Jinja) during the requests made inside the block."""
    spent = []
    started = []

    def before(sender, template, context, **extra):
        started.append(time.perf_counter())

    def after(sender, template, context, **extra):
        # Form fields render their own templates inside the page's: count the outermost.
        if started:
            begun = started.pop()
            if not started:
                spent.append(time.perf_counter() - begun)

    before_render_template.connect(before, app)
    template_rendered.connect(after, app)
    try:
        yield spent
    finally:
        before_render_template.disconnect(before, app)
        template_rendered.disconnect(after, app)


def get(client, url, cpu: list | None = None) -> tuple[float, bytes]:
    """One GET: its wall-clock seconds and body; the CPU seconds this process spent on it
    are appended to ``cpu`` when given (unlike wall time, not inflated by other processes on
    a busy machine; SQLite's own work is in it, as it runs in this process). The request
    begins with an empty database session, as in production: the runner's requests share
    its app context, and records an earlier request loaded would otherwise come back
    without SQL."""
    db.session.remove()
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.get(url)
    body = response.get_data()  # drains a streamed response
    elapsed = time.perf_counter() - started
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    response.close()
    return elapsed, body


def replay(statements, repeat: int, cpu: list | None = None) -> list[float]:
    """The same SELECTs with the same parameters on a raw DB-API cursor: the floor (wall
    seconds per replay; CPU seconds of this process appended to ``cpu`` when given)."""
    reads = [s for s in statements if s[0].lstrip().upper().startswith(("SELECT", "WITH"))]
    timings = []
    raw = db.engine.raw_connection()
    try:
        for _ in range(repeat):
            cursor = raw.cursor()
            started, cpu_started = time.perf_counter(), time.process_time()
            for statement, parameters, _many in reads:
                cursor.execute(statement, parameters)
                if cursor.description:
                    cursor.fetchall()
            timings.append(time.perf_counter() - started)
            if cpu is not None:
                cpu.append(time.process_time() - cpu_started)
            cursor.close()
            raw.rollback()
    finally:
        raw.close()
    return timings


def last_page(body: bytes) -> int | None:
    pages = [int(n) for n in re.findall(rb"[?&;]page=(\d+)", body)]
    return max(pages) if pages and max(pages) > 1 else None


def count_rows(body: bytes) -> int:
    """Data rows in every sheet of an .xlsx (header rows excluded), read from the XML."""
    total = 0
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                with archive.open(name) as sheet:
                    rows, tail = 0, b""
                    while chunk := sheet.read(1 << 20):
                        # A tag may straddle two chunks: count across the seam too.
                        rows += (tail + chunk).count(b"<row ")
                        tail = chunk[-4:]
                    total += max(0, rows - 1)
    return total


@contextmanager
def captured_workbook():
    """The tables an export hands to the core writer (rows materialised), for the floors."""
    tables = []
    original = excel.build_workbook

    def capture(title, columns, rows, summary=None, sheets=(), **kwargs):
        rows = list(rows)
        tables.append((columns, rows))
        copies = []
        for sheet in sheets:
            sheet_rows = list(sheet.rows)
            if sheet.columns:
                tables.append((sheet.columns, sheet_rows))
            tables.extend((table.columns, list(table.rows)) for table in sheet.tables)
            copies.append(dataclasses.replace(sheet, rows=sheet_rows))
        summary = list(summary) if summary is not None else None
        # The About sheet, totals rows and anything else the export passes go through as
        # they are: the export is measured as it is written.
        return original(title, columns, rows, summary=summary, sheets=copies, **kwargs)

    excel.build_workbook = capture
    try:
        yield tables
    finally:
        excel.build_workbook = original


def peak_memory_mb(client, url) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        get(client, url)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 1024 / 1024, 1)


def write_xlsxwriter(tables) -> float:
    """Bare xlsxwriter, constant-memory: the fastest Python .xlsx writer, no styling."""
    import xlsxwriter

    started = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        book = xlsxwriter.Workbook(handle, {"constant_memory": True, "in_memory": False})
        date_format = book.add_format({"num_format": "dd/mm/yyyy"})
        for n, (columns, rows) in enumerate(tables):
            sheet = book.add_worksheet(f"Sheet{n + 1}")
            sheet.write_row(0, 0, [c.title for c in columns])
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if isinstance(value, datetime):
                        sheet.write_datetime(r, c, value.replace(tzinfo=None), date_format)
                    elif isinstance(value, date):
                        sheet.write_datetime(r, c, value, date_format)
                    elif value is not None:
                        sheet.write(r, c, value)
        book.close()
    return time.perf_counter() - started


def write_csv(tables) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+", newline="") as handle:
        writer = csv.writer(handle)
        for columns, rows in tables:
            writer.writerow([c.title for c in columns])
            writer.writerows(rows)
    return time.perf_counter() - started
