"""The demo's practice weeks: last spring's, closed and reported, and this week's, under way."""

from datetime import date, time, timedelta

from sqlalchemy import insert, select

from qaweb.actions.services import raise_action
from qaweb.core import grading
from qaweb.core.permissions import OBSERVER, PRACTITIONER, SERVICE_MANAGER, TEAM_MANAGER
from qaweb.extensions import db
from qaweb.organisation.models import User, UserRole
from qaweb.practice_week import services, sessions
from qaweb.practice_week.models import (
    CLOSED,
    COMPLETED,
    DECLINED,
    GIVEN,
    NOT_APPROPRIATE,
    OPEN,
    LearningMaterial,
    LearningSession,
    LearningTheme,
    MeetingType,
    PracticeWeek,
    observation_theme,
)
from qaweb.tools.services import current_version

REFLECTIONS = [
    "The practitioner felt the meeting kept the child at the centre and would use the same "
    "visual plan again; they would give the father more time to speak.",
    "They reflected that the agenda was too full and the family's strengths were only named "
    "at the end; next time they will start with what is going well.",
    "The practitioner valued the feedback on summarising decisions in plain words and will "
    "send the family a written note after each meeting.",
]
SLOTS = [(time(9, 30), time(11)), (time(11, 30), time(13)), (time(14), time(15, 30))]


def _people(*roles, exclude_roles=()):
    holders = select(UserRole.user_id).where(UserRole.role.in_(roles))
    stmt = select(User).where(User.id.in_(holders), User.active.is_(True))
    if exclude_roles:
        stmt = stmt.where(
            User.id.not_in(select(UserRole.user_id).where(UserRole.role.in_(exclude_roles)))
        )
    return list(db.session.scalars(stmt.order_by(User.id)))


def _tool(kind):
    return current_version(kind)


def build(
    rng,
    today: date,
    organiser_id: int,
    observer_id: int,
    practitioner_id: int,
    team_manager_id: int,
) -> int:
    """Two weeks of practice week; returns the number of observations."""
    organiser = db.session.get(User, organiser_id)
    levels = grading.levels()
    observers = _people(OBSERVER, SERVICE_MANAGER, TEAM_MANAGER)
    practitioners = _people(PRACTITIONER, exclude_roles=(TEAM_MANAGER, SERVICE_MANAGER, OBSERVER))
    meeting_types = list(db.session.scalars(select(MeetingType).order_by(MeetingType.id)))
    themes = list(db.session.scalars(select(LearningTheme).order_by(LearningTheme.id)))
    observation_tool = _tool("practice_observation")
    family_tool = _tool("family_feedback")

    monday = today - timedelta(days=today.weekday())
    earlier = monday - timedelta(weeks=27)
    weeks = [
        PracticeWeek(
            theme="Working with fathers and male carers",
            starts_on=earlier,
            ends_on=earlier + timedelta(days=4),
            description="How we see, hear and include fathers and male carers in our work "
            "with children, from the first contact to the plan.",
            status=OPEN,  # closed once its observations are in
            observation_tool=observation_tool,
            family_tool=family_tool,
            target_roles=[SERVICE_MANAGER, TEAM_MANAGER],
        ),
        PracticeWeek(
            theme="Relationship-based practice",
            starts_on=monday,
            ends_on=monday + timedelta(days=4),
            description="Relationships are the heart of our practice model. This week we look "
            "at how we build them with children and families, and what gets in the way.",
            status=OPEN,
            observation_tool=observation_tool,
            family_tool=family_tool,
            target_roles=[SERVICE_MANAGER, TEAM_MANAGER],
        ),
    ]
    db.session.add_all(weeks)
    db.session.flush()
    made = 0
    theme_rows = []
    for index, week in enumerate(weeks):
        past = index == 0
        demo_observer = db.session.get(User, observer_id)
        demo_practitioner = db.session.get(User, practitioner_id)
        pairs = []
        pool_o = [o for o in observers if o.id != observer_id]
        pool_p = [p for p in practitioners if p.id != practitioner_id]
        rng.shuffle(pool_o)
        rng.shuffle(pool_p)
        count = 24 if past else 16
        for n in range(count):
            pairs.append((pool_o[n % len(pool_o)], pool_p[n % len(pool_p)]))
        if not past:
            # The demo observer records one today and has one later in the week; the demo
            # practitioner is observed on Wednesday.
            pairs[0] = (demo_observer, pairs[0][1])
            pairs[7] = (demo_observer, pairs[7][1])
            pairs[8] = (pairs[8][0], demo_practitioner)
        for n, (observer, practitioner) in enumerate(pairs):
            day = week.starts_on + timedelta(days=(n // 3) % 5)
            start, end = SLOTS[n % 3]
            booking = services.Booking(
                observer=observer,
                practitioner=practitioner,
                meeting_type_id=meeting_types[n % len(meeting_types)].id,
                starts_at=services.at_london(day, start),
                ends_at=services.at_london(day, end),
                place="Teams"
                if n % 4 == 0
                else rng.choice(["Family home", "Civic Offices, room 3", "Family hub", "School"]),
                is_virtual=n % 4 == 0,
                case_reference=f"{rng.randint(100000, 999999)}",
                family_agreed=past or n % 5 != 4,
                notes="Meet the practitioner ten minutes before." if n % 3 == 0 else "",
            )
            try:
                with db.session.begin_nested():
                    observation = services.schedule(week, booking, organiser)
            except services.PracticeWeekError:
                continue
            made += 1
            if past or (not past and n < 2 and observer.id != observer_id):
                if past and n % 8 == 7:
                    services.did_not_take_place(
                        observation,
                        rng.choice(["family_cancelled", "practitioner_unavailable"]),
                        "",
                    )
                    continue
                _record(rng, observation, observer, levels, themes, theme_rows)
                if n % 5 == 0:
                    raise_action(
                        source_type="observation",
                        source_id=observation.id,
                        source_label=f"{observation.reference}, {practitioner.name}",
                        description="Share the visual plan approach at the team meeting",
                        owner=practitioner,
                        due_on=day + timedelta(days=28),
                        raised_by=observer,
                    )
        if not past:
            # Two meetings team managers offered, waiting for an observer.
            for n in range(2):
                practitioner = pool_p[-(n + 1)]
                day = week.starts_on + timedelta(days=3 + n)
                services.schedule(
                    week,
                    services.Booking(
                        observer=None,
                        practitioner=practitioner,
                        meeting_type_id=meeting_types[n].id,
                        starts_at=services.at_london(day, time(10)),
                        ends_at=services.at_london(day, time(11)),
                        place="Family hub",
                        case_reference=f"{rng.randint(100000, 999999)}",
                        family_agreed=True,
                    ),
                    db.session.get(User, team_manager_id),
                )
                made += 1
            _sessions(rng, week, practitioners)
            _materials(week)
    weeks[0].status = CLOSED
    if theme_rows:
        db.session.execute(insert(observation_theme), theme_rows)
    db.session.flush()
    return made


def _record(rng, observation, observer, levels, themes, theme_rows):
    from qaweb.demo.data import complete_response as _complete_response

    response = services.start_record(observation, observer)
    db.session.flush()
    _complete_response(rng, response, observer.id, levels, good_bias=rng.randint(3, 6))
    for whose, choice in (
        ("family", rng.choices([GIVEN, DECLINED, NOT_APPROPRIATE], [7, 2, 1])[0]),
        ("child", rng.choices([GIVEN, DECLINED, NOT_APPROPRIATE], [4, 1, 3])[0]),
    ):
        services.set_feedback(observation, whose, choice, observer)
        given = getattr(observation, f"{whose}_response")
        if given is not None:
            db.session.flush()
            _complete_response(rng, given, observer.id, levels, good_bias=3)
    observation.reflections = rng.choice(REFLECTIONS)
    for theme in rng.sample(themes, rng.randint(1, 3)):
        theme_rows.append({"observation_id": observation.id, "theme_id": theme.id})
    observation.status = COMPLETED
    observation.completed_at = observation.ends_at + timedelta(hours=3)


def _sessions(rng, week, staff):
    plans = [
        (
            "Appreciative inquiry: keeping a sibling group together",
            1,
            time(12, 30),
            time(13, 30),
            30,
            12,
        ),
        (
            "Appreciative inquiry: a father back in his son's life",
            3,
            time(12, 30),
            time(13, 30),
            5,
            7,
        ),
        (
            "Building relationships with teenagers: a live learning session",
            4,
            time(10),
            time(11),
            40,
            4,
        ),
    ]
    people = [p for p in staff]
    rng.shuffle(people)
    taken = 0
    for title, offset, start, end, capacity, wanted in plans:
        day = week.starts_on + timedelta(days=offset)
        session = LearningSession(
            week=week,
            title=title,
            description="Two workers present the background of the case, then a practice "
            "consultant interviews them about the breakthroughs and the challenges. Questions "
            "are kept for the end.",
            presenters="Two social workers from the team that held the case",
            starts_at=services.at_london(day, start),
            ends_at=services.at_london(day, end),
            place="Civic Offices, council chamber" if offset != 4 else "",
            link="https://meet.example.org/practice-week" if offset == 4 else "",
            capacity=capacity,
        )
        db.session.add(session)
        db.session.flush()
        for person in people[taken : taken + wanted]:
            try:
                with db.session.begin_nested():
                    sessions.book(session, person)
            except services.PracticeWeekError:
                continue
        taken += wanted


def _materials(week):
    for title, url, description in [
        (
            "Learning pack: relationship-based practice",
            "https://www.example.org/learning/relationship-based-practice",
            "Articles, tools and our own audit learning on the theme, put together by the "
            "policy team.",
        ),
        (
            "Community Care Inform: building relationships with children",
            "https://www.ccinform.co.uk/",
            "Guides and case studies (sign in with your council account).",
        ),
    ]:
        db.session.add(LearningMaterial(week=week, title=title, url=url, description=description))
