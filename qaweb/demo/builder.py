"""Builds the demo council with a fixed random seed, so every run gives the same data.

Modelled on Wokingham's Children's Services. People are fictional. Bulk inserts keep
``--scale`` runs quick; change history starts from the demo's creation.
"""

import random
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, insert, select
from werkzeug.security import generate_password_hash

from qaweb.actions.models import CANCELLED, COMPLETED, OPEN, Action
from qaweb.core import permissions as p
from qaweb.core.db import utcnow
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import today_london
from qaweb.demo import case_audits, practice_weeks
from qaweb.demo import scale as scale_data
from qaweb.demo.data import (
    ACTIONS,
    AREAS,
    COUNCIL,
    DEMO_NOTES,
    DEMO_PASSWORD,
    DEMO_ROLES,
    DOMAIN,
    FIRST,
    LAST,
    MEETINGS,
    complete_response,
)
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, Team, User, UserRole
from qaweb.tools.services import load_files, starter_files


def has_people() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


def demo_sign_ins() -> list[tuple[str, str, str]]:
    emails = [f"{prefix}@{DOMAIN}" for _, prefix, _ in DEMO_ROLES]
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    return [
        (p.ROLES[role], email, found[email].name)
        for (role, _, _), email in zip(DEMO_ROLES, emails, strict=True)
        if email in found
    ]


def build(scale: int = 1) -> dict[str, int]:
    rng = random.Random(2026)
    today = today_london()
    now = utcnow()
    password_hash = generate_password_hash(
        DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    set_setting("council_name", COUNCIL)

    # Service areas and teams, paired within the area where possible (round robin).
    teams: list[Team] = []
    area_teams: dict[str, list[Team]] = {}
    for area_name, team_names in AREAS.items():
        area = ServiceArea(name=area_name)
        db.session.add(area)
        area_teams[area_name] = []
        for team_name in team_names:
            team = Team(name=team_name, service_area=area)
            db.session.add(team)
            teams.append(team)
            area_teams[area_name].append(team)
    for extra in range(1, scale):
        area = ServiceArea(name=f"Locality {extra}")
        db.session.add(area)
        area_teams[area.name] = []
        for n in range(1, 5):
            team = Team(name=f"Locality {extra} Team {n}", service_area=area)
            db.session.add(team)
            teams.append(team)
            area_teams[area.name].append(team)
    db.session.flush()
    for group in area_teams.values():
        for i, team in enumerate(group):
            partner = group[(i + 1) % len(group)] if len(group) > 1 else None
            if partner is None:
                partner = teams[(teams.index(team) + 1) % len(teams)]
            team.paired_team_id = partner.id
    db.session.flush()

    # Staff: per team a manager, an assistant manager and practitioners.
    people: list[dict] = []
    roles: list[dict] = []
    used: set[str] = set()

    def email_for(first, last):
        base = f"{first}.{last}".lower()
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}{n}"
        used.add(candidate)
        return f"{candidate}@{DOMAIN}"

    def add_person(first, last, title, team, role_names, email=None, manager=None):
        person_id = len(people) + 1
        people.append(
            {
                "id": person_id,
                "email": email or email_for(first, last),
                "first_name": first,
                "last_name": last,
                "job_title": title,
                "team_id": team.id if team else None,
                "line_manager_id": manager,
                "active": True,
                "password_hash": password_hash,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        roles.extend({"user_id": person_id, "role": r} for r in role_names)
        return person_id

    def name():
        return rng.choice(FIRST), rng.choice(LAST)

    area_manager: dict[int, int] = {}
    team_manager: dict[int, int] = {}
    for area_name, group in area_teams.items():
        first, last = name()
        sm = add_person(
            first, last, f"Service Manager, {area_name}", group[0], [p.SERVICE_MANAGER, p.OBSERVER]
        )
        for team in group:
            area_manager[team.id] = sm
    for team in teams:
        first, last = name()
        tm = add_person(
            first, last, "Team Manager", team, [p.TEAM_MANAGER], manager=area_manager[team.id]
        )
        team_manager[team.id] = tm
        first, last = name()
        atm = add_person(first, last, "Assistant Team Manager", team, [p.TEAM_MANAGER], manager=tm)
        first, last = name()
        senior = add_person(first, last, "Senior Practitioner", team, [p.PRACTITIONER], manager=tm)
        for n in range(rng.randint(6, 9)):
            # Supervision is shared: the team manager, the assistant and a senior practitioner.
            supervisor = (tm, atm, atm, senior)[n % 4]
            first, last = name()
            title = rng.choice(
                [
                    "Social Worker",
                    "Senior Social Worker",
                    "Family Practitioner",
                    "Advanced Practitioner",
                ]
            )
            add_person(first, last, title, team, [p.PRACTITIONER], manager=supervisor)

    # The named demo sign-ins, one per role.
    qa_team = next(t for t in teams if t.name == "Impact and Inspection")
    demo_team = next(t for t in teams if t.name == "Brambles")
    demo_names = {
        "practitioner": ("Priya", "Shah"),
        "team.manager": ("Tom", "Reid"),
        "service.manager": ("Sarah", "Okafor"),
        "observer": ("Helen", "Marsh"),
        "organiser": ("Owen", "Price"),
        "qa.officer": ("Quinn", "Adebayo"),
        "qa.board": ("Beatrice", "Lowe"),
        "complaints": ("Carys", "Morgan"),
        "admin": ("Alex", "Dunn"),
    }
    demo_ids = {}
    for role, prefix, title in DEMO_ROLES:
        first, last = demo_names[prefix]
        team = demo_team if role in (p.PRACTITIONER, p.TEAM_MANAGER, p.SERVICE_MANAGER) else qa_team
        demo_ids[prefix] = add_person(first, last, title, team, [role], email=f"{prefix}@{DOMAIN}")
    people[demo_ids["practitioner"] - 1]["line_manager_id"] = demo_ids["team.manager"]
    people[demo_ids["team.manager"] - 1]["line_manager_id"] = demo_ids["service.manager"]

    # Offset ids past anything already in the table (the table is empty in practice).
    offset = db.session.scalar(select(func.coalesce(func.max(User.id), 0)))
    for person in people:
        person["id"] += offset
        if person["line_manager_id"]:
            person["line_manager_id"] += offset
    for role in roles:
        role["user_id"] += offset
    db.session.execute(
        insert(User), [{k: v for k, v in r.items() if k != "line_manager_id"} for r in people]
    )
    db.session.execute(insert(UserRole), roles)
    db.session.execute(
        User.__table__.update()
        .where(User.__table__.c.id == bindparam("pid"))
        .values(line_manager_id=bindparam("lm")),
        [{"pid": r["id"], "lm": r["line_manager_id"]} for r in people if r["line_manager_id"]],
    )

    # A year of actions, owned mostly by managers and practitioners.
    action_rows = []
    owners = people
    qa_officer_id = demo_ids["qa.officer"] + offset
    for i in range(600):
        owner = rng.choice(owners)
        if i % 9 == 0:
            owner = people[demo_ids[rng.choice(["practitioner", "team.manager", "qa.officer"])] - 1]
        raised = today - timedelta(days=rng.randint(0, 365))
        due = raised + timedelta(days=rng.choice([7, 14, 28, 42, 60, 90]))
        status = OPEN
        roll = rng.random()
        if due < today and roll < 0.7 or due >= today and roll < 0.25:
            status = COMPLETED
        elif roll > 0.95:
            status = CANCELLED
        source_type = rng.choice(list(MEETINGS))
        meeting_day = raised - timedelta(days=rng.randint(0, 10))
        completed_on = None
        if status == COMPLETED:
            completed_on = min(today, raised + timedelta(days=rng.randint(1, 80)))
        verified = completed_on is not None and rng.random() < 0.5
        action_rows.append(
            {
                "source_type": source_type,
                "source_id": None,
                "source_label": f"Meeting of {meeting_day.day} {meeting_day:%B %Y}",
                "description": rng.choice(ACTIONS),
                "owner_id": owner["id"],
                "team_id": owner["team_id"],
                "due_on": due,
                "status": status,
                "completed_on": completed_on,
                "completed_by_id": owner["id"] if completed_on else None,
                "evidence": "Recorded on the child's file; see case note." if completed_on else "",
                "verified_by_id": qa_officer_id if verified else None,
                "verified_at": now if verified else None,
                "cancelled_reason": "Superseded by a later action." if status == CANCELLED else "",
                "raised_by_id": qa_officer_id,
                "version": 1,
                "created_at": now - (today - raised),
                "updated_at": now,
            }
        )
    for start in range(0, len(action_rows), 5000):
        db.session.execute(insert(Action), action_rows[start : start + 5000])

    # The council's QA tools: the Wokingham set, published.
    tools = load_files(starter_files("wokingham"), publish=True)
    db.session.commit()
    audits = _supervision_year(
        rng, today, demo_ids["qa.officer"] + offset, demo_ids["team.manager"] + offset
    )
    thematic = _thematic_year(today, demo_ids["qa.officer"] + offset, demo_ids["qa.board"] + offset)
    complaints = _complaints_year(rng, today)
    complaints += _old_log(today, demo_ids["complaints"] + offset)
    observations = practice_weeks.build(
        rng,
        today,
        organiser_id=demo_ids["organiser"] + offset,
        observer_id=demo_ids["observer"] + offset,
        practitioner_id=demo_ids["practitioner"] + offset,
        team_manager_id=demo_ids["team.manager"] + offset,
    )
    db.session.commit()
    council = scale_data.Council(
        rng=random.Random(2026 * scale),
        scale=scale,
        today=today,
        now=now,
        people=people,
        teams=teams,
        qa_officer_id=qa_officer_id,
    )
    case_audit_counts = case_audits.build(
        council, {key: value + offset for key, value in demo_ids.items()}
    )
    db.session.commit()
    council.counts = {}
    grown = scale_data.grow(council)
    # Rows inserted with explicit ids (staff, and the history above) leave PostgreSQL's
    # sequences behind: move them on so the next record saved gets a free id.
    scale_data.sync_sequences()
    db.session.commit()
    _qa_report(today, qa_officer_id)
    db.session.commit()
    moderation_counts = _moderation(today, qa_officer_id)
    db.session.commit()
    from qaweb.demo import dip_samples

    dip_sample_counts = dip_samples.build(today, qa_officer_id, demo_ids["team.manager"] + offset)
    db.session.commit()
    counts = {
        "QA tools": len(tools),
        "supervision audits": audits,
        "thematic audits": thematic,
        "complaints": complaints,
        "observations": observations,
        "service areas": len(area_teams),
        "teams": len(teams),
        "staff": len(people),
        "actions": len(action_rows),
    }
    counts.update(case_audit_counts)
    counts.update(moderation_counts)
    counts.update(dip_sample_counts)
    for name, added in grown.items():
        counts[name] = counts.get(name, 0) + added
    from qaweb.tools.models import Answer

    counts["tool answers"] = db.session.scalar(select(func.count()).select_from(Answer))
    return counts


def _supervision_year(rng, today, planner_id, demo_auditor_id) -> int:
    """This year's plan confirmed, and audits at every stage, as a council would be part-way."""
    from qaweb.core import grading
    from qaweb.supervision import services as sup

    year = sup.year_for(today)
    first, last = sup.year_bounds(year)
    planner = db.session.get(User, planner_id)
    levels = grading.levels()
    audits = []
    for line in sup.propose_plan(year, first_auditor_id=demo_auditor_id):
        if line.supervisor is not None:
            audits.append(sup.confirm_line(year, line.auditor, line.supervisor, last, planner))
    elapsed = max(0.0, min(1.0, (today - first).days / 365))
    for audit in audits:
        if audit.auditor_id == demo_auditor_id:
            continue  # left planned, for trying the journey
        roll = rng.random()
        if roll > elapsed + 0.15:
            continue
        auditor = audit.auditor
        sup.start(audit, auditor)
        audit.audited_on = today - timedelta(days=rng.randint(10, 120))
        audit.files_reviewed = rng.randint(2, 4)
        audit.children_records = rng.randint(3, 8)
        audit.period_covered = "The last six months"
        audit.strengths = rng.choice(DEMO_NOTES[:2] + DEMO_NOTES[3:])
        audit.development = rng.choice(DEMO_NOTES[1:3])
        db.session.flush()
        complete_response(rng, audit.response, auditor.id, levels, good_bias=rng.randint(1, 5))
        supervisees = sup.supervisees_of(audit.supervisor)[:3]
        requests = sup.request_feedback(audit, supervisees, today + timedelta(days=14))
        stage = rng.random()
        for request in requests:
            if stage > 0.3 or rng.random() < 0.5:
                db.session.flush()
                complete_response(rng, request.response, request.supervisee_id, levels, 3)
                sup.feedback_answered(request)
        sup.finish_audit(audit)
        if audit.status == "ready_for_reflective" and stage > 0.45:
            sup.record_reflective(
                audit,
                min(today, audit.audited_on + timedelta(days=21)),
                "Findings discussed; the supervisor agreed the actions.",
            )
    db.session.flush()
    return len(audits)


def _moderation(today, qa_officer_id) -> dict[str, int]:
    """A year of moderation samples: each past month's completed audits, drawn with the
    council's share, every Inadequate audit and each auditor's first audit."""
    from qaweb.case_audits.services import add_months
    from qaweb.moderation import services
    from qaweb.organisation.models import User

    officer = db.session.get(User, qa_officer_id)
    rules = services.parse_rules("every Inadequate\nfirst 1")
    this_month = today.replace(day=1)
    rng = random.Random(18)
    lines = moderated = 0
    for back in range(12, 0, -1):
        month = add_months(this_month, -back)
        if services.completed_count(month):
            sample = services.draw(month, services.default_share(), rules, officer, 2026 + back)
            lines += len(sample.lines)
            if back > 1:  # last month's sample is left to moderate
                moderated += sum(_moderate(rng, line) for line in sample.lines)
    return {"moderation lines": lines, "moderations": moderated, **_panels(today, officer, rng)}


REASONS = {
    "down": (
        "The plan has no timescales or contingency, so it cannot drive change for the child.",
        "The child's lived experience is described by adults only; the child was not seen alone.",
        "Risks from the father's return home are named but not analysed.",
        "Supervision records tasks but not reflection on the child's progress.",
    ),
    "up": (
        "The chronology is current and the analysis of cumulative harm is strong.",
        "The child's wishes are recorded in their own words and shaped the plan.",
    ),
}
FEEDBACK = {
    "good_practice": (
        "A thorough read of the whole file, with the sources listed.",
        "Clear evidence for each grade, quoting the case record.",
        "The conversation with the practitioner is recorded with their reflections.",
    ),
    "development_areas": (
        "Weigh the plan against the child's needs, not only whether it exists.",
        "Grade on impact for the child rather than on compliance with timescales.",
        "Say what good would look like where a grade is Requires improvement.",
    ),
    "practice_comments": (
        "Direct work with the child is creative and well recorded.",
        "Management oversight is regular but does not test the plan.",
        "Partner agencies' views are gathered but not analysed.",
    ),
}
LEARNING = (
    "Plans across teams lack contingency: a practice note and a workshop at practice week.",
    "Fathers are often missing from assessments: raise at the next managers' meeting.",
    "Chronologies are not kept up to date after transfer between teams.",
    "Supervision records rarely show reflection on the child's lived experience.",
)


def _panels(today, officer, rng) -> dict[str, int]:
    """A Moderation Panel each month for the audits moderated in the month before: chaired
    by the Principal Social Worker with two practice consultants; the panel agrees with the
    moderator most often, changes some grades with reasons, gives feedback and learning,
    raises a few remedial actions. The latest meeting is still to confirm its outcomes."""
    from qaweb.actions.services import raise_action
    from qaweb.case_audits.services import action_due_date, add_months
    from qaweb.moderation import panel
    from qaweb.moderation.models import SELECTED, ModerationSample, PanelMeeting

    def team_people(name, count):
        return list(
            db.session.scalars(
                select(User)
                .join(Team, Team.id == User.team_id)
                .where(Team.name == name, User.active)
                .order_by(User.id)
                .limit(count)
            )
        )

    chair = (team_people("Principal Social Worker", 1) or [officer])[0]
    members = team_people("Impact and Inspection", 2)
    samples = list(db.session.scalars(select(ModerationSample).order_by(ModerationSample.month)))
    meetings = confirmed = changed = actions = 0
    latest = max((s.month for s in samples), default=None)
    for sample in samples:
        lines = [
            line
            for line in sample.lines
            if line.status == SELECTED and line.moderated_at is not None
        ]
        if not lines:
            continue
        held_on = min(today, add_months(sample.month, 1) + timedelta(days=19))
        meeting = PanelMeeting(held_on=held_on, chair_id=chair.id, notes="Monthly panel.")
        meeting.members = [m for m in members if m.id != chair.id]
        db.session.add(meeting)
        db.session.flush()
        meetings += 1
        # The sample before last month's: the newest moderated; its panel has not confirmed.
        waiting = sample.month == add_months(latest, -1) if latest else False
        for number, line in enumerate(lines):
            line.meeting_id = meeting.id
            if waiting and number % 2:
                continue  # not discussed yet
            db.session.flush()
            rows = panel.section_grades(line)
            chosen = {}
            for row in rows:
                agreed = row.moderator or row.auditor
                if row.auditor and row.moderator and rng.random() < 0.3:
                    agreed = row.auditor  # the panel sides with the auditor
                reason = ""
                if agreed and row.auditor and agreed.id != row.auditor.id:
                    side = "down" if agreed.position > row.auditor.position else "up"
                    reason = rng.choice(REASONS[side])
                chosen[row.key] = (agreed.id if agreed else None, reason)
            texts = {key: rng.choice(values) for key, values in FEEDBACK.items()}
            if rng.random() < 0.35:
                texts["learning_points"] = rng.choice(LEARNING)
            panel.save_outcome(line, chosen, texts)
            overall = chosen.get("overall", (None, ""))[0]
            changed += bool(overall and overall != line.audit.grade_level_id)
            if waiting:
                continue
            line.confirmed_at = datetime.combine(held_on, time(15), tzinfo=UTC)
            line.confirmed_by_id = chair.id
            confirmed += 1
            if rng.random() < 0.12:
                action = raise_action(
                    source_type="moderation",
                    source_id=line.id,
                    source_label=f"Moderation of {line.audit.reference}, case "
                    f"{line.audit.case.case_number}",
                    description="Add a contingency plan and review it in supervision.",
                    owner=line.audit.practitioner,
                    due_on=action_due_date(held_on),
                    raised_by=chair,
                )
                if action.due_on < today and rng.random() < 0.7:
                    action.status = COMPLETED
                    action.completed_on = min(today, held_on + timedelta(days=rng.randint(3, 20)))
                actions += 1
    db.session.flush()
    return {
        "panel meetings": meetings,
        "moderations confirmed": confirmed,
        "grades changed at panel": changed,
        "remedial actions from moderation": actions,
    }


def _moderate(rng, line) -> int:
    """Grade ``line``'s audit again as a moderator would: most grades agree, some a grade
    lower (auditors are often generous), a few a grade higher. Returns 1 when graded."""
    from qaweb.core import grading
    from qaweb.core.db import utcnow
    from qaweb.moderation import services
    from qaweb.organisation.models import User, UserRole
    from qaweb.tools.models import COMPLETED as FORM_DONE
    from qaweb.tools.models import Answer

    audit = line.audit
    if audit.response_id is None:
        return 0
    pool = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "service_manager", User.active)
        .order_by(User.id)
    ).all()
    fit = [u for u in pool if services.refusal(u, line) is None]
    if not fit:
        return 0
    moderator = rng.choice(fit)
    services.assign(line, moderator)
    response = services.start(line, moderator)
    scale = [g.id for g in grading.levels()]
    last = len(scale) - 1
    generous = rng.random() < 0.3  # this auditor runs above the panel more often
    for answer in audit.response.answers:
        if answer.grade_level_id is None:
            continue
        if answer.grade_level_id not in scale:
            continue
        position = scale.index(answer.grade_level_id)
        roll = rng.random()
        if roll < (0.3 if generous else 0.12):
            position = min(last, position + 1)
        elif roll > 0.95:
            position = max(0, position - 1)
        db.session.add(
            Answer(
                response_id=response.id,
                section_key=answer.section_key,
                question_key=answer.question_key,
                grade_level_id=scale[position],
            )
        )
    # Moderated within the panel's fortnight of the audit's completion, mostly.
    done = datetime.combine(
        audit.completed_on + timedelta(days=rng.randint(2, 16)), time(14), tzinfo=UTC
    )
    response.status = FORM_DONE
    response.completed_at = min(done, utcnow())
    response.completed_by_id = moderator.id
    line.moderated_at = response.completed_at
    db.session.flush()
    return 1


def _qa_report(today, qa_officer_id) -> None:
    """Last quarter's QA report for the whole council, drafted by the QA officer with the
    analysis of two sections written: ready to finish and submit to the QA Board."""
    from qaweb.qa_report import services as qa_report

    officer = db.session.get(User, qa_officer_id)
    report = qa_report.start(qa_report.last_quarter(today), None, officer)
    qa_report.save_analysis(
        report,
        "supervision",
        {
            "learned": "Coverage for the year is behind plan: most audits are booked for the "
            "second half of the year. The audits completed find case direction recorded "
            "well and the child's lived experience recorded less often.",
            "so_what": "Where supervision does not ask what life is like for the child, plans "
            "drift towards tasks for adults.",
            "next": "Team managers add a prompt on the child's day to the supervision template; "
            "the next quarter's audits check for it.",
        },
    )
    qa_report.save_analysis(
        report,
        "complaints",
        {
            "learned": "Most complaints were about communication: calls not returned and "
            "changes of social worker not explained.",
            "so_what": "Families lose trust when they hear about changes late.",
            "next": "A letter goes to families when their social worker changes; the "
            "complaints officer reports on call-backs at the next QA Operational Group.",
        },
    )


def _thematic_year(today, qa_officer_id, board_id) -> int:
    """This year's forward plan: one closed, one under way, one with the Board, one planned."""
    from qaweb.core import years
    from qaweb.thematic import services as thematic

    year = years.year_for(today)
    qa = db.session.get(User, qa_officer_id)
    board = db.session.get(User, board_id)
    themes = {t.name: t for t in thematic.themes()}
    start = years.year_bounds(year)[0]

    def terms(title, theme, lines, context):
        return {
            "title": title,
            "theme_id": theme.id,
            "theme": theme.name,
            "context": context,
            "prompted_by": ["core_audits", "improvement_plan"],
            "areas_ids": [],
            "areas": [],
            "teams_ids": [],
            "teams": [],
            "cohort": "",
            "sample_method": "random",
            "sample_size": 20,
            "lines": lines,
            "methodology": ["bespoke_tool", "interviews"],
            "tool_version_id": None,
            "tool": "",
            "lead_id": qa.id,
            "lead": qa.name,
            "members": ["Practice consultants"],
            "period_from": None,
            "period_to": None,
            "start_on": start.isoformat(),
            "fieldwork_end_on": (start + timedelta(days=60)).isoformat(),
            "report_due_on": (start + timedelta(days=90)).isoformat(),
            "board_on": None,
        }

    plan = [
        (1, "Care leavers' pathway plans", "Care leavers", "closed"),
        (2, "Neglect: drift in long-term plans", "Neglect", "in_progress"),
        (3, "Child exploitation: return home interviews", "Child exploitation", "submitted"),
        (4, "Voice of the child", "The voice of the child", "planned"),
    ]
    for quarter, title, theme_name, status in plan:
        theme = themes[theme_name]
        audit = thematic.add_to_plan(title, year, quarter, theme)
        if status == "planned":
            continue
        thematic.save_terms(
            audit,
            terms(
                title,
                theme,
                [
                    f"How well do plans for {theme_name.lower()} reflect the child's experience?",
                    "Is management oversight evident and effective?",
                ],
                f"Core audits this year raised questions about {theme_name.lower()}.",
            ),
        )
        thematic.submit(audit, qa)
        if status == "submitted":
            continue
        thematic.decide(audit, board, True, "Agreed.")
        thematic.advance(audit)
        thematic.add_finding(
            audit, "strength", "Children are seen regularly and alone.", "16 of 20 files"
        )
        thematic.add_finding(audit, "risk", "Plans drift when workers change.", "7 of 20 files")
        if status == "closed":
            thematic.advance(audit)
            thematic.advance(audit)
    return len(plan)


def _complaint_records(rng, today, teams, categories) -> int:
    """Three complaints showing the full record: one set out as three points, answered point
    by point at Stage 1 and now at Stage 2 with its investigating officer and independent
    person; a second from the same family, linked to it; a third with two points waiting for
    its Stage 1 response. Names and words are made up."""
    from qaweb.complaints import links, points
    from qaweb.complaints import services as complaints
    from qaweb.complaints.models import Complaint
    from qaweb.core.workdays import add_working_days, is_working_day

    def working_day_before(days):
        day = today - timedelta(days=days)
        while not is_working_day(day, statutory=True):
            day -= timedelta(days=1)
        return day

    team = teams[0]
    made = []
    for received, name, summary, wanted in (
        (
            working_day_before(56),
            "Dee Ashworth",
            "Mother says visits to her son were cancelled, her calls went unanswered and "
            "the plan for her son was changed without her.",
            [
                "Three planned visits in September were cancelled without notice.",
                "Calls and emails to the social worker were not returned for three weeks.",
                "The plan was changed at a meeting she was not invited to.",
            ],
        ),
        (
            working_day_before(20),
            "Lee Ashworth",
            "Father (same family) says he was left out of the plan for his son.",
            ["He was not told of the planning meeting."],
        ),
        (
            working_day_before(4),
            "Ravi Okafor",
            "A foster carer says the placement plan was not shared and respite was refused.",
            [
                "The placement plan was not shared with the carer.",
                "Respite was refused without a reason.",
            ],
        ),
    ):
        complaint = Complaint(
            received_on=received,
            received_how="email",
            complainant_type="parent",
            complainant_name=name,
            complainant_contact="Contact details on the council's system",
            child_reference=f"{rng.randint(100000, 999999)}",
            service_area_id=team.service_area_id,
            team_id=team.id,
            summary=summary,
            categories=categories[:1],
        )
        complaints.open_complaint(complaint, None)
        for text in wanted:
            points.add_point(complaint, text)
        made.append(complaint)
    first = made[0]
    one = first.stages[0]
    one.acknowledged_on = add_working_days(one.started_on, 2, statutory=True)
    one.responded_on = add_working_days(one.started_on, 9, statutory=True)
    points.set_point_outcomes(
        one,
        dict(
            zip(
                [p.id for p in first.points], ["upheld", "not_upheld", "partly_upheld"], strict=True
            )
        ),
        responded=True,
    )
    complaints.update_stage(one)
    two = complaints.escalate(first, add_working_days(one.responded_on, 6, statutory=True), None)
    two.investigating_officer, two.investigating_officer_kind = "Morgan Hale", "external"
    two.investigating_officer_on = add_working_days(two.started_on, 2, statutory=True)
    two.independent_person, two.independent_person_kind = "Priya Lowe", "external"
    two.independent_person_on = add_working_days(two.started_on, 2, statutory=True)
    two.statement_agreed_on = add_working_days(two.started_on, 5, statutory=True)
    two.adjudicating_officer = "Head of Service"
    complaints.check_people(two, today)
    complaints.update_stage(two)
    links.link(made[1], first.reference, "family")
    db.session.flush()
    return len(made)


def _old_log(today, officer_id: int) -> int:
    """A few complaints brought in from the council's old spreadsheet log, through the import
    (kept as an applied import, each with its old reference and clocks from its dates)."""
    from qaweb.complaints import log_import
    from qaweb.core.workdays import add_working_days

    def day(working_days_after, start):
        return add_working_days(start, working_days_after, statutory=True).isoformat()

    first = today - timedelta(days=450)
    second = today - timedelta(days=420)
    third = today - timedelta(days=400)
    blank = {key: "" for key in log_import.TITLES["complaints"]}
    rows = [
        {
            **blank,
            "old reference": "LOG-0412",
            "received date": first.isoformat(),
            "received how": "Letter",
            "complainant type": "Parent",
            "complainant name": "Name held in the old log",
            "team": "Brambles",
            "category": "Delay",
            "summary": "Core group meeting moved three times.",
            "stage 1 response date": day(12, first),  # two working days late
            "stage 1 outcome": "Partially upheld",
            "closed date": day(12, first),
            "learning": "Meeting changes now agreed with the family first.",
        },
        {
            **blank,
            "old reference": "LOG-0415",
            "received date": second.isoformat(),
            "received how": "Email",
            "complainant type": "Child or young person",
            "team": "Here4U",
            "category": "Communication",
            "summary": "My worker changed and nobody told me.",
            "stage 1 response date": day(8, second),
            "stage 1 outcome": "Upheld",
            "closed date": day(8, second),
        },
        {
            **blank,
            "old reference": "LOG-0419",
            "received date": third.isoformat(),
            "received how": "Phone",
            "complainant type": "Foster carer",
            "team": "Oaks",
            "category": "Decisions and assessments",
            "summary": "Respite decision not explained.",
            "stage 1 response date": day(10, third),
            "stage 1 outcome": "Not upheld",
            "stage 2 request date": day(15, third),
            "stage 2 response date": day(39, third),
            "stage 2 outcome": "Not upheld",
            "closed date": day(39, third),
        },
    ]
    for number, row in enumerate(rows, start=2):
        row["row"] = number
    staged = log_import.ComplaintImport(
        kind="complaints", filename="complaints-log-old.xlsx", uploaded_by_id=officer_id, rows=rows
    )
    db.session.add(staged)
    totals = log_import.apply(staged)
    if totals["problem_rows"]:  # the demo's own rows: a problem here is a bug
        raise RuntimeError(f"The demo's old log has problems: {staged.rows}")
    return totals["new"]


def _complaints_for_the_annual_report(today, teams, categories) -> None:
    """A complaint not accepted (made too late), one that went to the Ombudsman with its
    decision, and a draft self-assessment for this year's annual report."""
    from qaweb.complaints import services as complaints
    from qaweb.complaints.models import Complaint, SelfAssessment
    from qaweb.core import years
    from qaweb.core.workdays import add_working_days

    team = teams[0]
    received = today - timedelta(days=40)
    late = Complaint(
        received_on=received,
        received_how="letter",
        complainant_type="parent",
        complainant_name="Morgan Ellery",
        complainant_contact="Contact details on the council's system",
        child_reference="400123",
        service_area_id=team.service_area_id,
        team_id=team.id,
        summary="About a child protection conference held in 2023.",
        categories=categories[:1],
    )
    complaints.open_complaint(late, None)
    complaints.not_accept(
        late,
        add_working_days(received, 3),
        "out_of_time",
        "Told in writing that the matter was more than a year ago; the Ombudsman's details given.",
    )
    received = today - timedelta(days=300)
    ombudsman = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="foster_carer",
        complainant_name="Robin Ashdown",
        complainant_contact="Contact details on the council's system",
        child_reference="400456",
        service_area_id=team.service_area_id,
        team_id=team.id,
        summary="Allowances were paid late for four months.",
        categories=categories[:1],
        advocate_offered=True,
    )
    one = complaints.open_complaint(ombudsman, None)
    one.responded_on, one.outcome = add_working_days(received, 9), "not_upheld"
    complaints.update_stage(one)
    two = complaints.escalate(ombudsman, add_working_days(received, 15), None)
    two.responded_on, two.outcome = add_working_days(received, 38), "partly_upheld"
    complaints.update_stage(two)
    three = complaints.escalate(ombudsman, add_working_days(received, 45), None)
    three.panel_on = add_working_days(received, 70)
    three.report_on = add_working_days(received, 74)
    three.responded_on, three.outcome = add_working_days(received, 85), "partly_upheld"
    complaints.update_stage(three)
    four = complaints.escalate(ombudsman, add_working_days(received, 100), None)
    decided = add_working_days(received, 150)
    if decided < today:
        four.responded_on, four.outcome = decided, "upheld"
        four.ombudsman_decision = "upheld_remedied"
        four.remedy = "The council had already apologised and paid the allowances with interest."
        ombudsman.closed_on = decided
    ombudsman.learning = "Allowance payments are now checked monthly by the fostering team."
    ombudsman.practice_change = ombudsman.policy_change = True
    db.session.add(
        SelfAssessment(
            year=years.year_for(today),
            text=(
                "Draft. Stage 1 responses were mostly on time; Stage 2 investigations took "
                "longer than 25 working days where independent people were hard to find.\n"
                "We will keep a list of independent people and offer advocacy at first contact."
            ),
        )
    )
    db.session.flush()


#: What an upheld complaint taught, and the action that puts it right in the shared tracker.
COMPLAINT_LEARNING = [
    (
        "Visits are rearranged with the family before they are cancelled.",
        "Agree a way to tell families of a changed visit the same day, and brief the team",
    ),
    (
        "Calls are returned within two working days, or a colleague rings back.",
        "Set up cover for calls when a worker is away, and add it to the team's induction",
    ),
    (
        "Families see the assessment's analysis before it is finalised.",
        "Share the draft assessment with the family and record their views on it",
    ),
]


def _learning_actions(upheld, today) -> None:
    """Every other upheld (or partly upheld) complaint closed at Stage 1 gets learning and
    an action in the shared tracker for its team's manager, raised by the complaints
    officer: done where the complaint closed long enough ago, open (some overdue) after."""
    officer_id = db.session.scalar(
        select(UserRole.user_id).where(UserRole.role == p.COMPLAINTS_OFFICER).limit(1)
    )
    managers = {}
    for user_id, team_id in db.session.execute(
        select(User.id, User.team_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == p.TEAM_MANAGER)
        .order_by(User.id)
    ):
        managers.setdefault(team_id, user_id)
    db.session.flush()
    for n, complaint in enumerate(upheld[::2]):
        owner_id = managers.get(complaint.team_id)
        if owner_id is None:
            continue  # a team with no manager: its learning is in the record alone
        learning, action = COMPLAINT_LEARNING[n % len(COMPLAINT_LEARNING)]
        complaint.learning = learning
        complaint.practice_change = True
        due_on = complaint.closed_on + timedelta(days=28)
        done = due_on < today - timedelta(days=14)
        db.session.add(
            Action(
                source_type="complaint",
                source_id=complaint.id,
                source_label=complaint.reference,
                description=action,
                owner_id=owner_id,
                team_id=complaint.team_id,
                due_on=due_on,
                status=COMPLETED if done else OPEN,
                completed_on=due_on - timedelta(days=3) if done else None,
                completed_by_id=owner_id if done else None,
                evidence="Briefed at the team meeting; the new way is in the team's guide."
                if done
                else "",
                raised_by_id=officer_id,
            )
        )


def _complaints_year(rng, today) -> int:
    """Eighteen months of complaints at every stage, and compliments, with made-up names."""
    from qaweb.complaints import services as complaints
    from qaweb.complaints.models import (
        COMPLAINANTS,
        HOW,
        CategoryOption,
        Complaint,
        Compliment,
        ComplimentThemeOption,
    )
    from qaweb.core.workdays import add_working_days, is_working_day

    # Stage 1 is answered by senior practitioners and team managers (the report counts who
    # handled it by job title).
    handlers = list(
        db.session.scalars(
            select(User)
            .where(User.job_title.in_(["Senior Practitioner", "Team Manager"]))
            .order_by(User.id)
            .limit(4)
        )
    )
    categories = list(db.session.scalars(select(CategoryOption)))
    themes = list(db.session.scalars(select(ComplimentThemeOption)))
    teams = list(db.session.scalars(select(Team)))
    summaries = [
        "Visits were cancelled without notice.",
        "The assessment did not reflect our views.",
        "Nobody returned my calls for three weeks.",
        "Family time arrangements keep changing.",
        "The worker was dismissive at the meeting.",
        "Information was shared without consent.",
    ]
    count = 0
    upheld = []  # closed at Stage 1, upheld in whole or part: they get learning actions
    for n in range(40):
        received = today - timedelta(days=rng.randint(1, 540))
        team = rng.choice(teams)
        complaint = Complaint(
            received_on=received,
            received_how=rng.choice(list(HOW)),
            complainant_type=rng.choice(list(COMPLAINANTS)),
            complainant_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            complainant_contact="Contact details on the council's system",
            child_reference=f"{rng.randint(100000, 999999)}",
            service_area_id=team.service_area_id,
            team_id=team.id,
            summary=rng.choice(summaries),
            categories=rng.sample(categories, k=rng.randint(1, 2)),
        )
        # Children and care leavers are offered an advocate; every other one takes it up.
        young = complaint.complainant_type in ("child", "care_leaver")
        complaint.advocate_offered = young
        complaint.advocate_used = young and n % 2 == 0
        stage = complaints.open_complaint(
            complaint, handlers[n % len(handlers)] if handlers else None
        )
        count += 1
        stage.acknowledged_on = add_working_days(received, 2)
        response = add_working_days(received, rng.choice([6, 8, 10, 12, 15]))
        if response >= today:
            continue
        stage.responded_on = response
        stage.outcome = rng.choice(["upheld", "partly_upheld", "not_upheld", "not_upheld"])
        complaints.update_stage(stage)
        if rng.random() < 0.15:
            request_day = add_working_days(response, rng.randint(3, 15))
            if request_day < today:
                two = complaints.escalate(complaint, request_day, None)
                reply = add_working_days(request_day, rng.choice([20, 25, 30]))
                if reply < today:
                    two.responded_on, two.outcome = (
                        reply,
                        rng.choice(["partly_upheld", "not_upheld"]),
                    )
                    complaints.update_stage(two)
                    complaint.closed_on = reply
            continue
        if rng.random() < 0.9:
            complaint.closed_on = response
            complaint.learning = "Shared at the team meeting." if n % 3 == 0 else ""
            complaint.practice_change = n % 6 == 0
            complaint.policy_change = n % 12 == 0
            if stage.outcome in ("upheld", "partly_upheld"):
                upheld.append(complaint)
    _learning_actions(upheld, today)
    _complaints_for_the_annual_report(today, teams, categories)
    count += 2
    count += _complaint_records(rng, today, teams, categories)
    for n in range(30):
        received = today - timedelta(days=rng.randint(1, 540))
        if not is_working_day(received):
            received -= timedelta(days=2)
        team = rng.choice(teams)
        db.session.add(
            Compliment(
                received_on=received,
                source=rng.choice(["child", "parent", "parent", "partner", "court", "internal"]),
                external=n % 6 != 0,
                service_area_id=team.service_area_id,
                team_id=team.id,
                valued=rng.choice(
                    [
                        "Thank you for listening to my daughter.",
                        "The social worker kept us informed every week.",
                        "A clear, kind report that helped the court.",
                    ]
                ),
                themes=rng.sample(themes, k=1),
                consent_to_share=n % 2 == 0,
            )
        )
    db.session.flush()
    return count
