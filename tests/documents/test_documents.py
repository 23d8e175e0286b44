"""Every paper, workbook and calendar file qaweb produces, opened as the people who receive
them would (issue 15, "Checked in real clients"): each .docx and .xlsx prints to A4 in
LibreOffice within its page bounds, and each .ics is read by two calendar parsers other than
the icalendar library that wrote it (vobject, and ical)."""

import re
from datetime import datetime

import pytest
import vobject
from catalogue import DOCUMENTS, ENDPOINTS, LETTERHEAD
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from pypdf import PdfReader
from support import make_app

from qaweb.demo.builder import COUNCIL

pytestmark = pytest.mark.documents

#: A4 in PDF points (1/72 inch): 210 x 297 mm.
A4 = (595.3, 841.9)
#: LibreOffice rounds page sizes to the hundredth of a millimetre.
TOLERANCE_PT = 1.5
PRINTED = [d for d in DOCUMENTS if d.kind in ("docx", "xlsx")]
CALENDARS = [d for d in DOCUMENTS if d.kind == "ics"]
FILE_ROUTE = re.compile(r"\.(docx|xlsx|ics)$")


def test_every_download_route_is_in_the_catalogue():
    """A new route that sends a .docx, .xlsx or .ics fails here until the lane covers it."""
    app = make_app("sqlite://")
    routes = {r.endpoint for r in app.url_map.iter_rules() if FILE_ROUTE.search(r.rule)}
    assert routes == ENDPOINTS, (
        f"not in the catalogue: {sorted(routes - ENDPOINTS)}, "
        f"no longer routes: {sorted(ENDPOINTS - routes)}"
    )


def test_the_catalogue_downloads_every_route(produced):
    assert {p.endpoint for p in produced.values()} == ENDPOINTS


def _page_size(page) -> tuple[float, float]:
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if (page.get("/Rotate") or 0) % 180:
        width, height = height, width
    return width, height


def _is_a4(size: tuple[float, float]) -> bool:
    width, height = sorted(size)
    return abs(width - A4[0]) <= TOLERANCE_PT and abs(height - A4[1]) <= TOLERANCE_PT


@pytest.mark.parametrize("document", PRINTED, ids=[d.name for d in PRINTED])
def test_each_paper_and_workbook_prints_on_a4_within_its_pages(produced, document):
    item = produced[document.name]
    assert item.pdf is not None, f"{document.name} did not convert: {item.notes}"
    reader = PdfReader(item.pdf)
    sizes = [_page_size(page) for page in reader.pages]
    not_a4 = sorted({f"{w:.0f} x {h:.0f} pt" for w, h in sizes if not _is_a4((w, h))})
    assert not not_a4, f"{document.name}: pages not A4: {not_a4}"
    low, high = document.pages
    assert low <= len(sizes) <= high, f"{document.name}: {len(sizes)} pages, not {low}-{high}"


def test_the_board_paper_prints_its_header_and_page_numbers(produced):
    reader = PdfReader(produced["thematic-board-paper"].pdf)
    pages = len(reader.pages)
    first = reader.pages[0].extract_text()
    assert COUNCIL in first
    assert f"Page 1 of {pages}" in first
    assert "Thematic audit:" in first


def test_the_paper_on_the_council_template_prints_its_letterhead(produced):
    reader = PdfReader(produced["thematic-board-paper-on-template"].pdf)
    first = reader.pages[0].extract_text()
    assert LETTERHEAD in first
    assert f"Page 1 of {len(reader.pages)}" in first
    assert "Sample text" not in "".join(p.extract_text() for p in reader.pages)


def _events_by_icalendar(data: bytes) -> list[tuple[str, str]]:
    calendar = Calendar.from_ical(data)
    return [(str(e["UID"]), e.decoded("DTSTART").isoformat()) for e in calendar.walk("VEVENT")]


@pytest.mark.parametrize("document", CALENDARS, ids=[d.name for d in CALENDARS])
def test_each_calendar_file_reads_the_same_in_two_other_parsers(produced, document):
    item = produced[document.name]
    assert item.content_type == "text/calendar"
    data = item.path.read_bytes()
    text = data.decode("utf-8")
    written = _events_by_icalendar(data)
    assert written, f"{document.name} has no events"

    # vobject: the times in UTC, so a wrong time zone would show as a wrong hour.
    (parsed,) = list(vobject.readComponents(text))
    by_vobject = [
        (e.uid.value, e.dtstart.value.isoformat()) for e in parsed.contents.get("vevent", [])
    ]
    assert sorted(u for u, _ in by_vobject) == sorted(u for u, _ in written)
    # ical (a strict RFC 5545 reader with its own time-zone handling).
    calendar = IcsCalendarStream.calendar_from_ics(text)
    by_ical = sorted((e.uid, e.dtstart.isoformat()) for e in calendar.events)
    assert by_ical == sorted(written), f"{document.name}: ical read {by_ical}, not {written}"
    vobject_utc = sorted(
        (e.uid.value, e.dtstart.value.astimezone().isoformat())
        for e in parsed.contents.get("vevent", [])
    )
    written_utc = sorted(
        (uid, datetime.fromisoformat(start).astimezone().isoformat()) for uid, start in written
    )
    assert vobject_utc == written_utc
    # Each parser sees the same time zone definition (rule-based: one STANDARD, one DAYLIGHT).
    zones = parsed.contents.get("vtimezone", [])
    assert [z.tzid.value for z in zones] == ["Europe/London"]
    assert [tz.tz_id for tz in calendar.timezones] == ["Europe/London"]
