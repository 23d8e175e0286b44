"""Lists whose rows are plain objects (``core.lists.Rows``) show the same rows, in the same
order, with the same count, as the ORM query they replace: on the first page, and on a deep
page, which looks its rows' ids up first."""

from datetime import date

import pytest

from qaweb.actions import services as action_services
from qaweb.complaints import listing as complaint_listing
from qaweb.complaints import services as complaint_services
from qaweb.complaints.models import Complaint
from qaweb.core import lists
from qaweb.core.workdays import CLOSURE, ClosureDay
from qaweb.extensions import db


@pytest.fixture
def tiny_pages(app, monkeypatch):
    """Two rows a page, and the deep-page look-up from the second page on."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    monkeypatch.setattr(lists._Pagination, "DEFER_AFTER", 2)


def _page(app, statement, number, rows=None):
    with app.test_request_context(f"/?page={number}"):
        pagination = lists.paginate(statement, rows=rows)
        shown = [
            (
                item.id,
                item.reference,
                item.description,
                item.owner.name,
                item.team.name if item.team else None,
                item.status_label,
                item.is_overdue(),
                item.source.label,
            )
            for item in pagination.items
        ]
        return shown, pagination.total, pagination.pages


@pytest.mark.parametrize("number", [1, 2, 3, 9])
def test_action_rows_match_the_actions_they_stand_for(
    app, tiny_pages, make_user, make_team, make_action, number
):
    officer = make_user("qa_officer")
    team = make_team()
    owners = [make_user(team=team), make_user(first_name="Ann", last_name="Émile")]
    for n in range(7):
        make_action(owners[n % 2], due_in_days=n - 3, status="completed" if n == 4 else "open")
    teamless = make_action(owners[0], due_in_days=1)
    teamless.team_id = None
    db.session.commit()
    db.session.expire_all()
    statement = action_services.filtered(officer, "all", {"status": "all"})

    orm = _page(app, statement, number)
    db.session.expunge_all()
    plain = _page(app, statement, number, rows=action_services.LIST_ROWS)

    assert plain == orm
    assert plain[1] == 8 and plain[2] == 4
    if number <= 4:
        assert len(plain[0]) == 2
    else:
        assert plain[0] == []  # past the end: empty, never an error


def _complaint(received, team=None, procedure="statutory"):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name="Jo Testperson",
        complainant_contact="jo@example.org",
        summary="Invented: a complaint for the list",
        procedure=procedure,
        team=team,
    )
    complaint_services.open_complaint(complaint, None)
    db.session.commit()
    return complaint


def _complaint_rows(app, statement, number, rows=None):
    today = date(2026, 12, 1)
    with app.test_request_context(f"/?page={number}"):
        pagination = lists.paginate(statement, rows=rows)
        shown = []
        for c in pagination.items:
            stage = c.current_stage
            clock = complaint_services.clock(stage, today) if stage else None
            shown.append(
                (
                    c.id,
                    c.reference,
                    c.team.name if c.team else None,
                    c.received_on,
                    c.closed_on,
                    c.is_open,
                    [(s.stage, s.label, s.responded_on) for s in c.stages],
                    stage.label if stage else None,
                    clock,
                    [complaint_services.not_answered(s) for s in c.stages],
                )
            )
        return shown, pagination.total


@pytest.mark.parametrize("number", [1, 2, 3])
def test_complaint_rows_match_the_complaints_they_stand_for(
    app, tiny_pages, make_user, make_team, number
):
    officer = make_user("complaints_officer")
    team = make_team()
    # A council closure day moves the corporate complaint's deadline, not the statutory ones'.
    db.session.add(ClosureDay(day=date(2026, 11, 10), reason="Council closure", kind=CLOSURE))
    _complaint(date(2026, 11, 2), team=team)
    _complaint(date(2026, 11, 3), procedure="corporate")
    gone_on = _complaint(date(2026, 9, 1), team=team)  # Stage 1 unanswered, then Stage 2
    complaint_services.escalate(gone_on, date(2026, 11, 2), None, late_reason="No answer")
    answered = _complaint(date(2026, 10, 1))
    answered.current_stage.responded_on = date(2026, 10, 20)
    complaint_services.not_accept(
        _complaint(date(2026, 11, 20)), date(2026, 11, 21), "out_of_time", "Too late"
    )
    closed = _complaint(date(2026, 8, 3))
    closed.current_stage.responded_on = date(2026, 9, 1)
    complaint_services.close(closed, date(2026, 9, 30))
    db.session.commit()
    db.session.expire_all()
    statement = complaint_services.filtered(officer, {"status": "all"})

    orm = _complaint_rows(app, statement, number)
    db.session.expunge_all()
    plain = _complaint_rows(app, statement, number, rows=complaint_listing.LIST_ROWS)

    assert plain == orm
    assert plain[1] == 6
    assert len(plain[0]) == 2
