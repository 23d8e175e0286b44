"""Background jobs: work too long for a web request (the inspection evidence pack) queued in
the database and run by ``flask jobs worker``, with progress a page can show and a result
file kept for a day.

Why not a library: huey, rq, dramatiq, arq, saq, taskiq and celery need Redis, RabbitMQ or
a broker of their own (huey's SQLite store is a file on one host; its PostgreSQL backend
and dramatiq's are separate, little-kept packages), and procrastinate and pgqueuer are
PostgreSQL only. qaweb runs on SQLite on a laptop and PostgreSQL in production with no
other server, as its outbox already does (``core/outbox.py``), so jobs follow the same
pattern in one table:

- ``enqueue(kind, parameters, by)`` adds a ``background_job`` row, ``queued``;
- a worker ``claim()``s the oldest queued job in one UPDATE (on PostgreSQL its subquery
  takes the row ``FOR UPDATE SKIP LOCKED``, so two workers on two hosts never take the same
  job; SQLite runs one writer at a time), commits, and runs the kind's function;
- the function reports ``progress(done, total, step)`` (each a short committed UPDATE that
  also extends the claim) and returns the finished file's path and download name;
- the job ends ``done`` (the file kept until ``expires_at``, 24 hours after it finished) or
  ``failed`` with a message for the person who asked (never a stack trace: that goes to
  the worker's log);
- each round the worker deletes the files of expired jobs, and fails a job whose worker
  stopped mid-run (its claim ran out) so the person can ask again.

Files live under ``JOB_FILES_DIRECTORY`` (``QAWEB_JOB_FILES``; default ``instance/jobs``):
with several hosts behind a load balancer it must be a folder every host shares.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, UTCDateTime, utcnow
from qaweb.extensions import db

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = {QUEUED: "Waiting to start", RUNNING: "Being prepared", DONE: "Ready", FAILED: "Failed"}

#: How long a finished job's file is kept, in hours.
KEEP_HOURS = 24
#: A running job's claim, in seconds: each progress report renews it. A worker silent for
#: this long has stopped, and its job is failed so the person can ask again.
CLAIM_SECONDS = 600

STOPPED_MESSAGE = (
    "The background worker stopped while preparing this. Nothing was lost: ask for it again."
)
FAILED_MESSAGE = (
    "Something went wrong while preparing this, and the file was not made. Ask for it "
    "again; if it fails again, tell your administrator (the worker's log says why)."
)


class JobError(Exception):
    """A problem the person who asked can act on: its message is shown to them as it is."""


class BackgroundJob(Base):
    """One piece of background work: what (``kind``, ``parameters``), for whom
    (``requested_by``), how far it has got (``done`` of ``total`` steps, ``step`` naming the
    current one) and what came of it (the result file, or the ``error`` message)."""

    __tablename__ = "background_job"
    __table_args__ = (sa.Index("ix_background_job_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(200), default="")
    result_path: Mapped[str | None] = mapped_column(sa.String(300))
    result_name: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by = relationship("User", lazy="joined")

    @property
    def status_label(self) -> str:
        """The status in words, for the job's page (``STATUSES``)."""
        return STATUSES[self.status]

    @property
    def finished(self) -> bool:
        """True once the job has stopped: done (its file ready) or failed."""
        return self.status in (DONE, FAILED)

    @property
    def percent(self) -> int:
        """How far it has got, 0 to 100 (whole percent, rounded down)."""
        if self.status == DONE:
            return 100
        return (100 * self.done // self.total) if self.total else 0

    def file(self) -> Path | None:
        """The result file, or None once it has expired (or the job never made one)."""
        if self.status != DONE or not self.result_path:
            return None
        path = files_directory() / self.result_path
        return path if path.is_file() else None


# -- kinds -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A kind of job: ``run(job, progress) -> (path, download name)`` builds the file (a
    ``Path`` under ``files_directory()``, the name people download it as); ``title`` names
    it on pages."""

    key: str
    title: str
    run: Callable


_kinds: dict[str, Kind] = {}


def register(key: str, title: str, run: Callable) -> None:
    """Make ``key`` a kind of job run by ``run(job, progress)`` (see ``Kind``). A feature
    calls this from its ``init_app``; registering the same key again replaces it."""
    _kinds[key] = Kind(key, title, run)


def kind(key: str) -> Kind:
    """The registered kind ``key``; KeyError if no feature registered it."""
    return _kinds[key]


# -- asking ----------------------------------------------------------------------------------------


def enqueue(key: str, parameters: dict, by) -> BackgroundJob:
    """Queue a job of kind ``key`` (registered) with JSON-able ``parameters`` for ``by`` (a
    User); added and flushed, committed by the caller. Raises KeyError for an unknown
    kind."""
    kind(key)
    job = BackgroundJob(kind=key, parameters=dict(parameters), requested_by_id=by.id)
    db.session.add(job)
    db.session.flush()
    return job


def files_directory() -> Path:
    """The folder result files are written to (created if missing)."""
    folder = Path(current_app.config.get("JOB_FILES_DIRECTORY") or "")
    if not str(folder) or str(folder) == ".":
        folder = Path(current_app.instance_path) / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- the worker --------------------------------------------------------------------------------


def claim(now: datetime | None = None) -> BackgroundJob | None:
    """Take the oldest queued job for this worker in one UPDATE and commit: the job, now
    ``running``, or None when nothing is waiting. Safe for several workers at once (see the
    module's docstring)."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    oldest = (
        select(BackgroundJob.id)
        .where(BackgroundJob.status == QUEUED)
        .order_by(BackgroundJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    _write(
        update(BackgroundJob)
        .where(BackgroundJob.id.in_(oldest.scalar_subquery()), BackgroundJob.status == QUEUED)
        .values(
            status=RUNNING,
            claimed_by=token,
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            started_at=now,
        )
    )
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.claimed_by == token))


def _write(statement) -> int:
    """Run one UPDATE in a transaction of its own and commit; returns the rows it changed.

    Whatever the session was reading is finished first. On SQLite a transaction that has
    read and then writes is refused at once ("database is locked") if anyone wrote since it
    began, however long the busy timeout; a transaction that starts with its write waits
    its turn instead (see core/db.py)."""
    db.session.commit()
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _set(job_id: int, token: str, **values) -> None:
    """Update this worker's job and commit at once (so the page sees it)."""
    _write(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.claimed_by == token)
        .values(**values)
    )


def run(job: BackgroundJob) -> BackgroundJob:
    """Run a claimed job to its end: ``done`` with its file, or ``failed`` with a message
    (a ``JobError``'s own, otherwise FAILED_MESSAGE, the error itself logged). Returns the
    job as stored afterwards."""
    job_id, token, key = job.id, job.claimed_by, job.kind

    def progress(done: int, total: int, step: str = "") -> None:
        _set(
            job_id,
            token,
            done=done,
            total=total,
            step=step[:200],
            claimed_until=utcnow() + timedelta(seconds=CLAIM_SECONDS),
        )

    try:
        path, name = kind(key).run(job, progress)
    except Exception as error:
        db.session.rollback()
        message = str(error) if isinstance(error, JobError) else FAILED_MESSAGE
        if not isinstance(error, JobError):
            log.exception("Background job %s (%s) failed", job_id, key)
        now = utcnow()
        _set(job_id, token, status=FAILED, error=message, finished_at=now, claimed_until=None)
    else:
        now = utcnow()
        _set(
            job_id,
            token,
            status=DONE,
            result_path=Path(path).relative_to(files_directory()).as_posix(),
            result_name=name,
            finished_at=now,
            expires_at=now + timedelta(hours=KEEP_HOURS),
            claimed_until=None,
            done=BackgroundJob.total,
        )
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def release_abandoned(now: datetime | None = None) -> int:
    """Fail the running jobs whose worker stopped (claim ran out); returns how many."""
    now = now or utcnow()
    return _write(
        update(BackgroundJob)
        .where(BackgroundJob.status == RUNNING, BackgroundJob.claimed_until < now)
        .values(status=FAILED, error=STOPPED_MESSAGE, finished_at=now, claimed_until=None)
    )


def delete_expired(now: datetime | None = None) -> int:
    """Delete the files of finished jobs past ``expires_at`` (the row stays, its file
    forgotten, so the page says it has gone); returns how many files went."""
    now = now or utcnow()
    expired = db.session.execute(
        select(BackgroundJob.id, BackgroundJob.result_path).where(
            BackgroundJob.expires_at < now, BackgroundJob.result_path.is_not(None)
        )
    ).all()
    folder = files_directory()
    for job_id, relative in expired:
        (folder / relative).unlink(missing_ok=True)
        _write(update(BackgroundJob).where(BackgroundJob.id == job_id).values(result_path=None))
    db.session.commit()
    return len(expired)


def work_once(now: datetime | None = None) -> int:
    """One round of the worker: tidy (expired files, stopped jobs), then run every queued
    job in turn; returns how many jobs ran."""
    delete_expired(now)
    release_abandoned(now)
    ran = 0
    while (job := claim()) is not None:
        run(job)
        ran += 1
    return ran


# -- `flask jobs worker` ----------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Run background jobs (the inspection evidence pack).")


@jobs_cli.command("worker")
@click.option("--once", is_flag=True, help="One round, then stop (for testing and cron).")
def worker_command(once):
    """Run queued jobs as they arrive, deleting files a day old; Ctrl+C stops."""
    pause = current_app.config.get("JOB_WORKER_SECONDS", 2)
    click.echo(f"Running background jobs, looking every {pause} seconds; Ctrl+C stops.")
    run_rounds(
        work_once,
        pause,
        once,
        "This round failed",
        lambda ran: f"Ran {ran} job{'s' if ran != 1 else ''}." if ran else None,
    )


def run_rounds(
    work: Callable[[], object],
    pause: float,
    once: bool,
    failed: str,
    said: Callable[[object], str | None],
) -> None:
    """A worker command's loop: call ``work()``, echo ``said(result)`` when that is not
    None, sleep ``pause`` seconds and go again, until Ctrl+C ("Stopped.") or, with ``once``,
    after one round. A round that raises is rolled back and reported on stderr as
    "{failed}: {error}", and the loop keeps going (the database or the mail server may come
    back). Used by ``flask jobs worker`` and ``flask notify worker``."""
    while True:
        try:
            result = work()
        except KeyboardInterrupt:
            click.echo("Stopped.")
            return
        except Exception as error:  # keep going: the database may come back
            db.session.rollback()
            click.echo(f"{failed}: {error}", err=True)
        else:
            if (line := said(result)) is not None:
                click.echo(line)
        if once:
            return
        try:
            time.sleep(pause)
        except KeyboardInterrupt:
            click.echo("Stopped.")
            return


def register_commands(app) -> None:
    """Add ``flask jobs`` to ``app``."""
    app.cli.add_command(jobs_cli)
