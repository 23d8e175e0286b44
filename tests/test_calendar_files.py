"""Calendar files as the people who receive them read them (issue 15, "Calendar files"; field
inputs of 30 November 2026: observation-25 and session-2 invites as downloaded).

Every file is read by icalendar (the library that writes it) and by vobject, an independent
parser that builds the time zone from the file's own VTIMEZONE rules (dateutil's tzical), so
the times below are checked against the rules we write, not against the system's zoneinfo."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar
from support import sign_in
from test_practice_week import at, book, pw  # noqa: F401 (pw is a fixture)

from qaweb.extensions import db
from qaweb.practice_week import services, sessions
from qaweb.practice_week.models import LearningSession, Observation

FIELD = Path(__file__).parent / "field"
NOTE = "Dad can be hostile: meet the practitioner outside ten minutes before"


def read(body: bytes):
    """The file as both parsers read it: (icalendar calendar, vobject calendar)."""
    assert b"\r\n" in body
    first = Calendar.from_ical(body)
    second = vobject.readOne(body.decode("utf-8"))
    return first, second


def method(body: bytes) -> str:
    first, second = read(body)
    assert str(first["METHOD"]) == second.method.value
    return str(first["METHOD"])


def attendees(body: bytes) -> list[set[str]]:
    """Each event's attendee addresses, the same from both parsers."""
    first, second = read(body)
    one = [{str(a) for a in _list(e.get("ATTENDEE"))} for e in first.walk("VEVENT")]
    two = [{a.value for a in e.contents.get("attendee", [])} for e in second.vevent_list]
    assert one == two
    return one


def _list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def assert_rule_based_london(body: bytes) -> None:
    first, second = read(body)
    (zone,) = first.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    standard, daylight = zone.walk("STANDARD"), zone.walk("DAYLIGHT")
    assert len(standard) == 1 and len(daylight) == 1
    for part in (standard[0], daylight[0]):
        assert "RDATE" not in part
        rule = part["RRULE"]
        assert rule["FREQ"] == ["YEARLY"] and rule["BYDAY"] == ["-1SU"]
    assert standard[0]["RRULE"]["BYMONTH"] == [10]
    assert daylight[0]["RRULE"]["BYMONTH"] == [3]
    assert standard[0].decoded("DTSTART").time() == time(2, 0)  # 02:00 BST
    assert daylight[0].decoded("DTSTART").time() == time(1, 0)  # 01:00 GMT
    assert b"RDATE" not in body and b"2037" not in body
    (zone2,) = second.vtimezone_list
    assert len(zone2.contents["standard"]) == 1 and len(zone2.contents["daylight"]) == 1
    # The rules themselves, as a calendar that knows nothing but this file reads them.
    tz = zone2.gettzinfo()
    for local, offset in [
        (datetime(2026, 3, 29, 0, 30), 0),  # before 01:00 GMT on the last Sunday of March
        (datetime(2026, 3, 29, 2, 30), 1),
        (datetime(2026, 10, 25, 0, 30), 1),  # before 02:00 BST on the last Sunday of October
        (datetime(2026, 10, 25, 3, 0), 0),
        (datetime(2031, 3, 30, 12, 0), 1),  # no end year: still right after 2037's list ends
        (datetime(2040, 3, 25, 12, 0), 1),
        (datetime(2040, 10, 28, 12, 0), 0),
    ]:
        assert local.replace(tzinfo=tz).utcoffset() == timedelta(hours=offset), local


def start_in_utc(body: bytes) -> list[datetime]:
    first, second = read(body)
    one = [e.decoded("DTSTART").astimezone(UTC) for e in first.walk("VEVENT")]
    two = [e.dtstart.value.astimezone(UTC) for e in second.vevent_list]
    assert one == two
    return one


def descriptions(body: bytes) -> list[str]:
    first, second = read(body)
    one = [str(e["DESCRIPTION"]) for e in first.walk("VEVENT")]
    assert one == [e.description.value for e in second.vevent_list]
    return one


def session(pw, title="Appreciative inquiry", facilitator=None, day=0):  # noqa: F811
    item = LearningSession(
        week=pw["week"],
        title=title,
        starts_at=at(pw["monday"] + timedelta(days=day), 12, 30),
        ends_at=at(pw["monday"] + timedelta(days=day), 13, 30),
        place="Civic Offices, council chamber",
        capacity=5,
        facilitator=facilitator,
    )
    db.session.add(item)
    db.session.flush()
    return item


# -- the observation invite ----------------------------------------------------------------------


def test_no_one_who_downloads_an_observation_invite_gets_the_observers_notes(client, pw):  # noqa: F811
    """Field input observation-25: the notes went to the practitioner. The invite goes to
    everyone on it whoever downloads it, so it never carries them."""
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    observation.notes = NOTE
    observation.place = "Virtual (Teams)"
    observation.is_virtual = True
    db.session.commit()
    url = f"/practice-weeks/observations/{observation.id}/invite.ics"
    for who in ("olive", "helen", "pat"):
        person = client.application.test_client()
        sign_in(person, pw[who])
        body = person.get(url).data
        (text,) = descriptions(body)
        assert "hostile" not in text and "Notes" not in text
        assert "Helen Case observes Pat Case" in text
        assert "Meeting: Core group meeting" in text and "Case reference: 123456" in text
        first, second = read(body)
        (event,) = first.walk("VEVENT")
        assert str(event["LOCATION"]) == "Virtual (Teams)" == second.vevent.location.value
        assert b"Virtual (Virtual" not in body
        # The observation page still shows the notes to the observer and the organiser.
        page = person.get(f"/practice-weeks/observations/{observation.id}").get_data(as_text=True)
        assert ("hostile" in page) == (who != "pat")


def test_an_observation_invite_is_a_request_to_its_attendees_and_a_cancel_keeps_its_uid(
    client,
    pw,  # noqa: F811
):
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["olive"])
    url = f"/practice-weeks/observations/{observation.id}/invite.ics"
    body = client.get(url).data
    assert method(body) == "REQUEST"
    assert attendees(body) == [{f"mailto:{pw['helen'].email}", f"mailto:{pw['pat'].email}"}]
    first, second = read(body)
    assert str(first.walk("VEVENT")[0]["ORGANIZER"]) == second.vevent.organizer.value
    assert_rule_based_london(body)
    services.cancel(db.session.get(Observation, observation.id), "Family moved it")
    db.session.commit()
    body = client.get(url).data
    assert method(body) == "CANCEL"
    assert attendees(body) == [{f"mailto:{pw['helen'].email}", f"mailto:{pw['pat'].email}"}]
    (event,) = read(body)[0].walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert event["UID"] == f"observation-{observation.id}@qaweb.local"


def test_times_are_right_in_london_on_both_sides_of_the_clocks_going_forward(client, pw):  # noqa: F811
    """British Summer Time began at 01:00 GMT on Sunday 29 March 2026: 10:00 in London is
    10:00 UTC on Friday 27 March and 09:00 UTC on Monday 30 March."""
    before = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    after = book(pw, pw["helen"], pw["pia"], (14, 0), (15, 0))
    before.starts_at = services.at_london(datetime(2026, 3, 27).date(), time(10, 0))
    before.ends_at = before.starts_at + timedelta(hours=1)
    after.starts_at = services.at_london(datetime(2026, 3, 30).date(), time(10, 0))
    after.ends_at = after.starts_at + timedelta(hours=1)
    db.session.commit()
    sign_in(client, pw["helen"])
    for observation, day, utc_hour in ((before, b"20260327", 10), (after, b"20260330", 9)):
        body = client.get(f"/practice-weeks/observations/{observation.id}/invite.ics").data
        # Written in London time, as people booked it.
        assert b"DTSTART;TZID=Europe/London:" + day + b"T100000\r\n" in body
        (start,) = start_in_utc(body)
        assert (start.hour, start.minute) == (utc_hour, 0)
        assert_rule_based_london(body)


# -- learning sessions -------------------------------------------------------------------------


def test_a_session_invite_names_the_person_booked_or_is_published(client, pw, make_user):  # noqa: F811
    """Field input session-2: a REQUEST with no attendee. Booked: a request to that person;
    an organiser sending it: a request to everyone booked; anyone else: PUBLISH."""
    item = session(pw, facilitator=pw["tara"])
    sessions.book(item, pw["pat"])
    sessions.book(item, pw["pia"])
    onlooker = make_user("practitioner")
    db.session.commit()
    url = f"/practice-weeks/sessions/{item.id}/invite.ics"
    got = {}
    for key, person in (("pat", pw["pat"]), ("olive", pw["olive"]), ("other", onlooker)):
        browser = client.application.test_client()
        sign_in(browser, person)
        got[key] = browser.get(url).data
        assert_rule_based_london(got[key])
    assert method(got["pat"]) == "REQUEST"
    assert attendees(got["pat"]) == [{f"mailto:{pw['pat'].email}"}]
    assert method(got["olive"]) == "REQUEST"
    assert attendees(got["olive"]) == [{f"mailto:{pw[k].email}" for k in ("tara", "pat", "pia")}]
    assert method(got["other"]) == "PUBLISH"
    assert attendees(got["other"]) == [set()]
    assert str(read(got["other"])[0].walk("VEVENT")[0]["LOCATION"]) == (
        "Civic Offices, council chamber"
    )
    # A cancellation is a CANCEL to those booked, or a published cancelled event.
    sessions.cancel_session(db.session.get(LearningSession, item.id), "Presenter ill")
    db.session.commit()
    browser = client.application.test_client()
    sign_in(browser, pw["olive"])
    body = browser.get(url).data
    assert method(body) == "CANCEL" and attendees(body)[0]
    browser = client.application.test_client()
    sign_in(browser, onlooker)
    body = browser.get(url).data
    assert method(body) == "PUBLISH" and attendees(body) == [set()]
    (event,) = read(body)[0].walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


# -- the "add your week" feed ------------------------------------------------------------------


def test_the_week_feed_is_published_without_attendees_or_cancelled_items(client, pw):  # noqa: F811
    kept = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    kept.notes = NOTE
    dropped = book(pw, pw["helen"], pw["cal"], (14, 0), (15, 0))
    services.cancel(dropped, "Family moved it")
    booked = session(pw, "Appreciative inquiry")
    sessions.book(booked, pw["helen"])
    gone = session(pw, "Cancelled session", day=1)
    sessions.book(gone, pw["helen"])
    sessions.cancel_session(gone, "Presenter ill")
    db.session.commit()
    sign_in(client, pw["helen"])
    page = client.get(f"/practice-weeks/{pw['week'].id}").get_data(as_text=True)
    assert "Add your week to your calendar (.ics)" in page
    response = client.get(f"/practice-weeks/{pw['week'].id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    body = response.data
    assert method(body) == "PUBLISH"
    assert attendees(body) == [set(), set()]
    assert b"ATTENDEE" not in body and b"CANCELLED" not in body
    first, second = read(body)
    assert sorted(str(e["SUMMARY"]) for e in first.walk("VEVENT")) == [
        "Practice Week learning session: Appreciative inquiry",
        "Practice observation: Core group meeting with Pat Case",
    ]
    assert sorted(e.summary.value for e in second.vevent_list) == sorted(
        str(e["SUMMARY"]) for e in first.walk("VEVENT")
    )
    assert all("hostile" not in text for text in descriptions(body))
    assert_rule_based_london(body)


def test_an_empty_week_is_not_offered_and_its_feed_says_there_is_nothing_to_add(client, pw):  # noqa: F811
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    services.cancel(observation, "Family moved it")
    db.session.commit()
    sign_in(client, pw["pat"])  # their only observation was cancelled
    page = client.get(f"/practice-weeks/{pw['week'].id}").get_data(as_text=True)
    assert "Add your week to your calendar" not in page
    assert "Nothing to add to your calendar yet" in page
    response = client.get(f"/practice-weeks/{pw['week'].id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "Nothing to add to your calendar" in text and "govuk-heading-l" in text
    assert "BEGIN:VCALENDAR" not in text
    # An organiser asking for someone's empty week is told the same, by name.
    organiser = client.application.test_client()
    sign_in(organiser, pw["olive"])
    other = organiser.get(f"/practice-weeks/{pw['week'].id}/calendar.ics?person={pw['pat'].id}")
    assert other.mimetype == "text/html" and "Pat Case’s calendar" in other.get_data(as_text=True)


# -- the organiser address ---------------------------------------------------------------------


def test_the_organiser_address_is_a_setting_with_a_real_default(client, pw, monkeypatch):  # noqa: F811
    from qaweb.config import load_config  # noqa: PLC0415

    monkeypatch.delenv("QAWEB_CALENDAR_ORGANISER_EMAIL", raising=False)
    default = load_config(client.application.instance_path)["CALENDAR_ORGANISER_EMAIL"]
    assert not default.endswith(".local")
    monkeypatch.setenv("QAWEB_CALENDAR_ORGANISER_EMAIL", "practice-week@wokingham.gov.uk")
    assert (
        load_config(client.application.instance_path)["CALENDAR_ORGANISER_EMAIL"]
        == "practice-week@wokingham.gov.uk"
    )
    monkeypatch.setitem(
        client.application.config, "CALENDAR_ORGANISER_EMAIL", "practice-week@wokingham.gov.uk"
    )
    observation = book(pw, pw["helen"], pw["pat"], (9, 30), (11, 0))
    db.session.commit()
    sign_in(client, pw["helen"])
    body = client.get(f"/practice-weeks/observations/{observation.id}/invite.ics").data
    first, second = read(body)
    assert second.vevent.organizer.value == "mailto:practice-week@wokingham.gov.uk"
    assert str(first.walk("VEVENT")[0]["ORGANIZER"]) == "mailto:practice-week@wokingham.gov.uk"


@pytest.mark.parametrize(
    "name", ["observation-25-invite-as-downloaded.ics", "session-2-invite-as-downloaded.ics"]
)
def test_the_field_invites_show_the_faults_these_tests_guard(name):
    """The downloaded files from the field, read by both parsers: each has the date-list zone
    (and a REQUEST with no attendee, or the observer's notes), so the checks above can fail."""
    body = (FIELD / name).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with pytest.raises(AssertionError):
        assert_rule_based_london(body)
    texts = descriptions(body)
    if name.startswith("observation"):
        assert "Notes for the observer" in texts[0]
    else:
        assert method(body) == "REQUEST" and attendees(body) == [set()]
