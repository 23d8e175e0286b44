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


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be {minimum} or more, not {value}")
    return value


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
        # Calendar invites come from this mailbox (RFC 5546 ORGANIZER): set it to the council's
        # practice-week mailbox, where replies to invites arrive.
        "CALENDAR_ORGANISER_EMAIL": os.environ.get(
            "QAWEB_CALENDAR_ORGANISER_EMAIL", "practice-week@demo-council.example"
        ),
        # Behind a reverse proxy or load balancer: how many proxies set X-Forwarded-For (and
        # -Proto, -Host). 0 trusts no header: request.remote_addr is the peer's address.
        "PROXY_COUNT": _int_env("QAWEB_PROXY_COUNT", 0),
        # Sessions end on sign-out, after this long unused, and this long after signing in
        # (OWASP ASVS 3.3.2). Intranet pages stay open for a working day.
        "SESSION_IDLE_MINUTES": _int_env("QAWEB_SESSION_IDLE_MINUTES", 8 * 60, minimum=1),
        "SESSION_MAX_HOURS": _int_env("QAWEB_SESSION_MAX_HOURS", 12, minimum=1),
        # A session's last use is written at most this often (one UPDATE a minute, not one
        # a request).
        "SESSION_SEEN_INTERVAL_SECONDS": 60,
        # Failed sign-ins: an account may be tried this many times from one address before
        # each further try waits 1, 2, 4, ... seconds (up to the maximum); an address may
        # fail this many times across all accounts before the same; and an account this many
        # times from all addresses together (addresses the person has used stay free).
        # Failures are forgotten after SIGN_IN_MEMORY_HOURS, or (for one account from one
        # address) on success. See qaweb.auth.services.throttle.
        "SIGN_IN_FREE_FAILURES": 5,
        "SIGN_IN_ADDRESS_FREE_FAILURES": 10,
        "SIGN_IN_ACCOUNT_FREE_FAILURES": 50,
        "SIGN_IN_FIRST_DELAY_SECONDS": 1,
        "SIGN_IN_MAX_DELAY_SECONDS": 15 * 60,
        "SIGN_IN_MEMORY_HOURS": 24,
        # Password reset links work this long, once; an account gets this many an hour.
        "PASSWORD_RESET_MINUTES": _int_env("QAWEB_PASSWORD_RESET_MINUTES", 60, minimum=5),
        "PASSWORD_RESET_PER_HOUR": 3,
        **_mail_config(),
    }


MAIL_TRANSPORTS = ("file", "smtp", "notify")
SMTP_SECURITY = ("starttls", "tls", "none")


def _mail_config() -> dict:
    """Email settings (see README, "Email"). The development default writes each message
    to instance/mail/ as an .eml file, so no mail server is needed."""
    transport = os.environ.get("QAWEB_MAIL_TRANSPORT", "file").strip().lower()
    if transport not in MAIL_TRANSPORTS:
        raise ConfigError(
            f"QAWEB_MAIL_TRANSPORT must be one of {', '.join(MAIL_TRANSPORTS)}, not {transport!r}"
        )
    security = os.environ.get("QAWEB_SMTP_SECURITY", "starttls").strip().lower()
    if security not in SMTP_SECURITY:
        raise ConfigError(
            f"QAWEB_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}"
        )
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    config = {
        "MAIL_TRANSPORT": transport,
        # Links in emails start with this address (the address people open qaweb at).
        "BASE_URL": os.environ.get("QAWEB_BASE_URL", "http://127.0.0.1:5000"),
        "MAIL_FROM": os.environ.get("QAWEB_MAIL_FROM", "qaweb@demo-council.example"),
        "MAIL_REPLY_TO": os.environ.get("QAWEB_MAIL_REPLY_TO", ""),
        "MAIL_DIRECTORY": os.environ.get("QAWEB_MAIL_DIRECTORY", ""),
        "SMTP_HOST": os.environ.get("QAWEB_SMTP_HOST", "localhost"),
        "SMTP_PORT": _int_env("QAWEB_SMTP_PORT", default_port, minimum=1),
        "SMTP_SECURITY": security,
        "SMTP_USERNAME": os.environ.get("QAWEB_SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("QAWEB_SMTP_PASSWORD", ""),
        "SMTP_TIMEOUT": _int_env("QAWEB_SMTP_TIMEOUT", 30, minimum=1),
        "NOTIFY_API_KEY": os.environ.get("QAWEB_NOTIFY_API_KEY", ""),
        "NOTIFY_TEMPLATE_ID": os.environ.get("QAWEB_NOTIFY_TEMPLATE_ID", ""),
        "NOTIFY_REPLY_TO_ID": os.environ.get("QAWEB_NOTIFY_REPLY_TO_ID", ""),
        "NOTIFY_BASE_URL": os.environ.get(
            "QAWEB_NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"
        ),
        # A temporary failure is tried again after 1, 2, 4, ... times this many seconds,
        # up to this many tries in all; then the message is marked failed.
        "NOTIFY_RETRY_SECONDS": _int_env("QAWEB_MAIL_RETRY_SECONDS", 60, minimum=1),
        "NOTIFY_MAX_ATTEMPTS": _int_env("QAWEB_MAIL_MAX_ATTEMPTS", 6, minimum=1),
        # `flask notify worker` sleeps this long between rounds.
        "NOTIFY_WORKER_SECONDS": _int_env("QAWEB_MAIL_WORKER_SECONDS", 30, minimum=1),
        # Background jobs (core/jobs.py): where result files are kept (a folder every host
        # shares; empty: instance/jobs) and how long `flask jobs worker` sleeps between looks.
        "JOB_FILES_DIRECTORY": os.environ.get("QAWEB_JOB_FILES", ""),
        "JOB_WORKER_SECONDS": _int_env("QAWEB_JOB_WORKER_SECONDS", 2, minimum=1),
    }
    if transport == "notify" and not (config["NOTIFY_API_KEY"] and config["NOTIFY_TEMPLATE_ID"]):
        raise ConfigError(
            "QAWEB_MAIL_TRANSPORT=notify needs QAWEB_NOTIFY_API_KEY and QAWEB_NOTIFY_TEMPLATE_ID"
        )
    return config
