"""The Moderation Panel: meetings, the agreed grades with reasons, feedback, confirmation,
who sees what before and after, the blind moderator's view of the case-file audits, the
timescale and the email (Wokingham QA framework §2; Halton 004)."""

import re
from datetime import date

import pytest
from sqlalchemy import select
from support import sign_in
from test_moderation_grading import grade, moderated, plain, switch, text  # noqa: F401

from qaweb.core import outbox
from qaweb.core.db import utcnow
from qaweb.core.settings import set_setting
from qaweb.extensions import db
from qaweb.moderation import panel, services
from qaweb.moderation.models import ModerationLine, PanelMeeting
from qaweb.tools.models import COMPLETED as FORM_DONE
from qaweb.tools.models import Answer
from qaweb.tools.services import start_response


def _answers(response_id, planning, voice, overall):
    for section, question, label in (
        ("planning", "section_grade", planning),
        ("voice", "section_grade", voice),
        ("overall", "overall_grade", overall),
    ):
        db.session.add(
            Answer(
                response_id=response_id,
                section_key=section,
                question_key=question,
                grade_level_id=grade(label).id,
            )
        )


@pytest.fixture
def at_panel(moderated, make_user):  # noqa: F811
    """Mo has moderated Ann's audit (planning Requires improvement, voice Good, overall
    Requires improvement; Ann: Good, Good, Good). Cy chairs a panel meeting on 1 October
    2026 with Meg as a member, considering it. Tom is another team manager of North (the
    case's team), not Pat's line manager."""
    m = moderated
    line, audit = m["line"], m["audit"]
    _answers(audit.response_id, "Good", "Good", "Good")
    # The fixture's answers hold the auditor's overall grade already: keep one of each.
    for answer in db.session.scalars(
        select(Answer).where(
            Answer.response_id == audit.response_id, Answer.question_key == "overall_grade"
        )
    ).all()[1:]:
        db.session.delete(answer)
    response = start_response(audit.response.tool_version, "moderation", line.id, m["mo"])
    response.status = FORM_DONE
    db.session.flush()
    _answers(response.id, "Requires improvement", "Good", "Requires improvement")
    line.moderator_id, line.response_id, line.moderated_at = m["mo"].id, response.id, utcnow()
    cy = make_user("practitioner", first_name="Cy", last_name="Chair", job_title="PSW")
    meg = make_user("practitioner", first_name="Meg", last_name="Member")
    tom = make_user("team_manager", team=m["nora"].team, first_name="Tom", last_name="Other")
    meeting = PanelMeeting(held_on=date(2026, 10, 1), chair_id=cy.id, notes="")
    meeting.members = [meg]
    db.session.add(meeting)
    db.session.flush()
    line.meeting_id = meeting.id
    db.session.commit()
    return {**m, "cy": cy, "meg": meg, "tom": tom, "meeting": meeting}


def _outcome(client, line, overall, overall_reason="", planning="", planning_reason="", **texts):
    page = client.get(f"/moderation/lines/{line.id}/outcome")
    assert page.status_code == 200
    db.session.expire_all()
    line = db.session.get(ModerationLine, line.id)
    data = {
        "version": line.version,
        "grade_planning": grade(planning or "Requires improvement").id,
        "reason_planning": planning_reason,
        "grade_voice": grade("Good").id,
        "reason_voice": "",
        "grade_overall": grade(overall).id,
        "reason_overall": overall_reason,
        **texts,
    }
    return client.post(f"/moderation/lines/{line.id}/outcome", data=data)


def _line(line_id):
    db.session.expire_all()
    return db.session.get(ModerationLine, line_id)


def test_a_changed_grade_needs_its_reason_and_nothing_typed_is_lost(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    result = _outcome(
        client, line, "Requires improvement", good_practice="Invented: clear chronology read"
    )
    assert result.status_code == 200
    page = plain(text(result))
    assert "Give the reason the agreed grade for planning differs from the auditor's (Good)" in page
    assert (
        "Give the reason the agreed grade for overall grade differs from the auditor's (Good)"
        in page
    )
    assert "Invented: clear chronology read" in text(result)
    assert _line(line.id).agreed_grade_level_id is None
    result = _outcome(
        client,
        line,
        "Requires improvement",
        "The plan has no timescales",
        planning_reason="No contingency plan",
        good_practice="Invented: clear chronology read",
        learning_points="Invented: plans need contingency",
    )
    assert result.status_code == 302
    saved = _line(line.id)
    assert saved.agreed_grade.label == "Requires improvement"
    assert saved.agreed_reason == "The plan has no timescales"
    assert saved.agreed_sections[0] == {
        "key": "planning",
        "grade_level_id": grade("Requires improvement").id,
        "reason": "No contingency plan",
    }
    assert saved.learning_points == "Invented: plans need contingency"
    assert saved.confirmed_at is None


def test_an_unchanged_grade_needs_no_reason(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["qa"])
    result = _outcome(client, line, "Good", planning="Good")
    assert result.status_code == 302
    assert _line(line.id).agreed_grade.label == "Good"


def test_a_stale_outcome_is_refused_with_what_was_typed_kept(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    page = client.get(f"/moderation/lines/{line.id}/outcome")
    loaded = _line(line.id).version
    # The QA officer saves first.
    panel.save_outcome(
        _line(line.id),
        {"overall": (grade("Good").id, ""), "planning": (grade("Good").id, "")},
        {"good_practice": "Invented: the colleague's words"},
    )
    db.session.commit()
    assert page.status_code == 200
    result = client.post(
        f"/moderation/lines/{line.id}/outcome",
        data={
            "version": loaded,
            "grade_planning": grade("Good").id,
            "grade_voice": grade("Good").id,
            "grade_overall": grade("Good").id,
            "good_practice": "Invented: my own words",
        },
    )
    assert result.status_code == 200
    body = text(result)
    assert "Invented: my own words" in body
    assert _line(line.id).good_practice == "Invented: the colleague's words"


def _confirm(client, line):
    return client.post(
        f"/moderation/lines/{line.id}/confirm", data={"version": _line(line.id).version}
    )


def test_confirm_refused_until_the_outcome_is_whole(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    _confirm(client, line)
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Before confirming, record the panel's outcome: Select the agreed grade" in page
    assert _line(line.id).confirmed_at is None


def _record_and_confirm(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    assert (
        _outcome(
            client,
            line,
            "Requires improvement",
            "Invented: no timescales in the plan",
            planning_reason="Invented: no contingency",
            good_practice="Invented: read the whole chronology",
            development_areas="Invented: weigh the plan against the child's needs",
            practice_comments="Invented: the child's voice is strong",
            learning_points="Invented: plans need contingency",
        ).status_code
        == 302
    )
    result = _confirm(client, line)
    assert result.status_code == 302
    return _line(line.id)


def test_who_sees_the_moderation_before_and_after_the_panel_confirms(client, at_panel):
    line, audit = at_panel["line"], at_panel["audit"]
    url = f"/moderation/lines/{line.id}"
    before = {
        "qa": 200,
        "cy": 200,  # the chair
        "meg": 200,  # a member
        "mo": 200,  # the moderator
        "ann": 403,  # the auditor: never before the panel confirms
        "nora": 403,  # the practitioner's line manager (and the team's manager)
        "tom": 403,  # the case's team manager
        "pat": 403,  # the practitioner
    }
    for who, status in before.items():
        switch(client, at_panel[who])
        assert client.get(url).status_code == status, who
    # The auditor's record shows no moderated grade yet.
    switch(client, at_panel["ann"])
    record = plain(text(client.get(f"/case-audits/audits/{audit.id}")))
    assert "After moderation" not in record and "Requires improvement" not in record

    switch(client, at_panel["cy"])
    confirmed = _record_and_confirm(client, at_panel)
    assert confirmed.confirmed_at is not None and confirmed.confirmed_by_id == at_panel["cy"].id
    after = {**before, "ann": 200, "nora": 200, "tom": 200, "pat": 403}
    for who, status in after.items():
        switch(client, at_panel[who])
        assert client.get(url).status_code == status, who
    switch(client, at_panel["ann"])
    page = plain(text(client.get(url)))
    assert "Overall grade Good Requires improvement Requires improvement Changed" in page
    assert "Invented: no timescales in the plan" in page
    assert "Development areas for the auditor Invented: weigh the plan" in page
    assert "Record the panel's outcome" not in page and "Confirm the panel" not in page
    record = plain(text(client.get(f"/case-audits/audits/{audit.id}")))
    assert "Overall grade as audited: Good" in record
    assert "After moderation: Requires improvement agreed by the Moderation Panel" in record
    # A confirmed outcome cannot be changed.
    switch(client, at_panel["cy"])
    assert client.get(f"/moderation/lines/{line.id}/outcome").status_code == 403


def test_the_auditor_and_team_managers_are_emailed_and_see_it_in_my_work(client, at_panel, mail):
    _record_and_confirm(client, at_panel)
    db.session.commit()
    outbox.send_due()
    to = {rcpt for rcpts, _ in mail.messages for rcpt in rcpts}
    assert to == {at_panel["ann"].email, at_panel["nora"].email, at_panel["tom"].email}
    [(_, message)] = [m for m in mail.messages if at_panel["ann"].email in m[0]]
    assert "agreed grade Requires improvement" in " ".join(str(message["Subject"]).split())
    from mail_support import text_of

    body = text_of(message)
    assert "Good as audited; Requires improvement agreed by the panel" in body
    assert "Planning: Good changed to Requires improvement. Reason: Invented: no contingency" in (
        body
    )
    assert "Invented: weigh the plan" not in body  # the feedback is read in qaweb
    for who in ("ann", "nora", "tom"):
        switch(client, at_panel[who])
        home = plain(text(client.get("/")))
        assert f"The panel's moderation of {at_panel['audit'].reference}" in home, who


def test_only_the_chair_or_the_qa_team_records_the_outcome(client, at_panel):
    line = at_panel["line"]
    for who in ("meg", "mo", "ann", "tom"):
        switch(client, at_panel[who])
        assert client.get(f"/moderation/lines/{line.id}/outcome").status_code == 403, who
        assert _confirm(client, line).status_code == 403, who
    switch(client, at_panel["meg"])
    page = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Record the panel's outcome" not in page


def test_the_chair_arranges_a_meeting_with_the_moderations_waiting(client, at_panel):
    line = at_panel["line"]
    line.meeting_id = None
    db.session.commit()
    sign_in(client, at_panel["qa"])
    form = plain(text(client.get("/moderation/panels/new")))
    assert f"{at_panel['audit'].reference}: case N-7, North, audited by Ann Auditor" in form
    result = client.post(
        "/moderation/panels/new",
        data={
            "held_on": ["5", "10", "2026"],
            "chair": at_panel["cy"].id,
            "members": [str(at_panel["meg"].id), str(at_panel["cy"].id)],
            "lines": [str(line.id)],
            "notes": "Invented: monthly panel",
        },
    )
    assert result.status_code == 302, plain(text(result))[:2000]
    meeting = db.session.scalar(
        select(PanelMeeting).where(PanelMeeting.held_on == date(2026, 10, 5))
    )
    assert meeting.chair_id == at_panel["cy"].id
    assert [m.id for m in meeting.members] == [at_panel["meg"].id]  # the chair is not listed twice
    assert _line(line.id).meeting_id == meeting.id
    # The chair may change it; a member reads it; others may not.
    switch(client, at_panel["cy"])
    assert client.get(f"/moderation/panels/{meeting.id}/edit").status_code == 200
    assert client.get("/moderation/panels").status_code == 200
    switch(client, at_panel["meg"])
    page = plain(text(client.get(f"/moderation/panels/{meeting.id}")))
    assert "Awaiting the panel" in page
    assert client.get(f"/moderation/panels/{meeting.id}/edit").status_code == 403
    switch(client, at_panel["ann"])
    assert client.get(f"/moderation/panels/{meeting.id}").status_code == 403


def _offered(page: str, field: str) -> list[str]:
    """The labels of a checkbox field's options, in page order."""
    return [
        " ".join(label.split())
        for label in re.findall(
            rf'<input class="govuk-checkboxes__input" id="{field}[^"]*" name="{field}"'
            r"[^>]*>\s*<label[^>]*>([^<]+)</label>",
            page,
        )
    ]


def test_the_panel_form_offers_managers_the_qa_team_and_those_on_panels_by_surname(
    client, at_panel, make_user
):
    make_user("practitioner", first_name="Pia", last_name="Plain")
    rex = make_user("team_manager", first_name="Rex", last_name="Aaron")
    meeting = at_panel["meeting"]
    meeting.members = [at_panel["meg"], rex]
    db.session.commit()
    sign_in(client, at_panel["qa"])
    new = text(client.get("/moderation/panels/new"))
    members = _offered(new, "members")
    assert members == sorted(members, key=lambda label: label.lower()), members
    names = " | ".join(members)
    # Managers and the QA team, the panel's chair and members; never a plain practitioner.
    for name in ("Aaron, Rex", "North, Nora", "Other, Tom", "Moderator, Mo", "Audit, Quinn"):
        assert name in names, name
    assert "Chair, Cy" in names and "Member, Meg" in names  # they sit on a panel already
    assert "Plain, Pia" not in names and "Ash, Pat" not in names
    # The chair is chosen from the same people.
    chair = new.split('id="chair"', 1)[1].split("</select>", 1)[0]
    assert "Aaron, Rex" in chair and "Plain, Pia" not in chair
    # Rex loses his role and leaves: the new meeting no longer offers him; the meeting he
    # sits on still shows him, ticked, so saving it does not take him off unasked.
    rex.roles = []
    rex.active = False
    db.session.commit()
    again = text(client.get("/moderation/panels/new"))
    assert "Aaron, Rex" not in " ".join(_offered(again, "members"))
    edit = text(client.get(f"/moderation/panels/{meeting.id}/edit"))
    assert "Aaron, Rex" in " ".join(_offered(edit, "members"))
    ticked = re.findall(r'<input[^>]*name="members"[^>]*value="(\d+)"[^>]*checked', edit)
    assert str(rex.id) in ticked, ticked
    assert "Plain, Pia" not in " ".join(_offered(edit, "members"))


def test_a_meeting_without_a_chair_or_date_says_so(client, at_panel):
    sign_in(client, at_panel["qa"])
    result = client.post("/moderation/panels/new", data={"chair": ""})
    page = plain(text(result))
    assert result.status_code == 200
    assert "Select the chair" in page and "Enter the date of the meeting" in page


# -- blindness ---------------------------------------------------------------------------------


def test_a_team_manager_moderating_sees_no_grade_in_their_team_summary_or_my_work(client, at_panel):
    line, audit, tom = at_panel["line"], at_panel["audit"], at_panel["tom"]
    line.moderator_id, line.response_id, line.moderated_at, line.meeting_id = (
        tom.id,
        None,
        None,
        None,
    )
    db.session.commit()
    sign_in(client, tom)
    summary = plain(text(client.get("/case-audits/summary?month=2026-09")))
    assert "Case N-7" in summary
    assert "Kept from you while you moderate this audit" in summary
    assert "Good" not in summary
    assert client.get(f"/case-audits/audits/{audit.id}").status_code == 403
    assert client.get(f"/responses/{audit.response_id}").status_code == 403
    # Once submitted, the grades are shown again.
    line = _line(line.id)
    line.moderated_at = utcnow()
    db.session.commit()
    summary = plain(text(client.get("/case-audits/summary?month=2026-09")))
    assert "Grade Good" in summary


def test_a_service_manager_moderating_sees_the_report_and_workbook_without_the_audit(
    client, at_panel
):
    from io import BytesIO

    from openpyxl import load_workbook

    line, mo = at_panel["line"], at_panel["mo"]
    audit = at_panel["audit"]
    audit.grade_level_id = grade("Inadequate").id
    db.session.commit()
    url = "/case-audits/reports?start=2026-09&end=2026-09"
    sign_in(client, mo)
    seen = plain(text(client.get(url)))
    assert "Case N-7" in seen or audit.reference in seen  # the Inadequate tracker lists it
    line = _line(line.id)
    line.moderated_at = None
    db.session.commit()
    hidden = plain(text(client.get(url)))
    assert audit.reference not in hidden and "Case N-7" not in hidden
    assert "Audits you are moderating are left out until you submit your grades" in hidden
    book = load_workbook(BytesIO(client.get(url.replace("reports", "reports/workbook.xlsx")).data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert audit.reference not in " ".join(str(v) for v in row if v is not None)


def test_the_moderation_sample_keeps_the_grade_from_a_qa_officer_moderating(
    client, at_panel, make_user
):
    line = at_panel["line"]
    quill = make_user("qa_officer", first_name="Quill", last_name="Second")
    line.moderator_id, line.response_id, line.moderated_at = quill.id, None, None
    db.session.commit()
    sign_in(client, quill)
    page = plain(text(client.get("/moderation/months/2026/9")))
    assert "Kept from you while you moderate it" in page


# -- reports count either grade ----------------------------------------------------------------


def test_the_report_counts_grades_as_audited_or_after_moderation(client, at_panel):
    _record_and_confirm(client, at_panel)
    switch(client, at_panel["qa"])
    url = "/case-audits/reports?start=2026-09&end=2026-09"
    audited = plain(text(client.get(url)))
    assert "Grades counted: as audited (the auditor's grade)" in audited
    after = plain(text(client.get(url + "&grades=moderated")))
    assert "Grades counted: after moderation" in after
    from io import BytesIO

    from openpyxl import load_workbook

    for query, said in (("", "as audited"), ("&grades=moderated", "after moderation")):
        book = load_workbook(
            BytesIO(client.get(url.replace("reports", "reports/workbook.xlsx") + query).data)
        )
        cells = [
            [str(v) for v in row if v is not None]
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        ]
        assert ["Filter: Grades counted", said] in cells, said
    from qaweb.case_audits import reports

    period = reports.Period(date(2026, 9, 1), date(2026, 9, 1))
    counts = {g["label"]: g["count"] for g in reports.grades(period)}
    assert counts["Good"] == 1 and counts["Requires improvement"] == 0
    moderated_period = reports.Period(date(2026, 9, 1), date(2026, 9, 1), moderated=True)
    counts = {g["label"]: g["count"] for g in reports.grades(moderated_period)}
    assert counts["Good"] == 0 and counts["Requires improvement"] == 1
    teams = reports.grades_per_team(moderated_period)
    assert teams[0]["team"] == "North" and teams[0]["total"] == 1


def test_the_qa_report_reads_the_panels_learning_points(client, at_panel):
    from qaweb.core.years import Period

    _record_and_confirm(client, at_panel)
    found = panel.summary(Period(date(2026, 7, 1), date(2026, 9, 30)))
    assert found.confirmed == 1 and found.changed_down == 1 and found.changed_up == 0
    assert [(p.reference, p.team, p.text) for p in found.learning_points] == [
        (at_panel["audit"].reference, "North", "Invented: plans need contingency")
    ]
    assert panel.summary(Period(date(2026, 10, 1), date(2026, 12, 31))).confirmed == 0


def test_remedial_actions_raised_from_the_moderation_go_to_the_tracker(client, at_panel):
    import re

    from qaweb.actions.models import Action

    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    page = text(client.get(f"/moderation/lines/{line.id}/actions/new"))
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page).group(1)
    result = client.post(
        f"/moderation/lines/{line.id}/actions/new",
        data={
            "form_key": key,
            "description": "Invented: add a contingency plan",
            "owner": at_panel["pat"].id,
            "due_on": ["30", "10", "2026"],
        },
    )
    assert result.status_code == 302
    action = db.session.scalar(select(Action).where(Action.source_type == "moderation"))
    assert action.source_id == line.id and action.owner_id == at_panel["pat"].id
    shown = plain(text(client.get(f"/moderation/lines/{line.id}")))
    assert "Invented: add a contingency plan: Pat Ash, due 30 October 2026" in shown
    switch(client, at_panel["meg"])
    assert client.get(f"/moderation/lines/{line.id}/actions/new").status_code == 403


# -- timescale ---------------------------------------------------------------------------------


def test_due_in_working_days_skips_bank_holidays_and_in_calendar_days_does_not(at_panel):
    line = at_panel["line"]
    line.audit.completed_on = date(2026, 12, 21)  # a Monday
    db.session.commit()
    # 10 working days: 22, 23, 24 Dec; 25 and 28 Dec (Christmas, Boxing Day substitute) off;
    # 29, 30, 31 Dec; 1 Jan off; 4, 5, 6, 7 Jan.
    assert services.due_on(line) == date(2027, 1, 7)
    set_setting("case_audit_moderation_unit", "calendar_days")
    set_setting("case_audit_days_to_moderate", "14")
    db.session.commit()
    assert services.due_on(line) == date(2027, 1, 4)


def test_the_chair_and_the_moderator_see_due_and_overdue_moderations(client, at_panel):
    line = at_panel["line"]
    sign_in(client, at_panel["cy"])
    home = plain(text(client.get("/")))
    # Completed 10 September 2026: 10 working days, due 24 September; overdue today.
    assert f"Moderation of {at_panel['audit'].reference} (case N-7)" in home
    assert "At the panel of 1 October 2026: to confirm" in home
    assert "Overdue" in home
    line = _line(line.id)
    line.moderated_at, line.meeting_id = None, None
    db.session.commit()
    switch(client, at_panel["mo"])
    home = plain(text(client.get("/")))
    assert "Moderation to grade" in home and "Grade the case blind, then submit" in home
    switch(client, at_panel["meg"])  # not a chair
    assert "Moderation for the panel" not in plain(text(client.get("/")))


def test_panel_meetings_come_a_page_at_a_time_newest_first(app, client, signed_in, monkeypatch):
    """Meetings are never cut off: past a page, the pager leads to the older ones."""
    qa = signed_in("qa_officer")
    for day in range(1, 6):
        db.session.add(PanelMeeting(held_on=date(2026, 3, day), chair_id=qa.id, notes=""))
    db.session.commit()
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    first = plain(text(client.get("/moderation/panels")))
    assert "5 March 2026" in first and "4 March 2026" in first
    assert "3 March 2026" not in first
    assert "Panel meetings, newest first, page 1 of 3" in first
    last = text(client.get("/moderation/panels?page=3"))
    assert "1 March 2026" in last and "2 March 2026" not in last
    assert "govuk-pagination" in last
