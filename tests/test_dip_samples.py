"""Dip samples: setting one up from typed or imported cases, answering a case in one screen
with htmx saves, compliance percentages, the "no" list, who sees what, and the workbook."""

import html
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from support import sign_in

from qaweb.actions.models import Action
from qaweb.case_audits.models import CaseFile
from qaweb.dip_samples import reports, services, views
from qaweb.dip_samples.models import DONE, DipSample, DipSampleAnswer, DipSampleCase
from qaweb.extensions import db
from qaweb.tools.schema import ToolFileError
from qaweb.tools.services import load_text

STARTER = (
    Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter" / "wokingham"
) / "dip_sample.yaml"
SMALL = """
tool: small_dip
kind: dip_sample
name: Small dip sample
version: 1
sections:
  - key: file
    title: The file
    questions:
      - {key: chronology, label: "Is there a chronology?", kind: yes_partly_no}
      - {key: plan, label: "Is there a plan?", kind: yes_partly_no}
      - {key: supervision, label: "Is supervision recorded?", kind: yes_partly_no}
"""


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def plain(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def council(app, make_area, make_team, make_user):
    """Area North (teams Brambles, Conifers), area South (team Harbour); managers per team,
    QA officer Quinn, QA Board member Bea, North's service manager Sol, South's Sam."""
    north = make_area("North")
    south = make_area("South")
    brambles = make_team("Brambles", area=north)
    conifers = make_team("Conifers", area=north)
    harbour = make_team("Harbour", area=south)
    people = {
        "tom": make_user("team_manager", team=brambles, first_name="Tom", last_name="Reid"),
        "cat": make_user("team_manager", team=conifers, first_name="Cat", last_name="Cole"),
        "hal": make_user("team_manager", team=harbour, first_name="Hal", last_name="Hart"),
        "pat": make_user(team=brambles, first_name="Pat", last_name="Ash"),
        "quinn": make_user("qa_officer", first_name="Quinn", last_name="Adebayo"),
        "bea": make_user("qa_board", first_name="Bea", last_name="Lowe"),
        "sol": make_user("service_manager", team=brambles, first_name="Sol", last_name="North"),
        "sam": make_user("service_manager", team=harbour, first_name="Sam", last_name="South"),
    }
    db.session.add(
        CaseFile(
            case_number="400123",
            team_id=conifers.id,
            practitioner_id=people["pat"].id,
            listed_month=date(2026, 11, 1),
        )
    )
    db.session.commit()
    return {"brambles": brambles, "conifers": conifers, "harbour": harbour, **people}


@pytest.fixture
def small(app):
    version, _ = load_text(SMALL, publish=True)
    db.session.commit()
    return version


def _setup_form(**extra):
    data = {
        "title": "Chronologies",
        "starts_on": ["1", "11", "2026"],
        "ends_on": ["30", "11", "2026"],
        "cases": "",
    }
    data.update(extra)
    return data


def _make(council, version, lines_text):
    lines = services.check_cases(services.parse_typed(lines_text))
    sample = services.create(
        "Chronologies", version, date(2026, 11, 1), date(2026, 11, 30), lines, council["quinn"]
    )
    db.session.commit()
    return sample


def _cases(sample) -> dict[str, DipSampleCase]:
    return {
        c.case_number: c
        for c in db.session.scalars(
            select(DipSampleCase).where(DipSampleCase.dip_sample_id == sample.id)
        )
    }


# -- the question set -------------------------------------------------------------------------


def test_the_starter_dip_sample_loads_as_a_checklist_citing_its_sources(app):
    version, outcome = load_text(STARTER.read_text(encoding="utf-8"), publish=True)
    questions = [q for s in version.sections for q in s["questions"]]
    assert outcome == "created" and version.tool.kind_label == "Dip sample"
    assert 8 <= len(questions) <= 12
    assert {q["kind"] for q in questions} == {"yes_partly_no"}
    assert questions[0]["label"] == "Is there a chronology updated in the last 3 months?"
    assert all(q["hint"] for q in questions)  # each names its practice standard
    assert "Bedford practice standard 6" in questions[0]["hint"]
    assert services.current_tool() == version


def test_a_dip_sample_tool_with_a_graded_question_is_refused_by_line(app):
    bad = SMALL.replace(
        "kind: yes_partly_no}\n      - {key: plan", "kind: grade}\n      - {key: plan"
    )
    with pytest.raises(ToolFileError) as refused:
        load_text(bad)
    assert (
        "Question 'chronology': every question of a dip sample is yes_partly_no, not grade"
        in str(refused.value)
    )
    assert refused.value.problems[0].line > 1


# -- setting one up ---------------------------------------------------------------------------


def test_typed_cases_take_the_team_from_the_line_or_the_case_list_and_the_manager(
    client, council, small
):
    sign_in(client, council["quinn"])
    page = client.get("/dip-samples/new").get_data(as_text=True)
    assert "Small dip sample, version 1" in page
    response = client.post(
        "/dip-samples/new",
        data=_setup_form(
            tool_version=str(small.id),
            cases=(f"B-1, Brambles\n\n400123\nH-9, Harbour, {council['sol'].email}\n"),
        ),
    )
    assert response.status_code == 302, plain(text(response))
    sample = db.session.scalar(select(DipSample))
    cases = _cases(sample)
    assert sorted(cases) == ["400123", "B-1", "H-9"]
    assert (cases["B-1"].team.name, cases["B-1"].sampler.name) == ("Brambles", "Tom Reid")
    # Not typed with a team: its team from the case list, sampled by that team's manager.
    assert (cases["400123"].team.name, cases["400123"].sampler.name) == ("Conifers", "Cat Cole")
    assert (cases["H-9"].team.name, cases["H-9"].sampler.name) == ("Harbour", "Sol North")
    page = text(client.get(response.headers["Location"]))
    assert "0 of 3" in plain(page) and "Case 400123" in page


def test_bad_lines_are_each_named_and_nothing_is_saved(client, council, small):
    sign_in(client, council["quinn"])
    response = client.post(
        "/dip-samples/new",
        data=_setup_form(
            tool_version=str(small.id),
            cases=(
                "B-1, Brambles\n"
                "B 2, Brambles\n"
                "b-1, Brambles\n"
                "Z-5\n"
                "C-1, Nowhere\n"
                f"C-2, Conifers, {council['pat'].email}\n"
                "C-3, Conifers, nobody@council.example\n"
            ),
        ),
    )
    page = plain(text(response))
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Line 2: case number 'B 2' has spaces or hidden characters in it" in page
    assert "Line 3: case b-1 is already on line 1" in page
    assert "Line 4: case Z-5 is not on the case list, so give its team after a comma" in page
    assert "Line 5: 'Nowhere' is not a team in qaweb" in page
    assert "Line 6: Pat Ash is not a team or service manager" in page
    assert "Line 7: nobody@council.example is not a current member of staff" in page
    assert "B-1, Brambles" in page  # what was typed is still there
    assert db.session.scalar(select(func.count()).select_from(DipSample)) == 0
    assert db.session.scalar(select(func.count()).select_from(DipSampleCase)) == 0


def test_the_form_asks_for_cases_and_a_period_that_ends_after_it_starts(client, council, small):
    sign_in(client, council["quinn"])
    response = client.post(
        "/dip-samples/new",
        data=_setup_form(tool_version=str(small.id), ends_on=["30", "10", "2026"], title=""),
    )
    page = plain(text(response))
    assert "Enter a title" in page
    assert "The period must end on or after the day it starts" in page
    assert "Type the case numbers, or upload a case list" in page


def test_a_team_without_a_manager_needs_the_samplers_email(client, council, small, make_team):
    make_team("Empty Team")
    sign_in(client, council["quinn"])
    response = client.post(
        "/dip-samples/new", data=_setup_form(tool_version=str(small.id), cases="E-1, Empty Team")
    )
    assert "Line 1: Empty Team has no team manager in qaweb, so give the sampler's email" in plain(
        text(response)
    )


def test_an_imported_case_list_sets_up_the_sample_and_names_bad_rows(client, council, small):
    sign_in(client, council["quinn"])
    template = client.get("/dip-samples/template.xlsx")
    book = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in book.worksheets[0][1]] == ["Case number", "Team", "Sampler email"]
    assert "Instructions" in book.sheetnames

    bad = "Case number,Team,Sampler email\nX-1,Brambles,\nX-1,Brambles,\n"
    response = client.post(
        "/dip-samples/new",
        data={
            **_setup_form(tool_version=str(small.id)),
            "file": (io.BytesIO(bad.encode()), "c.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "Row 3: case X-1 is already on row 2" in plain(text(response))
    assert db.session.scalar(select(func.count()).select_from(DipSample)) == 0

    sheet = Workbook()
    sheet.active.append(["Case number", "Team", "Sampler email", "Case type"])
    sheet.active.append(["X-1", "Brambles", None, "Child in need"])
    sheet.active.append([400124, "Harbour", council["hal"].email, None])
    out = io.BytesIO()
    sheet.save(out)
    response = client.post(
        "/dip-samples/new",
        data={
            **_setup_form(tool_version=str(small.id)),
            "file": (io.BytesIO(out.getvalue()), "cases.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, plain(text(response))
    cases = _cases(db.session.scalar(select(DipSample)))
    assert sorted(cases) == ["400124", "X-1"]
    assert cases["400124"].sampler.name == "Hal Hart"


def test_a_case_list_with_a_childs_name_is_refused(client, council, small):
    sign_in(client, council["quinn"])
    data = "Case number,Child's name\nX-1,Someone\n"
    response = client.post(
        "/dip-samples/new",
        data={
            **_setup_form(tool_version=str(small.id)),
            "file": (io.BytesIO(data.encode()), "c.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "looks like a child's name, date of birth or address" in plain(text(response))
    assert db.session.scalar(select(func.count()).select_from(DipSample)) == 0


def test_typed_and_uploaded_cases_together_are_refused(client, council, small):
    sign_in(client, council["quinn"])
    response = client.post(
        "/dip-samples/new",
        data={
            **_setup_form(tool_version=str(small.id), cases="B-1, Brambles"),
            "file": (io.BytesIO(b"Case number\nX-1\n"), "c.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "Type the case numbers or upload a case list, not both" in plain(text(response))


# -- answering --------------------------------------------------------------------------------


def _version_on(page: str) -> str:
    return re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_a_manager_answers_in_one_screen_saved_with_htmx_as_they_choose(client, council, small):
    sample = _make(council, small, "B-1, Brambles\nB-2, Brambles")
    case = _cases(sample)["B-1"]
    sign_in(client, council["tom"])
    page = client.get(f"/dip-samples/cases/{case.id}").get_data(as_text=True)
    for label in ("Is there a chronology?", "Is there a plan?", "Is supervision recorded?"):
        assert label in html.unescape(page)
    assert page.count('type="radio"') == 12  # Yes, Partly, No, Not applicable for each
    assert 'hx-trigger="change"' in page and 'aria-live="polite"' in page

    response = client.post(
        f"/dip-samples/cases/{case.id}",
        data={"csrf_token": _token(page), "version": _version_on(page), "q_chronology": "partly"},
        headers={"HX-Request": "true"},
    )
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert "Saved" in fragment
    new_version = re.search(r'id="version" value="(\d+)"', fragment).group(1)
    assert 'hx-swap-oob="true"' in fragment and new_version != _version_on(page)
    assert services.answers_of(case) == {"chronology": "partly"}

    # The next choice carries the version the last save returned: saved too.
    response = client.post(
        f"/dip-samples/cases/{case.id}",
        data={
            "csrf_token": _token(page),
            "version": new_version,
            "q_chronology": "partly",
            "q_plan": "na",
            "note": "Chronology stops in June.",
        },
        headers={"HX-Request": "true"},
    )
    assert "Saved" in response.get_data(as_text=True)
    db.session.expire_all()
    assert services.answers_of(case) == {"chronology": "partly", "plan": "na"}
    assert db.session.get(DipSampleCase, case.id).note == "Chronology stops in June."


def test_a_stale_htmx_save_is_refused_and_nothing_is_lost(app, client, council, small):
    sample = _make(council, small, "B-1, Brambles")
    case = _cases(sample)["B-1"]
    sign_in(client, council["tom"])
    page = client.get(f"/dip-samples/cases/{case.id}").get_data(as_text=True)
    loaded = _version_on(page)

    other = app.test_client()
    sign_in(other, council["quinn"])
    theirs = other.get(f"/dip-samples/cases/{case.id}").get_data(as_text=True)
    other.post(
        f"/dip-samples/cases/{case.id}",
        data={"csrf_token": _token(theirs), "version": loaded, "q_plan": "no"},
    )

    response = client.post(
        f"/dip-samples/cases/{case.id}",
        data={"csrf_token": _token(page), "version": loaded, "q_chronology": "yes"},
        headers={"HX-Request": "true"},
    )
    fragment = html.unescape(response.get_data(as_text=True))
    assert "Not saved" in fragment and "Quinn Adebayo changed this record" in fragment
    assert "Is there a plan?: No" in fragment  # what they saved
    assert "Your answers are still on this page" in fragment
    db.session.expire_all()
    assert services.answers_of(case) == {"plan": "no"}  # theirs kept, mine not saved over it
    current = re.search(r'id="version" value="(\d+)"', fragment).group(1)
    assert current != loaded
    # My next change, from the same page, saves (I have seen theirs).
    response = client.post(
        f"/dip-samples/cases/{case.id}",
        data={"csrf_token": _token(page), "version": current, "q_chronology": "yes"},
        headers={"HX-Request": "true"},
    )
    assert "Saved" in response.get_data(as_text=True)


def test_marking_done_needs_every_answer_then_goes_to_the_next_case(client, council, small):
    sample = _make(council, small, "B-1, Brambles\nB-2, Brambles")
    cases = _cases(sample)
    sign_in(client, council["tom"])
    page = client.get(f"/dip-samples/cases/{cases['B-1'].id}").get_data(as_text=True)
    data = {"csrf_token": _token(page), "version": _version_on(page), "q_chronology": "yes"}
    response = client.post(f"/dip-samples/cases/{cases['B-1'].id}", data={**data, "action": "done"})
    page = plain(text(response))
    assert "Answer 'Is there a plan?'" in page and "Answer 'Is supervision recorded?'" in page
    assert db.session.get(DipSampleCase, cases["B-1"].id).status != DONE
    response = client.post(
        f"/dip-samples/cases/{cases['B-1'].id}",
        data={**data, "q_plan": "no", "q_supervision": "na", "action": "done"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dip-samples/cases/{cases['B-2'].id}")
    done = db.session.get(DipSampleCase, cases["B-1"].id)
    assert done.status == DONE and done.done_at is not None


def test_my_work_lists_the_sample_with_its_due_date(app, client, council, small):
    _make(council, small, "B-1, Brambles\nB-2, Brambles\nC-1, Conifers")
    sign_in(client, council["tom"])
    page = plain(text(client.get("/")))
    assert "Chronologies: 2 cases to answer" in page
    assert "30 November 2026" in page
    other = app.test_client()
    sign_in(other, council["pat"])
    assert "cases to answer" not in plain(text(other.get("/")))


# -- results ----------------------------------------------------------------------------------


ANSWERED = {
    # Brambles
    "A-1": ({"chronology": "yes", "plan": "partly", "supervision": "na"}, True),
    "A-2": ({"chronology": "no", "plan": "yes", "supervision": "yes"}, True),
    "A-3": ({"chronology": "no", "plan": "no", "supervision": "no"}, False),  # not done
    # Harbour
    "H-1": ({"chronology": "partly", "plan": "na", "supervision": "no"}, True),
}


@pytest.fixture
def answered(council, small):
    sample = _make(council, small, "A-1, Brambles\nA-2, Brambles\nA-3, Brambles\nH-1, Harbour")
    cases = _cases(sample)
    for number, (answers, done) in ANSWERED.items():
        services.save_answers(cases[number], answers, f"Note on {number}", done=done)
    db.session.commit()
    return sample, cases


def test_compliance_per_question_and_team_against_a_hand_count(answered):
    sample, _ = answered
    found = reports.results(sample)
    by_question = {c.label: c for c in found.questions}
    # Chronology: yes 1, partly 1, no 1 (A-3 is not done, so not counted).
    q = by_question["Is there a chronology?"]
    assert (q.yes, q.partly, q.no, q.not_applicable, q.counted) == (1, 1, 1, 0, 3)
    assert (q.compliant, q.partly_percent, q.no_percent) == (33, 33, 33)
    # Plan: yes 1, partly 1, not applicable 1 (left out of the denominator).
    q = by_question["Is there a plan?"]
    assert (q.counted, q.not_applicable, q.compliant, q.partly_percent, q.no_percent) == (
        2,
        1,
        50,
        50,
        0,
    )
    # Supervision: yes 1, no 1, not applicable 1.
    q = by_question["Is supervision recorded?"]
    assert (q.compliant, q.partly_percent, q.no_percent) == (50, 0, 50)
    teams = {c.label: c for c in found.teams}
    # Brambles: yes 3, partly 1, no 1, n/a 1 -> 3 of 5.
    assert (teams["Brambles"].counted, teams["Brambles"].compliant) == (5, 60)
    assert (teams["Brambles"].partly_percent, teams["Brambles"].no_percent) == (20, 20)
    # Harbour: partly 1, no 1, n/a 1 -> 0 of 2.
    assert (teams["Harbour"].compliant, teams["Harbour"].partly_percent) == (0, 50)
    # All: yes 3, partly 2, no 2, n/a 2 -> 3 of 7 = 42.9% -> 43%; 2 of 7 = 28.6% -> 29%.
    assert (found.overall.counted, found.overall.not_applicable) == (7, 2)
    assert (found.overall.compliant, found.overall.partly_percent) == (43, 29)
    assert (found.cases, found.done) == (4, 3)


def test_percentages_round_half_up():
    assert reports.Compliance("x", yes=1, partly=7).compliant == 13  # 12.5% -> 13%
    assert reports.Compliance("x", yes=5, no=3).compliant == 63  # 62.5% -> 63%
    assert reports.Compliance("x", not_applicable=4).compliant is None


def test_the_no_list_and_raising_an_action_from_it(client, answered, council):
    sample, cases = answered
    found = reports.results(sample)
    assert [(n.case_number, n.questions) for n in found.no_cases] == [
        ("A-2", ["Is there a chronology?"]),
        ("H-1", ["Is supervision recorded?"]),
    ]
    sign_in(client, council["quinn"])
    page = text(client.get(f"/dip-samples/{sample.id}/results"))
    assert "Case A-2" in page and "Case A-3" not in page  # not done: no follow-up yet
    assert page.count("Raise an action") == 2
    one = plain(text(client.get(f"/dip-samples/{sample.id}/results?question=supervision")))
    assert "Case H-1" in one and "Case A-2" not in one
    url = f"/dip-samples/cases/{cases['A-2'].id}/actions/new"
    form = client.get(url).get_data(as_text=True)
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(
        url,
        data={
            "csrf_token": _token(form),
            "form_key": key,
            "description": "Bring the chronology up to date",
            "owner": str(council["tom"].id),
            "due_on": ["15", "12", "2026"],
        },
    )
    assert response.status_code == 302, plain(text(response))
    action = db.session.scalar(select(Action).where(Action.source_type == "dip_sample_case"))
    assert action.source_id == cases["A-2"].id and "case A-2" in action.source_label


@pytest.fixture
def many_no(council, small, monkeypatch):
    """Pages of 3: five done Brambles cases and two done Harbour cases answer "No" (B-1 to
    chronology and plan, the others to one question), Y-1 answers "Yes" to everything."""
    monkeypatch.setattr(views, "NO_CASES_PER_PAGE", 3)
    lines = [f"B-{n}, Brambles" for n in range(1, 6)] + ["H-1, Harbour", "H-2, Harbour"]
    sample = _make(council, small, "\n".join([*lines, "Y-1, Brambles"]))
    cases = _cases(sample)
    every_yes = {"chronology": "yes", "plan": "yes", "supervision": "yes"}
    for number, case in cases.items():
        answers = dict(every_yes)
        if number == "B-1":
            answers.update(chronology="no", plan="no")
        elif number.startswith("B-"):
            answers["chronology"] = "no"
        elif number.startswith("H-"):
            answers["supervision"] = "no"
        services.save_answers(case, answers, "", done=True)
    db.session.commit()
    return sample, cases


def _no_list(page: str) -> list[str]:
    region = page.split('id="no-cases-results"', 1)[1]
    return re.findall(r">Case ([A-Z]-\d+)</a>", region)


def test_the_no_list_comes_a_page_at_a_time_and_the_workbook_holds_every_case(
    client, council, many_no
):
    sample, _ = many_no
    sign_in(client, council["quinn"])
    url = f"/dip-samples/{sample.id}/results"
    first = text(client.get(url))
    # By team, then case number: Brambles' five first, three to a page.
    assert _no_list(first) == ["B-1", "B-2", "B-3"]
    assert '7 cases answered "No"' in plain(first)
    assert "Is there a chronology?" in first and "Is there a plan?" in first  # B-1's two
    pager = first.split('class="govuk-pagination"', 1)[1]
    assert f"{url}?page=2#no-cases" in pager and f"{url}?page=3#no-cases" in pager
    assert _no_list(text(client.get(f"{url}?page=2"))) == ["B-4", "B-5", "H-1"]
    assert _no_list(text(client.get(f"{url}?page=3"))) == ["H-2"]
    # The compliance tables still count every case (seven of eight answered No somewhere).
    assert "8 of 8 cases done" in plain(first)
    # The workbook lists every case answered No, whatever the page.
    book = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data))
    no = [r[0] for r in book["Cases answered no"].iter_rows(min_row=2, values_only=True)]
    assert no == ["B-1", "B-2", "B-3", "B-4", "B-5", "H-1", "H-2"]


def test_the_no_list_filters_by_question_and_team_in_place(client, council, many_no):
    sample, _ = many_no
    sign_in(client, council["quinn"])
    url = f"/dip-samples/{sample.id}/results"
    harbour = council["harbour"].id
    # htmx swaps the list alone; the page's tables are not sent again.
    fragment = client.get(f"{url}?team={harbour}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Compliance by question" not in body
    assert re.findall(r">Case ([A-Z]-\d+)</a>", body) == ["H-1", "H-2"]
    assert _no_list(text(client.get(f"{url}?question=plan"))) == ["B-1"]
    page = text(client.get(f"{url}?question=plan&team={harbour}"))
    assert _no_list(page) == [] and 'No done case answered "No" matches these filters' in page
    # The filters stay on the pager's links.
    page = text(client.get(f"{url}?question=chronology"))
    assert f"{url}?question=chronology&amp;page=2#no-cases" in page or (
        f"{url}?question=chronology&page=2#no-cases" in page
    )
    # An edited address (a question or team the sample has not) is ignored, never an error.
    response = client.get(f"{url}?question=nonsense&team=99999&page=abc")
    assert response.status_code == 200
    assert _no_list(text(response)) == ["B-1", "B-2", "B-3"]


def test_the_results_page_asks_the_same_statements_for_a_few_or_many_no_cases(
    client, council, small, monkeypatch
):
    from test_queries import SIGNED_IN, statements_for

    monkeypatch.setattr(views, "NO_CASES_PER_PAGE", 3)
    sign_in(client, council["quinn"])

    def answered_no(lines):
        sample = _make(council, small, "\n".join(lines))
        for case in _cases(sample).values():
            services.save_answers(
                case, {"chronology": "no", "plan": "partly", "supervision": "no"}, "", done=True
            )
        db.session.commit()
        return f"/dip-samples/{sample.id}/results"

    few = statements_for(client, answered_no([f"M-{n}, Brambles" for n in range(1, 3)]))
    many_url = answered_no(
        [f"M-{n}, Brambles" for n in range(1, 9)] + [f"N-{n}, Harbour" for n in range(1, 9)]
    )
    many = statements_for(client, f"{many_url}?page=2")
    assert many == few, (few, many)
    # The "Dip sample results" entries of the benchmark's budget (tests/test_queries.py).
    assert many <= 20 + SIGNED_IN, many


def test_who_sees_what(app, client, answered, council):
    sample, cases = answered
    a1 = f"/dip-samples/cases/{cases['A-1'].id}"
    h1 = f"/dip-samples/cases/{cases['H-1'].id}"
    results = f"/dip-samples/{sample.id}/results"

    def as_(who):
        c = app.test_client()
        sign_in(c, council[who])
        return c

    pat = as_("pat")
    assert pat.get("/dip-samples/").status_code == 403
    assert pat.get(a1).status_code == 403

    tom = as_("tom")  # samples Brambles' cases
    page = plain(text(tom.get(f"/dip-samples/{sample.id}")))
    assert "Case A-1" in page and "Case H-1" not in page and "Results" not in page
    assert tom.get(h1).status_code == 403
    assert tom.get(results).status_code == 403
    assert tom.get("/dip-samples/new").status_code == 403

    hal = as_("hal")
    assert hal.get(a1).status_code == 403
    page = hal.get(h1).get_data(as_text=True)
    assert 'type="radio"' in page  # his to answer

    sol = as_("sol")  # North's service manager: Brambles and Conifers
    page = plain(text(sol.get(results)))
    assert "Brambles" in page and "Harbour" not in page and "Case H-1" not in page
    assert "2 of 3 cases done in North" in page
    assert 'type="radio"' not in sol.get(a1).get_data(as_text=True)  # reads, not answers
    assert sol.post(a1, data={"q_plan": "no"}).status_code == 403
    assert as_("sam").get(results).status_code == 200  # Harbour's area
    assert as_("sam").get(a1).status_code == 403

    bea = as_("bea")  # the QA Board reads every result, answers nothing
    page = plain(text(bea.get(results)))
    assert "Brambles" in page and "Harbour" in page and "Raise an action" not in page
    assert bea.get("/dip-samples/new").status_code == 403
    assert bea.post(a1, data={"q_plan": "no"}).status_code == 403
    assert bea.get(f"/dip-samples/cases/{cases['A-2'].id}/actions/new").status_code == 403


def test_the_list_and_sample_pages_show_progress(client, answered, council):
    sample, _ = answered
    sign_in(client, council["quinn"])
    page = plain(text(client.get("/dip-samples/")))
    assert "Chronologies" in page and "3 of 4" in page
    page = plain(text(client.get(f"/dip-samples/{sample.id}?status=to_do")))
    assert "Case A-3" in page and "Case A-1" not in page
    fragment = client.get(f"/dip-samples/{sample.id}?status=done", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert "Case A-1" in text(fragment)


def test_the_workbook_reads_back(client, answered, council):
    sample, _ = answered
    sign_in(client, council["quinn"])
    response = client.get(f"/dip-samples/{sample.id}/results.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [
        "About",
        "Summary",
        "Answers by case",
        "Compliance by question",
        "Compliance by team",
        "Cases answered no",
    ]
    questions = book["Compliance by question"]
    rows = {r[0]: r[1:] for r in questions.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["Is there a chronology?"][:3] == (33, 33, 33)
    assert rows["Is there a plan?"][0] == 50
    assert rows["All questions"][0] == 43
    assert questions._charts, "a native chart of compliance by question"
    teams = {r[0]: r[1] for r in book["Compliance by team"].iter_rows(min_row=2, values_only=True)}
    assert teams["Brambles"] == 60 and teams["Harbour"] == 0
    answers = list(book["Answers by case"].iter_rows(values_only=True))
    assert answers[0][:5] == (
        "Case number",
        "Team",
        "Sampled by",
        "Status",
        "Is there a chronology?",
    )
    by_case = {r[0]: r for r in answers[1:]}
    assert by_case["A-1"][3:7] == ("Done", "Yes", "Partly", "Not applicable")
    assert by_case["A-3"][3] == "To do"
    no = [r[0] for r in book["Cases answered no"].iter_rows(min_row=2, values_only=True)]
    assert no == ["A-2", "H-1"]
    about = [r for r in book["About"].iter_rows(values_only=True)]
    assert any("Dip sample results: Chronologies" in str(v) for r in about for v in r)


def test_results_come_from_grouped_queries(app, answered):
    from sqlalchemy import event

    sample, _ = answered
    sample.questions()  # the tool version, loaded already when a page asks
    statements = []

    def count(*args):
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        reports.results(sample)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) <= 4, [s[:120] for s in statements]
    assert db.session.scalar(select(func.count()).select_from(DipSampleAnswer)) == 12


def test_a_button_pressed_while_my_own_answer_is_saving_is_not_refused(client, council, small):
    sample = _make(council, small, "B-1, Brambles")
    case = _cases(sample)["B-1"]
    sign_in(client, council["tom"])
    page = client.get(f"/dip-samples/cases/{case.id}").get_data(as_text=True)
    loaded = _version_on(page)
    # My answer saved with htmx; its new version has not reached the page yet.
    client.post(
        f"/dip-samples/cases/{case.id}",
        data={"csrf_token": _token(page), "version": loaded, "q_chronology": "yes"},
        headers={"HX-Request": "true"},
    )
    response = client.post(
        f"/dip-samples/cases/{case.id}",
        data={
            "csrf_token": _token(page),
            "version": loaded,
            "q_chronology": "yes",
            "q_plan": "yes",
            "q_supervision": "partly",
            "action": "done",
        },
    )
    assert response.status_code == 302, plain(text(response))
    db.session.expire_all()
    assert db.session.get(DipSampleCase, case.id).status == DONE


def test_the_summary_for_the_qa_report_counts_samples_ending_in_the_period(answered, council):
    from qaweb.core.years import Period

    november = reports.summary(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert (november.samples, november.cases, november.done) == (1, 4, 3)
    assert (november.compliance.compliant, november.compliance.counted) == (43, 7)
    assert november.cases_with_no == 2
    north = reports.summary(
        Period(date(2026, 11, 1), date(2026, 11, 30)), council["brambles"].service_area_id
    )
    assert (north.cases, north.done, north.compliance.compliant) == (3, 2, 60)
    october = reports.summary(Period(date(2026, 10, 1), date(2026, 10, 31)))
    assert (october.samples, october.cases, october.compliance.compliant) == (0, 0, None)


# -- changing the title and period ------------------------------------------------------------


def test_the_qa_officer_changes_the_title_and_period_and_a_stale_copy_is_refused(
    app, client, answered, council, make_user
):
    sample, _ = answered
    url = f"/dip-samples/{sample.id}/edit"
    sign_in(client, council["quinn"])
    assert f'href="{url}"' in text(client.get(f"/dip-samples/{sample.id}"))
    page = text(client.get(url))
    assert 'value="Chronologies"' in page and "Small dip sample" in page  # questions shown
    loaded = _version_on(page)

    def post(c, version, title, ends=("31", "12", "2026"), token=None):
        return c.post(
            url,
            data={
                "csrf_token": token or _token(text(c.get(url))),
                "version": version,
                "title": title,
                "starts_on": ["1", "11", "2026"],
                "ends_on": list(ends),
            },
        )

    # A period ending before it starts is refused, nothing saved.
    refused = post(client, loaded, "Chronologies", ends=("1", "10", "2026"))
    assert refused.status_code == 200
    assert "The period must end on or after the day it starts" in plain(text(refused))

    # A colleague in the QA team saves first.
    other = app.test_client()
    sign_in(other, make_user("qa_officer", first_name="Ada", last_name="Okoro"))
    assert post(other, loaded, "Chronologies and plans").status_code == 302

    # My save from the copy I loaded is refused, my title kept, theirs shown.
    stale = post(client, loaded, "Chronologies, winter")
    page = text(stale)
    assert stale.status_code == 200
    assert "Your changes have not been saved yet" in page and "Ada Okoro" in page
    assert 'value="Chronologies, winter"' in page and "Chronologies and plans" in page
    db.session.expire_all()
    assert db.session.get(DipSample, sample.id).title == "Chronologies and plans"

    # Saving again (the page now carries the current version) saves.
    again = post(client, _version_on(page), "Chronologies, winter", token=_token(page))
    assert again.status_code == 302
    db.session.expire_all()
    saved = db.session.get(DipSample, sample.id)
    assert (saved.title, saved.ends_on) == ("Chronologies, winter", date(2026, 12, 31))
    assert saved.tool_version_id == sample.tool_version_id
    page = plain(text(client.get(f"/dip-samples/{sample.id}")))
    assert "Chronologies, winter" in page and "31 December 2026" in page


def test_only_the_qa_team_changes_a_dip_sample(app, answered, council):
    sample, _ = answered
    for who in ("bea", "sol", "tom"):
        c = app.test_client()
        sign_in(c, council[who])
        assert c.get(f"/dip-samples/{sample.id}/edit").status_code == 403
        assert c.post(f"/dip-samples/{sample.id}/edit", data={"title": "X"}).status_code == 403
        if who == "bea":
            page = text(c.get(f"/dip-samples/{sample.id}"))
            assert "Change the title or period" not in page


def test_a_dip_sample_of_one_case_says_case_in_the_singular(client, council, small):
    """The field report: "Dip sample DIP-0003 set up with 1 cases."."""
    sign_in(client, council["quinn"])
    response = client.post(
        "/dip-samples/new",
        data=_setup_form(tool_version=str(small.id), cases="B-1, Brambles"),
        follow_redirects=True,
    )
    page = plain(text(response))
    sample = db.session.scalar(select(DipSample))
    assert f"Dip sample {sample.reference} set up with 1 case." in page
    assert "1 cases" not in page
    assert "(3 questions)" in page  # more than one keeps its plural
    results = plain(text(client.get(f"/dip-samples/{sample.id}/results")))
    assert "0 of 1 case done" in results and "1 cases" not in results
    # Two cases keep the plural.
    response = client.post(
        "/dip-samples/new",
        data=_setup_form(tool_version=str(small.id), cases="B-2, Brambles\nB-3, Brambles"),
        follow_redirects=True,
    )
    assert "set up with 2 cases." in plain(text(response))
