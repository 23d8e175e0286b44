"""People saving at the same moment: every save succeeds or gets a clear message, never a 500;
N simultaneous creates give N records with N distinct references; a double submit gives one.

These tests run real threads, each with its own test client, against an app on its own
database (a file on SQLite, a scratch database on PostgreSQL), not the rolled-back session
the other tests share: the point is several connections at once.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from live_support import complaint_data, count, make_live_app, signed_in_client
from sqlalchemy import func, select
from support import hidden_value

from qaweb.actions.models import Action
from qaweb.complaints.models import CategoryOption, Complaint, Compliment
from qaweb.extensions import db
from qaweb.organisation.models import Team, User

THREADS = 6


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, scratch_database, tmp_path_factory):
    """An app on a database of its own, with a complaints officer and an administrator."""
    app = make_live_app(scratch_database(request.param, tmp_path_factory.mktemp("live")))
    yield app
    with app.app_context():
        db.engine.dispose()


_client = signed_in_client
_count = count


def _all_at_once(app, who, post, n=THREADS):
    """Sign n people in, then make each call ``post(client, i)`` at the same moment.
    Returns the responses."""
    clients = [_client(app, who) for _ in range(n)]
    barrier = threading.Barrier(n)

    def run(i):
        barrier.wait()
        return post(clients[i], i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def action_data(app, **extra):
    return {
        "source_type": "qa_board",
        "source_label": "QA Board",
        "description": "Check the plans",
        "owner": app.config["LIVE"]["users"]["qa"][0],
        "due_on": ["1", "12", "2030"],
        **extra,
    }


def _statuses(responses):
    return sorted(r.status_code for r in responses)


def test_simultaneous_complaints_all_saved_with_distinct_references(live):
    before = _count(live, select(func.count(Complaint.id)))
    responses = _all_at_once(
        live,
        "officer",
        lambda c, i: c.post("/complaints/new", data=complaint_data(live, summary=f"Visit {i}")),
    )
    assert _statuses(responses) == [302] * THREADS, [
        r.get_data(as_text=True)[:300] for r in responses
    ]
    with live.app_context():
        refs = list(db.session.scalars(select(Complaint.reference)))
        db.session.remove()
    assert len(refs) == before + THREADS
    assert len(set(refs)) == len(refs)
    assert all(r.startswith("CMP-2026-") for r in refs)


def test_simultaneous_actions_all_saved(live):
    before = _count(live, select(func.count(Action.id)))
    responses = _all_at_once(
        live, "qa", lambda c, i: c.post("/actions/new", data=action_data(live, description=f"A{i}"))
    )
    assert _statuses(responses) == [302] * THREADS
    assert _count(live, select(func.count(Action.id))) == before + THREADS


def test_two_people_adding_the_same_team_get_already_exists_not_500(live):
    area = live.config["LIVE"]["area"]
    responses = _all_at_once(
        live,
        "admin",
        lambda c, i: c.post(
            "/admin/teams/new",
            data={"name": "Conifers", "service_area_id": area, "active": "y"},
        ),
    )
    statuses = _statuses(responses)
    assert statuses.count(302) == 1, statuses
    assert statuses.count(200) == THREADS - 1, statuses
    for response in responses:
        if response.status_code == 200:
            assert "already" in response.get_data(as_text=True)
    assert _count(live, select(func.count(Team.id)).where(Team.name == "Conifers")) == 1


def test_two_people_adding_the_same_category_get_already_on_the_list(live):
    responses = _all_at_once(
        live,
        "officer",
        lambda c, i: c.post(
            "/complaints/settings",
            data={"what": "add", "list": "category", "category-name": "Transport"},
        ),
    )
    statuses = _statuses(responses)
    assert 500 not in statuses and statuses.count(302) == 1, statuses
    assert (
        _count(
            live, select(func.count(CategoryOption.id)).where(CategoryOption.name == "Transport")
        )
        == 1
    )


# -- double submits ----------------------------------------------------------------------------


def _form_key(client, url):
    """The one-time key the form carries, as a browser would post it back."""
    return hidden_value(client.get(url).get_data(as_text=True), "form_key")


@pytest.mark.parametrize("at_once", [False, True], ids=["one-after-other", "at-once"])
def test_double_submit_of_a_complaint_logs_one(live, at_once):
    client = _client(live, "officer")
    key = _form_key(client, "/complaints/new")
    data = complaint_data(live, summary=f"Double {at_once}", form_key=key)
    before = _count(live, select(func.count(Complaint.id)))
    if at_once:
        responses = _all_at_once(
            live, "officer", lambda c, i: c.post("/complaints/new", data=data), n=2
        )
    else:
        responses = [client.post("/complaints/new", data=data) for _ in range(2)]
    assert _statuses(responses) == [302, 302]
    assert responses[0].location == responses[1].location  # both land on the one complaint
    assert _count(live, select(func.count(Complaint.id))) == before + 1


def test_double_submit_of_an_action_raises_one(live):
    client = _client(live, "qa")
    key = _form_key(client, "/actions/new")
    data = action_data(live, description="Once only", form_key=key)
    first = client.post("/actions/new", data=data)
    second = client.post("/actions/new", data=data, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already saved" in second.get_data(as_text=True)
    assert _count(live, select(func.count(Action.id)).where(Action.description == "Once only")) == 1


def test_double_submit_of_a_compliment_logs_one(live):
    client = _client(live, "officer")
    key = _form_key(client, "/complaints/compliments")
    data = {
        "received_on": ["3", "11", "2026"],
        "source": "parent",
        "external": "external",
        "team_id": live.config["LIVE"]["team"],
        "valued": "Thank you to the whole team",
        "form_key": key,
    }
    responses = [client.post("/complaints/compliments", data=data) for _ in range(2)]
    assert [r.status_code for r in responses] == [302, 302], responses[0].get_data(as_text=True)
    count = _count(
        live, select(func.count(Compliment.id)).where(Compliment.valued == data["valued"])
    )
    assert count == 1


def test_a_new_form_is_a_new_key(live):
    client = _client(live, "officer")
    assert _form_key(client, "/complaints/new") != _form_key(client, "/complaints/new")


def test_the_reference_counter_carries_on_from_existing_complaints(live):
    """References continue from the highest, per year, however the counter started."""
    from qaweb.complaints import services

    with live.app_context():
        ref = services.next_reference(date(2026, 5, 1))
        highest = db.session.scalar(
            select(func.max(Complaint.reference)).where(Complaint.reference.like("CMP-2026-%"))
        )
        db.session.rollback()
        db.session.remove()
    assert ref > highest


# -- the last places of a learning session -------------------------------------------------


def test_people_booking_the_last_places_at_once_all_get_an_answer_and_none_over_booked(live):
    from datetime import UTC, datetime, timedelta

    from support import PASSWORD, TEST_HASH

    from qaweb.practice_week.models import LearningSession, PracticeWeek, SessionBooking

    n, places = 6, 2
    with live.app_context():
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
        week = PracticeWeek(
            theme="Voice of the child",
            starts_on=start.date(),
            ends_on=start.date() + timedelta(days=4),
            status="open",
        )
        session = LearningSession(
            week=week,
            title="Appreciative inquiry",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            place="Room 1",
            capacity=places,
        )
        db.session.add(session)
        team = db.session.get(Team, live.config["LIVE"]["team"])
        emails = []
        for i in range(n):
            user = User(
                first_name=f"Booker{i}",
                last_name="Tester",
                email=f"booker{i}.{session.title[:3]}@council.example".lower(),
                job_title="Social Worker",
                team=team,
                active=True,
            )
            user.roles = {"practitioner"}
            user.set_password(PASSWORD, method=TEST_HASH)
            db.session.add(user)
            emails.append(user.email)
        db.session.commit()
        session_id = session.id
        db.session.remove()
    clients = []
    for email in emails:
        client = live.test_client()
        assert client.post("/sign-in", data={"email": email, "password": PASSWORD}).status_code
        clients.append(client)
    barrier = threading.Barrier(n)

    def book(i):
        barrier.wait()
        return clients[i].post(f"/practice-weeks/sessions/{session_id}/book")

    with ThreadPoolExecutor(n) as pool:
        responses = list(pool.map(book, range(n)))
    assert _statuses(responses) == [302] * n
    booked = _count(
        live,
        select(func.count(SessionBooking.id)).where(
            SessionBooking.session_id == session_id, SessionBooking.status == "booked"
        ),
    )
    waiting = _count(
        live,
        select(func.count(SessionBooking.id)).where(
            SessionBooking.session_id == session_id, SessionBooking.status == "waiting"
        ),
    )
    assert (booked, waiting) == (places, n - places)


# -- more create forms that save once ------------------------------------------------------


def test_double_submit_of_a_team_adds_one_and_lands_on_the_list(live):
    client = _client(live, "admin")
    key = _form_key(client, "/admin/teams/new")
    data = {
        "name": "Here4U",
        "service_area_id": live.config["LIVE"]["area"],
        "active": "y",
        "form_key": key,
    }
    first = client.post("/admin/teams/new", data=data)
    second = client.post("/admin/teams/new", data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert first.location == second.location
    assert _count(live, select(func.count(Team.id)).where(Team.name == "Here4U")) == 1


def test_double_submit_of_a_thematic_audit_plans_one(live):
    from qaweb.thematic.models import ThematicAudit

    client = _client(live, "qa")
    key = _form_key(client, "/thematic/plan?year=2026")
    data = {"title": "Neglect audit", "quarter": "2", "year": "2026", "form_key": key}
    responses = _all_at_once(
        live, "qa", lambda c, i: c.post("/thematic/plan?year=2026", data=data), n=3
    )
    assert _statuses(responses) == [302, 302, 302], responses[0].get_data(as_text=True)[:500]
    title = ThematicAudit.title == "Neglect audit"
    assert _count(live, select(func.count(ThematicAudit.id)).where(title)) == 1


def test_two_people_adding_the_same_closure_day_get_already_a_closure_day(live):
    from qaweb.core.workdays import ClosureDay

    responses = _all_at_once(
        live,
        "officer",
        lambda c, i: c.post(
            "/complaints/settings",
            data={
                "what": "closure",
                "closure-kind": "closure",
                "closure-day": ["24", "12", "2027"],
                "closure-reason": "Council closure",
            },
        ),
        n=4,
    )
    statuses = _statuses(responses)
    assert statuses.count(302) == 1 and statuses.count(200) == 3, statuses
    for response in responses:
        if response.status_code == 200:
            assert "That day is already a council closure day" in response.get_data(as_text=True)
    day = ClosureDay.day == date(2027, 12, 24)
    assert _count(live, select(func.count(ClosureDay.id)).where(day)) == 1
