"""Each event that sends email, received by the test SMTP server: practice-week meeting
requests (the .ics parsed back), supervision, thematic sign-off, actions, and the daily
reminders with their working-day arithmetic."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from mail_support import calendars_of, text_of
from sqlalchemy import select
from support import sign_in
from test_practice_week import at, book, pw  # noqa: F401 (the fixture)
from test_supervision import council, year  # noqa: F401 (the fixture)

from qaweb.actions import services as actions
from qaweb.complaints import services as complaints
from qaweb.complaints.models import Complaint
from qaweb.core import outbox
from qaweb.core.notify import OutboxMessage
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.notifications import reminders
from qaweb.practice_week import services, sessions
from qaweb.practice_week.models import LearningSession
from qaweb.supervision import services as supervision
from qaweb.thematic import services as thematic


def drain(mail):
    """Send everything queued; return the messages received, then forget them. (A long
    subject is folded onto a second line; read back, it is the same words.)"""
    db.session.commit()
    outbox.send_due()
    got = list(mail.messages)
    mail.messages.clear()
    for _, message in got:
        subject = str(message["Subject"]).strip()
        del message["Subject"]
        message["Subject"] = subject
    return got


def attendees(event) -> list[str]:
    found = event.get("ATTENDEE", [])
    return sorted(str(a) for a in (found if isinstance(found, list) else [found]))


def one_event(message):
    [(method, filename, text)] = calendars_of(message)
    calendar = Calendar.from_ical(text)
    [event] = calendar.walk("VEVENT")
    return method, filename, calendar, event


# -- practice week ------------------------------------------------------------------------------


def test_an_observation_booked_moved_and_cancelled_sends_both_people_meeting_requests(
    mail,
    pw,  # noqa: F811
):
    booking_notes = "Observer only: check the family's Wi-Fi"
    observation = book(pw, pw["helen"], pw["pat"], (10, 0), (11, 0))
    observation.notes = booking_notes
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted([pw["helen"].email, pw["pat"].email])
    for _, message in got:
        assert message["Subject"].startswith("Practice observation booked: 10am to 11am on")
        method, filename, calendar, event = one_event(message)
        assert method == "REQUEST" and str(calendar["METHOD"]) == "REQUEST"
        assert filename == f"observation-{observation.reference}.ics"
        assert int(event["SEQUENCE"]) == 0
        assert attendees(event) == sorted(
            [f"mailto:{pw['helen'].email}", f"mailto:{pw['pat'].email}"]
        )
        assert "Case reference: 123456" in str(event["DESCRIPTION"])
        assert "Helen Case observes Pat Case" in text_of(message)
    uid = str(one_event(got[0][1])[3]["UID"])

    # Moved an hour later: the same UID, a higher SEQUENCE, to both again.
    services.reschedule(
        observation,
        services.Booking(
            observer=pw["helen"],
            practitioner=pw["pat"],
            meeting_type_id=pw["meeting"].id,
            starts_at=at(pw["monday"], 11),
            ends_at=at(pw["monday"], 12),
            place="Family home",
            case_reference="123456",
            family_agreed=True,
            notes=booking_notes,
        ),
        pw["olive"],
    )
    got = drain(mail)
    assert len(got) == 2
    for _, message in got:
        assert message["Subject"].startswith("Practice observation changed: 11am to 12pm on")
        method, _, _, event = one_event(message)
        assert method == "REQUEST" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1

    services.cancel(observation, "Family unwell")
    got = drain(mail)
    assert len(got) == 2
    for _, message in got:
        assert message["Subject"].startswith("Practice observation cancelled")
        method, _, calendar, event = one_event(message)
        assert method == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
        assert str(event["STATUS"]) == "CANCELLED"
    # The observer's notes are in no message and no calendar file.
    for row in db.session.scalars(select(OutboxMessage)):
        assert "Wi-Fi" not in row.body_text + row.body_html + row.attachments


def test_an_observation_offered_without_an_observer_sends_nothing_until_one_is_assigned(
    mail,
    pw,  # noqa: F811
):
    observation = book(pw, None, pw["pia"], (14, 0), (15, 0))
    assert drain(mail) == []
    services.reschedule(
        observation,
        services.Booking(
            observer=pw["harry"],
            practitioner=pw["pia"],
            meeting_type_id=pw["meeting"].id,
            starts_at=observation.starts_at,
            ends_at=observation.ends_at,
            place="Family home",
            case_reference="123456",
            family_agreed=True,
        ),
        pw["olive"],
    )
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted([pw["harry"].email, pw["pia"].email])
    assert all(m["Subject"].startswith("Practice observation booked") for _, m in got)


def test_session_booking_place_freed_and_cancellation(mail, pw):  # noqa: F811
    session = LearningSession(
        week=pw["week"],
        title="Appreciative inquiry",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        place="Chamber",
        capacity=1,
        facilitator=pw["olive"],
    )
    db.session.add(session)
    db.session.commit()
    first = sessions.book(session, pw["pat"])
    sessions.book(session, pw["cal"])  # waiting: no invite yet
    got = drain(mail)
    assert [(r, m["Subject"]) for r, m in got] == [
        ([pw["pat"].email], "You are booked on a learning session: Appreciative inquiry")
    ]
    method, filename, _, event = one_event(got[0][1])
    assert method == "REQUEST" and filename == f"learning-session-{session.id}.ics"
    assert attendees(event) == [f"mailto:{pw['pat'].email}"]

    sessions.cancel_booking(first)
    got = {r[0]: m for r, m in drain(mail)}
    assert got[pw["pat"].email]["Subject"].startswith("Your place on a learning session is")
    assert one_event(got[pw["pat"].email])[0] == "CANCEL"
    assert got[pw["cal"].email]["Subject"] == (
        "A place has come free for you on a learning session: Appreciative inquiry"
    )
    assert one_event(got[pw["cal"].email])[0] == "REQUEST"

    sessions.cancel_session(session, "Presenter ill")
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted([pw["olive"].email, pw["cal"].email])
    for _, message in got:
        method, _, _, event = one_event(message)
        assert method == "CANCEL" and int(event["SEQUENCE"]) == 1


# -- supervision, thematic, actions ------------------------------------------------------------


def test_supervision_allocation_feedback_request_and_completion(mail, council):  # noqa: F811
    due = today_london() + timedelta(days=30)
    audit = supervision.confirm_line(year(), council["amir"], council["bea"], due, council["sarah"])
    [(recipients, message)] = drain(mail)
    assert recipients == [council["amir"].email]
    assert message["Subject"] == (
        f"Supervision audit for you to do: Bea Case, due {due.day} {due:%B %Y}"
    )
    assert f"/supervision/audits/{audit.id}" in text_of(message)

    supervision.start(audit, council["amir"])
    supervision.request_feedback(audit, [council["quinn"], council["queenie"]], due)
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted(
        [council["quinn"].email, council["queenie"].email]
    )
    assert all("Your views on Bea Case's supervision" in m["Subject"] for _, m in got)

    audit.status = supervision.READY_FOR_REFLECTIVE
    supervision.record_reflective(audit, today_london(), "Went well")
    [(recipients, message)] = drain(mail)
    assert recipients == [council["bea"].email]
    assert message["Subject"] == "Your supervision audit is complete"
    assert "Went well" not in text_of(message)


def test_thematic_terms_submitted_to_the_board_and_the_decision_to_the_lead(mail, make_user):
    qa = make_user("qa_officer")
    lead = make_user("practitioner", first_name="Paula")
    board = [make_user("qa_board"), make_user("qa_board")]
    make_user("qa_board", active=False)
    audit = thematic.add_to_plan("Voice of the child", today_london().year, 3, None)
    audit.status = "draft"  # terms being written
    audit.lead = lead
    audit.terms = {
        "title": "Voice of the child",
        "context": "Why",
        "prompted_by": ["core_audits"],
        "sample_method": "random",
        "sample_size": 20,
        "lines": ["Is the child seen alone?"],
        "methodology": ["bespoke_tool"],
        "lead_id": lead.id,
        "start_on": "2027-01-01",
        "fieldwork_end_on": "2027-02-28",
        "report_due_on": "2027-03-31",
    }
    db.session.flush()
    missing = thematic.missing_for_submission(audit.terms)
    assert missing == []
    thematic.submit(audit, qa)
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted(p.email for p in board)
    assert all(m["Subject"] == "Terms of reference to sign off: Voice of the child" for _, m in got)

    thematic.decide(audit, board[0], False, "Add the sample's dates")
    [(recipients, message)] = drain(mail)
    assert recipients == [lead.email]
    assert message["Subject"] == "Terms of reference returned: Voice of the child"


def test_an_action_given_to_someone_tells_them_but_not_one_taken_by_oneself(
    client, mail, make_user, make_action
):
    qa = make_user("qa_officer")
    owner = make_user("practitioner")
    actions.raise_action(
        source_type="qa_board",
        description="x",
        owner=qa,
        due_on=today_london(),
        raised_by=qa,
    )
    assert drain(mail) == []
    sign_in(client, qa)
    response = client.post(
        "/actions/new",
        data={
            "source_type": "qa_board",
            "source_label": "QA Board",
            "description": "Check the plans",
            "owner": owner.id,
            "due_on": ["1", "12", "2030"],
        },
    )
    assert response.status_code == 302
    [(recipients, message)] = drain(mail)
    assert recipients == [owner.email]
    assert message["Subject"].endswith("due 1 December 2030")


# -- reminders -------------------------------------------------------------------------------


@pytest.fixture
def complaint_people(make_user):
    return {
        "officer": make_user("complaints_officer", first_name="Carys"),
        "handler": make_user("team_manager", first_name="Hana"),
        "away": make_user("complaints_officer", active=False),
    }


def log_complaint(received: date, handler, procedure="statutory"):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name="Zebedee Quartermaine",
        complainant_contact="zq.private@example.org, 07700 900123, 4 Acacia Avenue",
        child_reference="CHILD-778",
        summary="Visits missed",
        procedure=procedure,
    )
    complaints.open_complaint(complaint, handler)
    db.session.commit()
    return complaint


def reminded(mail, day):
    """(everyone who got it, subject) for each reminder sent on ``day``."""
    reminders.complaint_reminders(day)
    by_subject: dict[str, list[str]] = {}
    for recipients, message in drain(mail):
        by_subject.setdefault(message["Subject"], []).extend(recipients)
    return [(sorted(people), subject) for subject, people in sorted(by_subject.items())]


def test_complaint_reminders_count_working_days_and_repeat_weekly_when_overdue(
    mail, complaint_people
):
    people = complaint_people
    # Received Monday 2 November 2026: day 1 is Tuesday 3rd, Stage 1 (10 working days) is
    # due Monday 16 November. Reminded 3 working days before (12, 13, 16 left on Wed 11th).
    complaint = log_complaint(date(2026, 11, 2), people["handler"])
    ref = complaint.reference
    both = sorted([people["handler"].email, people["officer"].email])
    assert complaint.stages[0].due_on == date(2026, 11, 16)
    assert reminded(mail, date(2026, 11, 10)) == []
    assert reminded(mail, date(2026, 11, 11)) == [
        (both, f"Due in 3 working days: {ref} Stage 1: local resolution")
    ]
    assert reminded(mail, date(2026, 11, 11)) == []  # the same day again: nothing new
    assert reminded(mail, date(2026, 11, 13)) == []
    assert reminded(mail, date(2026, 11, 16)) == []
    assert reminded(mail, date(2026, 11, 17)) == [
        (both, f"Overdue: {ref} Stage 1: local resolution")
    ]
    assert reminded(mail, date(2026, 11, 18)) == []
    assert reminded(mail, date(2026, 11, 23)) == []
    assert reminded(mail, date(2026, 11, 24)) == [
        (both, f"Overdue: {ref} Stage 1: local resolution")
    ]


def test_complaint_reminders_skip_christmas_bank_holidays(mail, complaint_people):
    # Received Monday 14 December 2026: working days 15-18, 21-24, then 25 December and
    # the Boxing Day substitute (Monday 28th) are bank holidays: due Wednesday 30 December.
    complaint = log_complaint(date(2026, 12, 14), complaint_people["handler"])
    assert complaint.stages[0].due_on == date(2026, 12, 30)
    assert reminded(mail, date(2026, 12, 22)) == []  # 23, 24, 29, 30: four left
    [(people, subject)] = reminded(mail, date(2026, 12, 23))
    assert len(people) == 2  # the handler and the complaints officer
    assert subject == f"Due in 3 working days: {complaint.reference} Stage 1: local resolution"


def test_complaint_reminders_use_the_setting_and_cannot_be_turned_off(mail, complaint_people):
    from qaweb.core.notify import save_preferences

    set_setting("complaint_reminder_days", "5")
    with pytest.raises(ValueError):
        save_preferences(complaint_people["handler"], {"complaint_reminder": "off"}, 8)
    complaint = log_complaint(date(2026, 11, 2), complaint_people["handler"])
    assert reminded(mail, date(2026, 11, 8)) == []  # Sunday: 6 working days left
    [(_, subject)] = reminded(mail, date(2026, 11, 9))
    assert subject == f"Due in 5 working days: {complaint.reference} Stage 1: local resolution"


def test_action_reminders_due_soon_then_overdue_weekly(mail, make_user, make_action):
    owner = make_user("practitioner")
    today = today_london()
    soon = make_action(owner, due_in_days=3)
    make_action(owner, due_in_days=4)
    reminders.action_reminders(today)
    assert [(r, m["Subject"]) for r, m in drain(mail)] == [
        ([owner.email], f"Action due {soon.due_on.day} {soon.due_on:%B %Y}: {soon.reference}")
    ]
    reminders.action_reminders(today)
    assert drain(mail) == []
    due = soon.due_on
    for offset, expected in ((1, 1), (2, 0), (7, 0), (8, 1), (15, 1)):
        reminders.action_reminders(due + timedelta(days=offset))
        got = [m["Subject"] for r, m in drain(mail) if soon.reference in m["Subject"]]
        assert len(got) == expected, offset
        assert all(s.startswith("Overdue action") for s in got)


def test_completed_actions_to_verify_reach_the_qa_team_once_a_day(mail, make_user, make_action):
    qa = [make_user("qa_officer"), make_user("qa_officer")]
    owner = make_user("practitioner", first_name="Ola")
    done = make_action(owner, status="completed", completed_on=today_london())
    reminders.verification_digest(today_london())
    reminders.verification_digest(today_london())
    got = drain(mail)
    assert sorted(r[0] for r, _ in got) == sorted(p.email for p in qa)
    for _, message in got:
        assert message["Subject"] == "1 completed action to verify"
        assert f"{done.reference}, Ola Tester, completed" in text_of(message)


def test_remind_command_queues_and_reports(runner, mail, complaint_people):
    log_complaint(today_london() - timedelta(days=40), complaint_people["handler"])
    result = runner.invoke(args=["notify", "remind"])
    assert result.exit_code == 0, result.output
    assert "complaint stages 2" in result.output
    again = runner.invoke(args=["notify", "remind"])
    assert "complaint stages 0" in again.output
    sent = runner.invoke(args=["notify", "send"])
    assert "Sent 2" in sent.output


def test_no_message_carries_a_complainants_details(mail, complaint_people, make_user):
    """Every message the complaint reminders make, read whole (subject, text, HTML)."""
    log_complaint(date(2026, 11, 2), complaint_people["handler"])
    for day in (date(2026, 11, 11), date(2026, 11, 17)):
        reminders.complaint_reminders(day)
    db.session.commit()
    made = list(db.session.scalars(select(OutboxMessage)))
    assert len(made) == 4
    for row in made:
        whole = row.subject + row.body_text + row.body_html + row.attachments
        for secret in ("Zebedee", "Quartermaine", "zq.private", "07700", "Acacia", "CHILD-778"):
            assert secret not in whole


def test_an_observer_taken_off_gets_the_cancellation_and_the_new_one_the_request(
    mail,
    pw,  # noqa: F811
):
    observation = book(pw, pw["helen"], pw["pat"], (10, 0), (11, 0))
    drain(mail)
    services.reschedule(
        observation,
        services.Booking(
            observer=pw["harry"],
            practitioner=pw["pat"],
            meeting_type_id=pw["meeting"].id,
            starts_at=observation.starts_at,
            ends_at=observation.ends_at,
            place="Family home",
            case_reference="123456",
            family_agreed=True,
        ),
        pw["olive"],
    )
    got = {r[0]: one_event(m)[0] for r, m in drain(mail)}
    assert got == {
        pw["helen"].email: "CANCEL",
        pw["harry"].email: "REQUEST",
        pw["pat"].email: "REQUEST",
    }


def test_the_worker_sends_and_stops(runner, mail, make_user, make_action):
    qa = make_user("qa_officer")
    actions.raise_action(
        source_type="qa_board",
        description="x",
        owner=make_user("practitioner", email="w@council.example"),
        due_on=today_london(),
        raised_by=qa,
    )
    db.session.commit()
    result = runner.invoke(args=["notify", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, to try again 0, failed 0." in result.output, result.stderr
    assert [r for r, _ in mail.messages] == [["w@council.example"]]
