"""Workbooks as the people who receive them see them: the About sheet, names, widths, print
set-up and charts of every export and report, and import templates that import."""

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.core.excel import About, BarChart, Column, Sheet, build_workbook, sheet_name
from qaweb.extensions import db

DEMO = "demo-council.example"
PASSWORD = "qaweb-demo-2026"


def _title(title) -> str:
    return "".join(r.t for p in title.tx.rich.p for r in (p.r or []))


def _about(book) -> dict:
    return {r[0]: r[1] for r in book["About"].iter_rows(min_row=3, values_only=True) if r[0]}


def _width(sheet, column: int) -> float:
    """A column's width; columns of equal width are stored as one range (min to max)."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min and dimension.min <= column <= dimension.max:
            return dimension.width
    raise AssertionError(f"{sheet.title}: column {column} has no width")


def _last_row(ref: str) -> int:
    return int("".join(ch for ch in ref.split(":")[1] if ch.isdigit()))


# -- the writer on its own ----------------------------------------------------------------


def test_sheet_names_are_cut_at_a_word_and_made_unique():
    used: set[str] = set()
    # The name the complaints report used to get: "9 Average working days to respo".
    assert sheet_name("9 Average working days to respond", used) == "9 Average working days to"
    assert sheet_name("Summary", used) == "Summary"
    assert sheet_name("summary", used) == "summary (2)"  # Excel compares names ignoring case
    assert sheet_name("Q3: Oct/Dec [draft]", used) == "Q3 Oct Dec draft"
    assert sheet_name("A" * 40, used) == "A" * 31  # one word longer than a name: cut
    long = "Compliments by who gave them (external)"
    assert sheet_name(long, used) == "Compliments by who gave them"
    assert sheet_name(long, used) == "Compliments by who gave (2)"
    assert all(len(n) <= 31 for n in used) and len(used) == 7


def test_widths_wrapping_totals_and_dates_in_a_workbook(app):
    words = " ".join(["word"] * 30)  # 149 characters
    handle = build_workbook(
        "Teams",
        [Column("Team", 40), Column("Notes", 40), Column("Due date", kind="date")],
        [
            ("Oaks", words, date(2026, 3, 4)),
            ("Willows", "one\ntwo\nthree", datetime(2026, 3, 5, 9, 30)),
        ],
        totals=[("All teams", "", None)],
        about=About("Team notes", period="2026 to 2027", filters=[("Area", "Early Help")]),
    )
    book = load_workbook(handle)
    handle.close()
    assert book.sheetnames == ["About", "Teams"]
    about = _about(book)
    assert about["Report"] == "Team notes" and about["Period"] == "2026 to 2027"
    assert about["Filter: Area"] == "Early Help"
    sheet = book["Teams"]
    assert book.active.title == "Teams"
    # The widest value, "All teams" in the totals (9), and a character either side: 11.
    assert int(sheet.column_dimensions["A"].width) == 11
    # Capped at 40; 149 characters wrap to four lines of eight "word"s (Arial's widths) at most.
    assert int(sheet.column_dimensions["B"].width) == 40
    assert sheet["B2"].alignment.wrap_text
    assert sheet.row_dimensions[2].height == 4 * 12.75
    assert sheet.row_dimensions[3].height == 3 * 12.75  # three lines typed
    assert sheet["C2"].is_date and sheet["C2"].value == datetime(2026, 3, 4)
    assert sheet["C3"].is_date
    # The totals row sits below a blank row, outside the filter: sorting leaves it alone.
    assert sheet.auto_filter.ref == "A1:C3"
    assert sheet["A5"].value == "All teams" and sheet["A5"].font.bold
    assert sheet.page_setup.paperSize == 9 and sheet.print_title_rows == "$1:$1"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.oddFooter.center.text == "Page &P of &N"


def test_rows_are_as_tall_as_their_letters_wrap_and_dates_sit_level(app):
    """Field report (issue 15): "Stage 1: complaints answered point by point" printed with an
    empty line above it, a row made for two lines when its narrow letters fit one; capitals
    take more room than as many small letters. Dates sat at the top of a wrapped row, level
    with the row above; on the About sheet "Made on" stood at the far right."""
    made = datetime(2026, 12, 1, 10, 30)
    handle = build_workbook(
        "Stages",
        [Column("Stage", 40), Column("Notes", 40), Column("Due", kind="date")],
        [
            ("Stage 1: complaints answered point by point", "", date(2026, 3, 4)),
            ("LOCAL GOVERNMENT AND SOCIAL CARE OMBUDSMAN", "", date(2026, 3, 5)),
            ("Stage 2", " ".join(["word"] * 30), date(2026, 3, 6)),
        ],
        about=About("Stages", made_at=made),
    )
    book = load_workbook(handle)
    handle.close()
    sheet = book["Stages"]
    assert int(sheet.column_dimensions["A"].width) == 40
    assert sheet.row_dimensions[2].height is None  # 43 characters, one line
    assert sheet.row_dimensions[3].height == 2 * 12.75  # 42 capitals, two lines
    assert sheet.row_dimensions[4].height == 4 * 12.75
    # The date in the wrapped row sits at its foot, as the row's other values do.
    assert sheet["C4"].is_date and sheet["C4"].alignment.vertical in (None, "bottom")
    about = book["About"]
    (made_on,) = [r for r in about.iter_rows(min_row=3) if r[0].value == "Made on"]
    assert made_on[1].value == made and made_on[1].alignment.horizontal == "left"


def test_a_value_of_capitals_shorter_than_its_column_in_letters_still_wraps(app):
    """A column is as many characters wide as its widest value; capitals are wider than the
    column's unit (Arial's widest digit), so a value in capitals that many letters long does
    not fit on one line: its row is made tall enough and the text wraps rather than being cut
    off by the next column's value. Small letters as many fit on one line."""
    handle = build_workbook(
        "Teams",
        [Column("Team", 40), Column("Service area", 30)],
        [
            ("WOKINGHAM BOROUGH COUNCIL", "Early Help"),
            ("Wokingham borough council", "Early Help"),
        ],
    )
    book = load_workbook(handle)
    handle.close()
    sheet = book["Teams"]
    assert int(sheet.column_dimensions["A"].width) == 27  # 25 letters and 2
    assert sheet.row_dimensions[2].height == 2 * 12.75
    assert sheet["A2"].alignment.wrap_text
    assert sheet.row_dimensions[3].height is None


def test_chart_plots_every_compared_column_in_given_colours(app):
    handle = build_workbook(
        "Key figures",
        [Column("Figure"), Column("Q3", kind="number"), Column("Q2", kind="number")],
        [("Received", 4, 6), ("Closed", 3, 5)],
        sheets=[
            Sheet(
                "Grades",
                [Column("Section"), Column("Good", kind="number"), Column("Poor", kind="number")],
                [("Overall", 3, 1)],
                chart=BarChart("Grades", stacked=True, colours=["#28A197", "#D4351C"]),
            )
        ],
    )
    book = load_workbook(handle)
    handle.close()
    (chart,) = book["Grades"]._charts
    assert [s.spPr.solidFill.srgbClr for s in chart.series] == ["28A197", "D4351C"]
    assert _title(chart.x_axis.title) == "Section" and _title(chart.y_axis.title) == "Number"
    assert chart.x_axis.scaling.orientation == "maxMin"  # first row at the top, as the table


# -- every workbook the demo council produces -----------------------------------------------


@pytest.fixture
def demo(demo_council_app):
    """The app on a copy of the demo council (seeded once per run), read by this module's
    workbook tests: every workbook has rows."""
    with demo_council_app.app_context():
        yield demo_council_app


def _name(login):
    from qaweb.organisation.models import User

    return db.session.scalar(select(User).where(User.email == f"{login}@{DEMO}")).name


def _download(app, who, url):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": f"{who}@{DEMO}", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(url)
    assert response.status_code == 200, url
    return load_workbook(io.BytesIO(response.data))


def _check_common(book, made_by):
    assert book.sheetnames[0] == "About"
    about = _about(book)
    assert about["Council"] == "Demo Borough Council"
    assert about["Made by"] == made_by and isinstance(about["Made on"], datetime)
    assert "Period" in about and ("Filters" in about or any(k.startswith("Filter:") for k in about))
    names = book.sheetnames
    assert len({n.lower() for n in names}) == len(names)
    for name in names:
        assert len(name) <= 31 and not name.endswith((" ", "-", "("))
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
        if sheet.auto_filter.ref:  # a table: one page wide, header row on every page
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
            assert (sheet.page_setup.fitToWidth or 1) == 1, sheet.title
            assert sheet.print_title_rows == "$1:$1", sheet.title
            for cell in sheet[1]:
                width = _width(sheet, cell.column)
                longest = max(len(w) for w in str(cell.value).split())
                assert width >= longest + 2, (sheet.title, cell.value)  # never cut mid-word
        for chart in sheet._charts:
            assert chart.x_axis.title is not None and chart.y_axis.title is not None


def test_complaints_report_plots_every_period_and_prints_on_few_sheets(demo):
    book = _download(demo, "complaints", "/complaints/report.xlsx?year=2026&quarter=3")
    _check_common(book, _name("complaints"))
    about = _about(book)
    assert about["Period"] == "Q3: October to December 2026"
    assert book.sheetnames[1] == "Key figures"
    charts = [c for ws in book.worksheets for c in ws._charts]
    assert len(charts) >= 10
    for chart in charts:
        # Three periods compared (the quarter, the one before, the same one a year ago).
        assert len(chart.series) == 3
        assert [s.tx.strRef.f.split("!")[1][:2] for s in chart.series] == ["$B", "$C", "$D"]
    received = book["Complaints received"]
    # A4 at a scale that fits one page wide (portrait: the stacked tables fill its height,
    # the text kept readable), page breaks between tables, and the print area ending where
    # the charts beside the tables end.
    assert received.page_setup.paperSize == 9 and 60 <= received.page_setup.scale <= 100
    assert received.page_setup.orientation == "portrait"
    assert received.print_area.startswith("'Complaints received'!$A$1:")
    for sheet in book.worksheets[2:]:
        for chart in sheet._charts:  # beside its table, never over it
            assert chart.anchor._from.col >= 4, sheet.title


def test_supervision_chart_uses_the_scale_colours_in_its_order(demo):
    from qaweb.core import grading
    from qaweb.supervision.models import SupervisionAudit

    year = db.session.scalar(select(SupervisionAudit.year).limit(1))
    book = _download(demo, "qa.officer", f"/supervision/coverage/report.xlsx?year={year}")
    _check_common(book, _name("qa.officer"))
    assert book.sheetnames[:3] == ["About", "Coverage", "Grades"]
    levels = grading.levels(include_inactive=True)
    assert [level.label for level in levels] == [
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    ]
    (chart,) = book["Grades"]._charts
    # Green, turquoise, yellow, red: the tags' GOV.UK colours, best first as in the table.
    assert [s.spPr.solidFill.srgbClr for s in chart.series] == [
        "00703C",
        "28A197",
        "FFDD00",
        "D4351C",
    ]
    headers = [c.value for c in book["Grades"][1]][1:]
    assert headers == [level.label for level in levels]
    coverage = book["Coverage"]
    last = _last_row(coverage.auto_filter.ref)
    totals = [r for r in coverage.iter_rows(min_row=1) if r[1].value == "All teams"]
    assert len(totals) == 1 and totals[0][1].row == last + 2  # below the filter range


def test_every_other_workbook_has_about_print_setup_and_real_dates(demo):
    from qaweb.practice_week.models import PracticeWeek
    from qaweb.thematic.models import ThematicAudit

    week = db.session.scalars(select(PracticeWeek).order_by(PracticeWeek.starts_on)).first()
    audit = db.session.scalars(select(ThematicAudit).order_by(ThematicAudit.id)).first()
    for login, url in [
        ("qa.officer", "/actions/all/export.xlsx?status=all"),
        ("qa.officer", "/supervision/export.xlsx"),
        ("qa.officer", "/thematic/export.xlsx"),
        ("qa.officer", f"/thematic/{audit.id}.xlsx"),
        ("admin", "/admin/users/export.xlsx"),
        ("complaints", "/complaints/export.xlsx?status=all"),
        ("organiser", f"/practice-weeks/{week.id}/report.xlsx"),
        ("organiser", f"/practice-weeks/{week.id}/schedule.xlsx"),
        ("organiser", f"/practice-weeks/{week.id}/records.xlsx"),
    ]:
        _check_common(_download(demo, login, url), _name(login))
    report = _download(demo, "organiser", f"/practice-weeks/{week.id}/report.xlsx")
    grades = report["Grades"]
    (chart,) = grades._charts
    shown = [r[0] for r in grades.iter_rows(min_row=2, values_only=True)]
    assert shown == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    # One bar per grade, each in its level's colour (green, turquoise, yellow, red).
    fills = [p.spPr.solidFill.srgbClr for p in chart.series[0].dPt]
    assert fills == ["00703C", "28A197", "FFDD00", "D4351C"]
    terms = {r[0]: r[1] for r in book_for_terms(demo, audit.id).iter_rows(values_only=True)}
    assert isinstance(terms["Start"], datetime)  # a date cell, not "4 May 2026" as text
    assert terms["Start"].date() == date.fromisoformat(audit.terms["start_on"])


def book_for_terms(app, audit_id):
    return _download(app, "qa.officer", f"/thematic/{audit_id}.xlsx")["Terms of reference"]


# -- import templates ----------------------------------------------------------------------


def test_staff_template_has_drop_downs_instructions_and_imports_what_is_typed(
    client, make_user, make_team
):
    make_team("Oaks")
    make_team("Willows")
    admin = make_user("admin")
    sign_in(client, admin)
    response = client.get("/admin/users/import-template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Staff", "Instructions"]
    sheet = book["Staff"]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "Email",
        "First name",
        "Last name",
        "Team",
        "Job title",
        "Line manager email",
        "Roles",
        "Active",
    ]
    assert sheet.max_row == 1  # no sample row among the data
    lists = {
        str(v.sqref).split(":")[0]: v.formula1
        for v in sheet.data_validations.dataValidation
        if v.type == "list"
    }
    assert "Oaks" in lists["D2"] and "Willows" in lists["D2"]
    assert lists["H2"] == '"Yes,No"'
    explained = [r[0] for r in book["Instructions"].iter_rows(values_only=True)]
    assert all(h in explained for h in headers)

    # Filled in where the header says and uploaded as it is: the import accepts it.
    sheet.append(["new.person@council.example", "New", "Person", "Oaks", "", "", "", "Yes"])
    out = io.BytesIO()
    book.save(out)
    upload = client.post(
        "/admin/users/import",
        data={"file": (io.BytesIO(out.getvalue()), "staff.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    preview = client.get(upload.headers["Location"]).get_data(as_text=True)
    assert "new.person@council.example" in preview and "There is a problem" not in preview


def test_schedule_template_has_drop_downs_and_no_sample_row(demo):
    from qaweb.practice_week.models import MeetingType

    book = _download(demo, "organiser", "/practice-weeks/import-template.xlsx")
    assert book.sheetnames[:2] == ["Schedule", "Instructions"]
    sheet = book["Schedule"]
    assert sheet.max_row == 1
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    meeting_types = sorted(
        db.session.scalars(select(MeetingType.name).where(MeetingType.active.is_(True)))
    )
    assert validations["C2"].formula1 == '"' + ",".join(meeting_types) + '"'
    assert validations["D2"].type == "date"
    assert validations["H2"].formula1 == '"Yes,No"' and validations["J2"].formula1 == '"Yes,No"'
