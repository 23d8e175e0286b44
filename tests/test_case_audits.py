"""Case-file audits: the case list import, the month's sample and its allocation."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from support import (
    csv_bytes,
    error_summary,
    error_summary_html,
    field_error,
    plain,
    sign_in,
    text,
    xlsx_bytes,
)

from qaweb.case_audits import services
from qaweb.case_audits.models import (
    ALLOCATED,
    COMPLETED,
    SAMPLED,
    SWAPPED,
    CaseAudit,
    CaseFile,
    CaseSample,
)
from qaweb.core.notify import OutboxMessage
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import format_date, today_london
from qaweb.extensions import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


THIS_MONTH = today_london().replace(day=1)
MONTH_VALUE = THIS_MONTH.strftime("%Y-%m")
HEADER = [
    "Case number",
    "Case type",
    "Team",
    "Practitioner email",
    "Date opened",
    "Flags",
    "Closed",
]


@pytest.fixture
def council(make_area, make_team, make_user):
    """Two teams in one area. North: manager Nora (team manager), practitioners Pat and Pip
    (line-managed by Nora). South: manager Sam, practitioner Sue. Service manager Vic in the
    area. Auditor pool (default): team managers and service managers."""
    area = make_area("Children's Social Care")
    north = make_team("North", area=area)
    south = make_team("South", area=area)
    nora = make_user("team_manager", team=north, first_name="Nora", last_name="North")
    sam = make_user("team_manager", team=south, first_name="Sam", last_name="South")
    vic = make_user("service_manager", team=north, first_name="Vic", last_name="Vale")
    pat = make_user(team=north, first_name="Pat", last_name="Ash", line_manager=nora)
    pip = make_user(team=north, first_name="Pip", last_name="Birch", line_manager=nora)
    sue = make_user(team=south, first_name="Sue", last_name="Cedar", line_manager=sam)
    qa = make_user("qa_officer", first_name="Quinn", last_name="Audit")
    return {
        "area": area,
        "north": north,
        "south": south,
        "nora": nora,
        "sam": sam,
        "vic": vic,
        "pat": pat,
        "pip": pip,
        "sue": sue,
        "qa": qa,
    }


def add_case(number, team, practitioner, case_type="child in need", closed=False, month=None):
    case = CaseFile(
        case_number=number,
        case_type=case_type,
        team_id=team.id,
        practitioner_id=practitioner.id,
        closed=closed,
        listed_month=month or THIS_MONTH,
    )
    db.session.add(case)
    db.session.commit()
    return case


def upload(client, filename, data, month=MONTH_VALUE):
    return client.post(
        "/case-audits/cases/import",
        data={"month": month, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


# -- the case list ---------------------------------------------------------------------------


def test_case_list_previews_then_imports_every_row(client, council):
    sign_in(client, council["qa"])
    rows = [
        HEADER,
        ["100001", "Child in need", "North", council["pat"].email, date(2026, 3, 2), "", "No"],
        ["100002", "Child protection", "North", council["pip"].email, None, "disabled child", ""],
        ["200001", "Child in care", "South", council["sue"].email, "14/05/2025", "", "Yes"],
    ]
    response = upload(client, "cases.xlsx", xlsx_bytes(rows))
    assert response.status_code == 302
    preview = response.headers["Location"]
    page = plain(text(client.get(preview)))
    assert "3 rows: 3 new, 0 to update, 0 unchanged." in page
    assert count(CaseFile) == 0, "nothing is saved before confirming"

    response = client.post(preview)
    assert response.status_code == 302
    cases = {c.case_number: c for c in db.session.scalars(select(CaseFile))}
    assert set(cases) == {"100001", "100002", "200001"}
    assert cases["100001"].opened_on == date(2026, 3, 2)
    assert cases["100002"].flags == "disabled child"
    assert cases["200001"].closed is True
    assert cases["200001"].opened_on == date(2025, 5, 14)
    assert all(c.listed_month == THIS_MONTH for c in cases.values())

    # The same list again changes nothing.
    again = upload(client, "cases.xlsx", xlsx_bytes(rows)).headers["Location"]
    assert "3 rows: 0 new, 0 to update, 3 unchanged." in plain(text(client.get(again)))


def test_case_list_with_bad_rows_is_refused_by_row_and_nothing_is_saved(client, council):
    sign_in(client, council["qa"])
    rows = [
        HEADER,
        ["", "Child in need", "North", council["pat"].email, "", "", ""],
        ["100002", "Child in need", "Nowhere", council["pat"].email, "", "", ""],
        ["100003", "Child in need", "North", "stranger@else.example", "", "", ""],
        ["100004", "Child in need", "North", council["pat"].email, "", "", ""],
        ["100004", "Child in need", "North", council["pat"].email, "", "", ""],
        ["100005", "Child in need", "North", council["pat"].email, "soon", "", "maybe"],
        ["100006", "Child in need", "North", council["pat"].email, "", "", ""],
    ]
    preview = upload(client, "cases.csv", csv_bytes(rows)).headers["Location"]
    page = text(client.get(preview))
    summary = error_summary(page)
    assert "6 rows have problems: nothing has been imported" in summary
    assert "Row 2: Case number is missing" in summary
    assert "Row 3: Team 'Nowhere' is not a team in qaweb" in summary
    assert "Row 4: Practitioner stranger@else.example is not a current member of staff" in summary
    assert "Row 5: Case number 100004 appears more than once in the file" in summary
    assert "Row 6: Case number 100004 appears more than once in the file" in summary
    assert "Row 7: Date opened 'soon' is not a date (use 31/01/2026); Closed must be Yes or No" in (
        summary
    )
    assert "Import the cases" not in page
    client.post(preview)
    assert count(CaseFile) == 0


NO_ROWS = "The file has no rows under its header row. Add the rows and upload the file again"


def _refused_with_nothing_staged(response, message):
    from qaweb.case_audits.models import CaseImport

    assert response.status_code == 200, "answered on the upload page, not a preview"
    page = text(response)
    assert message in error_summary(page)
    assert message in field_error(page, "file")
    assert 'href="#file"' in error_summary_html(page)
    assert not re.search(r"<button[^>]*>\s*Import the cases\s*</button>", page)
    assert count(CaseImport) == 0, "nothing from the file is kept"
    assert count(CaseFile) == 0


def test_a_case_list_of_its_header_row_alone_is_refused_on_the_upload_page(client, council):
    """The case list of its header row alone was previewed as "0 rows" with the Import button."""
    sign_in(client, council["qa"])
    for data in (csv_bytes([HEADER]), csv_bytes([HEADER, [""] * 7, []])):
        _refused_with_nothing_staged(upload(client, "cases.csv", data), NO_ROWS)
    # The template uploaded as downloaded: its first sheet is the header row alone.
    template = client.get("/case-audits/cases/import-template.xlsx").data
    _refused_with_nothing_staged(upload(client, "cases.xlsx", template), NO_ROWS)


def test_a_case_type_qaweb_does_not_know_is_refused_with_the_allowed_ones(client, council):
    sign_in(client, council["qa"])
    pat = council["pat"].email
    rows = [
        HEADER,
        ["100001", "Child in need", "North", pat, "", "", ""],
        ["100002", "Youth justice", "North", pat, "", "", ""],
        ["100003", "Private fostering", "North", pat, "", "", ""],
    ]
    preview = upload(client, "cases.csv", csv_bytes(rows)).headers["Location"]
    page = text(client.get(preview))
    summary = error_summary(page)
    allowed = "Early help, Child in need, Child protection, Child in care or Care leaver"
    assert "2 rows have problems: nothing has been imported" in summary
    assert f"Row 3: Case type 'Youth justice' is not a case type in qaweb: use {allowed}" in summary
    assert f"Row 4: Case type 'Private fostering' is not a case type in qaweb: use {allowed}" in (
        summary
    )
    assert "Row 2" not in summary
    assert not re.search(r"<button[^>]*>\s*Import the cases\s*</button>", page)
    client.post(preview)
    assert count(CaseFile) == 0


def test_the_short_names_councils_use_for_case_types_are_read_as_the_case_types(client, council):
    """The seed frameworks and case-management exports write CIN, CP, CLA and "Looked After"."""
    sign_in(client, council["qa"])
    pat = council["pat"].email
    typed = ["CIN", "cp", "CLA", "Looked After", "LAC", "Care Leavers", "EH"]
    rows = [HEADER] + [[f"10000{n}", t, "North", pat, "", "", ""] for n, t in enumerate(typed)]
    preview = upload(client, "cases.csv", csv_bytes(rows)).headers["Location"]
    assert "7 rows: 7 new, 0 to update, 0 unchanged." in plain(text(client.get(preview)))
    client.post(preview)
    saved = db.session.scalars(select(CaseFile.case_type).order_by(CaseFile.case_number))
    assert list(saved) == [
        "Child in need",
        "Child protection",
        "Child in care",
        "Child in care",
        "Child in care",
        "Care leaver",
        "Early help",
    ]


def test_a_sample_rule_may_name_a_case_type_by_its_short_name(council):
    north, pat = council["north"], council["pat"]
    for n in range(1, 3):
        add_case(f"CP{n}", north, pat, case_type="Child protection")
    add_case("CLA1", north, pat, case_type="Child in care")
    rules = services.parse_rules("every CP\n1   looked after")
    assert [rule.label() for rule in rules] == ["Every child protection case", "1 child in care"]
    sample = services.draw(THIS_MONTH, 3, rules, council["qa"], seed=5)
    reasons = sorted(line.chosen_by for line in sample.audits)
    assert reasons == [
        "1 child in care",
        "Every child protection case",
        "Every child protection case",
    ]


def test_a_sample_rule_for_a_case_type_qaweb_does_not_know_is_refused(client, council):
    add_case("N1", council["north"], council["pat"])
    sign_in(client, council["qa"])
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}"
    page = text(
        client.post(url, data={"per_team": "2", "rules": "every child in need\n2 youth justice"})
    )
    assert (
        "Rule 2: 'youth justice' is not a case type in qaweb: use early help, child in need, "
        "child protection, child in care or care leaver"
    ) in error_summary(page)
    assert count(CaseSample) == 0


def test_a_case_type_in_other_letters_is_kept_as_qaweb_spells_it(client, council):
    sign_in(client, council["qa"])
    rows = [HEADER, ["100001", "  child  PROTECTION ", "North", council["pat"].email, "", "", ""]]
    preview = upload(client, "cases.csv", csv_bytes(rows)).headers["Location"]
    assert "1 row: 1 new, 0 to update, 0 unchanged." in plain(text(client.get(preview)))
    client.post(preview)
    assert db.session.scalar(select(CaseFile.case_type)) == "Child protection"


def test_the_case_list_template_has_its_headings_drop_downs_and_instructions(client, council):
    sign_in(client, council["qa"])
    page = text(client.get("/case-audits/cases/import"))
    assert re.search(
        r'<a class="govuk-link" href="/case-audits/cases/import-template.xlsx" download>'
        r"Download a template</a>",
        page,
    )
    response = client.get("/case-audits/cases/import-template.xlsx")
    assert response.status_code == 200
    assert "case-list-template.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["Cases", "Instructions"]
    data = book["Cases"]
    assert [c.value for c in data[1]] == HEADER
    assert data.max_row == 1, "headers only: no sample rows among the data"
    lists = {}
    for rule in data.data_validations.dataValidation:
        column = HEADER[min(cell.min_col for cell in rule.sqref.ranges) - 1]
        if rule.type == "list":
            # Case type only warns: "CP" typed in Excel is read as Child protection.
            expected = ("warning",) if column == "Case type" else (None, "stop")  # None: stop
            assert rule.errorStyle in expected, column
            lists[column] = rule.formula1.strip('"').split(",")
    assert set(lists) == {"Case type", "Team", "Closed"}
    assert lists["Case type"] == [
        "Early help",
        "Child in need",
        "Child protection",
        "Child in care",
        "Care leaver",
    ]
    assert {"North", "South"} <= set(lists["Team"]), "the teams in qaweb"
    assert lists["Closed"] == ["Yes", "No"]
    instructions = {row[0]: row for row in book["Instructions"].iter_rows(values_only=True)}
    assert instructions["Case number"][1] == "Yes"
    assert instructions["Flags"][1] == "No"
    assert instructions["Case type"][3].splitlines() == lists["Case type"]
    # Only the QA officers who import a case list may download it.
    client.post("/sign-out")
    sign_in(client, council["pat"])
    assert client.get("/case-audits/cases/import-template.xlsx").status_code == 403


def test_the_case_list_preview_shows_every_date_opened_the_govuk_way(client, council):
    add_case("100002", council["north"], council["pat"], case_type="Child in need")
    sign_in(client, council["qa"])
    pat = council["pat"].email
    rows = [
        HEADER,
        ["100001", "Child in need", "North", pat, date(2026, 3, 2), "", "No"],
        ["100002", "Child in need", "North", pat, "14/05/2025", "", "No"],
        ["100003", "Child in need", "North", pat, "2025-11-03", "", "No"],
    ]
    preview = upload(client, "cases.xlsx", xlsx_bytes(rows)).headers["Location"]
    page = plain(text(client.get(preview)))
    assert "1 row" not in page and "2 new, 1 to update" in page
    assert "Child in need · opened 2 March 2026" in page
    assert "Child in need · opened 14 May 2025" in page  # the row updating case 100002
    assert "Child in need · opened 3 November 2025" in page
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}", page)


@pytest.mark.parametrize(
    "column", ["Child name", "First name", "Surname", "DOB", "Date of birth", "Address", "Postcode"]
)
def test_a_column_that_looks_like_a_childs_details_refuses_the_file(client, council, column):
    sign_in(client, council["qa"])
    rows = [[*HEADER[:4], column], ["100001", "Child in need", "North", council["pat"].email, "x"]]
    response = upload(client, "cases.csv", csv_bytes(rows))
    assert response.status_code == 200
    page = text(response)
    assert f"The column '{column}' looks like a child's name, date of birth or address" in page
    assert count(CaseFile) == 0
    from qaweb.case_audits.models import CaseImport

    assert count(CaseImport) == 0, "nothing from the file is kept"


def test_staff_columns_that_mention_a_name_are_not_refused():
    from qaweb.case_audits.case_import import personal_column

    assert personal_column("Team name") is None
    assert personal_column("Practitioner name") is None
    assert personal_column("Young person's name")
    assert personal_column("Home address line 1")


# -- the sample ------------------------------------------------------------------------------


def test_sample_leaves_out_closed_and_recently_audited_cases_and_keeps_the_quota(council):
    north, south, pat, sue = council["north"], council["south"], council["pat"], council["sue"]
    for n in range(1, 6):
        add_case(f"N{n}", north, pat)
    add_case("N-closed", north, pat, closed=True)
    recent = add_case("N-recent", north, pat)
    old = add_case("N-old", north, pat)
    add_case("S1", south, sue)
    # Audited 11 months ago (inside the 12 months) and 13 months ago (outside).
    for case, months_ago in ((recent, 11), (old, 13)):
        db.session.add(
            CaseAudit(
                case_id=case.id,
                month=services.add_months(THIS_MONTH, -months_ago),
                status=COMPLETED,
                team_id=north.id,
                practitioner_id=pat.id,
            )
        )
    db.session.commit()

    eligible = {c.case_number for c in services.eligible_cases(THIS_MONTH)}
    assert eligible == {"N1", "N2", "N3", "N4", "N5", "N-old", "S1"}

    sample = services.draw(THIS_MONTH, 2, [], council["qa"], seed=12345)
    db.session.commit()
    by_team = {}
    for line in sample.audits:
        by_team.setdefault(line.team_id, []).append(line.case.case_number)
    assert len(by_team[north.id]) == 2
    assert by_team[south.id] == ["S1"], "a team with fewer cases than the quota gives them all"
    assert set(by_team[north.id]) <= eligible
    assert all(line.status == SAMPLED and line.chosen_by == "Random" for line in sample.audits)


def test_the_same_seed_draws_the_same_sample_and_the_seed_is_stored(council):
    for n in range(1, 21):
        add_case(f"N{n:02d}", council["north"], council["pat"])
    first = services.draw(THIS_MONTH, 3, [], council["qa"], seed=777)
    db.session.commit()
    chosen = sorted(line.case.case_number for line in first.audits)
    assert first.seed == 777
    again = services.draw(THIS_MONTH, 3, [], council["qa"], seed=777)
    db.session.commit()
    assert sorted(line.case.case_number for line in again.audits) == chosen
    assert count(CaseSample) == 1 and count(CaseAudit) == 3, "drawing again replaces the lines"
    other = services.draw(THIS_MONTH, 3, [], council["qa"], seed=778)
    db.session.commit()
    assert other.seed == 778
    assert sorted(line.case.case_number for line in other.audits) != chosen


def test_rules_take_every_case_of_a_type_and_a_count_of_another(council):
    north, pat = council["north"], council["pat"]
    for n in range(1, 4):
        add_case(f"CP{n}", north, pat, case_type="Child protection")
    for n in range(1, 5):
        add_case(f"CIC{n}", north, pat, case_type="Child in care")
    for n in range(1, 6):
        add_case(f"CIN{n}", north, pat, case_type="Child in need")
    rules = services.parse_rules("every child protection\n1 child in care")
    sample = services.draw(THIS_MONTH, 5, rules, council["qa"], seed=5)
    db.session.commit()
    reasons = [line.chosen_by for line in sample.audits]
    assert reasons.count("Every child protection case") == 3
    assert reasons.count("1 child in care") == 1
    assert reasons.count("Random") == 1, "chance fills the quota of 5 after the rules' 4"
    assert sample.rules == [
        {"kind": "every", "case_type": "child protection", "count": 0},
        {"kind": "count", "case_type": "child in care", "count": 1},
    ]


def test_a_rule_that_is_neither_every_nor_a_number_is_refused(client, council):
    add_case("N1", council["north"], council["pat"])
    sign_in(client, council["qa"])
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}"
    page = text(client.post(url, data={"per_team": "2", "rules": "some child in care"}))
    assert "Rule 1 must start with 'every' or a number from 1 to 50" in error_summary(page)
    assert count(CaseSample) == 0


def test_drawing_without_a_case_list_is_refused(client, council):
    sign_in(client, council["qa"])
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}"
    page = text(client.post(url, data={"per_team": "2", "rules": ""}))
    assert "There are no cases to sample" in error_summary(page)
    assert count(CaseSample) == 0


def test_swapping_a_case_out_needs_a_reason_and_draws_another_from_the_team(client, council):
    for n in range(1, 5):
        add_case(f"N{n}", council["north"], council["pat"])
    sample = services.draw(THIS_MONTH, 1, [], council["qa"], seed=9)
    db.session.commit()
    line = sample.audits[0]
    sign_in(client, council["qa"])
    page = text(client.post(f"/case-audits/lines/{line.id}/swap", data={"reason": " "}))
    assert "Enter why the case is swapped out" in error_summary(page)
    response = client.post(
        f"/case-audits/lines/{line.id}/swap",
        data={"reason": "Case in proceedings this month", "version": line.version},
    )
    assert response.status_code == 302
    db.session.expire_all()
    lines = db.session.scalars(select(CaseAudit).order_by(CaseAudit.id)).all()
    assert [x.status for x in lines] == [SWAPPED, SAMPLED]
    assert lines[0].swap_reason == "Case in proceedings this month"
    assert lines[1].case_id != lines[0].case_id and lines[1].team_id == council["north"].id
    assert lines[1].chosen_by == f"In place of case {lines[0].case.case_number}"
    page = plain(text(client.get(response.headers["Location"])))
    assert "Swapped out: Case in proceedings this month" in page


def test_a_stale_swap_is_refused(client, council):
    add_case("N1", council["north"], council["pat"])
    add_case("N2", council["north"], council["pat"])
    sample = services.draw(THIS_MONTH, 1, [], council["qa"], seed=1)
    db.session.commit()
    line = sample.audits[0]
    sign_in(client, council["qa"])
    page = text(
        client.post(
            f"/case-audits/lines/{line.id}/swap",
            data={"reason": "Old page", "version": line.version - 1 if line.version > 1 else 99},
        )
    )
    assert "There is a problem" in page
    db.session.expire_all()
    assert db.session.get(CaseAudit, line.id).status == SAMPLED


# -- allocation ------------------------------------------------------------------------------


def test_refusals_never_the_line_manager_team_manager_or_own_team(council):
    case = add_case("N1", council["north"], council["pat"])
    line = CaseAudit(
        case_id=case.id,
        month=THIS_MONTH,
        team_id=council["north"].id,
        practitioner_id=council["pat"].id,
    )
    db.session.add(line)
    db.session.commit()
    assert services.refusal(council["pat"], line).endswith("nobody audits their own case")
    assert services.refusal(council["nora"], line) == "Nora North is Pat Ash's line manager"
    assert (
        services.refusal(council["vic"], line) == "Vic Vale works in the team that holds the case"
    )
    assert services.refusal(council["sam"], line) is None
    set_setting("case_audit_exclude_own_team", "no")
    db.session.commit()
    assert services.refusal(council["vic"], line) is None


def test_proposal_spreads_audits_evenly_and_keeps_the_rules(council, make_user):
    sam, vic = council["sam"], council["vic"]
    tia = make_user("team_manager", team=council["south"], first_name="Tia", last_name="Teal")
    for n in range(1, 7):
        add_case(f"N{n}", council["north"], council["pat"])
    sample = services.draw(THIS_MONTH, 6, [], council["qa"], seed=3)
    db.session.commit()
    proposal = services.propose(sample)
    counts = {}
    for auditor in proposal.values():
        counts[auditor.name] = counts.get(auditor.name, 0) + 1
    # North's cases: Nora (line manager, team manager) and Vic (own team) are ruled out,
    # so Sam and Tia share the six, three each.
    assert counts == {sam.name: 3, tia.name: 3}
    assert vic.name not in counts


def test_allocation_with_a_forbidden_auditor_is_refused_and_nothing_is_allocated(client, council):
    add_case("N1", council["north"], council["pat"])
    add_case("S1", council["south"], council["sue"])
    sample = services.draw(THIS_MONTH, 1, [], council["qa"], seed=4)
    db.session.commit()
    lines = {line.case.case_number: line for line in sample.audits}
    sign_in(client, council["qa"])
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}/allocate"
    page = text(
        client.post(
            url,
            data={
                "version": sample.version,
                f"auditor-{lines['N1'].id}": council["nora"].id,
                f"auditor-{lines['S1'].id}": council["nora"].id,
            },
        )
    )
    summary = error_summary(page)
    assert "nothing has been allocated" in summary
    assert "Case N1: Nora North is Pat Ash's line manager" in summary
    assert "Case S1" not in summary
    db.session.expire_all()
    assert {a.status for a in db.session.scalars(select(CaseAudit))} == {SAMPLED}
    assert db.session.get(CaseSample, sample.id).allocated_at is None


def test_confirmed_allocation_sets_due_dates_and_fills_my_work(client, council):
    add_case("N1", council["north"], council["pat"], case_type="Child protection")
    add_case("S1", council["south"], council["sue"])
    sample = services.draw(THIS_MONTH, 1, [], council["qa"], seed=4)
    db.session.commit()
    lines = {line.case.case_number: line for line in sample.audits}
    sign_in(client, council["qa"])
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}/allocate"
    page = plain(text(client.get(url)))
    assert "Sam South (0 this month)" in page
    response = client.post(
        url,
        data={
            "version": sample.version,
            f"auditor-{lines['N1'].id}": council["sam"].id,
            f"auditor-{lines['S1'].id}": council["nora"].id,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    n1 = db.session.get(CaseAudit, lines["N1"].id)
    today = today_london()
    allocated_on = max(THIS_MONTH, today)  # the 1st (Wokingham) or today if later
    assert n1.status == ALLOCATED and n1.auditor_id == council["sam"].id
    assert n1.allocated_on == allocated_on
    assert n1.due_on == services.add_months(allocated_on, 1)
    # Each auditor is emailed their audit (queued in the outbox with the allocation).
    mail = {
        (m.recipient_id, m.subject)
        for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_audit"))
    }
    assert (
        council["sam"].id,
        f"Case-file audit for you to do: case N1, due {format_date(n1.due_on)}",
    ) in mail
    assert {recipient for recipient, _ in mail} == {council["sam"].id, council["nora"].id}

    client.post("/sign-out")
    sign_in(client, council["sam"])
    home = plain(text(client.get("/")))
    assert "Audit case N1 (Child protection)" in home


def test_due_dates_follow_the_councils_timescales(app):
    # Wokingham: allocated on the 1st, one calendar month.
    assert services.allocation_date(date(2027, 1, 1), date(2026, 12, 20)) == date(2027, 1, 1)
    assert services.due_date(date(2027, 1, 1)) == date(2027, 2, 1)
    assert services.due_date(date(2027, 1, 31)) == date(2027, 2, 28)
    # Halton: allocated on the 7th, 10 working days (Monday 11 to Friday 22 January 2027).
    set_setting("case_audit_allocation_day", "7")
    set_setting("case_audit_time_to_complete", "10")
    set_setting("case_audit_completion_unit", "working_days")
    db.session.commit()
    assert services.allocation_date(date(2027, 1, 1), date(2026, 12, 20)) == date(2027, 1, 7)
    assert services.due_date(date(2027, 1, 7)) == date(2027, 1, 21)
    set_setting("case_audit_completion_unit", "calendar_days")
    db.session.commit()
    assert services.due_date(date(2027, 1, 7)) == date(2027, 1, 17)


def test_a_practitioner_cannot_open_someone_elses_audit(client, council, make_user):
    case = add_case("N1", council["north"], council["pat"])
    audit = CaseAudit(
        case_id=case.id,
        month=THIS_MONTH,
        team_id=council["north"].id,
        practitioner_id=council["pat"].id,
        auditor_id=council["sam"].id,
        status=ALLOCATED,
        due_on=date(2027, 1, 1),
    )
    db.session.add(audit)
    db.session.commit()
    sign_in(client, council["pip"])
    assert client.get(f"/case-audits/audits/{audit.id}").status_code == 403
    client.post("/sign-out")
    sign_in(client, council["sam"])
    assert client.get(f"/case-audits/audits/{audit.id}").status_code == 200


def test_settings_are_saved_and_bad_roles_refused(client, council, make_user):
    sign_in(client, make_user("admin"))
    form = {
        "case_audit_per_team": "3",
        "case_audit_allocation_day": "7",
        "case_audit_time_to_complete": "10",
        "case_audit_completion_unit": "working_days",
        "case_audit_days_to_moderate": "14",
        "case_audit_days_for_actions": "5",
        "case_audit_auditor_roles": ["team_manager", "wizard"],
        "case_audit_exclude_own_team": "yes",
        "case_audit_exclusion_months": "12",
        "case_audit_reaudit_months": "1",
        "case_audit_dip_sample_months": "3",
        "case_audit_moderation_unit": "calendar_days",
    }
    page = text(client.post("/case-audits/settings", data=form))
    assert "Select only the options shown" in error_summary(page)
    assert services.per_team() == 2
    form["case_audit_auditor_roles"] = ["team_manager", "qa_officer"]
    assert client.post("/case-audits/settings", data=form).status_code == 302
    db.session.expire_all()
    from flask import g

    g.pop("_qaweb_settings", None)
    assert services.per_team() == 3
    assert services.allocation_day() == 7
    assert services.auditor_roles() == ["team_manager", "qa_officer"]


# -- statements per page ---------------------------------------------------------------------


def _statements(client, url):
    from sqlalchemy import event

    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
        assert response.status_code == 200
        response.close()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def _grow(council, start, how_many):
    for n in range(start, start + how_many):
        team, person = (
            (council["north"], council["pat"]) if n % 2 else (council["south"], council["sue"])
        )
        add_case(f"C{n:03d}", team, person)


@pytest.mark.parametrize("page", ["list", "sample", "allocate"])
def test_case_audit_pages_do_not_query_per_row(client, council, page):
    sign_in(client, council["qa"])
    urls = {
        "list": "/case-audits/",
        "sample": f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}",
        "allocate": f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}/allocate",
    }
    counts = []
    for start, size in ((0, 4), (4, 40)):
        _grow(council, start, size)
        db.session.execute(CaseAudit.__table__.delete())
        db.session.execute(CaseSample.__table__.delete())
        db.session.commit()
        sample = services.draw(THIS_MONTH, 30, [], council["qa"], seed=2)
        if page == "list":
            services.allocate(sample, services.propose(sample), today_london())
        db.session.commit()
        counts.append(_statements(client, urls[page]))
    assert counts[0] == counts[1], f"{page}: {counts}"
    # The allocation page also reads the pool, this month's load and each timescale setting.
    budget = {"list": 14, "sample": 14, "allocate": 20}[page]
    assert counts[1] <= budget, f"{page}: {counts[1]} statements"


# -- the audit -------------------------------------------------------------------------------

CASE_TOOL = """
tool: {key}
kind: case_file_audit
name: {name}
version: 1
overall_grade: true
sections:
  - key: planning
    title: Planning
    questions:
      - {{key: plan_clear, label: "Is the plan clear?", kind: yes_partly_no, required: true}}
      - {{key: plan_grade, label: "Grade the planning", kind: grade, required: true}}
"""


def load_tool(key="test_case_tool", name="Case-file audit"):
    from qaweb.tools.services import load_text

    version, _ = load_text(CASE_TOOL.format(key=key, name=name), publish=True)
    db.session.commit()
    return version


def test_the_current_case_file_tool_is_the_setting_or_the_latest_published(app):
    from datetime import timedelta

    from qaweb.tools.services import current_version

    first = load_tool("first_tool", "First council's tool")
    second = load_tool("second_tool", "Second council's tool")
    # Published a day apart: the later one is current, whatever the ids or names.
    first.published_at = second.published_at + timedelta(days=1)
    db.session.commit()
    assert current_version("case_file_audit") == first
    assert current_version("case_file_audit", "second_tool") == second
    assert current_version("case_file_audit", "no_such_tool") == first
    assert current_version("family_feedback") is None
    set_setting("case_audit_tool", "second_tool")
    db.session.commit()
    assert services.current_tool() == second


def allocated_audit(council, auditor="sam"):
    case = add_case("N1", council["north"], council["pat"], case_type="Child protection")
    audit = CaseAudit(
        case_id=case.id,
        month=THIS_MONTH,
        team_id=council["north"].id,
        practitioner_id=council["pat"].id,
        auditor_id=council[auditor].id,
        status=ALLOCATED,
        allocated_on=THIS_MONTH,
        due_on=services.add_months(THIS_MONTH, 1),
    )
    db.session.add(audit)
    db.session.commit()
    return audit


def fill_tool(client, audit, grade_label):
    from werkzeug.datastructures import MultiDict

    from qaweb.core import grading
    from qaweb.tools.models import Response

    levels = {level.label: level.id for level in grading.levels()}
    response = db.session.get(Response, audit.response_id)
    data = MultiDict(
        [
            ("q_plan_clear", "Yes"),
            ("q_plan_grade", levels["Good"]),
            ("overall_grade", levels[grade_label]),
            ("overall_rationale", "See the rationale"),
            ("action", "complete"),
            ("version", response.version),
        ]
    )
    result = client.post(f"/responses/{audit.response_id}", data=data)
    assert result.status_code == 302, result.get_data(as_text=True)[:2000]


RECORD = {
    "sources_read": "Visits 3/1, 17/1, 31/1; child protection plan; supervision 12/1",
    "child_feedback": "given",
    "child_said": "I like my social worker; she listens",
    "family_feedback": "declined",
    "family_feedback_reason": "Mother did not want to speak to another worker",
    "conversation_on": ["2", "1", "2026"],
    "reflections": "Reflected on drift in the core group",
    "judgement": "The plan is good in this case",
    "action_taken": "as a result of weekly core groups",
    "impact": "leading to the child attending school every day",
}


def started_audit(client, council):
    """An allocated audit started by its auditor (signed in on ``client``): (audit, its URL)."""
    audit = allocated_audit(council)
    load_tool()
    sign_in(client, council["sam"])
    url = f"/case-audits/audits/{audit.id}"
    assert client.post(f"{url}/start", data={"version": audit.version}).status_code == 302
    db.session.expire_all()
    return db.session.get(CaseAudit, audit.id), url


def run_audit(client, council, grade_label):
    audit, url = started_audit(client, council)
    assert audit.status == "in_progress" and audit.response_id
    # Completing before anything is recorded is refused with what is missing.
    client.post(f"{url}/complete", data={"version": audit.version})
    page = plain(text(client.get(url)))
    assert "Before completing, complete the case-file audit form; record the sources read" in page
    fill_tool(client, audit, grade_label)
    db.session.expire_all()
    audit = db.session.get(CaseAudit, audit.id)
    response = client.post(f"{url}/record", data={**RECORD, "version": audit.version})
    assert response.status_code == 302
    db.session.expire_all()
    audit = db.session.get(CaseAudit, audit.id)
    assert audit.child_feedback == "given" and audit.conversation_on == date(2026, 1, 2)
    response = client.post(f"{url}/complete", data={"version": audit.version})
    assert response.status_code == 302
    flashed = plain(text(client.get(url)))
    client.post("/sign-out")
    db.session.expire_all()
    return db.session.get(CaseAudit, audit.id), flashed


def test_a_conversation_dated_after_today_is_refused(client, council):
    from datetime import timedelta

    audit, url = started_audit(client, council)
    tomorrow = today_london() + timedelta(days=1)
    when = [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]
    page = client.post(
        f"{url}/record", data={**RECORD, "conversation_on": when, "version": audit.version}
    )
    assert page.status_code == 200
    assert "The date of the conversation must be today or in the past" in error_summary(text(page))
    db.session.expire_all()
    assert db.session.get(CaseAudit, audit.id).conversation_on is None


def test_an_audit_from_start_to_sharing_and_the_practitioners_response(client, council):
    audit, page = run_audit(client, council, "Good")
    assert "Audit completed and shared" in page
    assert audit.status == COMPLETED and audit.grade.label == "Good"
    assert audit.completed_on == today_london()
    assert services.follow_ups(audit) == []
    url = f"/case-audits/audits/{audit.id}"

    # Shared with the practitioner, who responds.
    sign_in(client, council["pat"])
    assert "Audit of case N1 (Pat Ash)" in plain(text(client.get("/")))
    page = plain(text(client.get(url)))
    assert "I like my social worker; she listens" in page
    assert "Declined: Mother did not want to speak to another worker" in page
    response = client.post(
        f"{url}/respond", data={"response": "Thank you: I will", "version": audit.version}
    )
    assert response.status_code == 302
    assert "Thank you: I will" in plain(text(client.get(url)))
    assert client.get(f"/responses/{audit.response_id}").status_code == 200
    client.post("/sign-out")

    # Another practitioner in the same team: 403, on the audit and its form.
    sign_in(client, council["pip"])
    assert client.get(url).status_code == 403
    assert client.get(f"/responses/{audit.response_id}").status_code == 403
    assert client.post(f"{url}/respond", data={"response": "x"}).status_code == 403
    client.post("/sign-out")

    # The line manager (also the team manager) and the area's service manager read it.
    sign_in(client, council["nora"])
    assert "Case-file audit to read" in plain(text(client.get("/")))
    assert client.get(url).status_code == 200
    client.post("/sign-out")
    sign_in(client, council["vic"])
    assert client.get(url).status_code == 200


def test_an_inadequate_grade_notifies_managers_and_allocates_a_reaudit_and_dip_sample(
    client, council
):
    audit, page = run_audit(client, council, "Inadequate")
    today = today_london()
    reaudit, dip = services.follow_ups(audit)
    assert (reaudit.kind, dip.kind) == ("reaudit", "dip_sample")
    assert reaudit.allocated_on == services.add_months(today, 1)
    assert dip.allocated_on == services.add_months(today, 3)
    # Wokingham's default: due one calendar month after allocation.
    assert reaudit.due_on == services.add_months(reaudit.allocated_on, 1)
    assert dip.due_on == services.add_months(dip.allocated_on, 1)
    assert {reaudit.auditor_id, dip.auditor_id} == {council["sam"].id}
    assert reaudit.case_id == audit.case_id and reaudit.follow_up_of_id == audit.id
    assert "Graded Inadequate: the team manager and service manager are told today" in page
    # ... by email too, the same day: the team's manager and the area's service manager only.
    told = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == "case_audit",
            OutboxMessage.subject.startswith("Case-file audit graded Inadequate"),
        )
    ).all()
    assert {m.recipient_id for m in told} == {council["nora"].id, council["vic"].id}
    assert all(audit.case.case_number in m.subject for m in told)
    assert "A re-audit of the case is allocated for" in told[0].body_text
    for manager in ("nora", "vic"):
        sign_in(client, council[manager])
        home = plain(text(client.get("/")))
        assert "Inadequate case-file audit" in home, manager
        client.post("/sign-out")
    # The team manager of another team is not told.
    sign_in(client, council["sam"])
    home = plain(text(client.get("/")))
    assert "Inadequate case-file audit" not in home
    assert "Re-audit" in home, "the re-audit is in the auditor's My work"


def test_feedback_not_obtained_needs_its_reason(client, council):
    audit = allocated_audit(council)
    load_tool()
    sign_in(client, council["sam"])
    url = f"/case-audits/audits/{audit.id}"
    client.post(f"{url}/start", data={"version": audit.version})
    db.session.expire_all()
    audit = db.session.get(CaseAudit, audit.id)
    fill_tool(client, audit, "Good")
    db.session.expire_all()
    audit = db.session.get(CaseAudit, audit.id)
    client.post(
        f"{url}/record",
        data={**RECORD, "child_feedback": "not_possible", "version": audit.version},
    )
    client.post(f"{url}/complete", data={"version": audit.version + 1})
    page = plain(text(client.get(url)))
    assert "give the reason the child's feedback was not obtained" in page
    db.session.expire_all()
    assert db.session.get(CaseAudit, audit.id).status == "in_progress"


def test_a_stale_record_save_is_refused_and_keeps_what_was_typed(client, council):
    audit = allocated_audit(council)
    load_tool()
    sign_in(client, council["sam"])
    url = f"/case-audits/audits/{audit.id}"
    client.post(f"{url}/start", data={"version": audit.version})
    db.session.expire_all()
    audit = db.session.get(CaseAudit, audit.id)
    old = audit.version
    assert client.post(f"{url}/record", data={**RECORD, "version": old}).status_code == 302
    page = text(
        client.post(f"{url}/record", data={**RECORD, "reflections": "Mine", "version": old})
    )
    assert "There is a problem" in page
    assert "Mine" in page
    db.session.expire_all()
    assert db.session.get(CaseAudit, audit.id).reflections == RECORD["reflections"]


def test_nobody_but_the_auditor_or_qa_works_on_an_audit(client, council):
    audit = allocated_audit(council)
    load_tool()
    url = f"/case-audits/audits/{audit.id}"
    for person in ("pat", "nora", "vic"):
        sign_in(client, council[person])
        assert client.post(f"{url}/start", data={"version": audit.version}).status_code == 403
        assert client.get(f"{url}/record").status_code == 403
        client.post("/sign-out")


# -- reports ---------------------------------------------------------------------------------


def graded(council, number, team, practitioner, month, grade_label, status=COMPLETED, due=None):
    from qaweb.core import grading

    levels = {level.label: level for level in grading.levels()}
    case = add_case(number, council[team], council[practitioner], month=month)
    audit = CaseAudit(
        case_id=case.id,
        month=month,
        team_id=council[team].id,
        practitioner_id=council[practitioner].id,
        auditor_id=council["vic"].id,
        status=status,
        allocated_on=month,
        due_on=due or services.add_months(month, 1),
        grade_level_id=levels[grade_label].id if grade_label else None,
        completed_on=month if status == COMPLETED else None,
        child_feedback="given" if status == COMPLETED else "",
    )
    db.session.add(audit)
    db.session.commit()
    return audit


@pytest.fixture
def graded_year(council):
    """This month: North 3 allocated (Good, Good, Inadequate completed), South 3 (Outstanding
    and Requires improvement completed, one open and overdue). A year before: North Good,
    South Good and Requires improvement."""
    year_before = services.add_months(THIS_MONTH, -12)
    made = [
        graded(council, "N1", "north", "pat", THIS_MONTH, "Good"),
        graded(council, "N2", "north", "pat", THIS_MONTH, "Good"),
        graded(council, "N3", "north", "pip", THIS_MONTH, "Inadequate"),
        graded(council, "S1", "south", "sue", THIS_MONTH, "Outstanding"),
        graded(council, "S2", "south", "sue", THIS_MONTH, "Requires improvement"),
        graded(
            council,
            "S3",
            "south",
            "sue",
            THIS_MONTH,
            None,
            status=ALLOCATED,
            due=date(2000, 1, 1),
        ),
        graded(council, "OLD1", "north", "pat", year_before, "Good"),
        graded(council, "OLD2", "south", "sue", year_before, "Good"),
        graded(council, "OLD3", "south", "sue", year_before, "Requires improvement"),
    ]
    return made


def test_percentages_round_half_up():
    from qaweb.case_audits.reports import percent

    assert percent(1, 8) == 13  # 12.5
    assert percent(1, 40) == 3  # 2.5 (Python's round would give 2)
    assert percent(2, 3) == 67
    assert percent(0, 0) == 0


def test_report_figures_match_a_hand_count(client, council, graded_year):
    sign_in(client, council["qa"])
    month = MONTH_VALUE
    page = plain(text(client.get(f"/case-audits/reports?start={month}&end={month}")))
    # 5 of 6 completed = 83.3% -> 83%; one overdue.
    assert "5 of 6 audits completed (83%), 1 overdue" in page
    # Grades this month beside a year before: Outstanding 1 (20%) / 0 (0%); Good 2 (40%) /
    # 2 (67%); Requires improvement 1 (20%) / 1 (33%); Inadequate 1 (20%) / 0 (0%).
    assert "Outstanding 1 (20%) 0 (0%)" in page
    assert "Good 2 (40%) 2 (67%)" in page
    assert "Requires improvement 1 (20%) 1 (33%)" in page
    assert "Inadequate 1 (20%) 0 (0%)" in page
    # Per month and team: North 3 of 3 (100%), South 2 of 3 (67%), 1 overdue.
    assert "North 3 3 (100%) 0" in page
    assert "South 3 2 (67%) 1" in page
    # Per team: North Good or better 2 of 3 = 67%; South 1 of 2 = 50%.
    assert "North Children's Social Care 0 2 0 1 67%" in page
    assert "South Children's Social Care 1 0 1 0 50%" in page
    # The tracker lists the Inadequate audit, no re-audit allocated; S1 is worth sharing.
    assert "Case N3" in page and "None allocated" in page
    assert "Outstanding practice worth sharing Case S1 , South, Sue Cedar" in page


def test_the_workbook_reads_back_with_the_reports_figures(client, council, graded_year):
    from openpyxl import load_workbook

    sign_in(client, council["qa"])
    month = MONTH_VALUE
    response = client.get(f"/case-audits/reports/workbook.xlsx?start={month}&end={month}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "About",
        "Summary",
        "Completion",
        "Grades",
        "Grades %",
        "Grades per team",
        "Grades per question",
        "Inadequate tracker",
        "Outstanding practice",
    ]
    completion = [list(r) for r in book["Completion"].iter_rows(values_only=True)]
    label = services.month_label(THIS_MONTH)
    assert completion[1:] == [[label, "North", 3, 3, 0, 100], [label, "South", 3, 2, 1, 67]]
    grades_sheet = [list(r) for r in book["Grades"].iter_rows(values_only=True)]
    assert grades_sheet[0][1:] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    assert [row[1:] for row in grades_sheet[1:3]] == [[1, 2, 1, 1], [0, 2, 1, 0]]
    shares = [list(r) for r in book["Grades %"].iter_rows(values_only=True)]
    assert [row[1:] for row in shares[1:3]] == [[20, 40, 20, 20], [0, 67, 33, 0]]
    (chart,) = book["Grades"]._charts  # a native Excel chart of the grades
    fills = [s.spPr.solidFill.srgbClr for s in chart.series]
    assert fills == ["00703C", "28A197", "FFDD00", "D4351C"]  # the scale's colours, best first
    tracker = [list(r) for r in book["Inadequate tracker"].iter_rows(values_only=True)]
    assert tracker[1][1:3] == ["N3", "North"]
    shared = [list(r) for r in book["Outstanding practice"].iter_rows(values_only=True)]
    assert [row[1] for row in shared[1:]] == ["S1"]
    summary = dict(book["Summary"].iter_rows(values_only=True))
    assert summary["Audits completed"] == 5 and summary["Completed %"] == 83


def test_service_managers_see_their_areas_report_and_practitioners_none(
    client, council, graded_year, make_area, make_team, make_user
):
    elsewhere = make_user("service_manager", team=make_team("Far", area=make_area("Other")))
    sign_in(client, elsewhere)
    page = plain(text(client.get(f"/case-audits/reports?start={MONTH_VALUE}&end={MONTH_VALUE}")))
    assert "0 of 0 audits completed" in page
    client.post("/sign-out")
    sign_in(client, council["vic"])
    page = plain(text(client.get(f"/case-audits/reports?start={MONTH_VALUE}&end={MONTH_VALUE}")))
    assert "5 of 6 audits completed (83%)" in page
    client.post("/sign-out")
    sign_in(client, council["pat"])
    assert client.get("/case-audits/reports").status_code == 403
    assert client.get("/case-audits/summary").status_code == 403


def test_the_team_managers_monthly_summary_shows_only_their_team(client, council, graded_year):
    sign_in(client, council["sam"])
    north = council["north"].id
    page = plain(text(client.get(f"/case-audits/summary?month={MONTH_VALUE}&team={north}")))
    assert "South, " + services.month_label(THIS_MONTH) in page, "another team falls back"
    assert "2 of 3 audits completed" in page
    assert "The child was heard in 2 and the parents or carers in 0" in page
    assert "Case S1" in page and "Case N1" not in page


def test_the_qa_boards_report_reads_the_programme_through_its_summary(council, graded_year):
    from qaweb.case_audits.reports import summary
    from qaweb.core.years import months_from
    from qaweb.qa_report import sections

    month = months_from(THIS_MONTH, 1)
    s = summary(month)
    # Six allocated this month, five completed; S3 open past its due date.
    assert (s.allocated, s.completed, s.overdue, s.inadequate) == (6, 5, 1, 1)
    assert [(g.label, g.count) for g in s.grades] == [
        ("Outstanding", 1),
        ("Good", 2),
        ("Requires improvement", 1),
        ("Inadequate", 1),
    ]
    assert summary(month, council["area"].id) == s  # both teams are in the one area
    elsewhere = summary(month, council["area"].id + 1000)
    assert (elsewhere.allocated, elsewhere.completed, elsewhere.overdue) == (0, 0, 0)
    built = {r.key: r for r in sections.build(month, None)}
    rows = {row.label: row.value for row in built["case_audits"].current.rows}
    # Good or better: 3 of 5 = 60%.
    assert rows["Audits completed"] == 5 and rows["Graded Good or better (as audited)"] == 60
    # Nothing moderated yet: the share is 0 of 5, and no dip sample says none, not a percentage.
    assert rows["Moderation confirmed by the panel"] == 0
    assert rows["Moderated share of the audits completed"] == 0
    dips = {row.label: row.value for row in built["dip_samples"].current.rows}
    assert dips["Dip samples"] == 0 and dips["Answers Yes (compliant)"] is None


def test_an_audits_history_names_its_sample_by_month(client, council):
    add_case("N1", council["north"], council["pat"])
    sample = services.draw(THIS_MONTH, 1, [], council["qa"], seed=4)
    db.session.commit()
    audit = sample.audits[0]
    sign_in(client, council["qa"])
    page = plain(text(client.get(f"/case-audits/audits/{audit.id}")))
    month = f"{THIS_MONTH:%B} {THIS_MONTH.year}"
    assert f"Sample: Sample for {month}" in page
    assert f"Month: {month}" in page  # the month, not its first day
    assert "object at 0x" not in page


def test_every_record_a_history_can_point_at_has_a_readable_name():
    """History shows a changed link by the linked record's str(): a class without __str__
    would print as '<... object at 0x...>'."""
    from qaweb.core.db import Base
    from qaweb.core.history import Tracked

    mappers = list(Base.registry.mappers)
    nameless = set()
    for mapper in mappers:
        if not issubclass(mapper.class_, Tracked):
            continue
        for column in mapper.local_table.columns:
            for fk in column.foreign_keys:
                for target in mappers:
                    if target.local_table is fk.column.table and (
                        target.class_.__str__ is object.__str__
                    ):
                        nameless.add(f"{mapper.class_.__name__}.{column.key}")
    assert nameless == set()


def test_an_inadequate_audit_completed_today_is_not_shown_as_overdue(client, council):
    """The managers and the practitioner are told of an Inadequate audit the day it is
    completed: nothing of theirs is late, so My work shows no Overdue tag beside it."""
    audit, _ = run_audit(client, council, "Inadequate")
    for person in ("nora", "pat"):
        sign_in(client, council[person])
        home = text(client.get("/"))
        row = next(r for r in home.split("<tr") if "Audit of case N1" in r)
        assert "Inadequate case-file audit" in plain(row), person
        assert "Overdue" not in plain(row), person
        client.post("/sign-out")


def test_a_month_a_colleague_drew_first_shows_their_rules_as_typed(app, client, council, make_user):
    """Found walking the app: the refusal showed a colleague's rules as the stored data
    ("Rules {'kind': 'every', 'case_type': 'child protection', 'count': 0}")."""
    for n in range(1, 4):
        add_case(f"CP{n}", council["north"], council["pat"], case_type="Child protection")
    colleague = make_user("qa_officer", first_name="Cole", last_name="League")
    url = f"/case-audits/months/{THIS_MONTH.year}/{THIS_MONTH.month}"
    sign_in(client, council["qa"])
    other = app.test_client()
    sign_in(other, colleague)
    drawn = other.post(url, data={"per_team": "2", "rules": "every CP\n1 CLA", "version": ""})
    assert drawn.status_code == 302
    page = text(client.post(url, data={"per_team": "3", "rules": "", "version": ""}))
    assert "Cole League changed this record" in page
    shown = page.split('id="saved-by-other"')[1].split("</dl>")[0]
    assert ">every child protection; 1 child in care<" in shown, shown
    assert "kind" not in shown


def test_rules_logged_as_text_read_as_typed_and_never_run():
    """The change log holds each rule as its Python text; the history reads it back as a
    literal only, never running what the text says."""
    sample = CaseSample()
    older = ["{'kind': 'every', 'case_type': 'child protection', 'count': 0}"]
    assert sample.history_value("rules", older) == "every child protection"
    planted = ["{__import__('os').system('echo planted')}"]
    assert sample.history_value("rules", planted) == planted  # not a literal: as logged
    assert sample.history_value("per_team", 3) == 3
