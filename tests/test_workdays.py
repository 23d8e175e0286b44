"""Working days, checked against dates counted by hand on a calendar."""

from datetime import date

import pytest

from qaweb.core.workdays import ClosureDay, add_working_days, calendar_ends, working_days_between
from qaweb.extensions import db


@pytest.mark.parametrize(
    "received, days, due",
    [
        # Friday before Christmas 2026: 21-24 Dec, 29-31 Dec, 4-6 Jan (25, 28 Dec, 1 Jan off).
        (date(2026, 12, 18), 10, date(2027, 1, 6)),
        # Christmas 2025 (Thursday), Boxing Day (Friday), New Year's Day 2026 (Thursday):
        # 22, 23, 24, 29, 30, 31 Dec, 2, 5, 6, 7 Jan.
        (date(2025, 12, 19), 10, date(2026, 1, 7)),
        # Christmas 2027 falls on a Saturday: 27 and 28 December are the substitute days.
        (date(2027, 12, 24), 5, date(2028, 1, 5)),
        # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
        (date(2026, 4, 1), 3, date(2026, 4, 8)),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        # Received on a Saturday: the following Monday is day 1.
        (date(2026, 11, 21), 1, date(2026, 11, 23)),
        # Received on a bank holiday (Easter Monday 2026): Tuesday is day 1.
        (date(2026, 4, 6), 1, date(2026, 4, 7)),
        # Stage 2: 25 working days from Monday 2 November 2026.
        (date(2026, 11, 2), 25, date(2026, 12, 7)),
    ],
)
def test_add_working_days(app, received, days, due):
    assert add_working_days(received, days) == due


def test_working_days_between_counts_both_ways(app):
    assert working_days_between(date(2026, 12, 18), date(2027, 1, 6)) == 10
    assert working_days_between(date(2027, 1, 6), date(2026, 12, 18)) == -10
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 24)) == 0


def test_council_closure_days_are_not_working_days(app):
    assert add_working_days(date(2026, 12, 22), 1) == date(2026, 12, 23)
    db.session.add(ClosureDay(day=date(2026, 12, 23), reason="Council closure"))
    db.session.commit()
    from flask import g

    g.pop("closure_days", None)
    assert add_working_days(date(2026, 12, 22), 1) == date(2026, 12, 24)


def test_the_bundled_calendar_end_is_known():
    assert calendar_ends() >= date(2028, 12, 26)
