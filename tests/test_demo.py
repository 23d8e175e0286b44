from sqlalchemy import func, select

from qaweb.actions.models import Action
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.tools.models import Tool


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_council(runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert count(ServiceArea) == 6
    assert 18 <= count(Team) <= 22
    assert 180 <= count(User) <= 230
    roles = set(db.session.scalars(select(UserRole.role).distinct()))
    assert roles == set(ROLES)
    unpaired = db.session.scalar(select(func.count()).where(Team.paired_team_id.is_(None)))
    assert unpaired == 0
    assert 500 <= count(Action) <= 700
    tools = list(db.session.scalars(select(Tool)))
    assert {t.kind for t in tools} == {
        "supervision_audit",
        "supervisee_feedback",
        "practice_observation",
        "family_feedback",
        "case_file_audit",
    }
    assert all(t.council == "Wokingham" and t.current is not None for t in tools)
    for role_label in ROLES.values():
        assert role_label in result.output
    assert "qa.officer@demo-council.example" in result.output

    # Loading again into a database that has people is refused, or skipped with --if-empty.
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code != 0 and "already has people" in again.output
    quiet = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert quiet.exit_code == 0 and "was not loaded again" in quiet.output
    assert count(ServiceArea) == 6


def test_demo_is_deterministic_and_scales(runner):
    runner.invoke(args=["seed", "demo", "--scale", "3"])
    # 600 actions a year per unit of scale, plus those the demo's observations raised.
    assert (
        db.session.scalar(
            select(func.count()).select_from(Action).where(Action.source_type != "observation")
        )
        == 1800
    )
    assert count(ServiceArea) == 8
    staff = count(User)
    first_names = list(db.session.scalars(select(User.email).order_by(User.id).limit(20)))
    assert staff > 200
    # The same seed gives the same people.
    from qaweb.demo import builder

    assert builder.demo_sign_ins()[0][1] == "practitioner@demo-council.example"
    assert first_names == sorted(first_names, key=first_names.index)
