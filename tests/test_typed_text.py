"""Nothing typed is ever lost: a form token the session no longer accepts, or a session that
was signed out while the form was open, keeps the typed text on the screen, says what
happened, and the next Save works (issue 13)."""

import re
import time
from datetime import date

import pytest
from flask_wtf.csrf import generate_csrf
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select
from support import PASSWORD, sign_in

from qaweb.extensions import db
from qaweb.tools import services
from qaweb.tools.models import Answer, Response

TOOL = """\
tool: typed_text_audit
kind: case_file_audit
name: Typed text audit
version: 1
council: Testshire
sections:
  - key: observation
    title: The observation
    questions:
      - key: planning
        label: How was contact planned?
        kind: long_text
      - key: father
        label: How was the father involved?
        kind: long_text
"""
FIRST = (
    "Invented: the worker and mother planned contact together; the child's wishes were "
    "written in her own words."
)
SECOND = "Invented: father joined by phone and was asked for his view first."
HX = {"HX-Request": "true"}


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def observer(make_user, client):
    user = make_user("observer")
    sign_in(client, user)
    return user


@pytest.fixture
def record(observer):
    version, _ = services.load_text(TOOL, publish=True)
    response = Response(tool_version=version, subject_type="test", created_by_id=observer.id)
    db.session.add(response)
    db.session.commit()
    return response


def token_on(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def answers(response_id):
    return {
        a.question_key: a.value_text
        for a in db.session.scalars(select(Answer).where(Answer.response_id == response_id))
    }


def section_post(record, token, **extra):
    return {
        "csrf_token": token,
        "save_section": "observation",
        "version": record.version,
        "q_planning": FIRST,
        "q_father": SECOND,
        **extra,
    }


def old_token(app, client, hours):
    """The session's own form token, signed ``hours`` ago (a form left open overnight)."""
    client.get("/")  # the session gets its form token
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]

    class Then(URLSafeTimedSerializer):
        def get_timestamp(self):
            return int(time.time()) - hours * 3600

    return Then(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def test_a_form_left_open_overnight_still_saves(app, client, record, csrf_on):
    token = old_token(app, client, hours=13)
    response = client.post(f"/responses/{record.id}", headers=HX, data=section_post(record, token))
    body = response.get_data(as_text=True)
    assert "HX-Refresh" not in response.headers
    assert "Saved" in body and "<html" not in body
    assert answers(record.id) == {"planning": FIRST, "father": SECOND}


def test_an_htmx_save_with_a_refused_token_keeps_the_form_and_the_next_save_works(
    client, record, csrf_on
):
    client.get(f"/responses/{record.id}")
    response = client.post(
        f"/responses/{record.id}", headers=HX, data=section_post(record, "from-another-session")
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Refresh" not in response.headers
    # The message goes beside the form, which stays on the page with what was typed.
    assert response.headers["HX-Retarget"] == "#qaweb-form-problem"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "Your form had expired: your answers are still here. Press Save again." in body
    assert "<html" not in body and "Sign in to qaweb" not in body
    assert answers(record.id) == {}
    fresh = re.search(r'data-qaweb-csrf-token="([^"]+)"', body).group(1)

    again = client.post(f"/responses/{record.id}", headers=HX, data=section_post(record, fresh))
    assert "Saved" in again.get_data(as_text=True)
    assert answers(record.id) == {"planning": FIRST, "father": SECOND}


def test_a_plain_post_with_a_refused_token_shows_the_form_again_with_the_answers(
    client, record, csrf_on
):
    client.get(f"/responses/{record.id}")
    data = section_post(record, "from-another-session")
    del data["save_section"]
    data["action"] = "draft"
    response = client.post(f"/responses/{record.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your form had expired: your answers are still here. Press Save again." in page
    assert "the worker and mother planned contact together" in page
    assert "father joined by phone" in page
    assert answers(record.id) == {}

    data["csrf_token"] = token_on(page)
    saved = client.post(f"/responses/{record.id}", data=data, follow_redirects=True)
    assert "Saved as a draft" in saved.get_data(as_text=True)
    assert answers(record.id) == {"planning": FIRST, "father": SECOND}


def test_a_plain_form_post_with_a_refused_token_keeps_the_typed_values(client, make_user, app):
    sign_in(client, make_user("admin"))
    app.config["WTF_CSRF_ENABLED"] = True
    client.get("/admin/service-areas/new")
    response = client.post(
        "/admin/service-areas/new",
        data={"csrf_token": "from-another-session", "name": "Invented: Early Help North"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your form had expired" in page and "Invented: Early Help North" in page
    saved = client.post(
        "/admin/service-areas/new",
        data={"csrf_token": token_on(page), "name": "Invented: Early Help North"},
        follow_redirects=True,
    )
    assert "Your form had expired" not in saved.get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = False
    from qaweb.organisation.models import ServiceArea

    assert db.session.scalar(select(ServiceArea).where(ServiceArea.name.like("Invented:%")))


@pytest.mark.parametrize("session_kept", [True, False], ids=["session-kept", "session-cleared"])
def test_an_htmx_save_after_signing_out_keeps_the_form_and_saves_after_signing_in(
    client, record, observer, csrf_on, session_kept
):
    page = client.get(f"/responses/{record.id}").get_data(as_text=True)
    token = token_on(page)
    client.post("/sign-out", data={"csrf_token": token})  # in another tab
    if not session_kept:
        with client.session_transaction() as sess:
            sess.clear()
    response = client.post(f"/responses/{record.id}", headers=HX, data=section_post(record, token))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Refresh" not in response.headers and "HX-Redirect" not in response.headers
    assert response.headers["HX-Retarget"] == "#qaweb-form-problem"
    assert "You have been signed out" in body
    assert "Your answers are still on this page" in body
    assert 'target="_blank"' in body and "Sign in in a new tab" in body
    # Never the sign-in page swapped into the form.
    assert "<html" not in body and "Sign in to qaweb" not in body and 'name="password"' not in body
    assert answers(record.id) == {}

    # Signs in again in a new tab; the page asks for the new session's token and saves.
    page = client.get("/sign-in").get_data(as_text=True)
    client.post(
        "/sign-in",
        data={"email": observer.email, "password": PASSWORD, "csrf_token": token_on(page)},
    )
    fresh = client.get("/auth/token").get_json()
    assert fresh["signed_in"] is True
    again = client.post(
        f"/responses/{record.id}", headers=HX, data=section_post(record, fresh["token"])
    )
    assert "Saved" in again.get_data(as_text=True)
    assert answers(record.id) == {"planning": FIRST, "father": SECOND}


def test_a_plain_post_after_signing_out_says_so_and_does_not_redirect(
    client, record, observer, csrf_on
):
    page = client.get(f"/responses/{record.id}").get_data(as_text=True)
    token = token_on(page)
    client.post("/sign-out", data={"csrf_token": token})
    data = section_post(record, token)
    response = client.post(f"/responses/{record.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 401  # not a redirect: Back still has the answers
    assert "You have been signed out" in page and "still on the previous page" in page
    assert 'target="_blank"' in page
    assert answers(record.id) == {}


def test_an_htmx_get_after_signing_out_goes_to_the_sign_in_page_whole(client, observer):
    client.post("/sign-out")
    response = client.get(
        "/actions/?status=open",
        headers={**HX, "HX-Current-URL": "http://qaweb.test/actions/?status=open"},
    )
    assert response.headers["HX-Redirect"].startswith("/sign-in?next=")
    assert "Sign in to qaweb" not in response.get_data(as_text=True)


def test_the_token_endpoint_gives_nothing_to_a_signed_out_session(client):
    answer = client.get("/auth/token").get_json()
    assert answer == {"signed_in": False, "token": None}


def test_the_form_token_lasts_as_long_as_its_session(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None
    with app.test_request_context():
        assert generate_csrf()


def test_a_stale_section_save_keeps_the_typed_answers_and_saves_the_second_time(client, record):
    url = f"/responses/{record.id}"
    loaded = record.version  # two tabs opened on the same version
    client.post(url, data={"action": "draft", "version": loaded, "q_planning": "Other tab"})
    data = section_post(record, "")
    data["version"] = loaded
    response = client.post(url, headers=HX, data=data)
    body = response.get_data(as_text=True)
    assert "Your changes have not been saved yet" in body
    assert "the worker and mother planned contact together" in body  # typed text kept
    assert "father joined by phone" in body
    assert answers(record.id) == {"planning": "Other tab"}
    version = re.search(r'name="version" id="response-version" value="(\d+)"', body).group(1)
    assert version != str(loaded)

    data["version"] = version
    again = client.post(url, headers=HX, data=data)
    assert "Saved" in again.get_data(as_text=True)
    assert answers(record.id) == {"planning": FIRST, "father": SECOND}


# -- length limits and line breaks ------------------------------------------------------------


def _form_classes():
    import importlib
    from pathlib import Path

    from flask_wtf import FlaskForm

    package = Path(__file__).resolve().parents[1] / "qaweb"
    for path in package.glob("*/forms.py"):
        importlib.import_module(f"qaweb.{path.parent.name}.forms")
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("qaweb."):
            found.append(cls)
    return found


def test_every_long_text_field_shows_its_limit_while_typing(app):
    from qaweb.core.forms import MaxLength, TextAreaField

    seen = 0
    with app.test_request_context():
        for cls in _form_classes():
            form = cls()  # a GET: nothing posted
            for field in form:
                if not isinstance(field, TextAreaField):
                    continue
                seen += 1
                limits = [v.maximum for v in field.validators if isinstance(v, MaxLength)]
                assert limits, f"{cls.__name__}.{field.name} has no length limit"
                html = str(field(params={"rows": 3}))
                assert 'data-module="govuk-character-count"' in html, cls.__name__
                assert f'data-maxlength="{limits[0]}"' in html, cls.__name__
    assert seen > 30  # every form module's long text fields were looked at


def test_a_tools_long_answers_show_their_limit(client, record):
    page = client.get(f"/responses/{record.id}").get_data(as_text=True)
    assert page.count('data-module="govuk-character-count"') == 2
    assert 'data-maxlength="20000"' in page


def test_a_line_break_counts_as_one_character(client, record):
    from qaweb.core.forms import MaxLength

    class Field:
        data = "1234\r\n6789"  # ten characters as typed: CR LF is one line break

    MaxLength(10, "Answer")(None, Field())
    Field.data = "1234\r\n678901"
    with pytest.raises(Exception, match="Answer must be 10 characters or fewer"):
        MaxLength(10, "Answer")(None, Field())

    # As posted by a browser: 19,999 characters and a line break fill a 20,000 limit exactly.
    text = "a" * 10000 + "\r\n" + "b" * 9999
    data = section_post(record, "", q_planning=text)
    body = client.post(f"/responses/{record.id}", headers=HX, data=data).get_data(as_text=True)
    assert "Saved" in body and "20000 characters or fewer" not in body


def test_a_long_summary_keeps_its_line_breaks_on_the_complaint_page(client, make_user):
    from qaweb.complaints import services as complaint_services
    from qaweb.complaints.models import Complaint
    from qaweb.core.timefmt import today_london

    sign_in(client, make_user("complaints_officer"))
    complaint = Complaint(
        received_on=today_london(),
        received_how="email",
        complainant_type="parent",
        complainant_name="Invented Parent",
        complainant_contact="1 Invented Road\r\nTestshire",
        summary="Invented: first, visits were missed.\r\nSecond, <no> letters were answered.",
        outcome_wanted="An apology.\nA new worker.",
    )
    complaint_services.open_complaint(complaint, None)
    db.session.commit()
    page = client.get(f"/complaints/{complaint.id}").get_data(as_text=True)
    assert "visits were missed.<br>Second, &lt;no&gt; letters were answered." in page
    assert "1 Invented Road<br>Testshire" in page
    assert "An apology.<br>A new worker." in page


# -- a refused token never saves ----------------------------------------------------------------


def test_a_refused_token_on_a_post_that_saves_without_a_form_saves_nothing(app, client, make_user):
    """Showing the form again runs the view with every commit refused: a view that changes
    the record without a form (a status button) changes nothing."""
    from qaweb.practice_week.models import PracticeWeek

    sign_in(client, make_user("organiser"))
    today = date.today()
    week = PracticeWeek(
        theme="Invented", starts_on=today, ends_on=today, status="open", target_roles=[]
    )
    db.session.add(week)
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(
            f"/practice-weeks/{week.id}/status",
            data={"csrf_token": "from-another-session", "to": "close", "version": week.version},
        )
        signed_out = client.post("/sign-out", data={"csrf_token": "from-another-session"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PracticeWeek, week.id).status == "open"
    assert signed_out.status_code == 400
    assert client.get("/").status_code == 200  # still signed in: the refused sign-out did nothing
    # The same post with a good token does close the week.
    client.post(f"/practice-weeks/{week.id}/status", data={"to": "close", "version": week.version})
    db.session.expire_all()
    assert db.session.get(PracticeWeek, week.id).status == "closed"


def test_an_expired_sign_in_form_asks_to_sign_in_again_keeping_the_email(app, client, make_user):
    person = make_user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(
            "/sign-in",
            data={"csrf_token": "old", "email": person.email, "password": PASSWORD},
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The sign-in form had expired. Sign in again." in page
    assert f'value="{person.email}"' in page
    assert client.get("/").status_code == 302  # not signed in by a post it could not check
