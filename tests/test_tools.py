import io
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from qaweb.core import grading
from qaweb.core.history import ChangeLog
from qaweb.extensions import db
from qaweb.tools import renderer, reports, services
from qaweb.tools.models import Answer, Response, Tool, ToolVersion
from qaweb.tools.schema import ToolFileError, parse

SCALE = ["Outstanding", "Good", "Requires improvement", "Inadequate"]

GOOD = """\
tool: test_case_audit
kind: case_file_audit
name: Test case audit
version: 1
council: Testshire
overall_grade: true
sections:
  - key: voice
    title: Voice of the child
    guidance:
      Outstanding: The child's words are everywhere.
      Inadequate: The child is not seen.
    grade: true
    questions:
      - key: seen_alone
        label: Was the child seen alone?
        kind: yes_partly_no
        required: true
      - key: visits
        label: How many visits in the period?
        kind: number
      - key: last_visit
        label: Date of the last visit
        kind: date
      - key: tools_used
        label: Which direct-work tools were used?
        kind: multiple_choice
        options: [Three houses, Wizards and fairies, Ecomap]
  - key: plan
    title: The plan
    guidance: A SMART plan the family understands.
    questions:
      - key: plan_quality
        label: Quality of the plan
        kind: grade
        required: true
      - key: family_agrees
        label: The family understand the plan
        kind: agree_scale
      - key: notes
        label: Evidence
        kind: long_text
"""


def problems_of(text):
    with pytest.raises(ToolFileError) as caught:
        parse(text, SCALE)
    return [(p.line, p.message) for p in caught.value.problems]


def test_a_good_file_gives_its_definition():
    definition = parse(GOOD, SCALE)
    assert definition["tool"] == "test_case_audit"
    assert [s["key"] for s in definition["sections"]] == ["voice", "plan"]
    assert definition["sections"][0]["guidance"]["Inadequate"] == "The child is not seen."
    assert definition["sections"][0]["questions"][3]["options"] == [
        "Three houses",
        "Wizards and fairies",
        "Ecomap",
    ]


@pytest.mark.parametrize(
    "change, line, words",
    [
        (("kind: yes_partly_no", "kind: yes_no_maybe"), 17, "unknown question kind 'yes_no_maybe'"),
        (("key: visits", "key: seen_alone"), 19, "question key 'seen_alone' is used twice"),
        (
            ("        options: [Three houses, Wizards and fairies, Ecomap]\n", ""),
            25,
            "a multiple_choice question needs options",
        ),
        (
            ("kind: long_text", "kind: long_text\n        options: [a, b]"),
            43,
            "only choice questions have options",
        ),
        (("version: 1", "version: first"), 4, "version must be a whole number"),
        (("kind: case_file_audit", "kind: case_audit"), 2, "unknown kind 'case_audit'"),
        (("council: Testshire", "council: Testshire\ncolour: red"), 6, "unknown entry 'colour'"),
        (("Inadequate: The child", "Terrible: The child"), 12, "unknown entry 'Terrible'"),
        (("key: plan\n", "key: voice\n"), 29, "section key 'voice' is used twice"),
        (("key: notes", "key: overall_grade"), 40, "kept for grades"),
        (("tool: test_case_audit", "tool: Test Case"), 1, "must be lower-case letters"),
        (("    title: The plan\n", ""), 29, "needs a title"),
        (("title: Voice of the child", "title: [unclosed"), 10, "not valid YAML"),
    ],
)
def test_each_rule_is_reported_with_its_line(change, line, words):
    text = GOOD.replace(*change, 1)
    assert text != GOOD
    found = problems_of(text)
    assert any(line == ln and words in message for ln, message in found), found


def test_every_problem_is_listed_at_once():
    text = GOOD.replace("kind: yes_partly_no", "kind: yesno").replace(
        "key: visits", "key: seen_alone"
    )
    text = text.replace("version: 1", "version: 0")
    assert len(problems_of(text)) == 3


def test_a_duplicate_entry_in_a_mapping_is_caught():
    text = GOOD.replace("name: Test case audit", "name: Test case audit\nname: Again")
    assert any("'name' is given twice" in m for _, m in problems_of(text))


def test_loading_is_idempotent(app):
    version, outcome = services.load_text(GOOD)
    db.session.commit()
    assert outcome == "created" and version.status == "draft"
    logged = db.session.scalar(select(func.count()).select_from(ChangeLog))
    again, outcome = services.load_text(GOOD)
    db.session.commit()
    assert outcome == "unchanged" and again.id == version.id
    assert db.session.scalar(select(func.count()).select_from(ToolVersion)) == 1
    assert db.session.scalar(select(func.count()).select_from(ChangeLog)) == logged


def test_a_published_version_never_changes(app):
    version, _ = services.load_text(GOOD, publish=True)
    db.session.commit()
    assert version.is_published
    changed = GOOD.replace("Was the child seen alone?", "Was the child seen on their own?")
    with pytest.raises(services.ToolRefused, match="published and cannot change.*version 2"):
        services.load_text(changed)
    db.session.rollback()
    assert (
        db.session.get(ToolVersion, version.id).definition["sections"][0]["questions"][0]["label"]
        == "Was the child seen alone?"
    )
    v2, outcome = services.load_text(changed.replace("version: 1", "version: 2"))
    db.session.commit()
    assert outcome == "created" and v2.number == 2 and not v2.is_published
    tool = db.session.get(Tool, version.tool_id)
    assert tool.current.number == 1 and tool.latest.number == 2


def test_a_draft_can_be_replaced_by_a_changed_file(app):
    services.load_text(GOOD)
    version, outcome = services.load_text(GOOD.replace("Evidence", "Evidence seen"))
    assert outcome == "updated"
    assert version.definition["sections"][1]["questions"][2]["label"] == "Evidence seen"


def test_a_new_version_starts_as_a_copy_of_the_latest(app):
    version, _ = services.load_text(GOOD, publish=True)
    copy = services.new_version(version.tool)
    assert copy.number == 2 and copy.status == "draft"
    assert copy.definition["sections"] == version.definition["sections"]
    assert parse(copy.source_yaml, SCALE)["version"] == 2
    with pytest.raises(services.ToolRefused, match="still a draft"):
        services.new_version(version.tool)


def test_export_round_trips(app, runner):
    services.load_text(GOOD, publish=True)
    db.session.commit()
    result = runner.invoke(args=["tools", "export", "case_file_audit"])
    assert result.exit_code == 0, result.output
    assert parse(result.output, SCALE) == parse(GOOD, SCALE)


def test_cli_loads_nothing_when_any_file_is_bad(app, runner, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        GOOD.replace("tool: test_case_audit", "tool: other").replace("kind: grade", "kind: grading")
    )
    result = runner.invoke(args=["tools", "load", str(good), str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output and "Line 35" in result.output
    assert "Nothing was loaded" in result.output
    assert db.session.scalar(select(func.count()).select_from(Tool)) == 0
    result = runner.invoke(args=["tools", "load", "--publish", str(good)])
    assert result.exit_code == 0 and "test_case_audit version 1" in result.output
    assert db.session.scalar(select(Tool)).current.number == 1


def _levels():
    return grading.levels()


def _form(definition, data, enforce=True):
    return renderer.build_form(
        definition, _levels(), enforce_required=enforce, formdata=MultiDict(data)
    )


def test_required_answers_are_enforced_naming_the_question(app):
    definition = parse(GOOD, SCALE)
    with app.test_request_context(method="POST"):
        form = _form(definition, [])
        assert not form.validate()
        messages = {f: e[0] for f, e in form.errors.items()}
        assert messages["q_seen_alone"] == "Select an answer to 'Was the child seen alone?'"
        assert messages["q_plan_quality"] == "Select a grade for 'Quality of the plan'"
        assert messages["grade_voice"] == "Select a grade for the section 'Voice of the child'"
        assert messages["overall_rationale"] == "Enter why you gave the overall grade"
        assert "q_notes" not in messages  # not required
        draft = _form(definition, [], enforce=False)
        assert draft.validate()
        bad_number = _form(definition, [("q_visits", "several")], enforce=False)
        assert not bad_number.validate()
        assert "must be a number" in bad_number.errors["q_visits"][0]


def _make_response(version, answers, complete=True):
    response = Response(tool_version=version, subject_type="test", subject_id=1)
    db.session.add(response)
    db.session.flush()
    with db.session.no_autoflush:
        form = _form(version.definition, answers, enforce=complete)
        assert form.validate(), form.errors
        renderer.save_answers(response, form, complete=complete)
    return response


def test_answers_are_stored_one_row_each_and_reopen(app):
    version, _ = services.load_text(GOOD, publish=True)
    good, outstanding = _levels()[1], _levels()[0]
    with app.test_request_context(method="POST"):
        response = _make_response(
            version,
            [
                ("q_seen_alone", "Partly"),
                ("q_visits", "4"),
                ("q_last_visit", "3"),
                ("q_last_visit", "10"),
                ("q_last_visit", "2026"),
                ("q_tools_used", "Ecomap"),
                ("q_tools_used", "Three houses"),
                ("grade_voice", str(good.id)),
                ("q_plan_quality", str(outstanding.id)),
                ("overall_grade", str(good.id)),
                ("overall_rationale", "Judgement; action; impact"),
            ],
        )
    rows = list(db.session.scalars(select(Answer).where(Answer.response_id == response.id)))
    assert len(rows) == 9  # two rows for the two tools ticked
    by_key = {}
    for row in rows:
        by_key.setdefault(row.question_key, []).append(row)
    assert by_key["visits"][0].value_number == 4.0
    assert str(by_key["last_visit"][0].value_date) == "2026-10-03"
    assert by_key["plan_quality"][0].grade_level_id == outstanding.id
    assert by_key["section_grade"][0].section_key == "voice"
    assert sorted(r.value_text for r in by_key["tools_used"]) == ["Ecomap", "Three houses"]
    assert response.status == "completed"
    data = renderer.form_data(db.session.get(Response, response.id))
    assert data["q_visits"] == "4" and data["q_tools_used"] == ["Ecomap", "Three houses"]
    assert data["grade_voice"] == str(good.id)


def test_a_response_keeps_its_version_when_a_new_one_is_published(app):
    version, _ = services.load_text(GOOD, publish=True)
    with app.test_request_context(method="POST"):
        response = _make_response(version, [("q_notes", "Early draft")], complete=False)
    new = services.new_version(version.tool)
    services.publish_version(new)
    db.session.commit()
    assert db.session.get(Tool, version.tool_id).current.number == 2
    assert db.session.get(Response, response.id).tool_version.number == 1


def test_grade_distribution_matches_a_hand_count(app):
    version, _ = services.load_text(GOOD, publish=True)
    outstanding, good, ri, inadequate = _levels()
    plan_grades = [good, good, good, inadequate]  # by hand: 3 Good (75%), 1 Inadequate (25%)
    ids = []
    with app.test_request_context(method="POST"):
        for grade in plan_grades:
            ids.append(
                _make_response(
                    version,
                    [
                        ("q_seen_alone", "Yes"),
                        ("grade_voice", str(outstanding.id)),
                        ("q_plan_quality", str(grade.id)),
                        ("overall_grade", str(ri.id)),
                        ("overall_rationale", "x"),
                        ("q_family_agrees", "Agree"),
                    ],
                ).id
            )
        other = _make_response(
            version,
            [
                ("q_seen_alone", "No"),
                ("grade_voice", str(inadequate.id)),
                ("q_plan_quality", str(outstanding.id)),
                ("overall_grade", str(inadequate.id)),
                ("overall_rationale", "x"),
            ],
        )
    result = reports.grade_distribution(ids)
    plan = {s.label: (s.count, s.percent) for s in result[("plan", "plan_quality")]}
    assert plan == {
        "Outstanding": (0, 0.0),
        "Good": (3, 75.0),
        "Requires improvement": (0, 0.0),
        "Inadequate": (1, 25.0),
    }
    assert [s.label for s in result[("plan", "plan_quality")]] == SCALE
    voice = {s.label: s.count for s in result[("voice", "section_grade")]}
    assert voice["Outstanding"] == 4 and voice["Inadequate"] == 0
    everything = reports.grade_distribution(select(Response.id))
    assert {s.label: s.count for s in everything[("overall", "overall_grade")]}["Inadequate"] == 1
    seen = reports.answer_distribution([*ids, other.id], "seen_alone")
    assert [(s.label, s.count, s.percent) for s in seen] == [("Yes", 4, 80.0), ("No", 1, 20.0)]


STARTER = Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter"


def test_every_starter_tool_loads(app):
    files = sorted(STARTER.glob("*/*.yaml"))
    councils = {f.parent.name for f in files}
    assert {"wokingham", "bedford", "halton", "worcestershire"} <= councils
    results = services.load_files(files, publish=True)
    assert len(results) == len(files)
    kinds = {v.tool.kind for _, v, _ in results}
    assert kinds == {
        "supervision_audit",
        "supervisee_feedback",
        "practice_observation",
        "family_feedback",
        "case_file_audit",
        "dip_sample",
    }
    for _, version, _ in results:
        assert version.question_count() > 0, version.tool.key
        with app.test_request_context():
            renderer.build_form(version.definition, _levels())


# -- screens -----------------------------------------------------------------------------


def upload(client, text, name="tool.yaml"):
    return client.post(
        "/admin/tools/upload",
        data={"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_admin_uploads_previews_publishes_and_compares(client, signed_in):
    signed_in("admin")
    page = upload(client, GOOD.replace("kind: grade", "kind: grades")).get_data(as_text=True)
    assert "Error: Upload a tool file - qaweb" in page
    assert "nothing has been loaded" in page
    assert '<td class="govuk-table__cell">35</td>' in page and "unknown question kind" in page
    assert db.session.scalar(select(func.count()).select_from(Tool)) == 0

    page = upload(client, GOOD).get_data(as_text=True)
    assert "Version 1 of Test case audit loaded as a draft" in page
    assert "Voice of the child" in page and "What good looks like" in page
    assert "The child&#39;s words are everywhere." in page
    assert "Publish version 1" in page
    # Each radio question is a fieldset whose legend is the question.
    assert re.search(r"<legend[^>]*>\s*Was the child seen alone\?\s*</legend>", page)
    assert re.search(r"<legend[^>]*>\s*Grade for Voice of the child\s*</legend>", page)
    for label in SCALE:
        assert label in page
    tool = db.session.scalar(select(Tool))

    # Trying the preview checks answers and saves nothing.
    page = client.post(f"/admin/tools/{tool.id}/versions/1", data={}).get_data(as_text=True)
    assert "Select an answer to &#39;Was the child seen alone?&#39;" in page
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0

    page = client.post(
        f"/admin/tools/{tool.id}/versions/1/publish", follow_redirects=True
    ).get_data(as_text=True)
    assert "is published" in page and "Start version 2" in page

    page = upload(
        client,
        GOOD.replace("version: 1", "version: 2").replace(
            "      - key: notes\n",
            "      - key: strengths\n        label: Strengths\n"
            "        kind: long_text\n      - key: notes\n",
        ),
    ).get_data(as_text=True)
    assert "Version 2 of Test case audit loaded as a draft" in page
    page = client.get(f"/admin/tools/{tool.id}/compare?from=1&to=2").get_data(as_text=True)
    assert "Questions added (1)" in page and "Strengths" in page

    listing = client.get("/admin/tools/").get_data(as_text=True)
    assert "Test case audit" in listing and "Version 2" in listing and "Draft" in listing

    download = client.get(f"/admin/tools/{tool.id}/versions/1.yaml")
    assert yaml.safe_load(download.data)["tool"] == "test_case_audit"


def test_changing_a_published_version_is_refused_on_upload(client, signed_in):
    signed_in("admin")
    upload(client, GOOD)
    tool = db.session.scalar(select(Tool))
    client.post(f"/admin/tools/{tool.id}/versions/1/publish")
    page = upload(client, GOOD.replace("Evidence", "Evidence seen")).get_data(as_text=True)
    assert "published and cannot change" in page


def test_grading_scale_is_renamed_and_extended(client, signed_in):
    signed_in("admin")
    levels = grading.levels()
    data = {}
    for i, level in enumerate(levels):
        data[f"levels-{i}-level_id"] = level.id
        data[f"levels-{i}-label"] = level.label
        data[f"levels-{i}-colour"] = level.colour
    data["levels-1-label"] = "Good practice"
    data["new_label"] = "Not yet graded"
    data["new_colour"] = "grey"
    page = client.post("/admin/tools/grading-scale", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Grading scale saved" in page
    assert grading.labels() == [
        "Outstanding",
        "Good practice",
        "Requires improvement",
        "Inadequate",
        "Not yet graded",
    ]
    data["levels-0-label"] = "Good practice"
    page = client.post("/admin/tools/grading-scale", data=data).get_data(as_text=True)
    assert "Level 2 has the same label as another" in page
    assert 'href="#levels-1-label"' in page


# -- filling in a response ---------------------------------------------------------------


@pytest.fixture
def my_response(signed_in):
    me = signed_in("practitioner")
    version, _ = services.load_text(GOOD, publish=True)
    response = Response(tool_version=version, subject_type="test", created_by_id=me.id)
    db.session.add(response)
    db.session.commit()
    return response


def answered(response_id):
    return {
        a.question_key: a
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id))
    }


def test_a_section_is_saved_in_place_with_htmx(client, my_response):
    page = client.get(f"/responses/{my_response.id}").get_data(as_text=True)
    assert "Save this section" in page and "Complete" in page
    hx = {"HX-Request": "true"}
    url = f"/responses/{my_response.id}"
    body = client.post(
        url,
        headers=hx,
        data={
            "save_section": "voice",
            "version": my_response.version,
            "q_visits": "lots",
        },
    ).get_data(as_text=True)
    assert "<html" not in body and "must be a number" in body and "Not saved" in body
    assert answered(my_response.id) == {}

    response = client.post(
        url,
        headers=hx,
        data={
            "save_section": "voice",
            "version": my_response.version,
            "q_visits": "3",
            "q_seen_alone": "Yes",
            "q_notes": "not in this section",
        },
    )
    body = response.get_data(as_text=True)
    assert "<html" not in body and "Saved" in body
    stored = answered(my_response.id)
    assert set(stored) == {"visits", "seen_alone"}  # only the section's answers
    new_version = db.session.get(Response, my_response.id).version
    assert f'value="{new_version}" hx-swap-oob="true"' in body
    assert db.session.get(Response, my_response.id).status == "draft"


def test_completing_enforces_required_answers(client, my_response):
    url = f"/responses/{my_response.id}"
    page = client.post(
        url, data={"action": "complete", "version": my_response.version, "q_notes": "Some evidence"}
    ).get_data(as_text=True)
    assert "Error: Test case audit - qaweb" in page
    assert "Select an answer to &#39;Was the child seen alone?&#39;" in page
    assert db.session.get(Response, my_response.id).status == "draft"
    levels = grading.levels()
    response = client.post(
        url,
        data={
            "action": "complete",
            "version": my_response.version,
            "q_seen_alone": "No",
            "q_plan_quality": levels[2].id,
            "grade_voice": levels[3].id,
            "overall_grade": levels[3].id,
            "overall_rationale": "Judgement, action, impact",
            "q_notes": "Some evidence",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Test case audit completed" in page
    saved = db.session.get(Response, my_response.id)
    assert saved.status == "completed" and saved.tool_version.number == 1
    assert "It can no longer be changed" in page and "Requires improvement" in page
    assert client.post(url, data={"action": "draft"}).status_code == 403


def test_a_draft_saves_without_required_answers(client, my_response):
    response = client.post(
        f"/responses/{my_response.id}",
        data={
            "action": "draft",
            "version": my_response.version,
            "q_notes": "Started",
        },
        follow_redirects=True,
    )
    assert "Saved as a draft" in response.get_data(as_text=True)
    assert answered(my_response.id)["notes"].value_text == "Started"


def test_a_stale_response_save_is_refused(client, my_response):
    url = f"/responses/{my_response.id}"
    loaded = my_response.version  # two tabs opened on the same version
    client.post(url, data={"action": "draft", "version": loaded, "q_notes": "First"})
    page = client.post(
        url, data={"action": "draft", "version": loaded, "q_notes": "Second"}
    ).get_data(as_text=True)
    assert "have not been saved" in page
    assert answered(my_response.id)["notes"].value_text == "First"


def test_only_the_person_filling_it_in_may_save(client, my_response, make_user):
    from support import sign_in

    client.post("/sign-out")
    sign_in(client, make_user("team_manager"))
    assert client.get(f"/responses/{my_response.id}").status_code == 403
    assert client.post(f"/responses/{my_response.id}", data={}).status_code == 403


@pytest.mark.parametrize(
    "text, words",
    [
        ("base: &b {key: a}\n" + GOOD.replace("council: Testshire", "council: *b"), "aliases"),
        (GOOD.replace("name: Test case audit", "name: !!python/object:os.system x"), "not allowed"),
        (GOOD.replace("version: 1", "version: !!int one"), "cannot be read"),
        (GOOD.replace("council: Testshire", "council: !custom Testshire"), "not allowed"),
        (
            GOOD.replace("      Inadequate: The child is not seen.", "      Inadequate: {a: 1}"),
            "must be text",
        ),
        (GOOD.replace("name: Test case audit", "name: " + "x" * 201), "200 characters or fewer"),
    ],
)
def test_only_plain_yaml_is_accepted(text, words):
    assert any(words in message for _, message in problems_of(text))


def test_problems_are_capped():
    # 40 sections of 6 questions that are not questions: 240 problems, within the limits on
    # sections and questions, and only the first 200 reported.
    bad = "".join(
        f"  - key: s{n}\n    title: Bad\n    questions: [1, 1, 1, 1, 1, 1]\n" for n in range(40)
    )
    text = GOOD.replace("sections:\n", "sections:\n" + bad, 1)
    assert len(problems_of(text)) == 200


def test_yes_and_no_stay_words():
    text = GOOD.replace(
        "options: [Three houses, Wizards and fairies, Ecomap]", "options: [Yes, No, n/a]"
    ).replace("label: Evidence", "label: No")
    definition = parse(text, SCALE)
    assert definition["sections"][0]["questions"][3]["options"] == ["Yes", "No", "n/a"]
    assert definition["sections"][1]["questions"][2]["label"] == "No"


def test_numbers_must_be_real_numbers(app):
    definition = parse(GOOD, SCALE)
    with app.test_request_context(method="POST"):
        for bad in ("nan", "inf", "1,2,3", "3 visits"):
            assert not _form(definition, [("q_visits", bad)], enforce=False).validate(), bad
        assert _form(definition, [("q_visits", "1,250")], enforce=False).validate()
    assert renderer.parse_number("1,250") == 1250.0


def test_saving_an_overall_section_the_tool_lacks_is_refused(client, signed_in):
    me = signed_in("practitioner")
    no_overall = GOOD.replace("overall_grade: true\n", "")
    version, _ = services.load_text(no_overall, publish=True)
    response = Response(tool_version=version, subject_type="test", created_by_id=me.id)
    db.session.add(response)
    db.session.commit()
    status = client.post(
        f"/responses/{response.id}", data={"save_section": "overall", "version": response.version}
    ).status_code
    assert status == 400


def test_enter_in_a_field_saves_the_whole_draft(client, my_response):
    page = client.get(f"/responses/{my_response.id}").get_data(as_text=True)
    form = page[page.index('class="qaweb-tool-form"') :]
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)
    assert 'name="action" value="draft"' in first_submit


def test_grading_scale_levels_can_swap_names_and_bad_posts_are_refused(client, signed_in):
    signed_in("admin")
    levels = grading.levels()
    data = {}
    for i, level in enumerate(levels):
        data[f"levels-{i}-level_id"] = level.id
        data[f"levels-{i}-label"] = level.label
        data[f"levels-{i}-colour"] = level.colour
    swapped = {**data, "levels-0-label": "Good", "levels-1-label": "Outstanding"}
    assert client.post("/admin/tools/grading-scale", data=swapped).status_code == 302
    assert grading.labels()[:2] == ["Good", "Outstanding"]
    missing = {k: v for k, v in data.items() if not k.startswith("levels-3")}
    assert client.post("/admin/tools/grading-scale", data=missing).status_code == 400
    assert (
        client.post(
            "/admin/tools/grading-scale", data={**data, "levels-0-level_id": "abc"}
        ).status_code
        == 400
    )
    no_label = {**data, "levels-2-label": "  "}
    page = client.post("/admin/tools/grading-scale", data=no_label).get_data(as_text=True)
    assert "Enter a label for level 3" in page


def test_renaming_a_level_keeps_the_guidance_of_published_versions(client, signed_in):
    signed_in("admin")
    version, _ = services.load_text(GOOD, publish=True)
    db.session.commit()
    inadequate = next(lv for lv in grading.levels() if lv.label == "Inadequate")
    inadequate.label = "Serious concerns"
    db.session.commit()
    page = client.get(f"/admin/tools/{version.tool_id}/versions/1").get_data(as_text=True)
    assert "Serious concerns" in page and "The child is not seen." in page
    exported = services.to_yaml(db.session.get(ToolVersion, version.id).definition)
    assert "Serious concerns: The child is not seen." in exported
