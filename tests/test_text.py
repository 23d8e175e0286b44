"""Text is cleaned once where it enters, and every writer takes any stored text.

The field report: a vertical tab pasted from Word into a thematic finding saved, and then
the Word board paper was a 500 (python-docx refuses text XML cannot hold).
"""

import io
from datetime import date

import docx
import pytest
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from support import sign_in

from qaweb.core.text import clean_identifier, clean_text, counted, printable
from qaweb.core.timefmt import today_london
from qaweb.extensions import db

FIELD_INPUT = (
    "Plans were reviewed but not updated.\x0bManagers' oversight was not recorded on 4 of 10 files."
)
# What a paste can bring that a database may still hold from before cleaning (PostgreSQL
# refuses NUL in text, so it is not among them): Word's line and page breaks, escape, DEL,
# a C1 control, XML's two non-characters.
STORED = "Drift\x0bin plans\x0c\x1b\x7f\x90\ufffe\uffff end"


def test_cleaning_rules():
    assert clean_text("a\r\nb\rc\x0bd\x0ce\x00f\x1b\tg\u2028h") == "a\nb\nc\nd\nef\tg\nh"
    assert clean_text("Zoë 💡 ok") == "Zoë 💡 ok"
    assert clean_identifier(" \u200bname\u200d@coun\u202ecil.example\ufeff\u00ad ") == (
        "name@council.example"
    )
    assert clean_identifier("CS-\u2066123456\u2069") == "CS-123456"
    assert printable(STORED) == "Drift\nin plans\n end"
    assert printable(None) is None and printable(12) == 12


@pytest.fixture
def in_progress(client, make_user):
    from qaweb.thematic import services

    qa = make_user("qa_officer")
    audit = services.add_to_plan("Care plans", today_london().year, 3, None)
    audit.status = "in_progress"
    db.session.commit()
    sign_in(client, qa)
    return audit


def store_raw(model, row_id, **values):
    """Write straight to the table, past every form: text as an old row may hold it."""
    table = model.__table__
    db.session.execute(update(table).where(table.c.id == row_id).values(**values))


def read_docx(response) -> str:
    assert response.status_code == 200, response.status_code
    document = docx.Document(io.BytesIO(response.data))
    return "\n".join(p.text for p in document.paragraphs)


def test_a_pasted_vertical_tab_saves_cleaned_and_the_word_paper_downloads(client, in_progress):
    from qaweb.thematic.models import Finding

    url = f"/thematic/{in_progress.id}"
    response = client.post(f"{url}/findings", data={"kind": "risk", "text": FIELD_INPUT})
    assert response.status_code == 302
    finding = db.session.scalar(select(Finding).where(Finding.audit_id == in_progress.id))
    # Word's manual line break is kept as the line break it was.
    assert finding.text == FIELD_INPUT.replace("\x0b", "\n")
    text_back = read_docx(client.get(f"{url}.docx"))
    assert "Plans were reviewed but not updated." in text_back
    assert "Managers' oversight was not recorded on 4 of 10 files." in text_back
    workbook = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data))
    cells = [c for row in workbook["Findings"].iter_rows(values_only=True) for c in row]
    assert FIELD_INPUT.replace("\x0b", "\n") in cells


def test_stored_control_characters_still_export_to_word_excel_and_calendar(
    client, in_progress, make_user, make_action, records
):
    """Text stored before cleaning (written straight into the database) still exports."""
    from qaweb.actions.models import Action
    from qaweb.practice_week.models import Observation
    from qaweb.thematic.models import Finding

    finding = Finding(audit_id=in_progress.id, kind="theme", text="placeholder")
    db.session.add(finding)
    db.session.flush()
    observation = db.session.get(Observation, records["observation_id"])
    action = db.session.get(Action, records["action_id"])
    for model, row_id, column in (
        (Finding, finding.id, "text"),
        (Observation, observation.id, "place"),
        (Observation, observation.id, "notes"),
        (Action, action.id, "description"),
    ):
        store_raw(model, row_id, **{column: STORED})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Finding, finding.id).text == STORED  # stored as it was

    url = f"/thematic/{in_progress.id}"
    assert "Drift\nin plans" in read_docx(client.get(f"{url}.docx"))
    workbook = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data))
    cells = [c for row in workbook["Findings"].iter_rows(values_only=True) for c in row]
    assert printable(STORED) in cells

    client.post("/sign-out")
    qa = make_user("qa_officer", "organiser")
    sign_in(client, qa)
    export = client.get("/actions/all/export.xlsx")
    assert export.status_code == 200
    rows = load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True)
    assert printable(STORED) in [c for row in rows for c in row]

    invite = client.get(f"/practice-weeks/observations/{observation.id}/invite.ics")
    assert invite.status_code == 200
    assert not any(b in invite.data for b in (b"\x0b", b"\x0c", b"\x1b", b"\x7f"))
    (event,) = Calendar.from_ical(invite.data).walk("VEVENT")
    assert "Drift" in str(event["LOCATION"]) and "end" in str(event["LOCATION"])

    # The page shows it too.
    page = client.get(f"/practice-weeks/observations/{observation.id}")
    assert page.status_code == 200 and "Drift" in page.get_data(as_text=True)


@pytest.fixture
def records(app, make_user, make_team, make_action):
    from test_authorization import _practice_week

    owner = make_user("practitioner", team=make_team())
    action = make_action(owner, description="An action")
    practice = _practice_week(owner, make_user, make_team)
    db.session.commit()
    return {"action_id": action.id, **practice}


def test_one_line_fields_refuse_line_breaks(client, make_user):
    sign_in(client, make_user("qa_officer"))
    year = today_london().year
    page = client.post(
        f"/thematic/plan?year={year}",
        data={"year": year, "title": "Neglect\r\nand drift", "quarter": "2"},
    )
    assert page.status_code == 200
    assert "Title must be on one line" in page.get_data(as_text=True)
    # A vertical tab in one line reads as a space.
    page = client.post(
        f"/thematic/plan?year={year}",
        data={"year": year, "title": "Neglect\x0band drift", "quarter": "2"},
    )
    assert page.status_code == 302
    from qaweb.thematic.models import ThematicAudit

    assert db.session.scalar(select(ThematicAudit.title).order_by(ThematicAudit.id.desc())) == (
        "Neglect and drift"
    )


def test_zero_width_characters_are_removed_from_emails_and_references(
    client, make_user, make_team, records
):
    from qaweb.organisation.models import User

    admin = make_user("admin")
    team = make_team()
    sign_in(client, admin)
    response = client.post(
        "/admin/users/new",
        data={
            "first_name": "Zara",
            "last_name": "Width",
            "email": "\u200bzara.width\u200d@council.example\ufeff",
            "team_id": str(team.id),
            "roles": ["practitioner"],
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    user = db.session.scalar(select(User).where(User.last_name == "Width"))
    assert user.email == "zara.width@council.example"

    # Signing in with the address as pasted (with a zero-width space) finds the person.
    other = client.application.test_client()
    response = other.post(
        "/sign-in", data={"email": "\u200b" + make_user("practitioner").email, "password": ""}
    )
    assert response.status_code == 200  # the missing password is the only problem
    assert "Enter your password" in response.get_data(as_text=True)


def test_huge_dates_numbers_and_unoffered_choices_are_gov_uk_errors(client, make_user, make_team):
    admin = make_user("admin", "complaints_officer")
    sign_in(client, admin)
    # A date with a huge day, month or year: "must be a real date", never an OverflowError.
    for parts in (["2147483648", "1", "2026"], ["1", "9" * 30, "2026"], ["1", "1", "9" * 20]):
        page = client.post(
            "/complaints/compliments",
            data={"received_on": parts, "valued": "Kindness"},
        )
        assert page.status_code == 200
        assert "must be a real date" in page.get_data(as_text=True), parts

    # A paired team that is not one of the options (or not a number at all).
    team = make_team()
    for value in ("\r\n\x02", "abc", "9" * 30, "-1"):
        page = client.post(
            f"/admin/teams/{team.id}/edit",
            data={
                "version": team.version,
                "name": team.name,
                "service_area_id": str(team.service_area_id),
                "paired_team_id": value,
            },
        )
        assert page.status_code == 200
        assert "Select one of the options" in page.get_data(as_text=True), value


def test_whole_numbers_beyond_the_database_are_refused(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from qaweb.core.forms import DateField, WholeNumberField

    class Form(FlaskForm):
        class Meta:
            csrf = False

        capacity = WholeNumberField("Capacity")
        on = DateField("Date")

    with app.test_request_context():
        for value, message in (
            ("9" * 30, "Capacity must be 2,147,483,647 or less"),
            ("1e309", "Capacity must be a whole number, like 4"),
            ("1_000", "Capacity must be a whole number, like 4"),
            ("١٢", "Capacity must be a whole number, like 4"),
        ):
            form = Form(MultiDict({"capacity": value}))
            assert not form.validate()
            assert form.capacity.errors == [message]
        form = Form(MultiDict([("on", "٣"), ("on", "1"), ("on", "2026")]))
        assert not form.validate() and form.on.errors == ["Date must be a real date"]
        form = Form(MultiDict([("capacity", "-12"), ("on", "29"), ("on", "2"), ("on", "2028")]))
        assert form.validate() and form.capacity.data == -12
        assert form.on.data == date(2028, 2, 29)


def test_a_stored_control_character_never_reaches_an_invite(client, make_user, records):
    """Learning-session invites too (their own writer path)."""
    from qaweb.practice_week.models import LearningSession

    store_raw(LearningSession, records["session_id"], title=STORED, description=STORED)
    db.session.commit()
    sign_in(client, make_user("organiser"))
    invite = client.get(f"/practice-weeks/sessions/{records['session_id']}/invite.ics")
    assert invite.status_code == 200 and b"\x0b" not in invite.data
    (event,) = Calendar.from_ical(invite.data).walk("VEVENT")
    assert "Drift" in str(event["SUMMARY"])
    assert db.session.get(LearningSession, records["session_id"]).title == STORED


@pytest.mark.parametrize("name", ["Île de Loire", "Ωmega", "Ärzte"])
def test_a_name_in_another_script_given_twice_is_refused_not_a_500(client, make_user, name):
    """SQLite folds only ASCII case: the duplicate checks (service areas, teams, users; the
    council's lists) must still find the same name, not leave it to the unique constraint."""
    from qaweb.organisation.models import ServiceArea
    from qaweb.thematic.models import Theme

    sign_in(client, make_user("admin", "qa_officer"))
    forms = (
        ("/admin/service-areas/new", ServiceArea, {"name": name, "active": "y"}),
        ("/thematic/themes", Theme, {"what": "add", "list": "theme", "theme-name": name}),
    )
    for url, model, data in forms:
        for attempt in range(2):
            page = client.post(url, data=data)
            assert page.status_code == (302 if attempt == 0 else 200), url
        assert "There is already a" in page.get_data(as_text=True)
        assert db.session.scalar(select(func.count()).where(model.name == name)) == 1


def test_counted_says_one_in_the_singular_and_formats_large_numbers():
    assert counted(1, "case") == "1 case"
    assert counted(2, "case") == "2 cases"
    assert counted(0, "observation") == "0 observations"
    assert counted(1, "person", "people") == "1 person"
    assert counted(3, "person", "people") == "3 people"
    assert counted(12345, "row") == "12,345 rows"  # as the number filter writes it
    assert counted(1, "more row") == "1 more row"


def test_counted_is_a_template_filter(app):
    render = app.jinja_env.from_string(
        '{{ 1|counted("case") }}; {{ 1234|counted("child", "children") }}; '
        '{{ rows|length|counted("row") }}'
    ).render
    assert render(rows=[1]) == "1 case; 1,234 children; 1 row"
    assert render(rows=[1, 2]).endswith("; 2 rows")


def test_text_python_counts_printable_holds_nothing_the_cleaning_rules_change():
    """``clean_text`` returns printable text as it is without running its rules (most cells of
    a 100,000-row export): sound only while no printable character is one the rules change.
    Checked for every code point, so a rule added for a printable character fails here."""
    from qaweb.core import text as rules

    changed = [
        hex(code)
        for code in range(0x110000)
        if chr(code).isprintable()
        and (
            rules._CONTROL.search(chr(code))
            or rules._LINE_BREAKS.search(chr(code))
            or chr(code) in "\x0b\x0c"
        )
    ]
    assert changed == []
    assert clean_text("Seen\x0bat home") == "Seen\nat home"  # not printable: the rules run
    assert clean_text("Café – naïve “quotes”") == "Café – naïve “quotes”"
