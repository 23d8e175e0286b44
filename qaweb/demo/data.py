"""The demo council's fixed data (names, teams, wording) and the answer filler, shared by
the demo builder and its parts (practice weeks, the scaled demo), so none of them imports
the builder."""

from datetime import timedelta

from sqlalchemy import insert

from qaweb.core import permissions as p
from qaweb.core.db import utcnow
from qaweb.core.timefmt import today_london
from qaweb.extensions import db

DEMO_PASSWORD = "qaweb-demo-2026"
DOMAIN = "demo-council.example"
COUNCIL = "Demo Borough Council"

AREAS = {
    "Early Help": ["Early Help East", "Early Help West", "Family Hub"],
    "Referral and Assessment": ["MASH and Front Door", "Assessment Team 1", "Assessment Team 2"],
    "Children in Need and Protection": ["Brambles", "Conifers", "Oaks", "Willows"],
    "Children with Disabilities": ["Children with Disabilities", "Short Breaks"],
    "Children in Care and Care Leavers": ["Here4U", "Cared For Children 1", "Cared For Children 2"],
    "Quality Assurance and Safeguarding": [
        "Impact and Inspection",
        "Independent Reviewing",
        "Principal Social Worker",
        "Complaints and Customer Feedback",
    ],
}
#: The service areas whose teams hold no children's cases (they review, audit and answer
#: complaints): case-file audit samples are drawn from every other area's teams.
NOT_CASEWORK_AREAS = {"Quality Assurance and Safeguarding"}

FIRST = (
    "Aisha Ben Chloe Daniel Ella Farah George Hannah Imran Jade Kofi Laura Mohammed Nadia "
    "Oliver Priya Rachel Sam Tom Uma Victoria Will Yasmin Zoe Adam Bethany Callum Deborah "
    "Emeka Fiona Gareth Holly Isaac Joanne Kieran Leah Marcus Niamh Owen Paula"
).split()
LAST = (
    "Ahmed Baker Clarke Davies Evans Fletcher Green Hughes Iqbal Jones Khan Lewis Morgan "
    "Nowak Osei Patel Quinn Roberts Smith Taylor Usman Walker Young Ward Hall Turner Begum "
    "Kaur Murphy Price Bennett Wood Shaw Ellis Reid Mills Fox Hart Kelly Lane"
).split()

ACTIONS = [
    "Update the chronology on the child's file and share it with the core group",
    "Hold a reflective supervision session on the child's lived experience",
    "Make sure the child's voice is recorded in every visit note",
    "Review the plan with the family so actions are SMART",
    "Arrange a multi-agency strategy discussion and record the outcome",
    "Complete the Signs of Safety mapping with the family",
    "Share the audit learning at the next team meeting",
    "Refresh management oversight on all cases open longer than 12 months",
    "Send the case summary to the Independent Reviewing Officer",
    "Book the team onto the neglect toolkit training",
    "Record the reasons for the decision on the case file",
    "Check that direct work with the child is evidenced monthly",
]
MEETINGS = {
    "qa_board": "QA Board",
    "qa_operational_group": "QA Operational Group",
    "learning_log": "Learning log",
}

# One sign-in per role, printed by `make run`.
DEMO_ROLES = [
    (p.PRACTITIONER, "practitioner", "Social worker"),
    (p.TEAM_MANAGER, "team.manager", "Team manager"),
    (p.SERVICE_MANAGER, "service.manager", "Service manager"),
    (p.OBSERVER, "observer", "Head of service"),
    (p.ORGANISER, "organiser", "Practice week organiser"),
    (p.QA_OFFICER, "qa.officer", "QA officer"),
    (p.QA_BOARD, "qa.board", "Assistant director"),
    (p.COMPLAINTS_OFFICER, "complaints", "Complaints officer"),
    (p.ADMIN, "admin", "qaweb administrator"),
]


def answers_for(rng, definition, levels, good_bias):
    """Plausible answers to every question of a tool, and grades leaning to ``good_bias``."""
    weights = [good_bias, 3, 2, 1][: len(levels)] + [1] * max(0, len(levels) - 4)
    rows = []

    def grade():
        return rng.choices(levels, weights=weights)[0].id

    for section in definition["sections"]:
        if section.get("grade"):
            rows.append(
                {
                    "section_key": section["key"],
                    "question_key": "section_grade",
                    "grade_level_id": grade(),
                }
            )
        for q in section["questions"]:
            row = {"section_key": section["key"], "question_key": q["key"]}
            kind = q["kind"]
            if kind == "grade":
                row["grade_level_id"] = grade()
            elif kind == "yes_partly_no":
                row["value_text"] = rng.choices(["Yes", "Partly", "No"], [6, 3, 1])[0]
            elif kind == "agree_scale":
                row["value_text"] = rng.choices(
                    ["Strongly agree", "Agree", "Neither agree nor disagree", "Disagree"],
                    [4, 5, 2, 1],
                )[0]
            elif kind in ("single_choice", "multiple_choice"):
                row["value_text"] = rng.choice(q["options"])
            elif kind == "number":
                row["value_number"] = float(rng.randint(2, 8))
            elif kind == "date":
                row["value_date"] = today_london() - timedelta(days=rng.randint(5, 60))
            else:
                row["value_text"] = rng.choice(DEMO_NOTES)
            rows.append(row)
    if definition.get("overall_grade"):
        rows.append(
            {"section_key": "overall", "question_key": "overall_grade", "grade_level_id": grade()}
        )
        rows.append(
            {
                "section_key": "overall",
                "question_key": "overall_rationale",
                "value_text": rng.choice(DEMO_NOTES),
            }
        )
    return rows


DEMO_NOTES = [
    "Supervision is regular and reflective; the child's voice is discussed in most sessions.",
    "Case direction is clear but reflection on practitioner wellbeing is thin.",
    "Supervision records are brief; actions are not always followed up at the next session.",
    "Good evidence of critical thinking and challenge; CPD goals agreed and reviewed.",
]


def complete_response(rng, response, by_id, levels, good_bias):
    from qaweb.tools.models import COMPLETED as DONE
    from qaweb.tools.models import Answer

    rows = answers_for(rng, response.tool_version.definition, levels, good_bias)
    db.session.execute(insert(Answer), [{"response_id": response.id, **r} for r in rows])
    response.status = DONE
    response.completed_at = utcnow()
    response.completed_by_id = by_id
