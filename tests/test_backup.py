"""`flask db backup` and `flask db restore`: a restore brings back exactly the backed-up rows."""

import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from live_support import count, make_live_app
from sqlalchemy import func, select

from qaweb.complaints import services
from qaweb.complaints.models import Complaint
from qaweb.core.backup import backup_command, restore_command
from qaweb.extensions import db


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request, scratch_database, tmp_path):
    app = make_live_app(scratch_database(request.param, tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


def log_complaints(app, n):
    with app.app_context():
        for i in range(n):
            complaint = Complaint(
                received_on=date(2026, 11, 2),
                received_how="email",
                complainant_type="parent",
                complainant_name=f"Person {i}",
                summary="Visits missed",
            )
            services.open_complaint(complaint, None)
        db.session.commit()
        db.session.remove()


def complaints(app):
    return count(app, select(func.count(Complaint.id)))


def run(app, command, *args):
    result = app.test_cli_runner().invoke(command, [*map(str, args)])
    return result.exit_code, result.output


def stop(app):
    """What stopping qaweb does to its connections."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_restore_brings_back_exactly_the_backed_up_rows(live, tmp_path):
    log_complaints(live, 47)
    backup = tmp_path / "qaweb-backup.db"
    code, output = run(live, backup_command, backup)  # while qaweb runs
    assert code == 0, output
    assert "Backed up" in output and backup.exists()
    log_complaints(live, 13)  # saved after the back-up
    assert complaints(live) == 60

    # While qaweb runs (a worker holds a connection), the restore refuses and changes nothing.
    with live.app_context():
        running = sa.create_engine(db.engine.url)
    try:
        with running.connect() as held:
            held.execute(sa.text("SELECT count(*) FROM complaint")).all()
            code, output = run(live, restore_command, backup, "--yes")
    finally:
        running.dispose()
    assert code != 0
    assert "stop" in output and "Nothing has been changed" in output
    assert complaints(live) == 60

    stop(live)
    code, output = run(live, restore_command, backup, "--yes")
    assert code == 0, output
    assert complaints(live) == 47
    # qaweb carries on from the restored state: the next reference follows the 47th.
    log_complaints(live, 1)
    with live.app_context():
        latest = db.session.scalar(select(Complaint.reference).order_by(Complaint.id.desc()))
        db.session.remove()
    assert latest == "CMP-2026-0048"


def test_sqlite_restore_ignores_a_journal_left_behind(scratch_database, tmp_path):
    """The field's 60 instead of 47: a -wal left beside the live file (qaweb killed, say) is
    replayed over a back-up copied into place; `flask db restore` cannot be fooled by it."""
    url = scratch_database("sqlite", tmp_path)
    live_path = Path(sa.engine.make_url(url).database)
    app = make_live_app(url)
    log_complaints(app, 47)
    backup = tmp_path / "backup.db"
    assert run(app, backup_command, backup)[0] == 0
    stop(app)
    with app.app_context():
        # Later saves sit in the -wal until a checkpoint; keep a copy of it as a crash would.
        db.engine.dispose()
        connection = db.engine.connect()
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.commit()
    log_complaints(app, 13)
    wal = Path(f"{live_path}-wal")
    left_behind = tmp_path / "left-behind-wal"
    shutil.copy(wal, left_behind)
    assert left_behind.stat().st_size > 0
    connection.close()
    stop(app)

    # The old way: copy the back-up over the live file with the -wal still beside it.
    naive = tmp_path / "naive.sqlite"
    shutil.copy(backup, naive)
    shutil.copy(left_behind, f"{naive}-wal")
    with sqlite3.connect(naive) as plain:
        plain.execute("PRAGMA journal_mode=WAL")
        replayed = plain.execute("SELECT count(*) FROM complaint").fetchone()[0]
    assert replayed == 60  # what the field saw

    shutil.copy(left_behind, wal)  # the crash's -wal beside the live database
    code, output = run(app, restore_command, backup, "--yes")
    assert code == 0, output
    assert "Restored" in output
    assert complaints(app) == 47
    stop(app)
    assert not Path(f"{live_path}-wal").exists() or Path(f"{live_path}-wal").stat().st_size == 0


def test_backup_never_overwrites_and_restore_refuses_what_is_not_a_backup(live, tmp_path):
    log_complaints(live, 2)
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    code, output = run(live, backup_command, target)
    assert code != 0 and "already exists" in output
    assert target.read_text() == "keep me"
    stop(live)
    code, output = run(live, restore_command, target, "--yes")
    assert code != 0, output
    assert complaints(live) == 2


@pytest.fixture
def pg_live(scratch_database, tmp_path):
    app = make_live_app(scratch_database("postgresql", tmp_path))
    yield app
    stop(app)


def test_postgresql_commands_are_printed_when_the_tools_are_missing(pg_live, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, output = run(pg_live, backup_command, tmp_path / "x.dump")
    assert code == 2
    assert "pg_dump is not on PATH" in output and "pg_dump --format=custom" in output
    assert not (tmp_path / "x.dump").exists()
