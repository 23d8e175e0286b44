"""The SQL condition a list uses and the record rule a page uses are one rule: on fixture
records, each person's list holds exactly the records they may open."""

import pytest
from sqlalchemy import select

from qaweb.actions import services as actions
from qaweb.actions.models import Action
from qaweb.complaints import services as complaints
from qaweb.complaints.models import Complaint
from qaweb.core.permissions import manages_team, service_area_of
from qaweb.extensions import db


@pytest.fixture
def organisation(make_area, make_team, make_user):
    """Two service areas: Children in Need (Brambles, Conifers) and Early Help (Willows)."""
    cin, early_help = make_area("Children in Need"), make_area("Early Help")
    teams = {
        "brambles": make_team("Brambles", area=cin),
        "conifers": make_team("Conifers", area=cin),
        "willows": make_team("Willows", area=early_help),
    }
    people = {
        "tara": make_user("team_manager", team=teams["brambles"]),
        "sam": make_user("service_manager", team=teams["conifers"]),
        "eve": make_user("service_manager", team=teams["willows"]),
        "pat": make_user("practitioner", team=teams["brambles"]),
        "cal": make_user("practitioner", team=teams["conifers"]),
        "wyn": make_user("practitioner", team=teams["willows"]),
    }
    return teams, people


def test_an_actions_team_scope_lists_the_actions_its_managers_may_see(organisation, make_action):
    teams, people = organisation
    made = {key: make_action(people[key]) for key in ("pat", "cal", "wyn")}
    expected = {
        "tara": {"pat"},  # team manager of Brambles
        "sam": {"pat", "cal"},  # service manager of Children in Need
        "eve": {"wyn"},
        "pat": set(),
        "cal": set(),
        "wyn": set(),
    }
    for key, person in people.items():
        listed = set(
            db.session.scalars(select(Action.id).where(actions.team_scope_condition(person)))
        )
        allowed = {a.id for a in made.values() if actions.manages_team_of(person, a)}
        assert listed == allowed == {made[k].id for k in expected[key]}, key


def test_a_service_managers_complaints_list_is_the_complaints_they_may_open(organisation):
    from datetime import date

    teams, people = organisation
    made = {}
    for key in ("brambles", "conifers", "willows"):
        complaint = Complaint(
            received_on=date(2026, 10, 1),
            received_how="email",
            complainant_type="parent",
            complainant_name="Jo Bloggs",
            complainant_contact="jo@example.org",
            summary="Visits missed",
            service_area_id=teams[key].service_area_id,
            team_id=teams[key].id,
        )
        complaints.open_complaint(complaint, None)
        made[key] = complaint
    db.session.commit()
    expected = {"sam": {"brambles", "conifers"}, "eve": {"willows"}}
    for key, want in expected.items():
        person = people[key]
        listed = set(
            db.session.scalars(select(Complaint.id).where(complaints.list_condition(person)))
        )
        allowed = {c.id for c in made.values() if complaints.can_view(person, c)}
        assert listed == allowed == {made[k].id for k in want}, key


def test_the_organisation_helpers_answer_from_the_persons_team(organisation):
    teams, people = organisation
    assert service_area_of(people["sam"]) == teams["brambles"].service_area_id
    assert manages_team(people["tara"], teams["brambles"])
    assert not manages_team(people["tara"], teams["conifers"])  # same area, not her team
    assert manages_team(people["sam"], teams["brambles"])  # the area's service manager
    assert not manages_team(people["eve"], teams["brambles"])
    assert not manages_team(people["pat"], teams["brambles"])  # a practitioner
    assert not manages_team(people["sam"], None)
