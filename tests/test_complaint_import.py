"""Bringing in the old complaints and compliments log: template, preview, refusal, clocks,
idempotence (qaweb.complaints.log_import)."""

import io
import re
from datetime import date, datetime
from pathlib import Path

import crafted
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from support import error_summary, field_error, plain, sign_in, text, words

from qaweb.complaints import reports
from qaweb.complaints.log_columns import COMPLAINT_FIELDS, FIELDS
from qaweb.complaints.log_import import ComplaintImport
from qaweb.complaints.models import Complaint, ComplaintStage, Compliment
from qaweb.extensions import db

FIELD = Path(__file__).resolve().parent / "field"
HEADER = ";".join(f.title for f in COMPLAINT_FIELDS)


@pytest.fixture
def council(make_area, make_team):
    """The demo council's areas and teams that the example log names."""
    cinp = make_area("Children in Need and Protection")
    care = make_area("Children in Care and Care Leavers")
    early = make_area("Early Help")
    return {
        "cinp": cinp,
        "care": care,
        "early": early,
        "Brambles": make_team("Brambles", area=cinp),
        "Oaks": make_team("Oaks", area=cinp),
        "Willows": make_team("Willows", area=cinp),
        "Here4U": make_team("Here4U", area=care),
        "Early Help East": make_team("Early Help East", area=early),
    }


@pytest.fixture
def officer(client, make_user, council):
    user = make_user("complaints_officer", first_name="Carys", last_name="Morgan")
    sign_in(client, user)
    return user


def upload(client, filename, data, kind="complaints"):
    return client.post(
        "/complaints/import",
        data={"kind": kind, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def confirm(client):
    staged = db.session.scalar(select(ComplaintImport).order_by(ComplaintImport.id.desc()))
    return client.post(f"/complaints/import/{staged.id}", follow_redirects=True)


def example() -> bytes:
    return (FIELD / "complaints-log-2025-26.csv").read_bytes()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def by_legacy(ref) -> Complaint:
    return db.session.scalar(select(Complaint).where(Complaint.legacy_reference == ref))


def test_the_example_log_previews_its_clocks_then_imports(client, officer, council):
    data = example()
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data and b"\r\n" in data
    page = words(upload(client, "complaints-log-2025-26.csv", data))
    assert "Check the complaints log" in page
    assert "7 rows: 7 new, 0 already imported (left as they are)." in page
    # Received Friday 19 December 2025: ten working days skip Christmas Day, Boxing Day and
    # New Year's Day, so the response was due Wednesday 7 January 2026; sent on the 9th.
    assert (
        "Stage 1 from 19 December 2025, due 7 January 2026: answered 9 January 2026, late"
    ) in page
    # Received Monday 7 April 2025: Good Friday (18th) and Easter Monday (21st) are skipped.
    assert "Stage 1 from 7 April 2025, due 23 April 2025: answered 17 April 2025, in time" in page
    # Stage 1 never answered; Stage 2 asked for once it was out of time.
    assert "Stage 1 from 3 November 2025, due 17 November 2025: not answered" in page
    assert "Stage 2 from 24 November 2025, due 31 December 2025: answered 18 December" in page
    # Extended to 20 working days.
    assert "Stage 1 from 5 January 2026, due 2 February 2026: answered 28 January 2026" in page
    assert "Stage 1 from 16 March 2026, due 30 March 2026: open, overdue" in page
    assert count(Complaint) == 0  # nothing saved before the confirmation

    page = words(confirm(client))
    assert "Log imported: 7 complaints added, 0 already imported left as they were." in page
    assert count(Complaint) == 7
    late = by_legacy("OLD-2025-002")
    assert re.fullmatch(r"CMP-2025-\d{4}", late.reference)
    # The export carries the old reference beside the new one.
    exported_file = client.get("/complaints/export.xlsx?status=all").data
    export = load_workbook(io.BytesIO(exported_file))["Complaints"]
    header, *exported = list(export.iter_rows(values_only=True))
    old = header.index("Old reference")
    assert next(r for r in exported if r[0] == late.reference)[old] == "OLD-2025-002"
    # The team given without its area: the area follows the team.
    assert late.team_id == council["Oaks"].id
    assert late.service_area_id == council["cinp"].id
    assert late.complainant_name == ""
    assert late.closed_on == date(2026, 1, 9)
    assert late.learning == "Reviews booked before the holidays"
    assert [c.name for c in late.categories] == ["Delay"]
    (one,) = late.stages
    assert (one.started_on, one.due_on, one.responded_on, one.outcome) == (
        date(2025, 12, 19),
        date(2026, 1, 7),
        date(2026, 1, 9),
        "partly_upheld",
    )
    unanswered = by_legacy("OLD-2025-006")
    assert [(s.stage, s.responded_on, s.due_on) for s in unanswered.stages] == [
        (1, None, date(2025, 11, 17)),
        (2, date(2025, 12, 18), date(2025, 12, 31)),
    ]
    extended = by_legacy("OLD-2025-007").stages[0]
    assert extended.extended and extended.due_on == date(2026, 2, 2)
    assert extended.extension_reason
    named = by_legacy("OLD-2025-003")
    assert named.complainant_name == "Sam Taylor"
    assert named.summary == "Family time moved without asking me"
    assert sorted(c.name for c in named.categories) == ["Communication", "Contact and family time"]
    assert by_legacy("OLD-2025-004").procedure == "corporate"
    assert by_legacy("OLD-2025-005").closed_on is None
    # The staged copy no longer holds complainants' names.
    staged = db.session.scalar(select(ComplaintImport))
    assert staged.applied_at and not any(r["complainant name"] for r in staged.rows)


def test_the_list_finds_an_imported_complaint_by_its_old_reference(client, officer):
    upload(client, "log.csv", example())
    confirm(client)
    page = words(client.get("/complaints/?status=all&q=OLD-2025-003"))
    assert "1 complaint" in page
    complaint = by_legacy("OLD-2025-003")
    assert complaint.reference in page
    page = words(client.get(f"/complaints/{complaint.id}"))
    assert "Old reference OLD-2025-003 (imported from the old log)" in page
    # Imported without the complainant's name: said so, no stray separator in the list.
    nameless = by_legacy("OLD-2025-002")
    page = words(client.get("/complaints/?status=all&q=OLD-2025-002"))
    assert f"{nameless.reference} Foster carer · Oaks" in page
    page = words(client.get(f"/complaints/{nameless.id}"))
    assert "Complainant Not recorded" in page


def test_importing_the_same_file_again_creates_nothing(client, officer):
    upload(client, "log.csv", example())
    confirm(client)
    made = {c.legacy_reference: c.reference for c in db.session.scalars(select(Complaint))}
    stages = count(ComplaintStage)
    page = words(upload(client, "log.csv", example()))
    assert "7 rows: 0 new, 7 already imported (left as they are)." in page
    assert f"Already imported as {made['OLD-2025-002']}: left as it is" in page
    assert "Every row is already in qaweb: there is nothing to import." in page
    assert "Import the rows" not in page
    page = words(confirm(client))  # posted anyway (a second tab, say)
    assert count(Complaint) == 7 and count(ComplaintStage) == stages
    assert {c.legacy_reference: c.reference for c in db.session.scalars(select(Complaint))} == made


BAD_ROWS = [
    # 2: fine
    "NEW-1;01/07/2025;Email;Parent;Ann Lee;;Brambles;Delay;Late visit;;10/07/2025;Upheld;;"
    ";;;;;;;;;;;10/07/2025;",
    # 3: every required column missing or wrong
    ";31/02/2025;Pigeon;Neighbour;;;;;;;;;;;;;;;;;;;;;;",
    # 4: a team from another area, an unknown category, a date in the future, yes/no wrong
    "NEW-3;01/07/2025;Email;Parent;;Early Help;Brambles;Parking;Late visit;Sometimes;"
    "01/01/2099;Upheld;Maybe;;;;;;;;;;;;;",
    # 5: response before receipt, no outcome; Stage 2 before the Stage 1 response
    "NEW-4;01/07/2025;Email;Parent;;;Oaks;;Late visit;;30/06/2025;;;01/06/2025;;;;;;;;;;;;",
    # 6: Stage 2 asked for while Stage 1 was still within its time, without a response
    "NEW-5;01/07/2025;Email;Parent;;;Oaks;;Late visit;;;;;03/07/2025;;;;;;;;;;;;",
    # 7: Stage 2 asked for after the 20 working days, no late reason; closed while open
    "NEW-6;01/07/2025;Email;Parent;;;Oaks;;Late visit;;02/07/2025;Not upheld;;01/09/2025;;;;;"
    ";;;;;;01/10/2025;",
    # 8: Stage 3 details without a Stage 2 request; the same old reference twice
    "NEW-7;01/07/2025;Email;Parent;;;Oaks;;Late visit;;02/07/2025;Not upheld;;;;;;;"
    "05/08/2025;;;;;;;",
    "NEW-7;01/07/2025;Email;Parent;;;Oaks;;Late visit;;;;;;;;;;;;;;;;;",
]


def test_every_problem_is_named_by_row_and_column_and_nothing_is_saved(client, officer):
    data = "\r\n".join([HEADER, *BAD_ROWS]).encode()
    page = words(upload(client, "bad.csv", data))
    assert "8 rows: 1 new, 0 already imported (left as they are), 7 with problems" in page
    assert "7 rows have problems: nothing has been imported" in page
    expected = {
        3: [
            "Old reference: missing: every row needs its reference in the old log",
            "Received date: '31/02/2025' is not a date: use dd/mm/yyyy",
            "Received how: 'Pigeon' is not one of: Email, Phone, Letter, Web form, In person",
            "Complainant type: 'Neighbour' is not one of:",
            "Summary: missing: enter a summary of the complaint",
        ],
        4: [
            "Team: Brambles is in Children in Need and Protection, not Early Help",
            "Category: 'Parking' is not a category in qaweb",
            "Procedure: 'Sometimes' is not one of:",
            "Stage 1 response date: 1 January 2099 is in the future",
            "Stage 1 extended: 'Maybe' must be Yes or No",
        ],
        5: [
            "Stage 1 outcome: missing: a response has an outcome",
            "Stage 1 response date: 30 June 2025 is before the received date (1 July 2025)",
            "Stage 2 request date: 1 June 2025 is before the received date",
        ],
        6: [
            "Stage 2 request date: Stage 1 has no response and was still within its time on "
            "3 July 2025 (due 15 July 2025)",
        ],
        7: [
            # Stage 1 answered Wednesday 2 July 2025: 20 working days run to 30 July.
            "Stage 2 late reason: missing: Stage 2 was asked for on 1 September 2025, after "
            "the 20 working days allowed (by 30 July 2025)",
            "Closed date: Stage 2 has no response: give its response date, or leave Closed "
            "date empty",
        ],
        8: [
            "Stage 2 request date: missing: Stage 3 request date is given, so give the day "
            "Stage 2 was asked for",
            "Old reference: NEW-7 appears more than once in the file",
        ],
        9: ["Old reference: NEW-7 appears more than once in the file"],
    }
    for row, messages in expected.items():
        for message in messages:
            assert f"Row {row}:" in page and message in page, (row, message)
    assert "Row 2:" not in page
    summary = page.split("nothing has been imported")[1].split("Check the complaints log")[0]
    assert "Row 4: Team: Brambles is in" in summary
    assert "Import the rows" not in page
    confirm(client)
    assert count(Complaint) == 0 and count(ComplaintStage) == 0


def test_the_preview_of_a_good_file_is_checked_again_when_confirmed(client, officer, council):
    """A team renamed between the preview and the confirmation: nothing is saved."""
    upload(client, "log.csv", example())
    council["Oaks"].name = "Oak Tree"
    db.session.commit()
    page = words(confirm(client))
    assert "Row 3: Team: 'Oaks' is not a team in qaweb: add it first" in page
    assert count(Complaint) == 0


def test_imported_late_responses_count_late_in_the_report_and_overdue_list(client, officer):
    upload(client, "log.csv", example())
    confirm(client)
    db.session.expire_all()

    def percent_in_time(year, quarter):
        data = reports.build(year, quarter)
        (section,) = [s for s in data.sections if s.title.startswith("Responded to within")]
        return dict(section.rows)["Stage 1: local resolution"][0]

    # January to March 2026: Stage 1 answered on 9 January (due the 7th: late) and on
    # 28 January (extended, due 2 February: in time) -> 1 of 2, 50%.
    assert percent_in_time(2025, 4) == 50
    # April to June 2025: 17 April (due 23 April) and 13 June (due 16 June): both in time.
    assert percent_in_time(2025, 1) == 100
    # Stage 1 of the complaint received 16 March 2026 was due 30 March and never answered.
    page = words(client.get("/complaints/?status=open&overdue=y"))
    assert "1 complaint" in page
    assert by_legacy("OLD-2025-005").reference in page


def _choices(book, rule) -> list[str]:
    """The values a drop-down offers: written inline ("a,b") or a range of a hidden sheet."""
    formula = rule.formula1
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.lstrip("=").split("!")
    return [c[0].value for c in book[sheet][cells.replace("$", "")] if c[0].value]


def test_the_template_has_headers_instructions_and_drop_downs(client, officer, council):
    response = client.get("/complaints/import/template-complaints.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Complaints", "Instructions"]
    assert all(book[name].sheet_state == "hidden" for name in book.sheetnames[2:])
    data = book["Complaints"]
    assert data.max_row == 1  # headers only: no sample rows among the data
    headers = [c.value for c in data[1]]
    assert headers == [f.title for f in COMPLAINT_FIELDS]
    validated = {}
    for rule in data.data_validations.dataValidation:
        column = headers[min(cell.min_col for cell in rule.sqref.ranges) - 1]
        validated[column] = rule
    listed = {c: _choices(book, rule) for c, rule in validated.items() if rule.type == "list"}
    assert listed["Received how"] == ["Email", "Phone", "Letter", "Web form", "In person"]
    assert "Here4U" in listed["Team"] and "Early Help" in listed["Service area"]
    assert listed["Stage 1 extended"] == ["Yes", "No"]
    assert "Partially upheld" in listed["Stage 2 outcome"]
    assert listed["Procedure"] == ["Statutory children's procedure", "Corporate procedure"]
    for column in (
        "Received how",
        "Complainant type",
        "Procedure",
        "Team",
        "Service area",
        "Stage 1 outcome",
        "Stage 2 outcome",
        "Stage 3 outcome",
        "Stage 1 extended",
    ):
        assert validated[column].type == "list", column
        assert validated[column].errorStyle in (None, "stop"), column  # None: Excel's stop
    assert validated["Category"].errorStyle == "warning"  # several may be typed
    instructions = {row[0]: row for row in book["Instructions"].iter_rows(values_only=True)}
    assert instructions["Old reference"][1] == "Yes"
    assert "10 to 20 working days" in instructions["Stage 1 extended"][2]
    assert instructions["Received how"][3].splitlines()[:3] == ["Email", "Phone", "Letter"]
    compliments = load_workbook(
        io.BytesIO(client.get("/complaints/import/template-compliments.xlsx").data)
    )
    assert [c.value for c in compliments["Compliments"][1]][:3] == [
        "Old reference",
        "Received date",
        "Source",
    ]
    assert compliments["Compliments"].max_row == 1


def test_the_columns_page_lists_every_column_and_its_meaning(client, officer):
    page = words(client.get("/complaints/import/columns"))
    for f in COMPLAINT_FIELDS:
        assert f.title in page and f.meaning in page
    assert "What was valued" in page


def test_an_xlsx_with_date_cells_and_other_headings_is_read(client, officer, council):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "OLD REF",
            "Date Received",
            "How received",
            "Who complained",
            "Team name",
            "Summary:",
            "Stage 1 - response date",
            "Stage 1 outcome",
            "Date closed (dd/mm/yyyy)",
            "Notes we kept",
        ]
    )
    sheet.append(
        [
            "X-1",
            datetime(2026, 3, 30),
            "telephone",
            "young person",
            "Here4U",
            "Visits stopped",
            datetime(2026, 4, 15),
            "partly upheld",
            datetime(2026, 4, 16),
            "ignored",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    page = words(upload(client, "log.xlsx", out.getvalue()))
    # Received Monday 30 March 2026: Good Friday (3 April) and Easter Monday (6 April) are
    # not working days, so the tenth is Wednesday 15 April: answered on the day, in time.
    assert "Stage 1 from 30 March 2026, due 15 April 2026: answered 15 April 2026, in time" in page
    confirm(client)
    complaint = by_legacy("X-1")
    assert (complaint.received_how, complaint.complainant_type) == ("phone", "child")
    assert complaint.stages[0].outcome == "partly_upheld"
    assert complaint.service_area_id == complaint.team.service_area_id
    assert complaint.closed_on == date(2026, 4, 16)


def test_a_file_missing_a_column_or_naming_one_twice_is_refused(client, officer):
    page = words(upload(client, "log.csv", b"Old reference,Received date\r\nA,01/01/2025\r\n"))
    assert "Missing: Received how, Complainant type, Summary" in page
    page = words(
        upload(
            client,
            "log.csv",
            (HEADER + ";Ref\r\n").encode(),
        )
    )
    assert "Two columns mean Old reference: 'Old reference' and 'Ref'" in page
    page = words(upload(client, "log.txt", b"hello"))
    assert "The log must be an .xlsx or .csv file" in page
    assert count(ComplaintImport) == 0


def test_a_crafted_workbook_is_refused_with_its_limit(client, officer):
    page = words(upload(client, "log.xlsx", crafted.far_row(1_048_576)))
    assert "The file has more than 2,000 rows" in page
    assert count(ComplaintImport) == 0


def test_compliments_import_once(client, officer, council):
    data = (FIELD / "compliments-log-2025-26.csv").read_bytes()
    page = words(upload(client, "compliments.csv", data, kind="compliments"))
    assert "Check the compliments log" in page and "2 rows: 2 new" in page
    page = words(confirm(client))
    assert "Log imported: 2 compliments added" in page
    court = db.session.scalar(
        select(Compliment).where(Compliment.legacy_reference == "CPL-2025-02")
    )
    assert court.source == "court" and court.team_id == council["Here4U"].id
    assert sorted(t.name for t in court.themes) == [
        "Going the extra mile",
        "Good outcome for the child",
    ]
    parent = db.session.scalar(
        select(Compliment).where(Compliment.legacy_reference == "CPL-2025-01")
    )
    assert parent.service_area_id == council["cinp"].id and parent.external
    page = words(upload(client, "compliments.csv", data, kind="compliments"))
    assert "2 rows: 0 new, 2 already imported" in page
    confirm(client)
    assert count(Compliment) == 2


@pytest.mark.parametrize("role", ["service_manager", "qa_officer", "practitioner"])
def test_only_complaints_officers_and_administrators_import(client, make_user, role):
    sign_in(client, make_user(role))
    assert client.get("/complaints/import").status_code == 403
    assert client.get("/complaints/import/template-complaints.xlsx").status_code == 403
    response = client.post(
        "/complaints/import",
        data={"kind": "complaints", "file": (io.BytesIO(example()), "log.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert count(ComplaintImport) == 0


def test_an_administrator_may_import(client, make_user, council):
    sign_in(client, make_user("admin"))
    page = words(upload(client, "log.csv", example()))
    assert "7 rows: 7 new" in page


def test_imported_complaints_take_the_next_references_of_their_year(client, officer):
    from qaweb.complaints.services import open_complaint

    logged = Complaint(
        received_on=date(2025, 5, 1),
        received_how="email",
        complainant_type="parent",
        complainant_name="Ann Lee",
        summary="Logged in qaweb before the import",
    )
    open_complaint(logged, None)
    db.session.commit()
    assert logged.reference == "CMP-2025-0001"
    upload(client, "log.csv", example())
    confirm(client)
    made = {c.legacy_reference: c.reference for c in db.session.scalars(select(Complaint))}
    # Numbered by the year received, in the file's order, after those already given.
    assert made == {
        None: "CMP-2025-0001",
        "OLD-2025-001": "CMP-2025-0002",
        "OLD-2025-002": "CMP-2025-0003",
        "OLD-2025-003": "CMP-2025-0004",
        "OLD-2025-004": "CMP-2025-0005",
        "OLD-2025-005": "CMP-2026-0001",
        "OLD-2025-006": "CMP-2025-0006",
        "OLD-2025-007": "CMP-2026-0002",
    }
    # A complaint logged afterwards takes the next number.
    after = Complaint(
        received_on=date(2025, 6, 2),
        received_how="email",
        complainant_type="parent",
        complainant_name="Ann Lee",
        summary="Logged after the import",
    )
    open_complaint(after, None)
    assert after.reference == "CMP-2025-0007"


def test_closure_days_stop_only_an_imported_corporate_clock(client, officer):
    from qaweb.core.workdays import CLOSURE, ClosureDay, forget_days_off

    for day in (29, 30, 31):
        db.session.add(ClosureDay(day=date(2025, 12, day), kind=CLOSURE, reason="Closed"))
    db.session.commit()
    forget_days_off()
    rows = [
        "STAT-1;22/12/2025;Email;Parent;;;Oaks;;Late visit;Statutory;;;;;;;;;;;;;;;;",
        "CORP-1;22/12/2025;Email;Parent;;;Oaks;;Late visit;Corporate;;;;;;;;;;;;;;;;",
    ]
    upload(client, "log.csv", "\r\n".join([HEADER, *rows]).encode())
    confirm(client)
    # Received Monday 22 December 2025. Statutory (regulation 2 of the 2006 Regulations: the
    # council's closure days are working days): 23, 24, 29, 30, 31 December, 2, 5, 6, 7, 8
    # January -> Thursday 8 January 2026. Corporate, skipping 29-31 December as well: 23, 24
    # December, 2, 5, 6, 7, 8, 9, 12, 13 January -> Tuesday 13 January 2026.
    assert by_legacy("STAT-1").stages[0].due_on == date(2026, 1, 8)
    assert by_legacy("CORP-1").stages[0].due_on == date(2026, 1, 13)


def test_invisible_characters_and_a_team_no_longer_in_use_still_match(client, officer, council):
    council["Willows"].active = False
    db.session.commit()
    # Zero-width spaces and a word joiner pasted into the date, a choice, the team, a category.
    row = (
        "ZW-1;\u200b01/07/2025;Email\u200b;Parent;;;Wil\u200blows;Delay\u2060;Late visit" + ";" * 17
    )
    page = words(upload(client, "log.csv", "\r\n".join([HEADER, row]).encode()))
    assert "1 row: 1 new" in page
    template = load_workbook(
        io.BytesIO(client.get("/complaints/import/template-complaints.xlsx").data)
    )
    data = template["Complaints"]
    headers = [c.value for c in data[1]]
    teams = next(
        rule
        for rule in data.data_validations.dataValidation
        if headers[min(cell.min_col for cell in rule.sqref.ranges) - 1] == "Team"
    )
    assert "Willows" in _choices(template, teams)  # no longer in use, but an old log names it
    confirm(client)
    assert by_legacy("ZW-1").team_id == council["Willows"].id


@pytest.mark.parametrize("kind", ["complaints", "compliments"])
def test_a_log_with_no_rows_under_its_header_is_refused_on_the_upload_page(client, officer, kind):
    """Found walking the app: the template uploaded as downloaded (its header row alone) was
    previewed as "Every row is already in qaweb: there is nothing to import"; then as "0 rows"
    on a preview kept for nothing. The upload page now refuses it, on the file field."""
    template = client.get(f"/complaints/import/template-{kind}.xlsx").data
    titles = ";".join(f.title for f in FIELDS[kind])
    header = (titles + "\r\n" + ";" * titles.count(";") + "\r\n").encode()
    for filename, data in (("log.xlsx", template), ("log.csv", header)):
        response = upload(client, filename, data, kind=kind)
        page = text(response)
        assert response.request.path == "/complaints/import", "no preview"
        message = (
            "The file has no rows under its header row. Add the rows and upload the file again"
        )
        assert message in error_summary(page)
        assert message in field_error(page, "file")
        assert "Every row is already in qaweb" not in page
        assert not re.search(r"<button[^>]*>\s*Import the rows\s*</button>", page)
    assert count(ComplaintImport) == 0


def _received_column(response) -> dict[int, str]:
    """The preview's Received column: row number -> the words in its cell."""
    cells = {}
    page = response.get_data(as_text=True)
    for number, row in re.findall(
        r'<tr class="govuk-table__row" id="row-(\d+)">(.*?)</tr>', page, re.S
    ):
        cells[int(number)] = plain(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[2])
    return cells


def test_every_received_date_in_the_preview_reads_one_way_new_or_already_imported(client, officer):
    """Found re-importing the log: a row already imported showed its received date as the file
    held it (2026-03-30 from a date cell, 07/04/2025 as typed), a new row as 30 March 2026."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Old reference", "Received date", "Received how", "Complainant type", "Summary"])
    sheet.append(["X-1", datetime(2026, 3, 30), "Email", "Parent", "Late visit"])
    sheet.append(["X-2", "07/04/2025", "Email", "Parent", "Late visit"])

    def workbook() -> bytes:
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    upload(client, "log.xlsx", workbook())
    confirm(client)
    sheet.append(["X-3", datetime(2025, 11, 3), "Email", "Parent", "Late visit"])
    sheet.append(["X-4", "2025-11-04", "Email", "Parent", "Late visit"])
    sheet.append(["X-5", "05/11/2025", "Email", "Parent", "Late visit"])
    response = upload(client, "log.xlsx", workbook())
    page = words(response)
    assert "5 rows: 3 new, 2 already imported" in page
    assert _received_column(response) == {
        2: "30 March 2026",
        3: "7 April 2025",
        4: "3 November 2025",
        5: "4 November 2025",
        6: "5 November 2025",
    }
    assert "Stage 1 from 3 November 2025, due" in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", page)
    # The same on a .csv, whose already imported rows hold the dates as typed.
    upload(client, "log.csv", example())
    confirm(client)
    response = upload(client, "log.csv", example())
    assert set(_received_column(response).values()) >= {"7 April 2025", "19 December 2025"}
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", words(response))


def _what_will_happen(response) -> dict[str, str]:
    """The preview's "What will happen" column: old reference -> the words in its cell."""
    cells = {}
    page = response.get_data(as_text=True)
    for row in re.findall(r'<tr class="govuk-table__row" id="row-\d+">(.*?)</tr>', page, re.S):
        cells_in_row = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        cells[plain(cells_in_row[1])] = plain(cells_in_row[4])
    return cells


def test_the_preview_shows_the_closed_date_of_a_row_imported_as_closed(client, officer):
    """Found walking the import: a row to be imported as closed showed no closed date, so
    there was no way to check the date had been read."""
    column = _what_will_happen(upload(client, "complaints-log-2025-26.csv", example()))
    assert column["OLD-2025-002"].endswith(
        "Stage 1 from 19 December 2025, due 7 January 2026: answered 9 January 2026, late "
        "Closed 9 January 2026"
    )
    assert "Closed 17 April 2025" in column["OLD-2025-001"]
    assert "Closed" not in column["OLD-2025-005"]  # still open
    # A date cell reads the same.
    book = Workbook()
    sheet = book.active
    sheet.append(["Old reference", "Received date", "Received how", "Complainant type", "Summary"])
    sheet["F1"] = "Stage 1 response date"
    sheet["G1"] = "Stage 1 outcome"
    sheet["H1"] = "Closed date"
    sheet.append(["X-1", datetime(2026, 9, 1), "Email", "Parent", "Late visit"])
    sheet["F2"] = datetime(2026, 9, 14)
    sheet["G2"] = "Not upheld"
    sheet["H2"] = datetime(2026, 9, 20)
    out = io.BytesIO()
    book.save(out)
    column = _what_will_happen(upload(client, "log.xlsx", out.getvalue()))
    assert column["X-1"].endswith("Closed 20 September 2026")


def test_the_complaints_export_is_read_from_its_complaints_sheet_not_its_about_sheet(
    client, officer
):
    """Found walking the import: the complaints Excel export uploaded as the old log was
    refused "The first row must name the columns. Missing: Old reference..." because its
    first sheet is "About"; the columns are on a later sheet, which is now the one read."""
    upload(client, "complaints-log-2025-26.csv", example())
    confirm(client)
    exported = client.get("/complaints/export.xlsx?status=all").data
    book = load_workbook(io.BytesIO(exported))
    assert book.sheetnames[0] == "About" and "Complaints" in book.sheetnames
    page = text(upload(client, "complaints.xlsx", exported))
    assert "Missing: Old reference" not in page
    # The Complaints sheet is read: its "Reference" (qaweb's) and "Old reference" columns
    # both name the old reference, which is said.
    assert (
        "Two columns mean Old reference: 'Reference' and 'Old reference'. "
        "Delete or rename one of them"
    ) in error_summary(page)
    # qaweb's own reference deleted, About still first: every row is recognised.
    book["Complaints"].delete_cols(1)
    out = io.BytesIO()
    book.save(out)
    page = words(upload(client, "complaints.xlsx", out.getvalue()))
    assert "Check the complaints log" in page
    assert "7 rows: 0 new, 7 already imported (left as they are)." in page
    # No sheet with the columns: the refusal names the sheet read.
    book = Workbook()
    book.active.title = "About"
    book.active.append(["Complaints exported 1 December 2026"])
    book.create_sheet("Notes").append(["Nothing here"])
    out = io.BytesIO()
    book.save(out)
    page = text(upload(client, "complaints.xlsx", out.getvalue()))
    assert (
        "The first row must name the columns. Missing: Old reference, Received date, "
        "Received how, Complainant type, Summary. qaweb read the first sheet, called 'About', "
        "and no other sheet names the columns in its first row. Put the rows on the first "
        "sheet, under a row naming the columns"
    ) in error_summary(page)
    assert count(ComplaintImport) == 2  # the import and the preview: no refused file kept
