"""An app on a database of its own (not the rolled-back session the other tests share), for
tests that need several connections at once or a database that goes away."""

from flask_migrate import upgrade
from sqlalchemy import select
from support import PASSWORD, TEST_HASH, make_app

from qaweb.complaints.models import CategoryOption
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User

PEOPLE = {
    "officer": {"complaints_officer"},
    "admin": {"admin"},
    "qa": {"qa_officer"},
}


def make_live_app(url: str):
    """The app on ``url``, migrated, with an area, a team and one person per PEOPLE entry;
    their ids are in ``app.config["LIVE"]``."""
    app = make_app(url)
    with app.app_context():
        upgrade()
        area = ServiceArea(name="Children in Need")
        team = Team(name="Brambles", service_area=area)
        people = {}
        for key, roles in PEOPLE.items():
            user = User(
                first_name=key.title(),
                last_name="Tester",
                email=f"{key}@council.example",
                job_title="Officer",
                team=team,
                active=True,
            )
            user.roles = roles
            user.set_password(PASSWORD, method=TEST_HASH)
            db.session.add(user)
            people[key] = user
        db.session.commit()
        app.config["LIVE"] = {
            "area": area.id,
            "team": team.id,
            "users": {k: (u.id, u.email) for k, u in people.items()},
            "category": db.session.scalar(select(CategoryOption.id).limit(1)),
        }
        db.session.remove()
    return app


def signed_in_client(app, who: str):
    client = app.test_client()
    email = app.config["LIVE"]["users"][who][1]
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def count(app, stmt):
    """One scalar from the app's database, in a context of its own."""
    with app.app_context():
        try:
            return db.session.scalar(stmt)
        finally:
            db.session.remove()


def complaint_data(app, **extra) -> dict:
    """A complaint form as an officer posts it."""
    live = app.config["LIVE"]
    return {
        "received_on": ["2", "11", "2026"],
        "received_how": "letter",
        "complainant_type": "parent",
        "complainant_name": "Jo Bloggs",
        "service_area_id": live["area"],
        "team_id": live["team"],
        "categories": [live["category"]],
        "summary": "No visit for six weeks",
        "procedure": "statutory",
        **extra,
    }
