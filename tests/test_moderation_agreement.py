"""Moderation: agreement figures against a hand-worked example, and from the answer rows."""

from collections import Counter
from fractions import Fraction

import pytest
from support import sign_in
from test_moderation_grading import grade, moderated, plain, switch, text  # noqa: F401

from qaweb.extensions import db
from qaweb.moderation import agreement, services
from qaweb.tools.models import Answer


def cells(*pairs):
    return Counter(pairs)


# The hand-worked example, on a 4-grade scale (1 Outstanding .. 4 Inadequate), pairs
# (auditor, moderator): (1,1) (2,2) (2,2) (2,3) (3,3) (1,3).
#   exact 4/6 = 66.7% -> 67; within one 5/6 = 83.3% -> 83.
#   Linear weights w = 1 - |a-m|/3: 1, 2/3, 1/3.
#   p_o = (4*1 + 2/3 + 1/3) / 6 = 5/6.
#   Auditor's counts r: 1->2, 2->3, 3->1; moderator's c: 1->1, 2->2, 3->3.
#   sum w(i,j) r_i c_j = (2 + 8/3 + 2) + (2 + 6 + 6) + (1/3 + 4/3 + 3) = 76/3;
#   p_e = (76/3) / 36 = 19/27.
#   kappa = (5/6 - 19/27) / (1 - 19/27) = (7/54) / (8/27) = 7/16 = 0.4375 -> 0.438.
#   Changed down (moderator lower): (2,3), (1,3) = 2; up: 0.
#   Mean signed difference (m - a): (0+0+0+1+0+2)/6 = 0.5: generous (>= 0.25 over >= 5).
EXAMPLE = cells((1, 1), (2, 2), (2, 2), (2, 3), (3, 3), (1, 3))


def test_hand_worked_example():
    assert agreement.kappa(EXAMPLE, 4) == Fraction(7, 16)
    got = agreement.measure(EXAMPLE, 4)
    assert got == agreement.Agreement(
        pairs=6,
        exact=67,
        within_one=83,
        kappa=0.438,
        lower=2,
        higher=0,
        mean_signed=0.5,
        generous=True,
    )


def test_one_pair_has_no_kappa():
    got = agreement.measure(cells((2, 3)), 4)
    assert (got.pairs, got.exact, got.within_one, got.kappa) == (1, 0, 100, None)
    assert (got.lower, got.mean_signed, got.generous) == (1, 1.0, False)  # too few pairs


def test_identical_grades_have_no_kappa():
    got = agreement.measure(cells(*[(2, 2)] * 7), 4)
    assert (got.pairs, got.exact, got.within_one, got.kappa) == (7, 100, 100, None)
    assert (got.lower, got.higher, got.mean_signed, got.generous) == (0, 0, 0.0, False)


def test_perfect_agreement_with_variation_is_one_and_moderators_higher_is_negative():
    assert agreement.kappa(cells((1, 1), (2, 2), (4, 4)), 4) == 1
    got = agreement.measure(cells((3, 2), (3, 2), (4, 3), (2, 2), (2, 2)), 4)
    assert (got.higher, got.lower, got.mean_signed, got.generous) == (3, 0, -0.6, False)


def add_moderation(line, mo, answers):
    services.assign(line, mo)
    response = services.start(line, mo)
    for section, question, label in answers:
        db.session.add(
            Answer(
                response_id=response.id,
                section_key=section,
                question_key=question,
                grade_level_id=grade(label).id,
            )
        )
    from qaweb.core.db import utcnow

    line.moderated_at = utcnow()
    db.session.commit()


def test_report_from_the_answer_rows(app, moderated):  # noqa: F811 (the imported fixture)
    # Auditor: planning Good, voice Good, overall Good. Moderator: planning Requires
    # improvement, voice Good, overall Inadequate: pairs (2,3) (2,2) (2,4).
    add_moderation(
        moderated["line"],
        moderated["mo"],
        [
            ("planning", "plan_grade", "Requires improvement"),
            ("voice", "voice_grade", "Good"),
            ("overall", "overall_grade", "Inadequate"),
        ],
    )
    report = agreement.report("quarter")
    assert report["k"] == 4
    [(label, over_time)] = report["periods"]
    assert label == "2026 Q3"
    # exact 1/3 -> 33; within one 2/3 -> 67; the auditor graded 2 every time: p_e = 1 -
    # ... r = {2: 3}: p_e = sum_j w(2,j) c_j / 3 = (1*1 + 2/3*1 + 1/3*1)/3 = 2/3;
    # p_o = (2/3 + 1 + 1/3)/3 = 2/3: kappa = 0. Mean (1+0+2)/3 = 1.00, too few to flag.
    assert over_time == agreement.Agreement(3, 33, 67, 0.0, 2, 0, 1.0, False)
    assert report["auditors"] == [("Ann Auditor", over_time)]
    assert [q for q, _ in report["questions"]] == [
        "Grade the planning",
        "Grade the child's voice",
        "Overall grade",
    ]
    assert report["questions"][2][1].mean_signed == 2.0


def test_agreement_page(client, moderated):  # noqa: F811 (the imported fixture)
    add_moderation(
        moderated["line"],
        moderated["mo"],
        [("planning", "plan_grade", "Good"), ("voice", "voice_grade", "Good")],
    )
    sign_in(client, moderated["qa"])
    page = plain(text(client.get("/moderation/agreement?period=year")))
    # Two pairs, both Good/Good: no variation, so no kappa.
    assert "2026 2 100% 100% Not enough variation 0 0 +0.00" in page
    assert "Ann Auditor 2 100% 100% Not enough variation" in page
    switch(client, moderated["ann"])
    assert client.get("/moderation/agreement").status_code == 403


@pytest.mark.parametrize("period", ["month", "quarter", "year", "nonsense"])
def test_every_period_shows(client, moderated, period):  # noqa: F811 (the imported fixture)
    sign_in(client, moderated["qa"])
    assert client.get(f"/moderation/agreement?period={period}").status_code == 200


def test_workbook_reads_back(client, moderated):  # noqa: F811 (the imported fixture)
    import io

    from openpyxl import load_workbook

    add_moderation(
        moderated["line"],
        moderated["mo"],
        [
            ("planning", "plan_grade", "Requires improvement"),
            ("voice", "voice_grade", "Good"),
            ("overall", "overall_grade", "Inadequate"),
        ],
    )
    sign_in(client, moderated["qa"])
    response = client.get("/moderation/agreement/workbook.xlsx?period=quarter")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = [list(r) for r in book["Agreement"].iter_rows(values_only=True)]
    assert rows[1] == ["2026 Q3", 3, 33, 67, 0, 2, 0, 1, None]
    by_auditor = [list(r) for r in book["By auditor"].iter_rows(values_only=True)]
    assert by_auditor[1][:4] == ["Ann Auditor", 3, 33, 67]
    grades = [list(r) for r in book["Grades before and after"].iter_rows(values_only=True)]
    assert grades[0] == [
        "Overall grades",
        "Outstanding",
        "Good",
        "Requires improvement",
        "Inadequate",
    ]
    assert grades[1] == ["Given by the auditors", 0, 1, 0, 0]
    assert grades[2] == ["After moderation", 0, 0, 0, 1]
    assert grades[3] == ["Agreed by the panel", 0, 0, 0, 0]  # not confirmed by a panel yet
    assert book["Grades before and after"]._charts  # a native chart
    assert book["Agreement over time"]._charts
