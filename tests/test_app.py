import pytest
from sqlalchemy import text
from support import make_app, sign_in

from qaweb import create_app
from qaweb.config import ConfigError
from qaweb.extensions import db


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("QAWEB_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("QAWEB_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_development_key_is_generated_once_into_instance(monkeypatch, tmp_path):
    from qaweb.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("QAWEB_ENV", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").read_text() == first


def test_database_url_switches_engine(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://qa@db.example/qaweb")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://qa@db.example/qaweb"


def test_sqlite_has_foreign_keys_and_wal(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        db.engine.dispose()


def test_404_page_in_house_style(client):
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "<title>Page not found - qaweb</title>" in page
    assert "govuk-template" in page


def test_unexpected_error_shows_no_stack_trace():
    def broken():
        raise RuntimeError("secret internals")

    app = make_app("sqlite://")
    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = app.test_client().get("/broken-for-test")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "secret internals" not in page and "Traceback" not in page


def test_expired_form_says_so_and_keeps_the_form(app, client, make_user):
    user = make_user()
    sign_in(client, user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/account/password", data={"current_password": "x"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Your form had expired: your answers are still here. Press Save again." in page
        assert 'name="current_password"' in page and 'name="csrf_token"' in page
        htmx = client.post("/account/password", data={}, headers={"HX-Request": "true"})
        assert "HX-Refresh" not in htmx.headers
        assert htmx.headers["HX-Retarget"] == "#qaweb-form-problem"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_layout_has_skip_link_council_name_and_csrf_header(client, make_user):
    from qaweb.core.settings import set_setting

    set_setting("council_name", "Wokingham Borough Council")
    db.session.commit()
    sign_in(client, make_user())
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main-content"' in page and "Skip to main content" in page
    assert "Wokingham Borough Council" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page or "X-CSRFToken" in page
    assert "<title>My work - qaweb</title>" in page
    assert "govuk-crest" not in page and "GDS Transport" not in page


def test_flash_messages_are_notification_banners(client, make_user):
    sign_in(client, make_user())
    page = client.post("/sign-out", follow_redirects=True).get_data(as_text=True)
    assert "govuk-notification-banner--success" in page


def test_static_assets_are_vendored(client):
    for path in (
        "/static/qaweb.css",
        "/static/govuk/govuk-frontend.min.js",
        "/static/htmx/htmx.min.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()


def test_counts_are_written_with_thousands_separators(app):
    from flask import render_template_string

    with app.test_request_context():
        shown = render_template_string(
            "{{ 103156|number }} {{ 999|number }} {{ 12.5|number }} {{ none|number }}"
        )
    assert shown == "103,156 999 12.5 None"
