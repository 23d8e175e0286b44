from sqlalchemy import func, select

from qaweb.actions.models import Action
from qaweb.core.permissions import ROLES
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.tools.models import Tool


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_seed_command_loads_an_empty_database_and_prints_the_sign_ins(tmp_path):
    """The command itself, once (SQLite): every other test reads a copy of the demo that the
    run seeded once per engine (``demo_copy``)."""
    from flask_migrate import upgrade
    from support import make_app

    from qaweb.practice_week.models import Observation

    app = make_app(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    with app.app_context():
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed", "demo"])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Demo council loaded: ")
        # The meetings' actions (those raised by observations, audits, moderation and
        # complaints are counted with their records).
        meetings = db.session.scalar(
            select(func.count())
            .select_from(Action)
            .where(
                Action.source_type.not_in(["observation", "case_audit", "moderation", "complaint"])
            )
        )
        assert f" {meetings:,} actions" in result.output
        assert f"{count(Observation):,} observations" in result.output
        for role_label in ROLES.values():
            assert role_label in result.output
        assert "qa.officer@demo-council.example" in result.output
        db.session.remove()
        db.engine.dispose()


def test_demo_council(demo_copy):
    with demo_copy() as app:
        _the_demo_council(app.test_cli_runner())


def _the_demo_council(runner):
    assert count(ServiceArea) == 6
    assert 18 <= count(Team) <= 22
    assert 180 <= count(User) <= 230
    roles = set(db.session.scalars(select(UserRole.role).distinct()))
    assert roles == set(ROLES)
    unpaired = db.session.scalar(select(func.count()).where(Team.paired_team_id.is_(None)))
    assert unpaired == 0
    assert 500 <= count(Action) <= 720  # a few of them remedial actions from moderation
    tools = list(db.session.scalars(select(Tool)))
    assert {t.kind for t in tools} == {
        "supervision_audit",
        "supervisee_feedback",
        "practice_observation",
        "family_feedback",
        "case_file_audit",
        "dip_sample",
    }
    assert all(t.council == "Wokingham" and t.current is not None for t in tools)
    # Dip samples: last quarter's finished, this month's under way with the demo team
    # manager's cases still to answer.
    from qaweb.dip_samples.models import TO_DO, DipSample, DipSampleCase

    finished, current = db.session.scalars(select(DipSample).order_by(DipSample.id)).all()
    statuses = dict(
        db.session.execute(
            select(DipSampleCase.status, func.count())
            .where(DipSampleCase.dip_sample_id == finished.id)
            .group_by(DipSampleCase.status)
        ).all()
    )
    assert list(statuses) == ["done"] and statuses["done"] >= 60
    manager = db.session.scalar(select(User).where(User.email.startswith("team.manager@")))
    to_do = db.session.scalar(
        select(func.count()).where(
            DipSampleCase.dip_sample_id == current.id,
            DipSampleCase.sampler_id == manager.id,
            DipSampleCase.status == TO_DO,
        )
    )
    assert to_do >= 3

    # Case-file audit samples come from casework teams only: none from the QA teams.
    from qaweb.case_audits.models import CaseAudit, CaseFile
    from qaweb.complaints.models import Complaint, ComplaintStage

    audited_areas = set(
        db.session.scalars(
            select(ServiceArea.name)
            .join(Team, Team.service_area_id == ServiceArea.id)
            .join(CaseAudit, CaseAudit.team_id == Team.id)
            .distinct()
        )
    )
    listed_areas = set(
        db.session.scalars(
            select(ServiceArea.name)
            .join(Team, Team.service_area_id == ServiceArea.id)
            .join(CaseFile, CaseFile.team_id == Team.id)
            .distinct()
        )
    )
    assert "Quality Assurance and Safeguarding" not in audited_areas | listed_areas
    assert len(audited_areas) == 5
    # Some upheld complaints have learning actions in the shared tracker, done and open.
    learning = db.session.execute(
        select(Action.status, ComplaintStage.outcome, Complaint.learning)
        .join(Complaint, Complaint.id == Action.source_id)
        .join(ComplaintStage, ComplaintStage.complaint_id == Complaint.id)
        .where(Action.source_type == "complaint", ComplaintStage.stage == 1)
    ).all()
    assert len(learning) >= 3
    assert all(outcome in ("upheld", "partly_upheld") and text for _, outcome, text in learning)
    assert {status for status, _, _ in learning} >= {"open", "completed"}

    # Loading again into a database that has people is refused, or skipped with --if-empty.
    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code != 0 and "already has people" in again.output
    quiet = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert quiet.exit_code == 0 and "was not loaded again" in quiet.output
    assert count(ServiceArea) == 6


def test_demo_is_deterministic_and_scales(demo_copy):
    with demo_copy(scale=2):
        _the_demo_scales()


def _the_demo_scales():
    from qaweb.complaints.models import Complaint, ComplaintStage, Compliment
    from qaweb.demo import scale
    from qaweb.supervision.models import SupervisionAudit
    from qaweb.tools.models import Answer

    # One step above the everyday demo: each module grows by its per-step volume.
    # The meetings' actions grow with the scale; the demo's observations, case-file audits and
    # upheld complaints raise a few more.
    meetings = db.session.scalar(
        select(func.count())
        .select_from(Action)
        .where(Action.source_type.not_in(["observation", "case_audit", "moderation", "complaint"]))
    )
    assert meetings == 600 + scale.ACTIONS_PER_STEP
    # Forty logged, one not accepted, one that went to the Ombudsman, three showing points
    # (a Stage 2 with its people and a linked pair), and
    # three brought in from the old log (with their old references).
    assert count(Complaint) == 40 + 2 + 3 + 3 + scale.COMPLAINTS_PER_STEP
    imported = db.session.scalars(
        select(Complaint.legacy_reference).where(Complaint.legacy_reference.is_not(None))
    )
    assert sorted(imported) == ["LOG-0412", "LOG-0415", "LOG-0419"]
    assert count(ComplaintStage) > count(Complaint)
    assert count(Compliment) == 30 + scale.COMPLIMENTS_PER_STEP
    assert count(SupervisionAudit) > scale.AUDITS_PER_STEP
    assert count(Answer) > scale.AUDITS_PER_STEP * 30
    assert count(ServiceArea) == 7
    staff = count(User)
    first_names = list(db.session.scalars(select(User.email).order_by(User.id).limit(20)))
    assert staff > 200
    # The same seed gives the same people.
    from qaweb.demo import builder

    assert builder.demo_sign_ins()[0][1] == "practitioner@demo-council.example"
    assert first_names == sorted(first_names, key=first_names.index)
    # Complaint references stay unique per year however many are loaded.
    references = count(Complaint)
    distinct = db.session.scalar(select(func.count(func.distinct(Complaint.reference))))
    assert distinct == references

    # Observations grow in proportion too, over a spring and an autumn week each year since
    # 2020, with their forms, and nobody observing or observed in two places at once.
    from qaweb.practice_week.models import Observation, PracticeWeek
    from qaweb.tools.models import Response

    # The everyday demo's two weeks hold about forty; every one asked for is grown.
    grown = count(Observation) - scale.OBSERVATIONS_PER_STEP
    assert 30 <= grown <= 50
    first_week = db.session.scalar(select(func.min(PracticeWeek.starts_on)))
    assert first_week.year == 2020 and count(PracticeWeek) >= 12
    statuses = dict(
        db.session.execute(
            select(Observation.status, func.count()).group_by(Observation.status)
        ).all()
    )
    assert statuses["completed"] > 0.7 * count(Observation)
    assert statuses["not_held"] and statuses["cancelled"] and statuses["scheduled"]
    unrecorded = db.session.scalar(
        select(func.count()).where(
            Observation.status == "completed", Observation.response_id.is_(None)
        )
    )
    assert unrecorded == 0
    forms = db.session.scalar(
        select(func.count())
        .select_from(Response)
        .where(Response.subject_type.in_(["observation", "observation_family"]))
    )
    assert forms > statuses["completed"]
    first, second = Observation.__table__.alias(), Observation.__table__.alias()
    booked = ("requested", "scheduled", "completed")
    double_booked = db.session.scalar(
        select(func.count())
        .select_from(first)
        .join(
            second,
            (first.c.id < second.c.id)
            & (first.c.starts_at < second.c.ends_at)
            & (second.c.starts_at < first.c.ends_at)
            & (
                first.c.observer_id.in_([second.c.observer_id, second.c.practitioner_id])
                | first.c.practitioner_id.in_([second.c.observer_id, second.c.practitioner_id])
            ),
        )
        .where(first.c.status.in_(booked), second.c.status.in_(booked))
    )
    assert double_booked == 0


def test_records_saved_after_the_demo_get_free_ids(demo_copy):
    """Staff and history go in with explicit ids; the next record saved must not collide."""
    with demo_copy(scale=2):
        _new_records_get_free_ids()


def _new_records_get_free_ids():
    from qaweb.complaints.models import Complaint
    from qaweb.core.timefmt import today_london
    from qaweb.tools.models import Answer

    team = db.session.scalars(select(Team)).first()
    person = User(
        first_name="New", last_name="Starter", email="new.starter@demo-council.example", team=team
    )
    db.session.add(person)
    db.session.flush()
    assert person.id == db.session.scalar(select(func.max(User.id)))
    action = Action(
        source_type="qa_board", description="Check", owner=person, due_on=today_london()
    )
    db.session.add(action)
    db.session.flush()
    assert action.id > count(Action) - 1
    assert count(Complaint) and count(Answer)
