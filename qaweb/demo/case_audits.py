"""The demo council's case-file audits: this month's case list and a year of monthly
samples with audits at every stage, family feedback and grades, and one Inadequate audit
with its re-audit (and the dip sample still to do).

Teams grow with ``--scale`` (a locality of four teams per step), and so do the cases and
audits here, in proportion. Rows go in with explicit ids through ``bulk_insert``.
"""

import random
from datetime import timedelta

from qaweb.case_audits.models import CASE_TYPES
from qaweb.demo import scale as scale_data
from qaweb.demo.data import NOT_CASEWORK_AREAS
from qaweb.extensions import db

CASES_PER_TEAM = 16
CHILD_SAID = [
    "She listens to me and comes when she says she will.",
    "I don't always know why meetings happen.",
    "I like seeing my worker at school; it is easier to talk.",
]
FAMILY_SAID = [
    "We know what the plan is and who to ring.",
    "We have had three workers this year and had to tell our story again.",
    "The worker helped us get the support at home we needed.",
]
REFLECTIONS = "Talked through the child's journey and what would make the plan good."
RATIONALE = (
    "The planning is effective in this case",
    "as a result of core groups held on time with the family",
    "so the child is attending school and feels safer at home",
)


def build(council: scale_data.Council, demo_ids: dict[str, int]) -> dict[str, int]:
    """Add the case list, twelve months of samples and their audits; returns counts."""
    from qaweb.actions.models import COMPLETED as ACTION_DONE
    from qaweb.actions.models import OPEN, Action
    from qaweb.case_audits import services
    from qaweb.case_audits.models import (
        ALLOCATED,
        COMPLETED,
        DIP_SAMPLE,
        IN_PROGRESS,
        REAUDIT,
        SAMPLE,
        CaseAudit,
        CaseFile,
        CaseSample,
    )
    from qaweb.core import grading
    from qaweb.core.permissions import PRACTITIONER, SERVICE_MANAGER, TEAM_MANAGER

    rng = random.Random(2017)
    today, now = council.today, council.now
    this_month = today.replace(day=1)
    levels = grading.levels()
    inadequate_id = levels[-1].id
    tool = services.current_tool()
    forms = scale_data.CompletedForms(council, levels)
    forms.rng = rng

    people = {p["id"]: p for p in council.people}
    roles: dict[int, set[str]] = {}
    from sqlalchemy import select

    from qaweb.organisation.models import UserRole

    for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role)):
        roles.setdefault(user_id, set()).add(role)
    practitioners: dict[int, list[int]] = {}
    for person in council.people:
        if PRACTITIONER in roles.get(person["id"], ()) and person["team_id"]:
            practitioners.setdefault(person["team_id"], []).append(person["id"])
    pool = [
        p["id"]
        for p in council.people
        if roles.get(p["id"], set()) & {TEAM_MANAGER, SERVICE_MANAGER} and p["team_id"]
    ]
    # Casework teams only: the quality assurance teams hold no children's cases to audit.
    teams = [
        t
        for t in council.teams
        if t.id in practitioners and t.service_area.name not in NOT_CASEWORK_AREAS
    ]

    # -- this month's case list --
    case_id = scale_data.next_id(CaseFile)
    cases, by_team = [], {}
    number = 400000
    for team in teams:
        for n in range(CASES_PER_TEAM):
            number += 1
            practitioner = rng.choice(practitioners[team.id])
            if team.id == people[demo_ids["practitioner"]]["team_id"] and n < 3:
                practitioner = demo_ids["practitioner"]
            cases.append(
                {
                    "id": case_id,
                    "case_number": str(number),
                    "case_type": CASE_TYPES[n % len(CASE_TYPES)],
                    "team_id": team.id,
                    "practitioner_id": practitioner,
                    "opened_on": today - timedelta(days=rng.randint(40, 900)),
                    "flags": "disabled child" if rng.random() < 0.1 else "",
                    "closed": n == CASES_PER_TEAM - 1,
                    "listed_month": this_month,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            by_team.setdefault(team.id, []).append(cases[-1])
            case_id += 1
    scale_data.bulk_insert(CaseFile, cases)

    # -- twelve months of samples, oldest first --
    sample_id, audit_id = scale_data.next_id(CaseSample), scale_data.next_id(CaseAudit)
    samples, audits, actions = [], [], []
    used: dict[int, set[int]] = {}
    demo_team = people[demo_ids["team.manager"]]["team_id"]
    inadequate_audit = None
    for back in range(12, 0, -1):
        month = services.add_months(this_month, -back)
        samples.append(
            {
                "id": sample_id,
                "month": month,
                "seed": rng.randrange(1, 2**31),
                "per_team": 1,
                "rules": [],
                "drawn_by_id": council.qa_officer_id,
                "allocated_at": scale_data._at(month),
                "version": 1,
                "created_at": scale_data._at(month),
                "updated_at": now,
            }
        )
        load: dict[int, int] = {}
        for team in teams:
            open_cases = [
                c
                for c in by_team[team.id]
                if not c["closed"] and c["id"] not in used.get(team.id, ())
            ]
            case = rng.choice(open_cases)
            if back == 1 and team.id == people[demo_ids["practitioner"]]["team_id"]:
                # Last month's audit in the demo practitioner's team is one of theirs, so
                # their My work has a completed audit to read and respond to.
                theirs = [c for c in open_cases if c["practitioner_id"] == demo_ids["practitioner"]]
                case = theirs[0] if theirs else case
            used.setdefault(team.id, set()).add(case["id"])
            practitioner = people[case["practitioner_id"]]
            allowed = [
                a
                for a in pool
                if people[a]["team_id"] != team.id and a != practitioner["line_manager_id"]
            ]
            if team.id != demo_team and back == 1 and demo_ids["team.manager"] in allowed:
                auditor = (
                    demo_ids["team.manager"] if not load.get(demo_ids["team.manager"]) else None
                )
            else:
                auditor = None
            if auditor is None:
                auditor = min(allowed, key=lambda a: (load.get(a, 0), rng.random()))
            load[auditor] = load.get(auditor, 0) + 1
            due_on = services.add_months(month, 1)
            if back >= 2:
                status = COMPLETED if rng.random() < 0.92 else rng.choice([ALLOCATED, IN_PROGRESS])
            else:
                status = rng.choices([COMPLETED, IN_PROGRESS, ALLOCATED], [5, 3, 2])[0]
            if auditor == demo_ids["team.manager"]:
                status = IN_PROGRESS
            if case["practitioner_id"] == demo_ids["practitioner"] and back == 1:
                status = COMPLETED
            if back == 4 and team.id == demo_team:
                status = COMPLETED  # the Inadequate audit below
            row = _audit_row(
                audit_id, sample_id, case, month, SAMPLE, "Random", status, auditor, due_on, now
            )
            if status in (COMPLETED, IN_PROGRESS):
                row["response_id"] = forms.add(
                    tool,
                    "case_audit",
                    audit_id,
                    auditor,
                    scale_data._at(month + timedelta(days=12)),
                    rng.randint(2, 6),
                )
                if status == IN_PROGRESS:
                    forms.responses[-1].update(
                        status="draft", completed_at=None, completed_by_id=None
                    )
            if status == COMPLETED:
                done = min(today, month + timedelta(days=rng.randint(10, 27)))
                grade = _overall(forms, row["response_id"])
                if back == 4 and team.id == demo_team and inadequate_audit is None:
                    grade = inadequate_id
                    _set_overall(forms, row["response_id"], grade)
                    inadequate_audit = row
                elif grade == inadequate_id:
                    grade = levels[-2].id
                    _set_overall(forms, row["response_id"], grade)
                _complete(rng, row, done, grade)
                if rng.random() < 0.5 or grade == inadequate_id:
                    actions.append(_action(rng, row, case, practitioner, done, now, council))
            audits.append(row)
            audit_id += 1
        sample_id += 1

    # -- the Inadequate audit's re-audit (done, better) and dip sample (still to do) --
    if inadequate_audit is not None:
        done = inadequate_audit["completed_on"]
        case = next(c for c in cases if c["id"] == inadequate_audit["case_id"])
        reaudit_on = services.add_months(done, 1)
        dip_on = services.add_months(done, 3)
        for kind, allocated_on in ((REAUDIT, reaudit_on), (DIP_SAMPLE, dip_on)):
            row = _audit_row(
                audit_id,
                None,
                case,
                allocated_on.replace(day=1),
                kind,
                f"Follows up CFA-{inadequate_audit['id']:05d}, graded {levels[-1].label}",
                ALLOCATED,
                inadequate_audit["auditor_id"],
                services.add_months(allocated_on, 1),
                now,
            )
            row["allocated_on"] = allocated_on
            row["follow_up_of_id"] = inadequate_audit["id"]
            if kind == REAUDIT and reaudit_on + timedelta(days=14) <= today:
                row["response_id"] = forms.add(
                    tool, "case_audit", audit_id, row["auditor_id"], scale_data._at(reaudit_on), 4
                )
                grade = levels[2].id if len(levels) > 2 else levels[0].id
                _set_overall(forms, row["response_id"], grade)
                _complete(rng, row, reaudit_on + timedelta(days=14), grade)
            audits.append(row)
            audit_id += 1
        for action in actions:
            if action["source_id"] == inadequate_audit["id"]:
                action.update(status=ACTION_DONE, completed_on=reaudit_on)

    scale_data.bulk_insert(CaseSample, samples)
    forms.insert_responses()
    scale_data.bulk_insert(CaseAudit, audits)
    forms.insert_answers()
    for action in actions:
        action.setdefault("status", OPEN)
    scale_data.bulk_insert(Action, actions)
    return {
        "case files": len(cases),
        "case-file audits": len(audits),
        "case-file audit actions": len(actions),
    }


def _audit_row(audit_id, sample_id, case, month, kind, why, status, auditor, due_on, now):
    return {
        "id": audit_id,
        "sample_id": sample_id,
        "case_id": case["id"],
        "month": month,
        "kind": kind,
        "chosen_by": why,
        "follow_up_of_id": None,
        "status": status,
        "team_id": case["team_id"],
        "practitioner_id": case["practitioner_id"],
        "auditor_id": auditor,
        "allocated_on": month,
        "due_on": due_on,
        "swap_reason": "",
        "response_id": None,
        "sources_read": "",
        "child_feedback": "",
        "child_feedback_reason": "",
        "child_said": "",
        "family_feedback": "",
        "family_feedback_reason": "",
        "family_said": "",
        "conversation_on": None,
        "reflections": "",
        "judgement": "",
        "action_taken": "",
        "impact": "",
        "grade_level_id": None,
        "completed_at": None,
        "completed_on": None,
        "practitioner_response": "",
        "responded_at": None,
        "version": 1,
        "created_at": scale_data._at(month),
        "updated_at": now,
    }


def _overall(forms, response_id):
    return next(
        a["grade_level_id"]
        for a in reversed(forms.answers)
        if a["response_id"] == response_id and a["question_key"] == "overall_grade"
    )


def _set_overall(forms, response_id, grade_id):
    for answer in reversed(forms.answers):
        if answer["response_id"] == response_id and answer["question_key"] == "overall_grade":
            answer["grade_level_id"] = grade_id
            return


def _complete(rng, row, done, grade):
    child = rng.choices(["given", "declined", "not_possible"], [6, 1, 2])[0]
    family = rng.choices(["given", "declined", "not_possible"], [7, 2, 1])[0]
    row.update(
        status="completed",
        sources_read="Last three visits, the plan, supervision notes and the chronology",
        child_feedback=child,
        child_said=rng.choice(CHILD_SAID) if child == "given" else "",
        child_feedback_reason="" if child == "given" else "Too young to give a view",
        family_feedback=family,
        family_said=rng.choice(FAMILY_SAID) if family == "given" else "",
        family_feedback_reason="" if family == "given" else "Did not return calls",
        conversation_on=done - timedelta(days=2),
        reflections=REFLECTIONS,
        judgement=RATIONALE[0],
        action_taken=RATIONALE[1],
        impact=RATIONALE[2],
        grade_level_id=grade,
        completed_at=scale_data._at(done),
        completed_on=done,
    )


def _action(rng, row, case, practitioner, done, now, council):
    from qaweb.demo.builder import ACTIONS

    return {
        "source_type": "case_audit",
        "source_id": row["id"],
        "source_label": f"CFA-{row['id']:05d}, case {case['case_number']}",
        "description": rng.choice(ACTIONS),
        "owner_id": practitioner["id"],
        "team_id": practitioner["team_id"],
        "due_on": done + timedelta(days=28),
        "completed_on": None,
        "completed_by_id": None,
        "evidence": "",
        "verified_by_id": None,
        "verified_at": None,
        "cancelled_reason": "",
        "raised_by_id": row["auditor_id"],
        "version": 1,
        "created_at": scale_data._at(done),
        "updated_at": now,
    }
