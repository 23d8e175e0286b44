"""Moderation: the month's moderation sample drawn from completed case-file audits."""

from datetime import date

import pytest
from sqlalchemy import func, select
from support import plain, sign_in, text

from qaweb.case_audits.models import ALLOCATED, COMPLETED, CaseAudit, CaseFile
from qaweb.core.grading import levels
from qaweb.core.settings import set_setting
from qaweb.extensions import db
from qaweb.moderation import services
from qaweb.moderation.models import SELECTED, SWAPPED, ModerationLine, ModerationSample

MONTH = date(2026, 9, 1)


@pytest.fixture
def council(make_area, make_team, make_user):
    """Team North: auditors Nora and Sam, practitioner Pat; QA officer Quinn."""
    area = make_area("Children's Social Care")
    north = make_team("North", area=area)
    nora = make_user("team_manager", team=north, first_name="Nora", last_name="North")
    sam = make_user("team_manager", team=north, first_name="Sam", last_name="South")
    pat = make_user(team=north, first_name="Pat", last_name="Ash", line_manager=nora)
    qa = make_user("qa_officer", first_name="Quinn", last_name="Audit")
    return {"north": north, "nora": nora, "sam": sam, "pat": pat, "qa": qa}


def grade(label):
    return next(g for g in levels() if g.label == label)


def completed(council, number, auditor, label, on, status=COMPLETED):
    case = CaseFile(
        case_number=number,
        team_id=council["north"].id,
        practitioner_id=council["pat"].id,
        listed_month=on.replace(day=1),
    )
    db.session.add(case)
    db.session.flush()
    audit = CaseAudit(
        case_id=case.id,
        month=on.replace(day=1),
        team_id=council["north"].id,
        practitioner_id=council["pat"].id,
        auditor_id=auditor.id,
        status=status,
        grade_level_id=grade(label).id if label else None,
        completed_on=on if status == COMPLETED else None,
    )
    db.session.add(audit)
    db.session.commit()
    return audit


@pytest.fixture
def month_of_audits(council):
    """Twelve audits completed in September 2026 (two in August by Nora, so in September
    only Sam is new): one Inadequate, one Outstanding, ten Good; one September audit still
    open (not completed) and one completed in October."""
    nora, sam = council["nora"], council["sam"]
    completed(council, "A-1", nora, "Good", date(2026, 8, 3))
    completed(council, "A-2", nora, "Good", date(2026, 8, 4))
    made = {}
    made["inadequate"] = completed(council, "S-01", nora, "Inadequate", date(2026, 9, 2))
    made["outstanding"] = completed(council, "S-02", nora, "Outstanding", date(2026, 9, 3))
    made["sam1"] = completed(council, "S-03", sam, "Good", date(2026, 9, 4))
    made["sam2"] = completed(council, "S-04", sam, "Good", date(2026, 9, 5))
    made["good"] = [
        completed(council, f"S-{n:02d}", nora if n % 2 else sam, "Good", date(2026, 9, n))
        for n in range(6, 14)
    ]
    completed(council, "S-90", nora, None, date(2026, 9, 20), status=ALLOCATED)
    completed(council, "O-1", nora, "Inadequate", date(2026, 10, 1))
    return made


def test_rules_then_random_to_the_share(app, council, month_of_audits):
    rules = services.parse_rules("every Inadequate\nevery Outstanding\nfirst 2")
    sample = services.draw(MONTH, 25, rules, council["qa"], seed=7)
    db.session.commit()
    why = {line.audit_id: line.chosen_by for line in sample.lines}
    # 12 completed in September; 25% of 12 is 3 exactly. The rules already take 4:
    # the Inadequate, the Outstanding and Sam's first two (Nora's first two were in August).
    assert why == {
        month_of_audits["inadequate"].id: "Every Inadequate audit",
        month_of_audits["outstanding"].id: "Every Outstanding audit",
        month_of_audits["sam1"].id: "Auditor's first 2 audits",
        month_of_audits["sam2"].id: "Auditor's first 2 audits",
    }
    share = services.share_drawn(sample, services.completed_count(MONTH))
    assert (share.drawn, share.completed, share.percent, share.status) == (4, 12, 33, "above")


def test_random_share_rounds_up_and_is_reproducible(app, council, month_of_audits):
    sample = services.draw(MONTH, 30, [], council["qa"], seed=11)
    db.session.commit()
    first = sorted(line.audit_id for line in sample.lines)
    # 30% of 12 = 3.6 -> 4 audits, all at random, none from August, October or still open.
    assert len(first) == 4
    september = {a.id for a in db.session.scalars(services.completed_in(MONTH))}
    assert set(first) <= september and len(september) == 12
    assert {line.chosen_by for line in sample.lines} == {"Random"}
    again = services.draw(MONTH, 30, [], council["qa"], seed=11)
    db.session.commit()
    assert sorted(line.audit_id for line in again.lines) == first
    assert db.session.scalar(select(func.count()).select_from(ModerationSample)) == 1
    share = services.share_drawn(again, 12)
    assert (share.percent, share.status) == (33, "above")
    set_setting("moderation_target_max", "35")
    assert services.share_drawn(again, 12).status == "within"


def test_rule_text_is_checked(app, council):
    with pytest.raises(services.ModerationError, match="Rule 2 must be 'every' and a grade"):
        services.parse_rules("every Inadequate\nevery Awful")
    with pytest.raises(services.ModerationError, match="Rule 1"):
        services.parse_rules("first 0")
    # Digits that are not 0-9 (a superscript two, an Arabic-Indic three) are a message too.
    for typed in ("first \u00b2", "first \u0663"):
        with pytest.raises(services.ModerationError, match="Rule 1"):
            services.parse_rules(typed)
    from qaweb.case_audits import services as case_audit_services

    for typed in ("\u00b2 child in care", "\u0663 child in care"):
        with pytest.raises(case_audit_services.CaseAuditError, match="Rule 1"):
            case_audit_services.parse_rules(typed)
    assert services.parse_rules("EVERY inadequate\n\nfirst 3") == [
        services.Rule("grade", grade="Inadequate"),
        services.Rule("first", count=3),
    ]


def test_swap_keeps_the_line_with_its_reason(app, council, month_of_audits):
    sample = services.draw(MONTH, 25, services.parse_rules("every Inadequate"), council["qa"], 5)
    db.session.commit()
    line = next(x for x in sample.lines if x.audit_id == month_of_audits["inadequate"].id)
    made = services.swap(line, "Auditor on long-term leave")
    db.session.commit()
    assert line.status == SWAPPED and line.swap_reason == "Auditor on long-term leave"
    assert made.status == SELECTED and made.chosen_by == f"In place of {line.audit.reference}"
    in_sample = [x.audit_id for x in sample.lines]
    assert len(in_sample) == len(set(in_sample)) == 4
    with pytest.raises(services.ModerationError):
        services.swap(line, "again")
    with pytest.raises(services.ModerationError, match="reason"):
        services.swap(made, "  ")


def test_draw_page_shows_share_against_target(client, council, month_of_audits):
    sign_in(client, council["qa"])
    # The QA team reaches moderation from the case-file audits page.
    assert 'href="/moderation/"' in text(client.get("/case-audits/"))
    page = text(client.get("/moderation/months/2026/9"))
    assert "12 case-file audits were completed in September 2026" in plain(page)
    response = client.post(
        "/moderation/months/2026/9",
        data={"share": "25", "rules": "every Inadequate", "seed": "3", "version": ""},
    )
    assert response.status_code == 302
    page = plain(text(client.get("/moderation/months/2026/9")))
    # The Inadequate, then 2 at random: 3 of 12 is 25%.
    assert "Share drawn: 25%" in page
    assert "3 of 12 completed audits, against the council's target of 20-30%: within" in page
    assert "Every Inadequate audit" in page
    overview = plain(text(client.get("/moderation/")))
    assert "September 2026 12 3" in overview


def test_draw_page_bad_input(client, council, month_of_audits):
    sign_in(client, council["qa"])
    page = plain(
        text(
            client.post(
                "/moderation/months/2026/9",
                data={"share": "101", "rules": "every Fabulous", "version": ""},
            )
        )
    )
    assert "The share must be between 1 and 100 per cent" in page
    assert db.session.scalar(select(func.count()).select_from(ModerationSample)) == 0
    page = plain(
        text(client.post("/moderation/months/2026/7", data={"share": "25", "version": ""}))
    )
    assert "No case-file audit was completed in July 2026" in page


def test_swap_page_and_stale_save(client, council, month_of_audits):
    sign_in(client, council["qa"])
    client.post(
        "/moderation/months/2026/9",
        data={"share": "25", "rules": "every Inadequate", "seed": "3", "version": ""},
    )
    line = db.session.scalar(
        select(ModerationLine).where(ModerationLine.audit_id == month_of_audits["inadequate"].id)
    )
    page = plain(
        text(client.post(f"/moderation/lines/{line.id}/swap", data={"version": line.version}))
    )
    assert "Enter why the audit is swapped out" in page
    stale = line.version - 1
    page = plain(
        text(
            client.post(
                f"/moderation/lines/{line.id}/swap",
                data={"version": stale, "reason": "Conflict of interest"},
            )
        )
    )
    assert "while you were editing it. Your changes have not been saved yet" in page
    assert "Conflict of interest" in page  # what they typed is kept
    db.session.expire_all()
    assert db.session.get(ModerationLine, line.id).status == SELECTED
    response = client.post(
        f"/moderation/lines/{line.id}/swap",
        data={"version": line.version, "reason": "Conflict of interest"},
    )
    assert response.status_code == 302
    page = plain(text(client.get("/moderation/months/2026/9")))
    assert "Swapped out: Conflict of interest" in page


@pytest.mark.parametrize("who", ["nora", "pat"])
def test_only_the_qa_team_draws(client, council, month_of_audits, who):
    sign_in(client, council[who])
    assert client.get("/moderation/").status_code == 403
    assert client.get("/moderation/months/2026/9").status_code == 403


def test_a_month_a_colleague_drew_first_is_refused_naming_them_and_their_draw(
    app, client, council, month_of_audits, make_user
):
    """Found walking the app: when a colleague drew a month's moderation sample while my
    page still showed the month undrawn, my draw was refused with "Someone else changed this
    record", naming nobody and showing nothing of their draw."""
    colleague = make_user("qa_officer", first_name="Cole", last_name="League")
    sign_in(client, council["qa"])
    assert 'name="version" type="hidden" value=""' in text(client.get("/moderation/months/2026/9"))
    other = app.test_client()
    sign_in(other, colleague)
    drawn = other.post(
        "/moderation/months/2026/9",
        data={"share": "30", "rules": "every Inadequate", "seed": "3", "version": ""},
    )
    assert drawn.status_code == 302
    page = text(
        client.post(
            "/moderation/months/2026/9",
            data={"share": "20", "rules": "", "seed": "4", "version": ""},
        )
    )
    assert "Cole League changed this record" in page
    shown = page.split('id="saved-by-other"')[1].split("</dl>")[0]
    assert "Share" in shown and ">30<" in shown
    # Their rules as they typed them, never the stored data ("{'kind': 'grade', ...}").
    assert ">every Inadequate<" in shown, shown
    assert "kind" not in shown
    assert db.session.scalar(select(ModerationSample.share)) == 30  # theirs kept
