"""The declarative base, column types and mixins every model uses."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names, so Alembic diffs agree on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """An aware datetime as a naive UTC one for the column (None stays None); raises ValueError
        for a naive datetime, which could be any time zone."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """The column's naive UTC value as an aware UTC datetime (None stays None)."""
        if value is None:
            return None
        # The same value as value.replace(tzinfo=UTC) at about a third of its cost (1 us on
        # Python 3.11): a list page reads hundreds of these (created_at, updated_at...).
        return datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            UTC,
        )


class Base(DeclarativeBase):
    """The declarative base of every model, with the constraint naming convention
    (``NAMING_CONVENTION``) that keeps Alembic's diffs the same on SQLite and PostgreSQL."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """A version counter: SQLAlchemy refuses an UPDATE made from a stale row.

    Views also compare the version a form was loaded with (see core.history.check_version),
    so a person is told who changed the record before they try to save over it.
    """

    version: Mapped[int] = mapped_column(nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}


class Timestamped:
    """Mixin: ``created_at`` and ``updated_at``, aware UTC datetimes set by the database session."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class CouncilList:
    """An entry of a list the council keeps (meeting types, learning themes, complaint
    categories, compliment themes, thematic-audit themes): a unique name (at most 120
    characters), offered while ``active``; never deleted, so records keep their entry.
    Shown, added to and switched on or off on a settings page with ``core.council_lists``."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self):
        return self.name


#: How long a write waits for another to finish before giving up (SQLite), in milliseconds.
#: A save takes tens of milliseconds, so a queue of people saving at once clears well inside it.
SQLITE_BUSY_TIMEOUT_MS = 15000

#: Request methods that only read: their transactions need no write lock.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """Foreign keys on, WAL, and transactions SQLAlchemy controls (so SAVEPOINT works)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _will_write() -> bool:
    """Whether this transaction belongs to a request that saves (a POST, PUT, DELETE…)."""
    from flask import has_request_context, request

    return has_request_context() and request.method not in READ_METHODS


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    """SQLite: a request that saves takes the write lock when its transaction begins.

    With a plain (deferred) BEGIN, two saves at the same moment both start as readers; the
    second to write is refused at once with "database is locked" (waiting could not help:
    its snapshot is already stale). BEGIN IMMEDIATE queues it behind the first for up to
    the busy timeout instead, so saves take turns. Pages that only read keep a deferred
    BEGIN, and with WAL they never wait for a writer.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _will_write() else "BEGIN")


def is_unique_violation(error: Exception) -> bool:
    """Whether a database error is a unique constraint refusing a second copy of a value
    (someone else saved the same name a moment earlier), on SQLite or PostgreSQL."""
    orig = getattr(error, "orig", error)
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    message = str(orig)
    return "UNIQUE constraint failed" in message or "PRIMARY KEY constraint failed" in message
