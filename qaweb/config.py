"""Configuration from environment variables, with safe development defaults."""

import os
import secrets
from pathlib import Path

DEV_SECRET_FILE = "secret_key"


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def _development_secret(instance_path: str) -> str:
    """A random key generated once into instance/ so sessions survive a restart."""
    path = Path(instance_path) / DEV_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _normalise_database_url(url: str) -> str:
    # Hosting platforms often hand out postgres://; SQLAlchemy wants postgresql+psycopg://.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def load_config(instance_path: str) -> dict:
    """Build the Flask config from the environment."""
    env = os.environ.get("QAWEB_ENV", "development")
    production = env == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY must be set when QAWEB_ENV=production "
                "(a long random string, the same on every host)."
            )
        secret = _development_secret(instance_path)

    default_db = "sqlite:///" + str(Path(instance_path) / "qaweb.sqlite")
    database_url = _normalise_database_url(os.environ.get("DATABASE_URL", default_db))

    return {
        "QAWEB_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # A form token lasts as long as the session it belongs to: a form left open overnight
        # still saves while its session lasts (sign-out and new sessions end it).
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "PASSWORD_HASH_METHOD": os.environ.get("QAWEB_PASSWORD_HASH", "scrypt"),
        "PAGE_SIZE": 50,
        # Calendar invites come from this mailbox (RFC 5546 ORGANIZER); UIDs end in its domain.
        "CALENDAR_ORGANISER_EMAIL": os.environ.get(
            "QAWEB_CALENDAR_ORGANISER_EMAIL", "practice-week@qaweb.local"
        ),
        "SIGN_IN_MAX_FAILURES": 5,
        "SIGN_IN_WINDOW_MINUTES": 15,
    }
