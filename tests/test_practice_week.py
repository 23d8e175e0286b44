import io
import re
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from support import error_summary, field_error, sign_in, text

from qaweb.actions.models import Action
from qaweb.core import grading
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.practice_week import reports, services, sessions
from qaweb.practice_week.models import (
    LearningSession,
    LearningTheme,
    MeetingType,
    Observation,
    PracticeWeek,
    ScheduleImport,
    SessionBooking,
)
from qaweb.tools.models import COMPLETED, Answer
from qaweb.tools.services import load_files

STARTER = Path(__file__).resolve().parents[1] / "qaweb" / "tools" / "starter" / "wokingham"


def next_monday() -> date:
    today = today_london()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def pw(app, make_area, make_team, make_user):
    """An open week next Monday to Friday, organisers, observers and two teams."""
    load_files(
        [STARTER / "practice_observation.yaml", STARTER / "family_feedback.yaml"], publish=True
    )
    area = make_area("Children in Need")
    brambles = make_team("Brambles", area=area)
    conifers = make_team("Conifers", area=make_area("Early Help"))
    people = {}

    def person(key, *roles, team=brambles, manager=None):
        people[key] = make_user(
            *roles, team=team, first_name=key.capitalize(), last_name="Case", line_manager=manager
        )
        return people[key]

    person("olive", "organiser")
    person("helen", "observer")
    person("harry", "observer")
    tm = person("tara", "team_manager")
    person("pat", "practitioner", manager=tm)
    person("pia", "practitioner", manager=tm)
    person("cal", "practitioner", team=conifers)
    person("ctm", "team_manager", team=conifers)
    monday = next_monday()
    week = PracticeWeek(
        theme="Voice of the child",
        starts_on=monday,
        ends_on=monday + timedelta(days=4),
        status="open",
        target_roles=["observer"],
    )
    db.session.add(week)
    db.session.commit()
    people["week"] = week
    people["monday"] = monday
    people["meeting"] = db.session.scalar(
        select(MeetingType).where(MeetingType.name == "Core group meeting")
    )
    return people


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return services.at_london(day, time(hour, minute))


def book(pw, observer, practitioner, start, end, day=None, reason="", week=None):
    day = day or pw["monday"]
    return services.schedule(
        week or pw["week"],
        services.Booking(
            observer=observer,
            practitioner=practitioner,
            meeting_type_id=pw["meeting"].id,
            starts_at=at(day, *start),
            ends_at=at(day, *end),
            place="Family home",
            case_reference="123456",
            family_agreed=True,
        ),
        pw["olive"],
        reason,
    )


def slot(pw, observer, practitioner, start, end, day=None):
    day = day or pw["monday"]
    return services.Slot(pw["week"], observer, practitioner, at(day, *start), at(day, *end))


# -- clash rules, one by one --------------------------------------------------------------------


def test_an_observer_booked_at_an_overlapping_time_is_a_hard_clash(pw):
    first = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    found = services.clashes(slot(pw, pw["helen"], pw["pia"], (10, 30), (12, 0)))
    assert [c.hard for c in found] == [True]
    assert "Helen Case is already observing Pat Case" in found[0].message
    assert first.reference in found[0].message
    with pytest.raises(services.ClashRefused):
        book(pw, pw["helen"], pw["pia"], (10, 30), (12, 0), reason="I really want to")


def test_a_practitioner_booked_at_an_overlapping_time_is_a_hard_clash(pw):
    book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    found = services.clashes(slot(pw, pw["harry"], pw["pat"], (9, 0), (9, 45), pw["monday"]))
    hard = [c for c in found if c.hard]
    assert len(hard) == 1 and "Pat Case is already being observed by Helen Case" in hard[0].message


def test_touching_edges_do_not_clash(pw):
    book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    assert services.clashes(slot(pw, pw["helen"], pw["pia"], (10, 0), (11, 0))) == []
    assert services.clashes(slot(pw, pw["helen"], pw["pia"], (8, 0), (9, 0))) == []


def test_a_cancelled_observation_frees_the_time(pw):
    first = book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    services.cancel(first, "Family moved the meeting")
    assert services.clashes(slot(pw, pw["helen"], pw["pia"], (9, 0), (10, 0))) == []


def test_a_learning_session_the_person_is_booked_on_or_facilitates_is_a_hard_clash(pw):
    monday = pw["monday"]
    session = LearningSession(
        week=pw["week"],
        title="Appreciative inquiry",
        starts_at=at(monday, 13),
        ends_at=at(monday, 14),
        place="Chamber",
        capacity=10,
    )
    led = LearningSession(
        week=pw["week"],
        title="Live learning",
        starts_at=at(monday, 15),
        ends_at=at(monday, 16),
        place="Chamber",
        capacity=10,
        facilitator_id=pw["harry"].id,
    )
    db.session.add_all([session, led])
    db.session.flush()
    sessions.book(session, pw["pat"])
    found = services.clashes(slot(pw, pw["helen"], pw["pat"], (13, 30), (14, 30)))
    assert any(c.hard and "Pat Case is booked on the learning session" in c.message for c in found)
    found = services.clashes(slot(pw, pw["harry"], pw["pia"], (15, 30), (16, 30)))
    assert any(c.hard and "Harry Case is facilitating" in c.message for c in found)


def test_a_practitioner_observed_more_than_the_week_allows_needs_a_reason(pw):
    book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    found = services.clashes(
        slot(pw, pw["harry"], pw["pat"], (9, 0), (10, 0), pw["monday"] + timedelta(days=1))
    )
    assert [(c.hard, c.message) for c in found] == [
        (False, "Pat Case is already observed once this week (the week allows 1)")
    ]
    with pytest.raises(services.ClashRefused) as refused:
        book(pw, pw["harry"], pw["pat"], (9, 0), (10, 0), pw["monday"] + timedelta(days=1))
    assert "Give a reason" in str(refused.value)
    second = book(
        pw,
        pw["harry"],
        pw["pat"],
        (9, 0),
        (10, 0),
        pw["monday"] + timedelta(days=1),
        reason="Pat asked for a second observation",
    )
    assert second.override_reason == "Pat asked for a second observation"


def test_inactive_people_and_observing_yourself_are_refused(pw):
    pw["harry"].active = False
    found = services.clashes(slot(pw, pw["harry"], pw["pat"], (9, 0), (10, 0)))
    assert [c.message for c in found if c.hard] == [
        "Harry Case has left: their account is deactivated"
    ]
    found = services.clashes(slot(pw, pw["pat"], pw["pat"], (9, 0), (10, 0)))
    assert found[0].message == "The observer and the practitioner must be different people"


def test_a_clash_is_shown_in_place_and_a_double_booking_refused_on_the_page(client, pw):
    book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    sign_in(client, pw["olive"])
    monday = pw["monday"]
    form = {
        "observer_id": str(pw["helen"].id),
        "practitioner_id": str(pw["pia"].id),
        "meeting_type_id": str(pw["meeting"].id),
        "day": [str(monday.day), str(monday.month), str(monday.year)],
        "starts": "10am",
        "ends": "11:30am",
        "place": "Family hub",
        "case_reference": "654321",
        "family_agreed": "yes",
    }
    week_id = pw["week"].id
    fragment = client.post(
        f"/practice-weeks/{week_id}/observations/check", data=form, headers={"HX-Request": "true"}
    )
    text = fragment.get_data(as_text=True)
    assert "<html" not in text
    assert "This cannot be booked" in text and "Helen Case is already observing Pat Case" in text
    page = client.post(f"/practice-weeks/{week_id}/observations/new", data=form)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "There is a problem" in body and "This cannot be booked" in body
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 1
    form["starts"], form["ends"] = "11am", "12pm"  # touching, not overlapping
    assert "No clashes" in client.post(
        f"/practice-weeks/{week_id}/observations/check", data=form
    ).get_data(as_text=True)
    saved = client.post(f"/practice-weeks/{week_id}/observations/new", data=form)
    assert saved.status_code == 302
    made = db.session.scalar(select(Observation).where(Observation.practitioner_id == pw["pia"].id))
    assert made.status == "scheduled" and made.case_reference == "654321"


def test_the_form_refuses_a_name_as_the_case_reference_and_bad_times(client, pw):
    sign_in(client, pw["olive"])
    monday = pw["monday"]
    page = client.post(
        f"/practice-weeks/{pw['week'].id}/observations/new",
        data={
            "observer_id": str(pw["helen"].id),
            "practitioner_id": str(pw["pia"].id),
            "meeting_type_id": str(pw["meeting"].id),
            "day": [str(monday.day), str(monday.month), str(monday.year)],
            "starts": "2pm",
            "ends": "half past one",
            "place": "",
            "case_reference": "Jayden Smith",
            "family_agreed": "yes",
        },
    )
    body = page.get_data(as_text=True)
    assert "never the child&#39;s name" in body or "never the child's name" in body
    assert "End time must be a time, like 9:30am or 14:00" in body
    assert "Enter where the meeting is, or tick virtual meeting" in body
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0


# -- calendar invites --------------------------------------------------------------------------


def _event(body: bytes):
    calendar = Calendar.from_ical(body)
    events = [c for c in calendar.walk("VEVENT")]
    return calendar, events


def test_the_invite_is_a_real_icalendar_event_in_london_time(client, pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["helen"])
    response = client.get(f"/practice-weeks/observations/{observation.id}/invite.ics")
    assert response.mimetype == "text/calendar"
    calendar, (event,) = _event(response.data)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/London"
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/London"
    assert (start.hour, start.minute) == (9, 30)
    assert event.decoded("DTEND") - start == timedelta(minutes=90)
    assert event["SEQUENCE"] == 0
    assert event["LOCATION"] == "Family home"
    assert "Case reference: 123456" in event["DESCRIPTION"]
    assert {str(a) for a in event["ATTENDEE"]} == {
        f"mailto:{pw['helen'].email}",
        f"mailto:{pw['pat'].email}",
    }


def test_a_summer_invite_is_an_hour_ahead_of_utc():
    # 9:30 on a June morning in London is 8:30 UTC (British Summer Time).
    moment = services.at_london(date(2027, 6, 14), time(9, 30))
    assert moment.astimezone(UTC).hour == 8


def test_rescheduling_bumps_the_sequence_and_cancelling_sends_a_cancellation(client, pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["olive"])
    monday = pw["monday"] + timedelta(days=1)
    moved = client.post(
        f"/practice-weeks/observations/{observation.id}/edit",
        data={
            "version": str(observation.version),
            "observer_id": str(pw["helen"].id),
            "practitioner_id": str(pw["pat"].id),
            "meeting_type_id": str(pw["meeting"].id),
            "day": [str(monday.day), str(monday.month), str(monday.year)],
            "starts": "2pm",
            "ends": "3pm",
            "place": "Family home",
            "case_reference": "123456",
            "family_agreed": "yes",
        },
    )
    assert moved.status_code == 302
    _, (event,) = _event(
        client.get(f"/practice-weeks/observations/{observation.id}/invite.ics").data
    )
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART").hour == 14
    cancelled = client.post(
        f"/practice-weeks/observations/{observation.id}/cancel",
        data={
            "version": str(db.session.get(Observation, observation.id).version),
            "reason": "The family moved the meeting",
        },
    )
    assert cancelled.status_code == 302
    calendar, (event,) = _event(
        client.get(f"/practice-weeks/observations/{observation.id}/invite.ics").data
    )
    assert str(calendar["METHOD"]) == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2
    assert event["UID"] == f"observation-{observation.id}@qaweb.local"


def test_a_persons_week_is_one_feed_with_observations_and_sessions(client, pw):
    book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    book(pw, pw["helen"], pw["cal"], (14, 0), (15, 0), pw["monday"] + timedelta(days=2))
    session = LearningSession(
        week=pw["week"],
        title="Appreciative inquiry",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        place="Chamber",
        capacity=5,
    )
    db.session.add(session)
    db.session.flush()
    sessions.book(session, pw["helen"])
    db.session.commit()
    sign_in(client, pw["helen"])
    calendar, events = _event(client.get(f"/practice-weeks/{pw['week'].id}/calendar.ics").data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert sorted(str(e["SUMMARY"]) for e in events) == [
        "Practice Week learning session: Appreciative inquiry",
        "Practice observation: Core group meeting with Cal Case",
        "Practice observation: Core group meeting with Pat Case",
    ]
    # Someone else's week is for organisers only.
    other = client.get(f"/practice-weeks/{pw['week'].id}/calendar.ics?person={pw['pat'].id}")
    assert other.status_code == 403


# -- learning sessions and the waiting list ------------------------------------------------------


def test_a_full_session_has_a_waiting_list_that_moves_up_on_a_cancellation(client, pw, make_user):
    session = LearningSession(
        week=pw["week"],
        title="Appreciative inquiry",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        place="Chamber",
        capacity=2,
    )
    db.session.add(session)
    db.session.commit()
    people = [pw["pat"], pw["pia"], pw["cal"], pw["tara"]]
    for person in people[:2]:
        assert sessions.book(session, person).status == "booked"
    assert sessions.book(session, people[2]).status == "waiting"
    last = sessions.book(session, people[3])
    assert sessions.waiting_position(last) == 2
    db.session.commit()

    sign_in(client, pw["pia"])
    fragment = client.post(
        f"/practice-weeks/sessions/{session.id}/leave", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "<html" not in fragment and "Your place is cancelled" in fragment
    statuses = dict(
        db.session.execute(
            select(SessionBooking.user_id, SessionBooking.status).where(
                SessionBooking.session_id == session.id, SessionBooking.status != "cancelled"
            )
        ).all()
    )
    assert statuses == {pw["pat"].id: "booked", pw["cal"].id: "booked", pw["tara"].id: "waiting"}
    again = client.post(
        f"/practice-weeks/sessions/{session.id}/book", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "you are number 2 on the waiting list" in again
    twice = client.post(
        f"/practice-weeks/sessions/{session.id}/book", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "You already have a place on this session." in twice


def test_booking_a_session_at_the_time_you_are_observing_is_refused(pw):
    book(pw, pw["helen"], pw["pat"], (12, 0), (13, 0))
    session = LearningSession(
        week=pw["week"],
        title="Appreciative inquiry",
        starts_at=at(pw["monday"], 12, 30),
        ends_at=at(pw["monday"], 13, 30),
        place="Chamber",
        capacity=5,
    )
    db.session.add(session)
    db.session.flush()
    with pytest.raises(services.PracticeWeekError, match="You are observing"):
        sessions.book(session, pw["helen"])


def test_growing_a_session_gives_the_new_places_to_people_waiting(client, pw):
    session = LearningSession(
        week=pw["week"],
        title="AI",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        place="Chamber",
        capacity=1,
    )
    db.session.add(session)
    db.session.flush()
    sessions.book(session, pw["pat"])
    waiting = sessions.book(session, pw["pia"])
    db.session.commit()
    sign_in(client, pw["olive"])
    monday = pw["monday"]
    response = client.post(
        f"/practice-weeks/sessions/{session.id}/edit",
        data={
            "version": str(session.version),
            "title": "AI",
            "day": [str(monday.day), str(monday.month), str(monday.year)],
            "starts": "12pm",
            "ends": "1pm",
            "place": "Chamber",
            "capacity": "2",
        },
    )
    assert response.status_code == 302
    assert db.session.get(SessionBooking, waiting.id).status == "booked"


# -- importing a schedule --------------------------------------------------------------------


def _schedule_file(rows) -> bytes:
    book_ = Workbook()
    sheet = book_.active
    sheet.append(
        [
            "Observer email",
            "Practitioner email",
            "Meeting type",
            "Date",
            "Start time",
            "End time",
            "Place",
            "Virtual",
            "Case reference",
            "Family agreed",
            "Notes",
            "Reason for overriding a clash",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book_.save(out)
    return out.getvalue()


def test_an_import_reports_every_row_and_saves_nothing_until_all_are_right(client, pw):
    monday = pw["monday"]
    h, p, c, a = (pw[k].email for k in ("helen", "pat", "cal", "harry"))
    rows = [
        [
            h,
            p,
            "Core group meeting",
            monday,
            time(9, 30),
            time(11),
            "Family home",
            "No",
            "111111",
            "Yes",
            "",
            "",
        ],
        [
            "nobody@council.example",
            c,
            "Core group meeting",
            monday,
            "9:30am",
            "11am",
            "Hub",
            "No",
            "222222",
            "Yes",
            "",
            "",
        ],
        [
            h,
            c,
            "Core group meeting",
            monday,
            "10am",
            "10:30am",
            "Hub",
            "No",
            "333333",
            "Yes",
            "",
            "",
        ],
        [a, c, "Tea party", monday, "2pm", "1pm", "", "No", "Jo Bloggs", "Maybe", "", ""],
        [
            a,
            p,
            "Home visit",
            monday + timedelta(days=1),
            "2pm",
            "3pm",
            "Home",
            "No",
            "444444",
            "Yes",
            "",
            "",
        ],
    ]
    sign_in(client, pw["olive"])
    response = client.post(
        f"/practice-weeks/{pw['week'].id}/import",
        data={"upload": (io.BytesIO(_schedule_file(rows)), "schedule.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing has been imported: 4 rows have problems" in preview
    assert "No one in qaweb has the email nobody@council.example" in preview
    assert "Helen Case is also booked on row 2 of this file" in preview
    assert "“Tea party” is not a meeting type" in preview
    assert "The end time must be after the start time" in preview
    assert "The case reference must be the case number, never a name" in preview
    assert "Family agreed must be Yes or No" in preview
    assert "Pat Case is already observed once this week" in preview  # row 6, no reason
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 0

    rows = [rows[0], rows[4]]
    rows[1][-1] = "Pat asked to be observed twice"
    response = client.post(
        f"/practice-weeks/{pw['week'].id}/import",
        data={"upload": (io.BytesIO(_schedule_file(rows)), "schedule.xlsx")},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    assert "All 2 rows can be booked" in client.get(preview_url).get_data(as_text=True)
    assert client.post(preview_url).status_code == 302
    made = list(db.session.scalars(select(Observation).order_by(Observation.starts_at)))
    assert [(o.observer.name, o.practitioner.name) for o in made] == [
        ("Helen Case", "Pat Case"),
        ("Harry Case", "Pat Case"),
    ]
    assert made[1].override_reason == "Pat asked to be observed twice"
    again = client.post(preview_url)
    assert "already been imported" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Observation)) == 2


def test_an_unreadable_file_is_refused_with_a_message(client, pw):
    sign_in(client, pw["olive"])
    response = client.post(
        f"/practice-weeks/{pw['week'].id}/import",
        data={"upload": (io.BytesIO(b"not a spreadsheet"), "schedule.xlsx")},
        content_type="multipart/form-data",
    )
    assert "The file could not be read" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ScheduleImport)) == 0


def test_a_schedule_of_its_header_row_alone_is_refused_on_the_upload_page(client, pw):
    """The template uploaded as downloaded was previewed as "All 0 rows can be booked" with a
    button to import 0 observations."""
    sign_in(client, pw["olive"])
    url = f"/practice-weeks/{pw['week'].id}/import"
    template = client.get("/practice-weeks/import-template.xlsx").data
    for data in (_schedule_file([]), _schedule_file([[""] * 12]), template):
        response = client.post(
            url,
            data={"upload": (io.BytesIO(data), "schedule.xlsx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, "answered on the upload page, not a preview"
        page = text(response)
        message = (
            "The file has no rows under its header row. Add the rows and upload the file again"
        )
        assert message in error_summary(page)
        assert message in field_error(page, "upload")
        assert "0 rows" not in page
        assert not re.search(r"<button[^>]*>\s*Import 0 observations\s*</button>", page)
    assert db.session.scalar(select(func.count()).select_from(ScheduleImport)) == 0


# -- recording, and who reads the record ---------------------------------------------------------


def _answer(response, section, question, text=None, grade=None):
    db.session.add(
        Answer(
            response_id=response.id,
            section_key=section,
            question_key=question,
            value_text=text,
            grade_level_id=grade,
        )
    )


def _finish(response):
    response.status = COMPLETED
    response.completed_at = datetime.now(UTC)


def test_the_observer_records_then_practitioner_and_manager_read_it(client, pw, make_user):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    url = f"/practice-weeks/observations/{observation.id}"
    sign_in(client, pw["helen"])
    refused = client.post(f"{url}/complete", data={"version": str(observation.version)})
    assert refused.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Before completing, complete the observation form" in page

    started = client.post(f"{url}/start")
    observation = db.session.get(Observation, observation.id)
    assert started.headers["Location"].endswith(f"/responses/{observation.response_id}")
    assert observation.response.tool_version.tool.kind == "practice_observation"
    client.post(
        f"{url}/feedback",
        data={
            "version": str(observation.version),
            "family_feedback": "given",
            "child_feedback": "not_appropriate",
        },
    )
    observation = db.session.get(Observation, observation.id)
    assert observation.family_response.tool_version.tool.kind == "family_feedback"
    assert observation.child_response is None
    reflections = client.post(
        f"{url}/reflections",
        data={
            "version": str(observation.version),
            "reflections": "Would slow the pace next time",
            "themes": [str(t.id) for t in db.session.scalars(select(LearningTheme).limit(2))],
        },
    )
    assert reflections.status_code == 302
    observation = db.session.get(Observation, observation.id)
    assert len(observation.themes) == 2

    # The practitioner cannot read a record still being written.
    other = client.application.test_client()
    sign_in(other, pw["pat"])
    assert "Would slow the pace" not in other.get(url).get_data(as_text=True)
    assert other.get(f"/responses/{observation.response_id}").status_code == 403

    _finish(observation.response)
    _finish(observation.family_response)
    db.session.commit()
    done = client.post(f"{url}/complete", data={"version": str(observation.version)})
    assert done.status_code == 302
    assert db.session.get(Observation, observation.id).status == "completed"

    assert "Would slow the pace" in other.get(url).get_data(as_text=True)
    assert other.get(f"/responses/{observation.response_id}").status_code == 200
    manager = client.application.test_client()
    sign_in(manager, pw["tara"])  # Pat's line manager and team manager
    assert manager.get(f"/responses/{observation.response_id}").status_code == 200
    stranger = client.application.test_client()
    sign_in(stranger, pw["pia"])  # a practitioner in the same team
    assert stranger.get(url).status_code == 403
    assert stranger.get(f"/responses/{observation.response_id}").status_code == 403
    elsewhere = client.application.test_client()
    sign_in(elsewhere, pw["ctm"])  # a team manager of another team
    assert elsewhere.get(url).status_code == 403


def test_a_stale_save_of_the_reflections_is_refused(client, pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    old = observation.version
    services.save_reflections(observation, "First thoughts", [])
    db.session.commit()
    sign_in(client, pw["helen"])
    page = client.post(
        f"/practice-weeks/observations/{observation.id}/reflections",
        data={"version": str(old), "reflections": "Overwrite"},
    )
    body = page.get_data(as_text=True)
    assert "Your changes have not been saved" in body and "Overwrite</textarea>" in body
    assert "First thoughts" in body  # what was saved meanwhile, beside the form
    assert db.session.get(Observation, observation.id).reflections == "First thoughts"


def test_did_not_take_place_needs_a_reason(client, pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["helen"])
    url = f"/practice-weeks/observations/{observation.id}/not-held"
    page = client.post(url, data={"version": str(observation.version), "reason": "other"})
    assert "Say why the observation did not take place" in page.get_data(as_text=True)
    ok = client.post(url, data={"version": str(observation.version), "reason": "family_cancelled"})
    assert ok.status_code == 302
    assert db.session.get(Observation, observation.id).status == "not_held"


def test_a_team_manager_offers_a_meeting_and_the_organiser_assigns_an_observer(client, pw):
    sign_in(client, pw["tara"])
    monday = pw["monday"]
    form = {
        "practitioner_id": str(pw["pia"].id),
        "meeting_type_id": str(pw["meeting"].id),
        "day": [str(monday.day), str(monday.month), str(monday.year)],
        "starts": "10am",
        "ends": "11am",
        "place": "Hub",
        "case_reference": "777777",
        "family_agreed": "yes",
    }
    # Only their own team's practitioners can be offered.
    assert (
        client.post(
            f"/practice-weeks/{pw['week'].id}/offer",
            data={**form, "practitioner_id": str(pw["cal"].id)},
        ).status_code
        == 403
    )
    assert client.post(f"/practice-weeks/{pw['week'].id}/offer", data=form).status_code == 302
    offered = db.session.scalar(select(Observation))
    assert offered.status == "requested" and offered.observer_id is None
    client = client.application.test_client()
    sign_in(client, pw["olive"])
    board = client.get(f"/practice-weeks/{pw['week'].id}/board").get_data(as_text=True)
    assert "Assign an observer" in board and "Pia Case" in board
    assigned = client.post(
        f"/practice-weeks/observations/{offered.id}/edit",
        data={**form, "observer_id": str(pw["helen"].id), "version": str(offered.version)},
    )
    assert assigned.status_code == 302
    offered = db.session.get(Observation, offered.id)
    assert offered.status == "scheduled" and offered.observer_id == pw["helen"].id


# -- reports against hand counts ----------------------------------------------------------------


def _complete(pw, observation, grade_label, family_answers=None, themes=()):
    services.start_record(observation, pw["helen"])
    levels = {level.label: level.id for level in grading.levels()}
    _answer(observation.response, "overall", "overall_grade", grade=levels[grade_label])
    _finish(observation.response)
    if family_answers is None:
        services.set_feedback(observation, "family", "declined", pw["helen"])
    else:
        services.set_feedback(observation, "family", "given", pw["helen"])
        for key, text in family_answers.items():
            _answer(observation.family_response, "the_meeting", key, text=text)
        _finish(observation.family_response)
    services.set_feedback(observation, "child", "not_appropriate", pw["helen"])
    observation.themes = list(themes)
    observation.reflections = "Reflections"
    db.session.flush()
    services.complete(observation)


def test_the_weeks_report_matches_a_hand_count(client, pw):
    monday = pw["monday"]
    themes = list(db.session.scalars(select(LearningTheme).order_by(LearningTheme.name).limit(2)))
    first = book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    second = book(pw, pw["helen"], pw["pia"], (11, 0), (12, 0))
    third = book(pw, pw["harry"], pw["cal"], (9, 0), (10, 0))
    fourth = book(pw, pw["harry"], pw["tara"], (11, 0), (12, 0))
    _complete(pw, first, "Good", {"understood_outcome": "Yes"}, themes)
    _complete(pw, second, "Good", {"understood_outcome": "No"}, themes[:1])
    _complete(pw, third, "Requires improvement")
    services.did_not_take_place(fourth, "family_cancelled", "")
    db.session.add(
        Action(
            source_type="observation",
            source_id=first.id,
            source_label=first.reference,
            description="Share the plan",
            owner=pw["pat"],
            team_id=pw["pat"].team_id,
            due_on=monday + timedelta(days=30),
            status="open",
        )
    )
    # An earlier week to compare with: one observation, completed.
    before = PracticeWeek(
        theme="Working with fathers",
        starts_on=monday - timedelta(weeks=26),
        ends_on=monday - timedelta(weeks=26) + timedelta(days=4),
        status="open",
    )
    db.session.add(before)
    db.session.flush()
    earlier = book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0), before.starts_on, week=before)
    _complete(pw, earlier, "Outstanding")
    db.session.commit()

    figures = reports.figures(pw["week"])
    assert figures.planned == 4 and figures.completed == 3
    assert figures.completion_rate == 75.0
    assert figures.family_given_rate == 66.7
    assert figures.good_or_better == 66.7
    assert figures.actions == reports.ActionCounts(raised=1, done=0, overdue=0)
    assert reports.themes_ranked(pw["week"]) == [(themes[0].name, 2), (themes[1].name, 1)]
    family = reports.feedback_summary(pw["week"], "family")
    outcome = next(f for f in family if f.question.startswith("Do you understand the outcome"))
    # In the scale's order, with the answer nobody gave shown as 0.
    assert [(s.label, s.count, s.percent) for s in outcome.shares] == [
        ("Yes", 1, 50.0),
        ("Partly", 0, 0.0),
        ("No", 1, 50.0),
    ]
    progress = reports.observers(pw["week"])
    assert (progress.expected, progress.met) == (2, 2)

    sign_in(client, pw["olive"])
    page = client.get(f"/practice-weeks/{pw['week'].id}/report").get_data(as_text=True)
    assert "75.0%" in page and "Working with fathers" in page
    workbook_bytes = client.get(f"/practice-weeks/{pw['week'].id}/report.xlsx").data
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    assert workbook.sheetnames[:5] == [
        "About",
        "Key figures",
        "Coverage",
        "Grades",
        "Learning themes",
    ]
    key = {
        row[0]: row[1:] for row in workbook["Key figures"].iter_rows(min_row=2, values_only=True)
    }
    assert key["Completion rate (%)"] == (75.0, 100.0)
    assert key["Completed"] == (3, 1)
    grades = {r[0]: r[1] for r in workbook["Grades"].iter_rows(min_row=2, values_only=True)}
    assert grades["Good"] == 2 and grades["Requires improvement"] == 1
    with zipfile.ZipFile(io.BytesIO(workbook_bytes)) as archive:
        assert any(name.startswith("xl/charts/chart") for name in archive.namelist())

    records = load_workbook(
        io.BytesIO(client.get(f"/practice-weeks/{pw['week'].id}/records.xlsx").data)
    ).active
    rows = list(records.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    by_ref = {r[0]: r for r in rows}
    assert by_ref[first.reference][8] == "Good" and by_ref[first.reference][13] == 1
    assert by_ref[fourth.reference][7] == "The family cancelled"

    coverage = client.get(f"/practice-weeks/{pw['week'].id}/coverage").get_data(as_text=True)
    assert "Brambles" in coverage and "Conifers" in coverage
    assert "<strong>2 of 2</strong> have" in coverage


def test_the_schedule_export_has_the_filtered_rows(client, pw):
    book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    book(pw, pw["harry"], pw["cal"], (9, 0), (10, 0))
    db.session.commit()
    sign_in(client, pw["olive"])
    team = pw["cal"].team_id
    sheet = load_workbook(
        io.BytesIO(client.get(f"/practice-weeks/{pw['week'].id}/schedule.xlsx?team={team}").data)
    ).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[4]) for r in rows] == [("Harry Case", "Cal Case")]
    assert isinstance(rows[0][1], datetime) and rows[0][1].hour == 9


# -- weeks, materials and lists ------------------------------------------------------------


def test_setting_up_a_week_checks_the_dates_and_opens_it(client, pw):
    sign_in(client, pw["olive"])
    page = client.get("/practice-weeks/new").get_data(as_text=True)
    assert "Observation of practice (version 1)" in page
    data = {
        "theme": "Neglect",
        "starts_on": ["8", "3", "2027"],
        "ends_on": ["5", "3", "2027"],
        "observation_tool_id": "",
        "target_per_observer": "1",
        "max_per_practitioner": "1",
    }
    refused = client.post("/practice-weeks/new", data=data).get_data(as_text=True)
    assert "The last day must be the same as or after the first day" in refused
    assert "Select the observation tool" in refused
    from qaweb.tools.services import current_version

    data.update(
        ends_on=["12", "3", "2027"],
        observation_tool_id=str(current_version("practice_observation").id),
        family_tool_id=str(current_version("family_feedback").id),
        target_roles=["service_manager", "team_manager"],
    )
    assert client.post("/practice-weeks/new", data=data).status_code == 302
    week = db.session.scalar(select(PracticeWeek).where(PracticeWeek.theme == "Neglect"))
    assert week.status == "planning" and week.target_roles == ["service_manager", "team_manager"]
    # A practitioner does not see a week still being planned.
    other = client.application.test_client()
    sign_in(other, pw["pat"])
    assert other.get(f"/practice-weeks/{week.id}").status_code == 403
    client.post(f"/practice-weeks/{week.id}/status", data={"to": "open", "version": "1"})
    assert db.session.get(PracticeWeek, week.id).status == "open"
    assert other.get(f"/practice-weeks/{week.id}").status_code == 200


def test_learning_materials_upload_download_and_withdraw(client, pw):
    sign_in(client, pw["olive"])
    week_id = pw["week"].id
    bad = client.post(
        f"/practice-weeks/{week_id}/materials",
        data={"title": "Pack", "url": "ftp://x"},
        follow_redirects=True,
    )
    assert "Enter a web address starting with https://" in bad.get_data(as_text=True)
    client.post(
        f"/practice-weeks/{week_id}/materials",
        data={"title": "Learning pack", "upload": (io.BytesIO(b"%PDF-1.4 pack"), "pack.pdf")},
        content_type="multipart/form-data",
    )
    reader = client.application.test_client()
    sign_in(reader, pw["pat"])
    page = reader.get(f"/practice-weeks/{week_id}").get_data(as_text=True)
    assert "Learning pack" in page and "pack.pdf" in page
    from qaweb.practice_week.models import LearningMaterial

    material = db.session.scalar(select(LearningMaterial))
    download = reader.get(f"/practice-weeks/materials/{material.id}/download")
    assert download.data == b"%PDF-1.4 pack"
    assert reader.post(f"/practice-weeks/materials/{material.id}/withdraw").status_code == 403
    client.post(f"/practice-weeks/materials/{material.id}/withdraw")
    assert "Learning pack" not in reader.get(f"/practice-weeks/{week_id}").get_data(as_text=True)


def test_the_council_keeps_its_meeting_types(client, pw):
    sign_in(client, pw["olive"])
    added = client.post(
        "/practice-weeks/settings",
        data={"what": "add", "list": "meeting_type", "meeting_type-name": "Strategy meeting"},
    )
    assert added.status_code == 302
    again = client.post(
        "/practice-weeks/settings",
        data={"what": "add", "list": "meeting_type", "meeting_type-name": "strategy MEETING"},
    )
    assert "There is already a meeting type called strategy MEETING" in again.get_data(as_text=True)


def test_my_work_shows_the_observers_observations_and_the_organisers_requests(client, pw):
    book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["helen"])
    assert "Observe Pat Case: Core group meeting" in client.get("/").get_data(as_text=True)
    client = client.application.test_client()
    sign_in(client, pw["pat"])
    assert "Helen Case observes your core group meeting" in client.get("/").get_data(as_text=True)


def test_practice_week_pages_issue_the_same_statements_for_few_or_many_observations(
    client, pw, make_user
):
    from test_queries import statements_for

    sign_in(client, pw["olive"])
    week_id = pw["week"].id
    urls = [
        "/practice-weeks/",
        f"/practice-weeks/{week_id}",
        f"/practice-weeks/{week_id}/board",
        f"/practice-weeks/{week_id}/coverage",
        f"/practice-weeks/{week_id}/report",
        f"/practice-weeks/{week_id}/schedule.xlsx",
        f"/practice-weeks/{week_id}/records.xlsx",
        f"/practice-weeks/{week_id}/calendar.ics?person={pw['helen'].id}",
    ]

    def add(count, offset):
        for n in range(count):
            day = pw["monday"] + timedelta(days=n % 5)
            observer = make_user("observer")
            observation = book(
                pw, observer, make_user(), (8 + (n // 5) % 9, 0), (8 + (n // 5) % 9, 30), day
            )
            if n % 2:
                _complete(pw, observation, "Good", {"understood_outcome": "Yes"})
        db.session.commit()

    add(3, 0)
    few = {url: statements_for(client, url) for url in urls}
    add(30, 3)
    many = {url: statements_for(client, url) for url in urls}
    assert many == few
    assert max(many.values()) <= 30


# -- found in review ------------------------------------------------------------------------


def test_notes_for_the_observer_stay_out_of_the_practitioners_invite(client, pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    observation.notes = "Dad can be hostile: meet the practitioner outside first"
    db.session.commit()
    url = f"/practice-weeks/observations/{observation.id}/invite.ics"
    sign_in(client, pw["pat"])
    _, (event,) = _event(client.get(url).data)
    assert "hostile" not in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:practice-week@demo-council.example"
    # The observer's own download goes to the practitioner too: no notes in it either.
    observer = client.application.test_client()
    sign_in(observer, pw["helen"])
    _, (event,) = _event(observer.get(url).data)
    assert "hostile" not in str(event["DESCRIPTION"])


def test_someone_booked_elsewhere_is_passed_over_when_a_place_frees_up(pw):
    session = LearningSession(
        week=pw["week"],
        title="AI",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        place="Chamber",
        capacity=1,
    )
    db.session.add(session)
    db.session.flush()
    first = sessions.book(session, pw["pat"])
    busy = sessions.book(session, pw["pia"])
    free = sessions.book(session, pw["cal"])
    book(pw, pw["helen"], pw["pia"], (12, 0), (12, 30))  # Pia is observed meanwhile
    promoted = sessions.cancel_booking(first)
    assert promoted.id == free.id
    assert db.session.get(SessionBooking, busy.id).status == "waiting"


def test_ids_too_large_for_the_database_are_not_found_rather_than_a_crash(client, pw):
    sign_in(client, pw["olive"])
    huge = "9" * 25
    assert client.get(f"/practice-weeks/imports/{huge}").status_code == 404
    assert (
        client.get(f"/practice-weeks/{pw['week'].id}/calendar.ics?person={huge}").status_code == 200
    )
    page = client.post(
        f"/practice-weeks/{pw['week'].id}/observations/check",
        data={
            "practitioner_id": huge,
            "observer_id": huge,
            "starts": "9am",
            "ends": "10am",
            "day": ["1", "1", "2027"],
        },
    )
    assert page.status_code == 200
    assert (
        client.post(
            "/practice-weeks/settings", data={"list": "theme", "what": "toggle", "item": huge}
        ).status_code
        == 404
    )


def test_a_team_managers_clash_check_is_limited_to_their_own_team(client, pw):
    book(pw, pw["helen"], pw["cal"], (9, 0), (10, 0))
    db.session.commit()
    sign_in(client, pw["tara"])
    monday = pw["monday"]
    body = client.post(
        f"/practice-weeks/{pw['week'].id}/observations/check",
        data={
            "practitioner_id": str(pw["cal"].id),
            "observer_id": str(pw["helen"].id),
            "starts": "9am",
            "ends": "10am",
            "day": [str(monday.day), str(monday.month), str(monday.year)],
        },
    ).get_data(as_text=True)
    assert "Cal Case" not in body and "Helen Case" not in body


def test_changing_feedback_to_declined_drops_its_answers_from_the_report(pw):
    observation = book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    _complete(pw, observation, "Good", {"understood_outcome": "Yes"})
    assert reports.feedback_summary(pw["week"], "family")
    observation.status = "scheduled"
    services.set_feedback(observation, "family", "declined", pw["helen"])
    services.complete(observation)
    assert observation.family_response is None
    assert reports.feedback_summary(pw["week"], "family") == []


def test_a_material_with_any_characters_in_its_name_downloads(client, pw):
    sign_in(client, pw["olive"])
    client.post(
        f"/practice-weeks/{pw['week'].id}/materials",
        data={"title": "Guide", "upload": (io.BytesIO(b"pack"), "Guide – fathers’ pack.pdf")},
        content_type="multipart/form-data",
    )
    from qaweb.practice_week.models import LearningMaterial

    material = db.session.scalar(select(LearningMaterial))
    response = client.get(f"/practice-weeks/materials/{material.id}/download")
    assert response.data == b"pack"
    assert "filename*=UTF-8''Guide" in response.headers["Content-Disposition"]


def test_an_online_sessions_joining_link_is_a_link_and_a_virtual_place_is_said_once(client, pw):
    session = LearningSession(
        week=pw["week"],
        title="Online briefing",
        starts_at=at(pw["monday"], 12),
        ends_at=at(pw["monday"], 13),
        link="https://meet.example.org/a?b=1&c=2",
        capacity=5,
    )
    db.session.add(session)
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    observation.is_virtual, observation.place = True, "Virtual (Teams)"
    db.session.commit()
    sign_in(client, pw["olive"])
    page = client.get(f"/practice-weeks/sessions/{session.id}").get_data(as_text=True)
    assert (
        '<a class="govuk-link" href="https://meet.example.org/a?b=1&amp;c=2" '
        'rel="noopener noreferrer">https://meet.example.org/a?b=1&amp;c=2</a>' in page
    )
    assert "&lt;a" not in page and "Online" in page
    page = client.get(f"/practice-weeks/observations/{observation.id}").get_data(as_text=True)
    assert "Virtual (Teams)" in page and "Virtual (Virtual" not in page
    for place, shown in [("Teams", "Virtual (Teams)"), ("virtual", "Virtual"), ("", "Virtual")]:
        observation.place = place
        assert observation.where == shown


def test_the_list_condition_and_the_record_rule_agree(pw, make_team, make_user):
    """Who sees an observation in lists (services.list_condition, SQL) is who may open it
    (services.can_view): the two halves of one rule, checked on each person and record."""
    from qaweb.organisation.models import Team

    brambles = db.session.scalar(select(Team).where(Team.name == "Brambles"))
    sam = make_user("service_manager", team=make_team("Area office", area=brambles.service_area))
    monday = pw["monday"]
    pat_seen = book(pw, pw["helen"], pw["pat"], (9, 0), (10, 0))
    cal_seen = book(pw, pw["harry"], pw["cal"], (11, 0), (12, 0))
    pia_seen = book(pw, pw["helen"], pw["pia"], (9, 0), (10, 0), day=monday + timedelta(days=1))
    db.session.commit()
    everyone = {pat_seen.id, cal_seen.id, pia_seen.id}
    expected = {
        "olive": everyone,
        "helen": {pat_seen.id, pia_seen.id},
        "harry": {cal_seen.id},
        "tara": {pat_seen.id, pia_seen.id},
        "ctm": {cal_seen.id},
        "pat": {pat_seen.id},
        "cal": {cal_seen.id},
        "sam": {pat_seen.id, pia_seen.id},
    }
    people = {**{k: pw[k] for k in expected if k != "sam"}, "sam": sam}
    observations = db.session.scalars(select(Observation)).all()
    for key, person in people.items():
        condition = services.list_condition(person)
        stmt = select(Observation.id)
        listed = set(db.session.scalars(stmt if condition is None else stmt.where(condition)))
        allowed = {o.id for o in observations if services.can_view(person, o)}
        assert listed == allowed == expected[key], key


def test_a_stale_status_step_is_refused_naming_who_moved_it_and_the_next_press_works(
    client, pw, make_user
):
    """A state-change button (core.steps.take_step) pressed on a page someone else has moved
    on since: refused with who changed it, nothing changed; pressed again from the page
    now showing the current version, it works."""
    week = pw["week"]
    loaded = week.version
    other = make_user("organiser", first_name="Omar", last_name="Grant")
    sign_in(client, other)
    client.post(f"/practice-weeks/{week.id}/status", data={"to": "close", "version": loaded})
    db.session.refresh(week)
    assert week.status == "closed"
    sign_in(client, pw["olive"])
    page = client.post(
        f"/practice-weeks/{week.id}/status",
        data={"to": "reopen", "version": loaded},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Omar Grant changed this record at" in page
    db.session.refresh(week)
    assert week.status == "closed"
    client.post(f"/practice-weeks/{week.id}/status", data={"to": "reopen", "version": week.version})
    db.session.refresh(week)
    assert week.status == "open"


def test_a_one_row_schedule_says_row_and_observation_in_the_singular(client, pw):
    """The field report: "All 1 rows can be booked." and "1 observations imported"."""
    monday = pw["monday"]
    row = [
        pw["helen"].email,
        pw["pat"].email,
        "Core group meeting",
        monday,
        time(9, 30),
        time(11),
        "Family home",
        "No",
        "111111",
        "Yes",
        "",
        "",
    ]
    sign_in(client, pw["olive"])
    response = client.post(
        f"/practice-weeks/{pw['week'].id}/import",
        data={"upload": (io.BytesIO(_schedule_file([row])), "schedule.xlsx")},
        content_type="multipart/form-data",
    )
    preview_url = response.headers["Location"]
    preview = client.get(preview_url).get_data(as_text=True)
    assert "The 1 row can be booked." in preview and "1 rows" not in preview
    done = client.post(preview_url, follow_redirects=True).get_data(as_text=True)
    assert "1 observation imported into the schedule." in done
    assert "1 observations" not in done
    week = client.get(f"/practice-weeks/{pw['week'].id}").get_data(as_text=True)
    assert "1 observation scheduled" in week and "1 observations" not in week
