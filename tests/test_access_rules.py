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


# -- every role: the record rule and the list's condition agree ------------------------------

ROLES = (
    "practitioner",
    "team_manager",
    "service_manager",
    "observer",
    "organiser",
    "qa_officer",
    "qa_board",
    "complaints_officer",
    "admin",
)


@pytest.fixture
def council(organisation, make_user, make_team, make_area):
    """The organisation, a person of every role in Brambles (each the line manager of a
    practitioner of their own in Conifers), and a service manager with no team (so no
    service area)."""
    teams, people = organisation
    for role in ROLES:
        boss = make_user(role, team=teams["brambles"])
        people[role] = boss
        people[f"{role}-report"] = make_user(team=teams["conifers"], line_manager=boss)
    people["no-area-manager"] = make_user("service_manager")
    people["no-area-manager"].team = None  # no team, so no service area
    people["pat"].line_manager = people["tara"]
    db.session.commit()
    return teams, people


def _agree(people, records, can_view, condition, model):
    """Each person's list (``condition``, None for all) is exactly what ``can_view`` opens."""
    ids = {r.id for r in records}
    for key, person in people.items():
        where = condition(person)
        stmt = select(model.id).where(model.id.in_(ids))
        listed = set(db.session.scalars(stmt if where is None else stmt.where(where)))
        allowed = {r.id for r in records if can_view(person, r)}
        assert listed == allowed, f"{key}: list {sorted(listed)}, may open {sorted(allowed)}"


def test_supervision_list_and_record_rule_agree_for_every_role(council):
    from datetime import date

    from qaweb.supervision import services as supervision
    from qaweb.supervision.models import SupervisionAudit

    teams, people = council
    records = []
    for status in ("planned", "in_progress", "completed", "cancelled"):
        for supervisor, auditor in (
            (people["team_manager"], people["qa_officer"]),
            (people["practitioner-report"], people["observer"]),
            (people["wyn"], people["cal"]),
        ):
            records.append(
                SupervisionAudit(
                    year=2026,
                    supervisor_id=supervisor.id,
                    auditor_id=auditor.id,
                    team_id=supervisor.team_id,
                    due_on=date(2026, 9, 1),
                    status=status,
                )
            )
    # Planned while the supervisor was in Willows; they have since moved to Brambles.
    moved = SupervisionAudit(
        year=2026,
        supervisor_id=people["pat"].id,
        auditor_id=people["qa_officer"].id,
        team_id=teams["willows"].id,
        due_on=date(2026, 9, 1),
        status="completed",
    )
    records.append(moved)
    db.session.add_all(records)
    db.session.commit()
    _agree(people, records, supervision.can_view, supervision.list_condition, SupervisionAudit)
    # The line manager of the supervisor sees the completed audit, in the list as on its page.
    line_manager = people["practitioner"]
    completed = next(
        r
        for r in records
        if r.supervisor_id == people["practitioner-report"].id and r.status == "completed"
    )
    assert supervision.can_view(line_manager, completed)
    # The service manager of the audit's team (Willows, when planned) oversees it.
    assert supervision.can_view(people["eve"], moved)
    assert not supervision.can_view(people["sam"], moved)


def test_complaints_list_and_record_rule_agree_for_every_role(council):
    from datetime import date

    teams, people = council
    records = []
    for area_id in (teams["brambles"].service_area_id, teams["willows"].service_area_id, None):
        complaint = Complaint(
            received_on=date(2026, 10, 1),
            received_how="email",
            complainant_type="parent",
            complainant_name="Jo Bloggs",
            complainant_contact="jo@example.org",
            summary="Visits missed",
            service_area_id=area_id,
        )
        complaints.open_complaint(complaint, None)
        records.append(complaint)
    db.session.commit()
    _agree(people, records, complaints.can_view, complaints.list_condition, Complaint)
    # A service manager whose team has no service area opens no complaint (none without one).
    assert not any(complaints.can_view(people["no-area-manager"], c) for c in records)


def test_actions_lists_and_record_rule_agree_for_every_role(council, make_action):
    teams, people = council
    records = [make_action(person) for person in people.values()]
    records.append(make_action(people["wyn"], raised_by_id=people["observer"].id))
    _agree(people, records, actions.can_view, actions.view_condition, Action)
    for key, person in people.items():  # the scopes a person may use list what they may open
        usable = [s for s in actions.SCOPES if actions.can_use_scope(person, s)]
        listed = set()
        for scope in usable:
            where = actions.scope_condition(person, scope)
            stmt = select(Action.id)
            listed |= set(db.session.scalars(stmt if where is None else stmt.where(where)))
        assert listed >= {a.id for a in records if actions.can_view(person, a)}, key
    # The owner's line manager has the team scope and finds the action there.
    boss, report = people["organiser"], people["organiser-report"]
    assert actions.can_use_scope(boss, "team")
    owned = next(a for a in records if a.owner_id == report.id)
    assert actions.in_team_scope(boss, owned)


def test_practice_week_list_and_record_rule_agree_for_every_role(council):
    from datetime import UTC, date, datetime

    from qaweb.practice_week import services as practice_week
    from qaweb.practice_week.models import MeetingType, Observation, PracticeWeek

    teams, people = council
    week = PracticeWeek(
        theme="Voice of the child", starts_on=date(2026, 10, 5), ends_on=date(2026, 10, 9)
    )
    db.session.add(week)
    db.session.flush()
    meeting = db.session.scalar(select(MeetingType).limit(1))
    records = []
    for practitioner, team in (
        (people["pat"], teams["brambles"]),
        (people["wyn"], None),  # no team on the observation: the practitioner's is used
        (people["cal"], teams["conifers"]),
        (people["organiser-report"], None),
    ):
        records.append(
            Observation(
                week_id=week.id,
                observer_id=people["observer"].id,
                practitioner_id=practitioner.id,
                team_id=team.id if team else None,
                meeting_type_id=meeting.id,
                starts_at=datetime(2026, 10, 6, 9, tzinfo=UTC),
                ends_at=datetime(2026, 10, 6, 10, tzinfo=UTC),
            )
        )
    db.session.add_all(records)
    db.session.commit()
    _agree(people, records, practice_week.can_view, practice_week.list_condition, Observation)
    assert practice_week.can_view(people["eve"], records[1])  # Willows' service manager


def test_case_audit_list_and_record_rule_agree_for_every_role(council):
    from datetime import date

    from qaweb.case_audits import services as case_audits
    from qaweb.case_audits.models import CaseAudit, CaseFile

    teams, people = council
    records = []
    for n, (practitioner, team) in enumerate(
        ((people["pat"], "brambles"), (people["wyn"], "willows"), (people["cal"], "conifers"))
    ):
        case = CaseFile(
            case_number=f"C{n}",
            team_id=teams[team].id,
            practitioner_id=practitioner.id,
            listed_month=date(2026, 9, 1),
        )
        db.session.add(case)
        db.session.flush()
        for status in ("sampled", "swapped", "allocated", "in_progress", "completed"):
            records.append(
                CaseAudit(
                    case_id=case.id,
                    month=date(2026, 9, 1),
                    status=status,
                    team_id=teams[team].id,
                    practitioner_id=practitioner.id,
                    auditor_id=None if status == "sampled" else people["observer"].id,
                )
            )
    db.session.add_all(records)
    db.session.commit()
    _agree(people, records, case_audits.can_view, case_audits.list_condition, CaseAudit)
    assert not case_audits.can_view(people["no-area-manager"], records[0])


def test_record_rules_ask_no_query_of_a_loaded_record(council, make_action):
    """Opening a loaded record's page checks the rule without reading the database; a
    completed case-file audit asks one question only when all else allows it (is the
    reader moderating it?), and a list of them asks it once for the whole list."""
    from datetime import date

    from test_queries import counted

    from qaweb.case_audits import services as case_audits
    from qaweb.case_audits.models import CaseAudit, CaseFile
    from qaweb.supervision import services as supervision
    from qaweb.supervision.models import SupervisionAudit

    teams, people = council
    case = CaseFile(
        case_number="Q1",
        team_id=teams["brambles"].id,
        practitioner_id=people["pat"].id,
        listed_month=date(2026, 9, 1),
    )
    db.session.add(case)
    db.session.flush()
    audits = [
        CaseAudit(
            case_id=case.id,
            month=date(2026, 9, 1),
            status=status,
            team_id=teams["brambles"].id,
            practitioner_id=people["pat"].id,
            auditor_id=people["observer"].id,
        )
        for status in ("in_progress", "completed", "completed")
    ]
    supervision_audit = SupervisionAudit(
        year=2026,
        supervisor_id=people["tara"].id,
        auditor_id=people["observer"].id,
        team_id=teams["brambles"].id,
        due_on=date(2026, 9, 1),
        status="completed",
    )
    db.session.add_all([*audits, supervision_audit])
    db.session.commit()
    action = make_action(people["pat"])
    everyone = list(people.values())
    for person in everyone:  # load what the rules read, as the page's loader has
        _ = person.roles, person.team
    records = [db.session.get(CaseAudit, a.id) for a in audits]
    supervision_audit = db.session.get(SupervisionAudit, supervision_audit.id)
    action = db.session.get(Action, action.id)
    with counted() as statements:
        for person in everyone:
            supervision.can_view(person, supervision_audit)
            actions.can_view(person, action)
            case_audits.can_view(person, records[0])  # in progress: nobody moderates it
            case_audits.can_view(people["wyn"], records[1])  # refused without asking
    assert statements == []
    with counted() as statements:
        assert case_audits.can_view(people["qa_officer"], records[1])
    assert len(statements) == 1
    with counted() as statements:
        blinded = case_audits.blinded_among(people["qa_officer"], records)
        readable = [a for a in records if case_audits.can_view(people["qa_officer"], a, blinded)]
    assert len(statements) == 1 and len(readable) == 3

    # Moderating the second audit (not yet graded), the QA officer may not read it: the
    # list's one question and the page's own agree.
    from qaweb.moderation.models import ModerationLine, ModerationSample

    sample = ModerationSample(month=date(2026, 9, 1), seed=1, share=10)
    db.session.add(sample)
    db.session.flush()
    db.session.add(
        ModerationLine(
            sample_id=sample.id, audit_id=records[1].id, moderator_id=people["qa_officer"].id
        )
    )
    db.session.commit()
    officer = people["qa_officer"]
    blinded = case_audits.blinded_among(officer, records)
    assert blinded == {records[1].id}
    for audit in records:
        assert case_audits.can_view(officer, audit, blinded) == case_audits.can_view(officer, audit)
    assert not case_audits.can_view(officer, records[1])
