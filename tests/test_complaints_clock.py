"""The complaints clock follows the Regulations (issue 14, first section).

The Children Act 1989 Representations Procedure (England) Regulations 2006, regulation 2: a
working day is any day but a Saturday, Sunday, Christmas Day, Boxing Day, Good Friday or a bank
holiday.
A council's closure day is a working day on that clock; an extra bank holiday (proclaimed at
short notice, missing from the bundled data) is not. The corporate procedure counts both.
Every date below is worked out by hand in the comments."""

import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.complaints import services
from qaweb.complaints.models import Complaint
from qaweb.core.workdays import BANK_HOLIDAY, CLOSURE, ClosureDay, forget_days_off
from qaweb.extensions import db


@pytest.fixture
def officer(make_user):
    return make_user("complaints_officer", first_name="Carys", last_name="Morgan")


@pytest.fixture
def on_30_november_2026(monkeypatch):
    """Today is Monday 30 November 2026 (the day of the field inputs)."""
    monkeypatch.setattr("qaweb.core.db.utcnow", lambda: datetime(2026, 11, 30, 12, tzinfo=UTC))


def log(received, procedure="statutory", name="Jo Testperson"):
    complaint = Complaint(
        received_on=received,
        received_how="email",
        complainant_type="parent",
        complainant_name=name,
        complainant_contact="jo@example.org",
        child_reference="123456",
        summary="Invented: a complaint for the clock",
        procedure=procedure,
    )
    services.open_complaint(complaint, None)
    db.session.commit()
    return complaint


def add_day(day, kind, reason="Test"):
    db.session.add(ClosureDay(day=day, kind=kind, reason=reason))
    db.session.flush()
    services.recompute_open_due_dates()
    db.session.commit()
    forget_days_off()


def due(complaint, number=1):
    db.session.refresh(complaint)
    return next(s for s in complaint.stages if s.stage == number).due_on


def test_christmas_clock_with_a_closure_day_and_an_extra_bank_holiday(officer):
    # Bank holidays: Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day, a Saturday, moves to the
    # Monday), Fri 1 Jan 2027. Received Tue 22 Dec 2026, ten working days:
    # 23 (1), 24 (2), 29 (3), 30 (4), 31 (5), 4 Jan (6), 5 (7), 6 (8), 7 (9), 8 (10).
    statutory, corporate = log(date(2026, 12, 22)), log(date(2026, 12, 22), "corporate")
    assert due(statutory) == due(corporate) == date(2027, 1, 8)
    # The council closes on Tue 29 Dec 2026: the statutory clock still counts it;
    # corporate: 23, 24, 30, 31, 4, 5, 6, 7, 8, 11 Jan.
    add_day(date(2026, 12, 29), CLOSURE)
    assert due(statutory) == date(2027, 1, 8)
    assert due(corporate) == date(2027, 1, 11)
    # An extra bank holiday on Tue 5 Jan 2027 (invented) stops both clocks:
    # statutory 23, 24, 29, 30, 31, 4, 6, 7, 8, 11 Jan; corporate 23, 24, 30, 31, 4, 6, 7, 8,
    # 11, 12 Jan.
    add_day(date(2027, 1, 5), BANK_HOLIDAY)
    assert due(statutory) == date(2027, 1, 11)
    assert due(corporate) == date(2027, 1, 12)
    # The page says the same as the stored date.
    assert services.clock(statutory.stages[0], date(2026, 12, 22)).due_on == date(2027, 1, 11)


def test_easter_clock_with_a_closure_day_and_an_extra_bank_holiday(officer):
    # Good Friday 26 March 2027, Easter Monday 29 March 2027. Received Mon 22 March 2027:
    # 23 (1), 24 (2), 25 (3), 30 (4), 31 (5), 1 Apr (6), 2 (7), 5 (8), 6 (9), 7 (10).
    statutory, corporate = log(date(2027, 3, 22)), log(date(2027, 3, 22), "corporate")
    assert due(statutory) == due(corporate) == date(2027, 4, 7)
    # Closure day Thu 1 April 2027: statutory unchanged; corporate 23, 24, 25, 30, 31, 2, 5,
    # 6, 7, 8 April.
    add_day(date(2027, 4, 1), CLOSURE)
    assert (due(statutory), due(corporate)) == (date(2027, 4, 7), date(2027, 4, 8))
    # Extra bank holiday Tue 6 April 2027: statutory 23, 24, 25, 30, 31, 1, 2, 5, 7, 8
    # April; corporate 23, 24, 25, 30, 31, 2, 5, 7, 8, 9 April.
    add_day(date(2027, 4, 6), BANK_HOLIDAY)
    assert (due(statutory), due(corporate)) == (date(2027, 4, 8), date(2027, 4, 9))


def _row(html, reference):
    """The table row (or list item) of the page that names ``reference``."""
    rows = [r for r in re.split(r"<tr", html) if reference in r]
    assert rows, f"{reference} not on the page"
    return rows[0]


def _export_due(client, reference):
    sheet = load_workbook(io.BytesIO(client.get("/complaints/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Due")
    value = next(r[column] for r in rows[1:] if reference in r)
    return value.date() if isinstance(value, datetime) else value


def _everywhere(client, complaint):
    """The due date each place shows for ``complaint``: page, list, My work, export."""
    ref = complaint.reference
    found = {}
    for name, url in (("page", f"/complaints/{complaint.id}"), ("list", "/complaints/")):
        html = client.get(url).get_data(as_text=True)
        text = _row(html, ref) if name == "list" else html.split("Deadline", 1)[1][:400]
        # The list's row starts with the date received; the due date is its last date.
        found[name] = re.findall(r"\d{1,2} \w+ 2026", text)[-1 if name == "list" else 0]
    home = _row(client.get("/").get_data(as_text=True), f"{ref}: Stage 1")
    found["my work"] = re.search(r"\d{1,2} \w+ 2026", home).group(0)
    found["export"] = f"{_export_due(client, ref).day} {_export_due(client, ref):%B %Y}"
    return found


def _settings(client, kind, day, reason):
    return client.post(
        "/complaints/settings",
        data={
            "what": "closure",
            "closure-kind": kind,
            "closure-day": [str(day.day), str(day.month), str(day.year)],
            "closure-reason": reason,
        },
        follow_redirects=True,
    ).get_data(as_text=True)


def _overdue(client):
    return client.get("/complaints/?overdue=y").get_data(as_text=True)


def test_an_extra_bank_holiday_moves_the_due_date_everywhere_at_once(
    client, officer, on_30_november_2026
):
    """Field input closure-day-new-bank-holiday: received 19 Nov 2026, Stage 1 due 3 Dec
    (20 Nov (1), 23-27 (6), 30 (7), 1 Dec (8), 2 (9), 3 (10)); 1 Dec made a bank holiday
    moves it to 4 Dec on the page, the list, My work and the export."""
    sign_in(client, officer)
    complaint = log(date(2026, 11, 19))
    # Received Fri 13 Nov 2026: 16-20 (5), 23-27 (10): due Fri 27 Nov, overdue on 30 Nov.
    late = log(date(2026, 11, 13), name="Alex Testperson")
    assert set(_everywhere(client, complaint).values()) == {"3 December 2026"}
    assert late.reference in _overdue(client) and complaint.reference not in _overdue(client)
    page = _settings(client, BANK_HOLIDAY, date(2026, 12, 1), "One-off bank holiday")
    assert "Extra bank holiday added: every complaint clock skips it; 1 open deadline moved." in (
        page
    )
    assert set(_everywhere(client, complaint).values()) == {"4 December 2026"}
    home = _row(client.get("/").get_data(as_text=True), f"{complaint.reference}: Stage 1")
    assert "3 working days left" in home  # 2, 3, 4 December (1 December is a holiday)
    # A bank holiday on Fri 20 Nov (invented, for the filter): the late complaint is due
    # 16-19 (4), 23-27 (9), 30 Nov (10), so no longer overdue; the other moves to 7 Dec.
    _settings(client, BANK_HOLIDAY, date(2026, 11, 20), "Another invented bank holiday")
    assert late.reference not in _overdue(client)
    assert set(_everywhere(client, complaint).values()) == {"7 December 2026"}
    assert due(late) == date(2026, 11, 30)


def test_a_closure_day_does_not_move_a_statutory_deadline_but_moves_a_corporate_one(
    client, officer, on_30_november_2026
):
    sign_in(client, officer)
    statutory = log(date(2026, 11, 19))
    corporate = log(date(2026, 11, 19), "corporate", name="Sam Testperson")
    page = client.get("/complaints/settings").get_data(as_text=True)
    # The hint for a new bank holiday points to the extra bank holidays, not closure days.
    assert "A new bank holiday goes under extra bank holidays" in page
    assert "Add later bank holidays below as extra bank holidays" in page or (
        "Bank holidays are known up to" in page
    )
    page = _settings(client, CLOSURE, date(2026, 12, 1), "Council closure")
    assert "the statutory clock does not" in page and "1 open deadline moved" in page
    assert set(_everywhere(client, statutory).values()) == {"3 December 2026"}
    assert set(_everywhere(client, corporate).values()) == {"4 December 2026"}
    # The same day cannot go on the other list as well.
    page = _settings(client, BANK_HOLIDAY, date(2026, 12, 1), "Bank holiday")
    assert "That day is already a council closure day" in page
    assert db.session.scalar(select(ClosureDay.kind).where(ClosureDay.day == date(2026, 12, 1)))
    assert due(statutory) == date(2026, 12, 3)


def test_a_removed_calendar_day_moves_the_dates_back(officer):
    complaint = log(date(2026, 11, 19))
    add_day(date(2026, 12, 1), BANK_HOLIDAY)
    assert due(complaint) == date(2026, 12, 4)
    db.session.delete(db.session.scalar(select(ClosureDay)))
    db.session.flush()
    assert services.recompute_open_due_dates() == 1
    db.session.commit()
    assert due(complaint) == date(2026, 12, 3)


def test_stage_two_from_an_unanswered_stage_one(client, officer, on_30_november_2026):
    """Field input complaint-stage1-unanswered: received Thu 1 Oct 2026, Stage 1 due 15 Oct
    (2 (1), 5-9 (6), 12-15 (10)); never answered; Stage 2 asked for on Mon 2 Nov 2026 starts
    that day and is due 25 working days later: 3-6 Nov (4), 9-13 (9), 16-20 (14), 23-27 (19),
    30 Nov (20), 1-4 Dec (24), 7 Dec (25)."""
    sign_in(client, officer)
    complaint = log(date(2026, 10, 1))
    assert due(complaint) == date(2026, 10, 15)
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert f'href="/complaints/{complaint.id}/escalate"' in page  # out of time: offered
    form = client.get(f"/complaints/{complaint.id}/escalate").get_data(as_text=True)
    # Said of a stage still open, not of one closed unanswered.
    assert "Stage 1: local resolution has not been answered (the response was due" in form
    assert "15 October 2026)" in form and "was not answered" not in form

    def escalate(day, reason=""):
        db.session.refresh(complaint)
        return client.post(
            f"/complaints/{complaint.id}/escalate",
            data={
                "version": complaint.version,
                "started_on": [str(day.day), str(day.month), str(day.year)],
                "late_reason": reason,
                "handler_id": "",
            },
            follow_redirects=True,
        ).get_data(as_text=True)

    # On the due day itself Stage 1 is still within its time: refused, nothing invented.
    page = escalate(date(2026, 10, 15))
    assert "has not been responded to yet and is still within its time" in page
    assert "(due 15 October 2026)" in page
    page = escalate(date(2026, 11, 2))
    assert "Escalated to Stage 2: investigation." in page
    db.session.refresh(complaint)
    one, two = complaint.stages
    assert (two.started_on, two.due_on, two.late_reason) == (
        date(2026, 11, 2),
        date(2026, 12, 7),
        "",
    )
    assert one.responded_on is None and one.outcome == "" and services.not_answered(one)
    assert "Not answered" in page and "Out of time" in page
    # Stage 1 is on record, not work: My work and the overdue filter follow Stage 2.
    home = client.get("/").get_data(as_text=True)
    assert f"{complaint.reference}: Stage 1" not in home
    assert f"{complaint.reference}: Stage 2: investigation" in home
    assert complaint.reference not in _overdue(client)


def test_a_late_stage_three_request_needs_a_reason(officer):
    complaint = log(date(2026, 11, 2))
    one = complaint.stages[0]
    one.responded_on, one.outcome = date(2026, 11, 12), "not_upheld"
    two = services.escalate(complaint, date(2026, 11, 20), None)
    # Stage 2 answered Mon 11 Jan 2027; 20 working days for Stage 3: 12-15 (4), 18-22 (9),
    # 25-29 (14), 1-5 Feb (19), 8 Feb (20).
    two.responded_on, two.outcome = date(2027, 1, 11), "not_upheld"
    with pytest.raises(services.ComplaintError, match="The Stage 3 request came after the 20"):
        services.escalate(complaint, date(2027, 2, 9), None)
    with pytest.raises(services.ComplaintError, match=r"by 8 February 2027"):
        services.escalate(complaint, date(2027, 2, 9), None, "  ")
    three = services.escalate(complaint, date(2027, 2, 9), None, "Complainant was in hospital")
    assert three.stage == 3 and three.late_reason == "Complainant was in hospital"


def test_a_stage_three_request_on_the_last_day_needs_no_reason(officer):
    complaint = log(date(2026, 11, 2))
    one = complaint.stages[0]
    one.responded_on, one.outcome = date(2026, 11, 12), "not_upheld"
    two = services.escalate(complaint, date(2026, 11, 20), None)
    two.responded_on, two.outcome = date(2027, 1, 11), "not_upheld"
    assert services.escalate(complaint, date(2027, 2, 8), None).late_reason == ""


def test_answered_but_not_closed_shows_in_my_work_with_what_happens_next(
    client, officer, on_30_november_2026
):
    sign_in(client, officer)
    # Answered Thu 26 Nov 2026: Stage 2 may be asked for 20 working days on: 27 (1), 30 (2),
    # 1-4 Dec (6), 7-11 (11), 14-18 (16), 21-24 (20): 24 December 2026.
    answered = log(date(2026, 11, 16))
    answered.stages[0].responded_on, answered.stages[0].outcome = date(2026, 11, 26), "upheld"
    # Answered Mon 2 Nov 2026: the window ended 30 Nov... 3-6 (4), 9-13 (9), 16-20 (14),
    # 23-27 (19), 30 Nov (20): ends today, so still open; answered Fri 23 Oct ends 20 Nov.
    ended = log(date(2026, 10, 12), name="Alex Testperson")
    ended.stages[0].responded_on, ended.stages[0].outcome = date(2026, 10, 23), "not_upheld"
    closed = log(date(2026, 10, 12), name="Sam Testperson")
    closed.stages[0].responded_on, closed.stages[0].outcome = date(2026, 10, 23), "not_upheld"
    services.close(closed, date(2026, 11, 2))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    row = _row(home, f"{answered.reference}: Stage 1: local resolution answered")
    assert "24 December 2026" in row
    assert "Stage 2 may be asked for until 24 December 2026, then close it" in row
    # 23 Oct + 20: 26-30 (5), 2-6 Nov (10), 9-13 (15), 16-20 (20): 20 November 2026.
    row = _row(home, f"{ended.reference}: Stage 1: local resolution answered")
    assert "the window for Stage 2 ended on 20 November 2026: close it" in row
    assert closed.reference not in home
    # Closing it takes it off the list.
    services.close(answered, date(2026, 11, 30))
    db.session.commit()
    assert answered.reference not in client.get("/").get_data(as_text=True)


def test_a_bank_holiday_recorded_as_a_closure_day_moves_to_the_other_list(
    client, officer, on_30_november_2026
):
    """Before the two lists were apart, the hint said to add a new bank holiday as a closure
    day: such a day moves to the extra bank holidays, and the statutory clock follows."""
    sign_in(client, officer)
    complaint = log(date(2026, 11, 19))
    db.session.add(ClosureDay(day=date(2026, 12, 1), kind=CLOSURE, reason="New bank holiday"))
    db.session.commit()
    forget_days_off()
    assert due(complaint) == date(2026, 12, 3)  # a closure day: the statutory clock runs on
    page = client.get("/complaints/settings").get_data(as_text=True)
    day = db.session.scalar(select(ClosureDay))
    assert "Make it an extra bank holiday" in page
    page = client.post(
        "/complaints/settings",
        data={"what": "move", "item": day.id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 December 2026 is now: extra bank holiday; 1 open deadline moved." in page
    assert "Make it a council closure day" in page
    assert set(_everywhere(client, complaint).values()) == {"4 December 2026"}
    for item in ("x", "²", "99999999999999999999"):  # "²".isdigit() is True; int() refuses it
        post = client.post("/complaints/settings", data={"what": "move", "item": item})
        assert post.status_code == 404


def test_the_report_times_each_complaint_on_its_own_calendar(officer):
    """A council closure day on Tue 29 Dec 2026; both complaints received Tue 22 Dec 2026 and
    answered Mon 11 Jan 2027. Statutory: due 8 Jan (see the Christmas test), so late.
    Corporate: due 11 Jan (23, 24, 30, 31, 4, 5, 6, 7, 8, 11), so in time."""
    from qaweb.complaints import reports

    add_day(date(2026, 12, 29), CLOSURE)
    for procedure in ("statutory", "corporate"):
        stage = log(date(2026, 12, 22), procedure, name=procedure).stages[0]
        stage.responded_on, stage.outcome = date(2027, 1, 11), "upheld"
    db.session.commit()
    period = (date(2027, 1, 1), date(2027, 3, 31))
    responded, percent_in_time, _ = reports._timeliness([period]).overall[1][0]
    assert (responded, percent_in_time) == (2, 50)


def test_the_days_the_regulation_names_stay_off_after_the_bundled_calendar_ends(app):
    """Regulation 2 names Christmas Day, Boxing Day and Good Friday: they are not working
    days in years the bundled bank holidays (to 26 December 2028) do not cover."""
    from qaweb.core.workdays import add_working_days, calendar_ends

    assert calendar_ends() == date(2028, 12, 26)
    # Good Friday 2030 is 19 April (Easter Sunday 21 April): Thu 18 April + 1 is Mon 22.
    assert add_working_days(date(2030, 4, 18), 1, statutory=True) == date(2030, 4, 22)
    # Christmas 2029: Tue 25 and Wed 26 December are off; Mon 24 + 1 is Thu 27.
    assert add_working_days(date(2029, 12, 24), 1, statutory=True) == date(2029, 12, 27)


def test_one_working_day_is_written_in_the_singular_everywhere(
    client, officer, on_30_november_2026
):
    """Received Tue 17 Nov 2026: 18-20 (3), 23-27 (8), 30 Nov (9), 1 Dec (10): due Tue 1 Dec,
    one working day left on Mon 30 Nov. Received Fri 13 Nov: due Fri 27 Nov, one working
    day overdue on 30 Nov."""
    sign_in(client, officer)
    soon = log(date(2026, 11, 17))
    late = log(date(2026, 11, 13), name="Alex Testperson")
    assert due(soon) == date(2026, 12, 1) and due(late) == date(2026, 11, 27)
    page = client.get(f"/complaints/{soon.id}").get_data(as_text=True)
    assert "(1 working day left)" in page
    listed = _row(client.get("/complaints/").get_data(as_text=True), soon.reference)
    assert "1 working day left" in listed and "working days" not in listed
    home = client.get("/").get_data(as_text=True)
    assert "1 working day left" in _row(home, f"{soon.reference}: Stage 1")
    assert "1 working day overdue" in _row(home, f"{late.reference}: Stage 1")
    assert "1 working days" not in home
