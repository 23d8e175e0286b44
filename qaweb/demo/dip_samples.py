"""The demo council's dip samples: last quarter's, finished, with realistic answers; and this
month's, under way, with cases for the demo team manager to answer.

Cases are taken from the case-file audits' case list (the same case numbers), set up through
the same checks as typed case numbers, and answered through the same service as the page.
"""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from qaweb.extensions import db

#: How often each question is met in the demo council (yes, partly, not applicable; the
#: rest "no"): chronologies and contingency plans weakest, as councils' dip samples find.
RATES = {
    "chronology": (0.52, 0.25, 0.0),
    "genogram": (0.6, 0.2, 0.0),
    "recording": (0.7, 0.18, 0.0),
    "assessment": (0.8, 0.12, 0.0),
    "seen_alone": (0.72, 0.12, 0.06),
    "child_voice": (0.6, 0.25, 0.03),
    "plan": (0.74, 0.16, 0.04),
    "plan_reviewed": (0.66, 0.16, 0.06),
    "contingency": (0.5, 0.24, 0.08),
    "supervision": (0.7, 0.16, 0.0),
    "oversight": (0.64, 0.2, 0.0),
    "actions_done": (0.58, 0.18, 0.12),
}
NOTES = [
    "Chronology stops in the spring: practitioner to bring it up to date.",
    "Contingency plan says 'call the duty team' only; needs to be specific.",
    "Supervision recorded but not reflective: list of tasks.",
    "",
    "",
    "",
]


def _answer(rng, key):
    yes, partly, na = RATES.get(key, (0.65, 0.2, 0.0))
    roll = rng.random()
    if roll < yes:
        return "yes"
    if roll < yes + partly:
        return "partly"
    if roll < yes + partly + na:
        return "na"
    return "no"


def build(today, qa_officer_id: int, team_manager_id: int) -> dict[str, int]:
    """Two dip samples; returns counts for the demo's summary."""
    from qaweb.case_audits.models import CaseFile
    from qaweb.case_audits.services import add_months
    from qaweb.dip_samples import services
    from qaweb.organisation.models import User

    version = services.current_tool()
    if version is None:
        return {}
    rng = random.Random(4)
    officer = db.session.get(User, qa_officer_id)
    manager = db.session.get(User, team_manager_id)
    cases = list(db.session.scalars(select(CaseFile).order_by(CaseFile.case_number)))
    managed = services.team_managers({c.team_id for c in cases})
    by_team: dict[int, list] = {}
    for case in cases:
        if case.team_id in managed:  # each team's manager samples its cases
            by_team.setdefault(case.team_id, []).append(case)
    questions = [q["key"] for s in version.sections for q in s["questions"]]

    # Last quarter's: six cases from each team, every one answered and done.
    start = add_months(today.replace(day=1), -3)
    rows = [
        {"row": n, "case number": c.case_number, "team": "", "sampler email": ""}
        for n, c in enumerate((c for team in by_team.values() for c in team[:6]), start=1)
    ]
    lines = services.check_cases(rows)
    finished = services.create(
        "Chronologies, plans and oversight",
        version,
        start,
        add_months(start, 1) - timedelta(days=1),
        lines,
        officer,
    )
    answered = 0
    for case in sorted(_cases(finished), key=lambda c: c.case_number):
        answers = {key: _answer(rng, key) for key in questions}
        note = rng.choice(NOTES) if "no" in answers.values() else ""
        services.save_answers(case, answers, note, done=True)
        day = start + timedelta(days=rng.randint(3, 27))
        case.done_at = datetime.combine(day, time(rng.randint(9, 16)), tzinfo=UTC)
        answered += 1

    # This month's, under way: the demo team manager's own team's cases, some done.
    start = today.replace(day=1)
    own = by_team.get(manager.team_id, [])[6:14] if manager and manager.team_id else []
    rows = [
        {"row": n, "case number": c.case_number, "team": "", "sampler email": manager.email}
        for n, c in enumerate(own, start=1)
    ]
    others = [
        c for team_id, team in by_team.items() if team_id != manager.team_id for c in team[6:9]
    ]
    rows += [
        {"row": len(rows) + n, "case number": c.case_number, "team": "", "sampler email": ""}
        for n, c in enumerate(others, start=1)
    ]
    lines = services.check_cases(rows)
    current = services.create(
        "Child's voice and seeing children alone",
        version,
        start,
        add_months(start, 1) - timedelta(days=1),
        lines,
        officer,
    )
    for n, case in enumerate(sorted(_cases(current), key=lambda c: c.case_number)):
        if case.sampler_id == manager.id and n % 4 == 3:
            continue  # left to do for the demo team manager
        if n % 3 == 0:
            # Part answered: the first questions only.
            services.save_answers(case, {k: _answer(rng, k) for k in questions[:4]}, "")
            continue
        if case.sampler_id == manager.id and n % 2:
            continue
        services.save_answers(case, {k: _answer(rng, k) for k in questions}, "", done=True)
        answered += 1
    db.session.flush()
    return {"dip samples": 2, "dip sample cases answered": answered}


def _cases(sample):
    from qaweb.dip_samples.models import DipSampleCase

    return db.session.scalars(
        select(DipSampleCase).where(DipSampleCase.dip_sample_id == sample.id)
    ).all()
