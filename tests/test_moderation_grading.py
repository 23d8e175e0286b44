"""Moderation: independent (blind) grading on the audit's tool version, then side by side."""

from datetime import date

import pytest
from sqlalchemy import select
from support import plain, sign_in, text
from werkzeug.datastructures import MultiDict

from qaweb.case_audits.models import COMPLETED, CaseAudit, CaseFile
from qaweb.core.grading import levels
from qaweb.extensions import db
from qaweb.moderation import services
from qaweb.moderation.models import ModerationLine, ModerationSample
from qaweb.tools.models import COMPLETED as FORM_DONE
from qaweb.tools.models import Answer
from qaweb.tools.services import load_text, start_response

TOOL = """
tool: moderation_test_tool
kind: case_file_audit
name: Case-file audit
version: {number}
overall_grade: true
sections:
  - key: planning
    title: Planning
    questions:
      - {{key: plan_clear, label: "Is the plan clear?", kind: yes_partly_no, required: true}}
      - {{key: plan_grade, label: "Grade the planning", kind: grade, required: true}}
  - key: voice
    title: Voice of the child
    questions:
      - {{key: voice_grade, label: "Grade the child's voice", kind: grade, required: true}}
"""


def grade(label):
    return next(g for g in levels() if g.label == label)


@pytest.fixture
def moderated(make_area, make_team, make_user):
    """Pat (North, line-managed by Nora) is the practitioner; Ann (South) audited the case:
    planning Good, voice Good, overall Good. Mo, a service manager, is free to moderate."""
    area = make_area("Children's Social Care")
    north = make_team("North", area=area)
    south = make_team("South", area=area)
    nora = make_user("team_manager", team=north, first_name="Nora", last_name="North")
    ann = make_user("team_manager", team=south, first_name="Ann", last_name="Auditor")
    mo = make_user("service_manager", team=south, first_name="Mo", last_name="Moderator")
    pat = make_user(team=north, first_name="Pat", last_name="Ash", line_manager=nora)
    qa = make_user("qa_officer", first_name="Quinn", last_name="Audit")
    version, _ = load_text(TOOL.format(number=1), publish=True)
    case = CaseFile(
        case_number="N-7",
        team_id=north.id,
        practitioner_id=pat.id,
        listed_month=date(2026, 9, 1),
    )
    db.session.add(case)
    db.session.flush()
    response = start_response(version, "case_audit", None, ann)
    response.status = FORM_DONE
    audit = CaseAudit(
        case_id=case.id,
        month=date(2026, 9, 1),
        team_id=north.id,
        practitioner_id=pat.id,
        auditor_id=ann.id,
        status=COMPLETED,
        response_id=response.id,
        grade_level_id=grade("Good").id,
        completed_on=date(2026, 9, 10),
    )
    db.session.add(audit)
    db.session.flush()
    response.subject_id = audit.id
    for section, question, label in (
        ("planning", "plan_grade", "Good"),
        ("voice", "voice_grade", "Good"),
        ("overall", "overall_grade", "Good"),
    ):
        db.session.add(
            Answer(
                response_id=response.id,
                section_key=section,
                question_key=question,
                grade_level_id=grade(label).id,
            )
        )
    sample = ModerationSample(month=date(2026, 9, 1), seed=1, share=25)
    db.session.add(sample)
    db.session.flush()
    line = ModerationLine(sample_id=sample.id, audit_id=audit.id, chosen_by="Random")
    db.session.add(line)
    db.session.commit()
    return {
        "nora": nora,
        "ann": ann,
        "mo": mo,
        "pat": pat,
        "qa": qa,
        "audit": audit,
        "line": line,
        "version": version,
    }


def switch(client, person):
    client.post("/sign-out")
    sign_in(client, person)


def name_moderator(client, line, person):
    return client.post(
        f"/moderation/lines/{line.id}/moderator",
        data={"moderator": person.id, "version": line.version},
    )


def fill(client, response, planning, voice, overall):
    ids = {g.label: g.id for g in levels()}
    data = MultiDict(
        [
            ("q_plan_clear", "Yes"),
            ("q_plan_grade", ids[planning]),
            ("q_voice_grade", ids[voice]),
            ("overall_grade", ids[overall]),
            ("overall_rationale", "The plan is not driving change for the child"),
            ("action", "complete"),
            ("version", response.version),
        ]
    )
    result = client.post(f"/responses/{response.id}", data=data)
    assert result.status_code == 302, result.get_data(as_text=True)[:3000]


@pytest.mark.parametrize(
    "who, reason",
    [
        ("ann", "Ann Auditor audited case N-7, so cannot moderate its audit"),
        ("nora", "Nora North is the line manager of Pat Ash, the practitioner in the case"),
        ("pat", "Pat Ash is the practitioner in case N-7"),
    ],
)
def test_a_moderator_who_is_not_independent_is_refused(client, moderated, who, reason):
    sign_in(client, moderated["qa"])
    line = moderated["line"]
    page = plain(text(name_moderator(client, line, moderated[who])))
    assert reason in page
    db.session.expire_all()
    assert db.session.get(ModerationLine, line.id).moderator_id is None


def test_a_team_manager_of_the_cases_team_is_refused_though_not_the_line_manager(
    client, moderated, make_user
):
    # Tom manages North (the case's team) beside Nora, but is not Pat's line manager.
    tom = make_user(
        "team_manager", team=moderated["nora"].team, first_name="Tom", last_name="Other"
    )
    line = moderated["line"]
    assert moderated["pat"].line_manager_id != tom.id
    sign_in(client, moderated["qa"])
    page = plain(text(name_moderator(client, line, tom)))
    assert "Tom Other is a team manager of North, the team of case N-7" in page
    db.session.expire_all()
    assert db.session.get(ModerationLine, line.id).moderator_id is None
    # A service manager of another team is still free to moderate.
    assert services.refusal(moderated["mo"], line) is None


def test_blind_grading_then_side_by_side(client, moderated):
    line, audit, mo = moderated["line"], moderated["audit"], moderated["mo"]
    sign_in(client, moderated["qa"])
    assert name_moderator(client, line, mo).status_code == 302
    db.session.expire_all()
    assert db.session.get(ModerationLine, line.id).moderator_id == mo.id
    switch(client, mo)
    # While moderating, Mo cannot open the audit or its form, and the page shows no grades.
    assert client.get(f"/case-audits/audits/{audit.id}").status_code == 403
    assert client.get(f"/responses/{audit.response_id}").status_code == 403
    db.session.refresh(line)
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Auditor's grade" not in page and "Good" not in page
    result = client.post(f"/moderation/lines/{line.id}/start", data={"version": line.version})
    db.session.expire_all()
    line = db.session.get(ModerationLine, line.id)
    assert result.headers["Location"].endswith(f"/responses/{line.response_id}")
    # The same tool version as the audit's, even after a newer version is published.
    assert line.response.tool_version_id == audit.response.tool_version_id
    # Submitting before the form is complete is refused.
    client.post(f"/moderation/lines/{line.id}/submit", data={"version": line.version})
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Complete the moderation form before submitting it" in page
    assert "Auditor's grade" not in page
    fill(client, line.response, "Requires improvement", "Good", "Requires improvement")
    db.session.expire_all()
    line = db.session.get(ModerationLine, line.id)
    result = client.post(f"/moderation/lines/{line.id}/submit", data={"version": line.version})
    assert result.status_code == 302
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert (
        "Grade the planning Good Requires improvement Differs by 1 grade (moderator lower)" in page
    )
    assert "Grade the child's voice Good Good Same" in page
    assert "Overall grade Good Requires improvement Differs by 1 grade (moderator lower)" in page
    # Once submitted, the audit opens to Mo again; the auditor never sees Mo's form.
    assert client.get(f"/case-audits/audits/{audit.id}").status_code == 200
    switch(client, moderated["ann"])
    assert client.get(f"/responses/{line.response_id}").status_code == 403
    assert client.get(f"/moderation/lines/{line.id}").status_code == 403


def test_comparison_by_section(app, moderated):
    line, mo = moderated["line"], moderated["mo"]
    services.assign(line, mo)
    response = services.start(line, mo)
    for section, question, label in (
        ("planning", "plan_grade", "Inadequate"),
        ("overall", "overall_grade", "Outstanding"),
    ):
        db.session.add(
            Answer(
                response_id=response.id,
                section_key=section,
                question_key=question,
                grade_level_id=grade(label).id,
            )
        )
    db.session.commit()
    got = [
        (title, [(r.label, r.difference) for r in rows])
        for title, rows in services.comparison(line)
    ]
    # Good (2) -> Inadequate (4): +2; voice left ungraded by the moderator: None;
    # overall Good (2) -> Outstanding (1): -1.
    assert got == [
        ("Planning", [("Grade the planning", 2)]),
        ("Voice of the child", [("Grade the child's voice", None)]),
        ("Overall", [("Overall grade", -1)]),
    ]


def test_a_moderation_on_another_tool_version_is_refused(app, moderated):
    line, mo = moderated["line"], moderated["mo"]
    services.assign(line, mo)
    response = services.start(line, mo)
    newer, _ = load_text(TOOL.format(number=2).replace("Grade the child's voice", "Voice"))
    response.tool_version_id = newer.id
    response.status = FORM_DONE
    db.session.commit()
    db.session.refresh(response)
    with pytest.raises(services.ModerationError, match="on version 2 of the tool but the audit"):
        services.submit(line, mo)
    assert line.moderated_at is None


def test_only_the_named_moderator_grades_and_swaps_stop(app, moderated):
    line, mo, qa = moderated["line"], moderated["mo"], moderated["qa"]
    services.assign(line, mo)
    with pytest.raises(services.ModerationError, match="Only the named moderator"):
        services.start(line, qa)
    services.start(line, mo)
    with pytest.raises(services.ModerationError, match="started grading"):
        services.swap(line, "Too late")
    with pytest.raises(services.ModerationError, match="started grading"):
        services.assign(line, qa)


def test_stale_moderator_choice_is_refused(client, moderated):
    line = moderated["line"]
    sign_in(client, moderated["qa"])
    stale = line.version
    assert name_moderator(client, line, moderated["mo"]).status_code == 302
    page = plain(
        text(
            client.post(
                f"/moderation/lines/{line.id}/moderator",
                data={"moderator": moderated["qa"].id, "version": stale},
            )
        )
    )
    # The same person's save from another copy of the page: "you", not their own name.
    assert "You changed this record in another tab or window" in page
    db.session.expire_all()
    assert db.session.scalar(select(ModerationLine.moderator_id)) == moderated["mo"].id


def test_moderation_due_within_the_council_days_of_completion(client, moderated):
    from qaweb.core.db import utcnow
    from qaweb.core.settings import set_setting

    line = moderated["line"]
    # Completed Thursday 10 September 2026; 10 working days by default (Halton): due
    # Thursday 24 September.
    assert services.due_on(line) == date(2026, 9, 24)
    assert not services.is_overdue(line, date(2026, 9, 24))
    assert services.is_overdue(line, date(2026, 9, 25))
    sign_in(client, moderated["qa"])
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Moderation due 24 September 2026 Overdue" in page
    sample = plain(text(client.get("/moderation/months/2026/9")))
    assert "24 September 2026 Overdue" in sample
    set_setting("case_audit_moderation_unit", "calendar_days")  # 10 calendar days
    db.session.commit()
    assert services.due_on(line) == date(2026, 9, 20)
    set_setting("case_audit_days_to_moderate", "14")  # Wokingham: 2 weeks
    db.session.commit()
    assert services.due_on(line) == date(2026, 9, 24)
    # Submitted by the moderator: still due until the panel confirms the moderation.
    line.moderated_at = utcnow()
    db.session.commit()
    assert services.is_overdue(line, date(2026, 12, 1))
    line.confirmed_at = utcnow()
    db.session.commit()
    assert not services.is_overdue(line, date(2026, 12, 1))
