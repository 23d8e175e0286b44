"""Files crafted to hurt (issue 21) and files as real staff save them (field inputs, 30 Nov).

Each crafted file is refused with a message naming the limit, never a 5xx, within a memory
ceiling measured with tracemalloc. How long each takes is in `make bench`, not here.
"""

import csv
import functools
import html
import io
import json
import tracemalloc
from datetime import date, time, timedelta
from pathlib import Path

import crafted
import pytest
from sqlalchemy import func, select
from support import sign_in
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qaweb.core import spreadsheets
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.organisation import staff_import
from qaweb.organisation.models import User
from qaweb.practice_week import importer, services
from qaweb.practice_week.models import MeetingType, PracticeWeek, ScheduleImport
from qaweb.tools import schema
from qaweb.tools.models import Tool

FIELD = Path("/work/shared/field/2026-11-30")
FIELD_FILES = Path(__file__).resolve().parent / "field"
#: Peak Python memory allowed while a crafted file is refused (the old reader reached 3.8 GB).
CEILING = 25 * 1024 * 1024


@functools.cache
def three_million_rows() -> bytes:
    """A 2 MB workbook of 3,000,000 rows (built once: it takes a few seconds)."""
    return crafted.many_rows(3_000_000)


def measured(call):
    """``call()``'s result and the peak memory allocated while it ran, in bytes."""
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def multipart(field: str, filename: str, data: bytes) -> dict:
    """client.post keyword arguments for one uploaded file.

    Encoded here, in memory: the test client spools a body over 500 KB to a temporary file
    it never closes (a ResourceWarning, an error under warnings-as-errors).
    """
    boundary, body = encode_multipart({field: FileStorage(io.BytesIO(data), filename)})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def page(response) -> str:
    assert response.status_code < 500
    return html.unescape(response.get_data(as_text=True))


def field_file(name: str) -> bytes:
    """A field input: from the shared folder, or the copy kept with the tests."""
    for folder in (FIELD, FIELD_FILES):
        if (folder / name).exists():
            return (folder / name).read_bytes()
    pytest.fail(f"field input {name} is missing")


# -- the core reader ------------------------------------------------------------------------


def read(filename, data, **limits):
    return spreadsheets.read_table(
        filename,
        data,
        staff_import.HEADERS,
        staff_import.REQUIRED,
        limits=spreadsheets.Limits(**{"max_rows": staff_import.MAX_ROWS, **limits}),
    )


def refusal(filename, data, **limits) -> tuple[str, int]:
    def call():
        with pytest.raises(spreadsheets.SpreadsheetError) as refused:
            read(filename, data, **limits)
        return str(refused.value)

    return measured(call)


def test_a_declared_whole_sheet_is_not_read_as_data():
    data = crafted.declared_whole_sheet(
        [crafted.STAFF_HEADER, ["ann.lee@council.example", "Ann", "Lee", "Oaks"]]
    )
    assert len(data) < 4096
    (present, rows), peak = measured(lambda: read("staff.xlsx", data))
    assert [values["email"] for _, values in rows] == ["ann.lee@council.example"]
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_a_huge_shared_string_is_refused_by_its_declared_size():
    # A 30 MB cell against a 10 MB limit on the workbook's text: refused from the zip's
    # directory, before a byte of it is unpacked.
    data = crafted.one_huge_shared_string(30 * 1024 * 1024)
    message, peak = refusal("staff.xlsx", data, max_shared_strings=10 * 1024 * 1024)
    assert message == "The text in the file unpacks to more than 10 MB. Split it into smaller files"
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_a_zip_that_lies_about_a_parts_size_is_not_unpacked_past_it():
    # The 30 MB of text declared as 1 KB: zipfile stops at the declared size and the
    # checksum then fails, so the lie costs nothing.
    data = crafted.lying_size(
        crafted.one_huge_shared_string(30 * 1024 * 1024), "xl/sharedStrings.xml", 1024
    )
    message, peak = refusal("staff.xlsx", data)
    assert message == "The file could not be read: check it is a real .xlsx file"
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_a_cell_longer_than_excel_allows_is_refused_while_streaming():
    data = crafted.one_huge_shared_string(40_000)
    message, peak = refusal("staff.xlsx", data)
    assert message == (
        "A cell in the file has more than 32,767 characters. Shorten it and upload the file again"
    )
    assert peak < CEILING

    inline = crafted.declared_whole_sheet([crafted.STAFF_HEADER, ["x" * 40_000, "A", "B", "C"]])
    assert refusal("staff.xlsx", inline)[0] == message


def test_one_long_text_repeated_in_every_row_is_refused_by_the_total_text():
    # 30,000 characters unpacked once, kept (and staged) once per row: 60 million characters.
    data = crafted.one_huge_shared_string(30_000, rows=2_000)
    assert len(data) < 50_000
    message, peak = refusal("staff.xlsx", data)
    assert message == (
        "The file holds more than 20,000,000 characters of text. Split it into smaller files"
    )
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_too_many_rows_are_refused_as_soon_as_the_limit_is_passed():
    message, peak = refusal("staff.xlsx", crafted.many_rows(3_000), max_rows=1_000)
    assert message == "The file has more than 1,000 rows. Split it into smaller files"
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_millions_of_rows_are_refused_by_the_sheets_unpacked_size():
    # 3,000,000 rows in a 2 MB file: the sheet unpacks to over 100 MB.
    message, peak = refusal("staff.xlsx", three_million_rows())
    assert message == "A sheet in the file unpacks to more than 60 MB. Split it into smaller files"
    assert peak < CEILING


def test_a_row_numbered_far_down_the_sheet_is_refused():
    message, peak = refusal("staff.xlsx", crafted.far_row(1_048_576))
    assert message == "The file has more than 20,000 rows. Split it into smaller files"
    assert peak < CEILING


def test_too_many_columns_are_refused_in_the_first_row():
    message, peak = refusal("staff.xlsx", crafted.wide_rows(20, 16_000))
    assert message == ("The file has more than 200 columns. Delete the columns qaweb does not use")
    assert peak < CEILING


def test_too_many_cells_are_refused_while_streaming():
    data = crafted.wide_rows(1_000, 150)  # identical cells: allow any packing ratio
    message, peak = refusal("staff.xlsx", data, max_cells=100_000, max_ratio=10_000)
    assert message == (
        "The file has more than 100,000 cells. "
        "Delete the columns qaweb does not use, or split it into smaller files"
    )
    assert peak < CEILING


def test_a_file_that_unpacks_hundreds_of_times_its_size_is_refused():
    # 15,000 rows of 50 identical cells: 11 MB of sheet in a file of a few kilobytes.
    message, _ = refusal("staff.xlsx", crafted.wide_rows(15_000, 50))
    assert "unpacks to more than 200 times its size" in message


def test_bloated_formatting_is_refused_before_openpyxl_loads_it():
    # 64,000 cell formats (Excel's maximum) in a 14 KB file: openpyxl would build them all.
    message, peak = refusal("staff.xlsx", crafted.bloated_styles(64_000))
    assert message.startswith("The file's formatting or settings have more than 50,000 entries")
    assert peak < CEILING
    present, rows = read("staff.xlsx", crafted.bloated_styles(100))
    assert len(rows) == 1


def test_a_sheet_with_a_doctype_is_refused():
    data = crafted.xlsx(
        [
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData/></worksheet>"
        ]
    )
    assert refusal("staff.xlsx", data)[0].startswith("The file could not be read")


def test_a_csv_over_the_limits_is_refused_not_cut():
    row = "a@b.example,A,B,Oaks\r\n"
    data = ("Email,First name,Last name,Team\r\n" + row * 3_000).encode()
    assert refusal("staff.csv", data, max_rows=1_000)[0] == (
        "The file has more than 1,000 rows. Split it into smaller files"
    )
    assert refusal("staff.csv", data, max_file=10_240)[0] == (
        "The file is larger than 10 KB. Split it into smaller files"
    )
    # A million commas on one line: refused before csv builds a million fields.
    wide = ("Email,First name,Last name,Team\r\n" + "," * 1_000_000 + "\r\n").encode()
    message, peak = refusal("staff.csv", wide)
    assert message == "The file has more than 200 columns. Delete the columns qaweb does not use"
    assert peak < 5 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    long_cell = ("Email,First name,Last name,Team\r\n" + "a," * 3 + "b" * 200_000).encode()
    assert refusal("staff.csv", long_cell)[0].startswith("A cell in the file has more than")


def test_an_upload_over_the_limit_is_refused_whole():
    stream = io.BytesIO(b"x" * 2_001)
    with pytest.raises(spreadsheets.SpreadsheetError, match="larger than"):
        spreadsheets.read_upload(stream, spreadsheets.Limits(max_rows=10, max_file=2_000))
    assert spreadsheets.read_upload(
        io.BytesIO(b"x" * 2_000), spreadsheets.Limits(1, max_file=2_000)
    )


# -- staff import: crafted and field files through the page -----------------------------------


@pytest.fixture
def admin_client(client, signed_in, make_team):
    make_team("Oaks")
    signed_in("admin")
    return client


def upload_staff(client, filename, data):
    return client.post(
        "/admin/users/import", follow_redirects=True, **multipart("file", filename, data)
    )


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: crafted.far_row(1_048_576), "The file has more than 20,000 rows"),
        (three_million_rows, "A sheet in the file unpacks to more than 60 MB"),
        (lambda: crafted.one_huge_shared_string(40_000), "more than 32,767 characters"),
        (lambda: crafted.wide_rows(20, 16_000), "The file has more than 200 columns"),
    ],
    ids=["far-row", "3-million-rows", "long-cell", "16000-columns"],
)
def test_staff_import_refuses_crafted_workbooks_with_a_message(admin_client, build, message):
    data = build()
    users_before = db.session.scalar(select(func.count()).select_from(User))
    response, peak = measured(lambda: upload_staff(admin_client, "staff.xlsx", data))
    text = page(response)
    assert response.status_code == 200
    assert message in text and "govuk-error-message" in text
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before


def test_staff_import_reads_a_declared_whole_sheet_in_flat_memory(admin_client):
    data = crafted.declared_whole_sheet(
        [crafted.STAFF_HEADER, ["ann.lee@council.example", "Ann", "Lee", "Oaks"]]
    )
    response, peak = measured(lambda: upload_staff(admin_client, "staff.xlsx", data))
    assert "1 row: 1 new" in " ".join(page(response).split())
    assert peak < CEILING, f"peak {peak / 1e6:.1f} MB"


def test_a_semicolon_csv_from_a_european_excel_is_read(admin_client):
    data = field_file("staff-semicolon.csv")
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data and b"\r\n" in data
    text = " ".join(page(upload_staff(admin_client, "staff-semicolon.csv", data)).split())
    assert "Missing" not in text
    assert "2 rows: 2 new, 0 to update, 0 unchanged." in text
    assert "sian.obrien@example.org" in text and "Zoe Bell" in text


def test_a_csv_with_macintosh_line_endings_is_read():
    data = b"Email,First name,Last name,Team\rann@b.example,Ann,Lee,Oaks\r"
    present, rows = read("staff.csv", data)
    assert rows[0][1]["team"] == "Oaks"


def test_a_tab_separated_file_is_read_too():
    data = b"Email\tFirst name\tLast name\tTeam\r\nann@b.example\tAnn\tLee\tOaks\r\n"
    present, rows = read("staff.csv", data)
    assert rows[0][1]["team"] == "Oaks"


def test_a_comma_csv_with_semicolons_in_a_cell_stays_a_comma_csv():
    data = 'Email,First name,Last name,Team,Roles\r\na@b.example,A,B,Oaks,"observer; organiser"\r\n'
    present, rows = read("staff.csv", data.encode())
    assert rows[0][1]["roles"] == "observer; organiser"


def test_an_invisible_character_in_an_email_does_not_make_a_new_person(admin_client, make_user):
    data = field_file("staff-zero-width-email.csv")
    assert "\u200b" in data.decode("utf-8-sig")
    make_user(email="sam.okoro@example.org", first_name="Sam", last_name="Okoro")
    text = " ".join(page(upload_staff(admin_client, "staff.csv", data)).split())
    assert "0 new" in text and "sam.okoro@example.org" in text
    assert "\u200b" not in text
    staged = db.session.scalars(select(staff_import.StaffImport)).all()[-1]
    assert staged.rows[0]["email"] == "sam.okoro@example.org"
    assert staged.rows[0]["outcome"] in {"update", "unchanged"}


def test_values_longer_than_qaweb_keeps_are_problems_not_a_500(admin_client):
    data = f"Email,First name,Last name,Team\r\nann@b.example,{'A' * 101},Lee,Oaks\r\n"
    text = page(upload_staff(admin_client, "staff.csv", data.encode()))
    assert "First name must be 100 characters or fewer" in text


def test_invisible_characters_in_a_team_name_still_match_the_team(admin_client):
    data = "Email,First name,Last name,Team\r\nann@b.example,Ann,Lee,\u200fOa\u200dks\r\n"
    text = " ".join(page(upload_staff(admin_client, "staff.csv", data.encode())).split())
    assert "1 row: 1 new" in text and "is not a team" not in text


def test_an_email_still_invalid_after_cleaning_is_refused(admin_client):
    data = "Email,First name,Last name,Team\r\nsam\u0007okoro@example.org,Sam,Okoro,Oaks\r\n"
    text = page(upload_staff(admin_client, "staff.csv", data.encode("utf-8")))
    assert "is not a valid email address" in text
    assert "Import staff" not in text
    assert db.session.scalar(select(User).where(User.first_name == "Sam")) is None


# -- schedule import ----------------------------------------------------------------------------


@pytest.fixture
def week(app, make_user):
    today = today_london()
    monday = today + timedelta(days=7 - today.weekday())
    pw = PracticeWeek(
        theme="Voice of the child",
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        status="open",
        target_roles=["observer"],
        max_per_practitioner=10_000,
    )
    db.session.add(pw)
    db.session.commit()
    return pw


def schedule_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(importer.HEADERS.values()))
    writer.writerows(rows)
    return out.getvalue().encode()


def post_schedule(client, week, filename, data):
    return client.post(f"/practice-weeks/{week.id}/import", **multipart("upload", filename, data))


def test_a_6_mb_schedule_is_read_whole_not_cut(client, make_user, week):
    sign_in(client, make_user("organiser"))
    notes = "n" * 3_990
    rows = [
        ["", f"nobody{n}@council.example", "Core group meeting", "1/1/2027", "9am", "10am"]
        + ["Hub", "No", str(100000 + n), "Yes", f"{notes}{n:06d}", ""]
        for n in range(1_500)
    ]
    data = schedule_csv(rows)
    assert 6_000_000 < len(data) < 6_500_000
    response = post_schedule(client, week, "schedule.csv", data)
    assert response.status_code == 302, page(response)[:2000]
    pending = db.session.scalars(select(ScheduleImport)).all()[-1]
    assert len(pending.rows) == 1_500
    assert pending.rows[-1]["text"]["notes"] == f"{notes}001499"


def test_a_schedule_over_the_size_limit_is_refused_with_a_message(
    client, make_user, week, monkeypatch
):
    monkeypatch.setattr(
        importer, "LIMITS", spreadsheets.Limits(max_rows=2000, max_file=1024 * 1024)
    )
    sign_in(client, make_user("organiser"))
    data = schedule_csv([["", "a@b.example", "x", "1/1/2027", "9am", "10am"]] * 40_000)
    assert len(data) > 1024 * 1024
    text = page(post_schedule(client, week, "schedule.csv", data))
    assert "The file is larger than 1 MB. Split it into smaller files" in text
    assert db.session.scalar(select(func.count()).select_from(ScheduleImport)) == 0


def stage_clashing(week, people, count: int) -> list[dict]:
    """Stage ``count`` rows that all book the same practitioner at the same time."""
    observer, practitioner = people
    meeting = db.session.scalar(select(MeetingType).where(MeetingType.active.is_(True)))
    day = week.starts_on
    table = [
        (
            n + 2,
            {
                "observer email": observer.email,
                "practitioner email": practitioner.email,
                "meeting type": meeting.name,
                "date": day,
                "start time": time(9),
                "end time": time(10),
                "place": "Hub",
                "virtual": "No",
                "case reference": str(100000 + n),
                "family agreed": "Yes",
                "notes": "",
                "reason for overriding a clash": "",
            },
        )
        for n in range(count)
    ]
    return importer.check(week, table)


def test_a_schedule_of_clashing_rows_stages_in_a_size_that_grows_with_the_rows(make_user, week):
    people = (make_user("observer"), make_user("practitioner"))
    small = len(json.dumps(stage_clashing(week, people, 60)))
    large = len(json.dumps(stage_clashing(week, people, 240)))
    # Four times the rows, about four times the size (every earlier clash listed: sixteen).
    assert large < 5 * small, (small, large)
    report = stage_clashing(week, people, 10)
    last = report[-1]
    assert len(last["clashes"]) <= services.MAX_FILE_CLASHES + 2
    assert any("… and 15 more bookings on other rows of this file" in c for c in last["clashes"])
    assert last["problems"]


def test_schedule_import_refuses_crafted_workbooks_with_a_message(client, make_user, week):
    sign_in(client, make_user("organiser"))
    data = crafted.far_row(1_048_576, header=list(importer.HEADERS.values()))
    response, peak = measured(lambda: post_schedule(client, week, "schedule.xlsx", data))
    assert "The file has more than 2,000 rows. Split it into smaller files" in page(response)
    assert peak < CEILING


# -- QA tool files ------------------------------------------------------------------------------


def upload_tool(client, text):
    return client.post(
        "/admin/tools/upload",
        follow_redirects=True,
        **multipart("file", "tool.yaml", text.encode()),
    )


def test_a_tool_file_nested_350_levels_deep_is_refused_with_its_line(client, signed_in):
    signed_in("admin")
    response, peak = measured(lambda: upload_tool(client, crafted.deep_yaml(350)))
    text = page(response)
    assert response.status_code == 200
    assert "entries are nested more than 12 levels deep" in text
    assert "nothing has been loaded" in text
    assert peak < CEILING
    assert db.session.scalar(select(func.count()).select_from(Tool)) == 0


def test_a_tool_file_nested_by_indentation_is_refused_too():
    text = "tool: deep\nsections:\n" + "".join("  " * n + "- \n" for n in range(1, 400))
    with pytest.raises(schema.ToolFileError) as refused:
        schema.parse(text, ["Good"])
    assert "nested more than 12 levels deep" in str(refused.value)


def test_a_tool_file_of_too_many_entries_is_refused_while_parsing():
    text = "tool: big\nsections: [" + "1, " * 60_000 + "]\n"
    with pytest.raises(schema.ToolFileError) as refused:
        schema.parse(text, [])
    assert str(refused.value) == "Line 2: the file has more than 50,000 entries"


def test_a_tool_file_over_the_size_limit_is_refused(client, signed_in):
    signed_in("admin")
    text = page(upload_tool(client, "# " + "x" * 2_100_000 + "\n"))
    assert "the file has more than 500,000 characters" in text


def tool_with(sections: int, questions: int, options: int = 2) -> str:
    lines = ["tool: big", "kind: supervision_audit", "name: Big", "version: 1", "sections:"]
    for s in range(sections):
        lines += [f"  - key: s{s}", "    title: Section", "    questions:"]
        for q in range(questions):
            lines += [
                f"      - key: q{s}_{q}",
                "        label: Question",
                "        kind: single_choice",
                "        options: [" + ", ".join(f"o{o}" for o in range(options)) + "]",
            ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text, message",
    [
        (tool_with(51, 1), "Line 356: a tool has at most 50 sections"),
        (tool_with(3, 200), "Line 6: a tool has at most 500 questions; this one has 600"),
        (tool_with(1, 201), "Section 's0' has more than 200 questions: split it"),
        (tool_with(1, 1, 101), "give at most 100 options"),
    ],
    ids=["sections", "questions", "questions-in-a-section", "options"],
)
def test_tool_file_limits_are_refused_with_line_numbers(text, message):
    with pytest.raises(schema.ToolFileError) as refused:
        schema.parse(text, ["Good"])
    assert message in str(refused.value)


def test_field_inputs_are_present_for_the_record():
    # The two field inputs are kept with the tests so the suite runs without the share.
    for name in ("staff-semicolon.csv", "staff-zero-width-email.csv"):
        assert (FIELD_FILES / name).read_bytes() == field_file(name)


def test_dates_survive_the_scan():
    # An ordinary workbook from openpyxl: dates and numbers come back as values.
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(crafted.STAFF_HEADER + ["Active"])
    book.active.append(["a@b.example", "A", "B", "Oaks", date(2026, 1, 2)])
    out = io.BytesIO()
    book.save(out)
    present, rows = spreadsheets.read_table(
        "x.xlsx", out.getvalue(), {**staff_import.HEADERS, "active": "Active"}, ["email"], 10
    )
    assert rows[0][1]["active"].date() == date(2026, 1, 2)
