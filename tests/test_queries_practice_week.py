"""No query per row in Practice Week: each list page, report and export issues the same number
of SQL statements for a week of 3 observations or 40, within a fixed budget."""

from datetime import timedelta

import pytest
from support import sign_in
from test_practice_week import _complete, book, pw  # noqa: F401  (pw is a fixture)
from test_queries import statements_for

from qaweb.actions.models import Action
from qaweb.extensions import db
from qaweb.practice_week import services
from qaweb.practice_week.models import LearningTheme, PracticeWeek

# Statements per page at most, whatever the number of observations. The week page and the
# report count the week's figures (and the previous week's) in grouped queries; exports add
# one query per lookup (grades, themes, actions), never one per row.
BUDGETS = {
    "index": 4,
    "index as observer": 5,  # measured as the observer (sign_in signs out first): one more
    "settings": 4,
    "week": 14,
    "board": 9,
    "board, one team": 9,
    "board, completed": 9,
    "board, page 2": 9,
    "coverage": 7,
    "coverage, one area": 7,
    "report": 20,
    "schedule export": 5,
    "schedule export, one team": 5,
    "records export": 5,
    "report workbook": 20,
    # My work asks every module (two statements each), as in test_queries.
    "my work (observer)": 18,
}


@pytest.fixture
def week_with(pw, make_user, make_team):  # noqa: F811
    """Adds ``count`` observations to the week (and one to the week before), in new teams:
    half completed with their forms, feedback, themes and an action, some not held, one
    cancelled, one waiting for an observer."""
    themes = list(db.session.execute(db.select(LearningTheme).limit(3)).scalars())
    earlier = PracticeWeek(
        theme="Working with fathers",
        starts_on=pw["monday"] - timedelta(weeks=26),
        ends_on=pw["monday"] - timedelta(weeks=26) + timedelta(days=4),
        status="open",
    )
    db.session.add(earlier)
    db.session.commit()
    added = {"n": 0}

    def add(count):
        for _ in range(count):
            n = added["n"]
            added["n"] += 1
            team = make_team()
            observer = make_user("observer", team=make_team())
            practitioner = make_user(team=team)
            day = pw["monday"] + timedelta(days=n % 5)
            hour = 8 + (n // 5) % 10
            observation = book(pw, observer, practitioner, (hour, 0), (hour, 45), day)
            if n % 2 == 0:
                _complete(pw, observation, "Good", {"understood_outcome": "Yes"}, themes[: n % 3])
                db.session.add(
                    Action(
                        source_type="observation",
                        source_id=observation.id,
                        source_label=observation.reference,
                        description="Share the plan",
                        owner=practitioner,
                        team_id=practitioner.team_id,
                        due_on=day + timedelta(days=28),
                        status="open",
                    )
                )
            elif n % 5 == 1:
                services.did_not_take_place(observation, "family_cancelled", "")
            elif n % 7 == 3:
                services.cancel(observation, "Moved")
            if n % 11 == 0:
                offered = services.schedule(
                    pw["week"],
                    services.Booking(
                        observer=None,
                        practitioner=make_user(team=team),
                        meeting_type_id=pw["meeting"].id,
                        starts_at=services.at_london(day, pw["slot"]),
                        ends_at=services.at_london(day, pw["slot_end"]),
                        place="Family hub",
                    ),
                    pw["tara"],
                )
                assert offered.status == "requested"
            past = book(
                pw,
                observer,
                practitioner,
                (hour, 0),
                (hour, 45),
                earlier.starts_on + timedelta(days=n % 5),
                week=earlier,
            )
            if n % 2 == 0:
                _complete(pw, past, "Outstanding")
        db.session.commit()

    return add


def urls(pw, area_id, team_id):  # noqa: F811
    week = f"/practice-weeks/{pw['week'].id}"
    return {
        "index": ("olive", "/practice-weeks/"),
        "index as observer": ("helen", "/practice-weeks/"),
        "settings": ("olive", "/practice-weeks/settings"),
        "week": ("olive", week),
        "board": ("olive", f"{week}/board"),
        "board, one team": ("olive", f"{week}/board?team={team_id}"),
        "board, completed": ("olive", f"{week}/board?status=completed"),
        "board, page 2": ("olive", f"{week}/board?page=2"),
        "coverage": ("olive", f"{week}/coverage"),
        "coverage, one area": ("olive", f"{week}/coverage?area={area_id}"),
        "report": ("olive", f"{week}/report"),
        "schedule export": ("olive", f"{week}/schedule.xlsx"),
        "schedule export, one team": ("olive", f"{week}/schedule.xlsx?team={team_id}"),
        "records export": ("olive", f"{week}/records.xlsx"),
        "report workbook": ("olive", f"{week}/report.xlsx"),
        "my work (observer)": ("helen", "/"),
    }


def count_all(client, pw, targets):  # noqa: F811
    counts, signed_in = {}, None
    for name, (who, url) in targets.items():
        if who != signed_in:  # a page is measured as a signed-in person's later request
            sign_in(client, pw[who])
            client.get("/")
            signed_in = who
        counts[name] = statements_for(client, url)
    return counts


def test_practice_week_pages_keep_a_fixed_statement_budget(client, pw, week_with, monkeypatch):  # noqa: F811
    from datetime import time

    from qaweb.practice_week import observation_views

    # A small page size, so the board pages with a few dozen observations as with thousands.
    monkeypatch.setattr(observation_views, "BOARD_PAGE_SIZE", 10)
    pw["slot"], pw["slot_end"] = time(19, 0), time(19, 30)
    # Helen observes one of the week's meetings, so My work lists it.
    book(pw, pw["helen"], pw["pia"], (7, 0), (7, 45))
    team = pw["pat"].team
    targets = urls(pw, team.service_area_id, team.id)
    week_with(24)
    few = count_all(client, pw, targets)
    week_with(40)
    many = count_all(client, pw, targets)

    assert many == few, {k: (few[k], many[k]) for k in many if many[k] != few[k]}
    # Plus the one lookup every signed-in request makes to check its session is live.
    over = {k: (v, BUDGETS[k] + 1) for k, v in many.items() if v > BUDGETS[k] + 1}
    assert not over, f"over budget (statements, budget): {over}"


def test_the_board_pages_a_long_week_and_keeps_its_filters(client, pw, week_with, monkeypatch):  # noqa: F811
    from datetime import time

    from qaweb.practice_week import observation_views

    monkeypatch.setattr(observation_views, "BOARD_PAGE_SIZE", 10)
    pw["slot"], pw["slot_end"] = time(19, 0), time(19, 30)
    week_with(30)
    sign_in(client, pw["olive"])
    week = f"/practice-weeks/{pw['week'].id}"
    first = client.get(f"{week}/board").get_data(as_text=True)
    # 30 booked, 10 cards a page; the 3 meetings waiting for an observer are listed apart.
    assert "<strong>30</strong> observations on the board, <strong>3</strong> waiting" in first
    assert "The board shows 10 of the 30 observations at a time" in first
    assert f"{week}/board?page=3" in first
    last = client.get(f"{week}/board?page=3").get_data(as_text=True)
    assert "The board shows 10 of the 30 observations at a time" in last
    # The waiting meetings are on every page.
    assert last.count("Assign an observer<span") == 3
    # A filter narrows the board to one page, and the pages keep it.
    completed = client.get(f"{week}/board?status=completed").get_data(as_text=True)
    assert "<strong>15</strong> observations on the board" in completed
    assert "The board shows 10 of the 15" in completed
    assert f"{week}/board?status=completed&amp;page=2" in completed
