"""Helpers shared by the request tests (imported as ``from support import …``)."""

import os
import tempfile

from flask import g

from qaweb import create_app

PASSWORD = "correct horse battery"
TEST_HASH = "pbkdf2:sha256:1000"  # quick to compute; production uses scrypt
PG_ENV = "QAWEB_TEST_DATABASE_URL"


def pg_admin_url() -> str | None:
    """The PostgreSQL lane's server (psycopg 3 URL), or None when the lane is not set up."""
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_app(url: str):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": TEST_HASH,
            "SERVER_NAME": "qaweb.test",
            # A session's last use is written once a minute in production; in tests only
            # when a test moves time on, so statement counts do not depend on the clock.
            "SESSION_SEEN_INTERVAL_SECONDS": 3600,
            # Development mail (the file transport) goes to a folder of the run's own.
            "MAIL_TRANSPORT": "file",
            "MAIL_DIRECTORY": tempfile.mkdtemp(prefix="qaweb-mail-"),
        }
    )

    @app.before_request
    def fresh_g():
        # Tests keep an app context open, which requests would share; in production each
        # request has its own, so start each with an empty ``g`` (signed-in user, caches).
        g.__dict__.clear()

    return app


def sign_in(client, user, password=PASSWORD):
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response
