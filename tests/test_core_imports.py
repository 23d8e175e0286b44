"""The steps every spreadsheet import shares (``qaweb.core.imports``): what the preview
counts, which cells are refused as too long, and an unreadable file answered on the form."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from qaweb.core.imports import (
    NO_ROWS,
    keep,
    outcome_totals,
    preview_context,
    stage_upload,
    too_long,
    upload_field,
)
from qaweb.core.spreadsheets import Limits, SpreadsheetError
from qaweb.core.timefmt import format_date
from qaweb.extensions import db
from qaweb.organisation.forms import ImportForm
from qaweb.organisation.staff_import import StaffImport

ROWS = [
    {"problems": [], "outcome": "new"},
    {"problems": [], "outcome": "update"},
    {"problems": ["Team is missing"], "outcome": "new"},
    {"problems": [], "outcome": "new"},
]


def test_a_row_with_problems_counts_only_as_a_problem_row():
    assert outcome_totals(ROWS, ("new", "update", "unchanged")) == {
        "new": 2,
        "update": 1,
        "unchanged": 0,
        "problem_rows": 1,
    }
    shown = preview_context(ROWS, lambda rows: outcome_totals(rows, ("new", "update")))
    assert shown["rows"] is ROWS
    assert shown["problem_rows"] == [ROWS[2]]
    assert shown["totals"]["problem_rows"] == 1


def test_too_long_names_each_column_over_its_limit():
    row = {"case number": "C" * 21, "flags": "ok", "team": "T" * 200}
    headers = {"case number": "Case number", "flags": "Flags", "team": "Team"}
    assert too_long(row, {"case number": 20, "flags": 2, "team": 200}, headers) == [
        "Case number must be 20 characters or fewer"
    ]


def test_an_unreadable_file_is_answered_on_the_form_and_nothing_is_staged(app):
    staged = []
    with app.test_request_context(method="POST"):
        form = ImportForm(meta={"csrf": False})
        form.file.data = FileStorage(io.BytesIO(b"x" * 2000), filename="staff.csv")
        assert form.validate()
        answer = stage_upload(form, Limits(max_rows=10, max_file=1000), staged.append)
    assert answer is None and staged == []
    assert form.file.errors == [Limits(max_rows=10, max_file=1000).file_message()]


def test_upload_field_messages(app):
    field = upload_field("Log", "log", "An .xlsx or .csv file", missing="Select the log file")
    required, allowed = field.kwargs["validators"]
    assert required.message == "Select the log file"
    assert allowed.message == "The log must be an .xlsx or .csv file"
    assert upload_field("List", "staff list", "").kwargs["validators"][0].message == (
        "Select a staff list file"
    )


def test_keep_refuses_rows_of_nothing_and_keeps_nothing(app, make_user):
    """A file of its header row alone has nothing to preview: refused where it would be kept,
    so no import offers an "Import" button for nothing."""
    user = make_user()
    with pytest.raises(SpreadsheetError) as refused:
        keep(StaffImport, "staff.csv", [], user)
    assert str(refused.value) == NO_ROWS
    assert db.session.scalar(select(func.count()).select_from(StaffImport)) == 0
    kept = keep(StaffImport, "staff.csv", [{"row": 2, "problems": [], "outcome": "new"}], user)
    assert kept.id is not None


def test_the_date_filter_reads_a_staged_iso_date_and_leaves_other_text_as_typed():
    """Staged rows keep dates as ISO text (JSON has no dates): every preview shows them as
    GOV.UK dates, whatever the file held."""
    assert format_date("2026-11-03") == "3 November 2026"
    assert format_date(date(2026, 11, 3)) == "3 November 2026"
    assert format_date("31/02/2026") == "31/02/2026"  # not a date: shown as typed
    assert format_date("") == ""
    assert format_date(None) == ""
