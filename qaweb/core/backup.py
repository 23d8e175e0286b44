"""`flask db backup PATH` and `flask db restore PATH`: a back-up that restores to exactly the
rows it was taken with.

SQLite (the `make run` default) keeps recent changes in a `-wal` file beside the database.
Copying a back-up over the live file while that `-wal` remains makes SQLite replay the newer
changes on top of the back-up (a council restored 47 complaints and found 60). So both
directions go through SQLite's online back-up API, never a file copy: the back-up is a
consistent snapshot taken while qaweb runs, written as one self-contained file; the restore
writes every page through SQLite itself, holding the database exclusively, so no journal
file is left to replay, and it refuses while qaweb (or anything else) has the database open.

PostgreSQL: pg_dump's custom format and pg_restore (run when they are on PATH, printed
otherwise), the restore refusing while other sessions are connected.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from qaweb.core.text import counted

#: How long the restore waits for the database to be free before refusing (seconds).
EXCLUSIVE_WAIT_S = 2.0


class BackupError(click.ClickException):
    """The back-up or restore cannot go ahead; the message says why and what to do."""


def _url() -> sa.engine.URL:
    return sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("This SQLite database is in memory: there is nothing to back up.")
    return Path(url.database)


def table_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """Rows per table of a SQLite database (what a back-up holds)."""
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    return {n: connection.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def backup_sqlite(live: Path, target: Path) -> dict[str, int]:
    """Copy the live database to ``target`` (which must not exist) with the online back-up
    API: a consistent snapshot even while qaweb is saving. The copy is one file (its journal
    mode set to DELETE), checked for integrity before it takes its name. Returns its rows
    per table."""
    if not live.exists():
        raise BackupError(f"There is no database at {live}.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(live)
    destination = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
        check = destination.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"The copy failed its integrity check ({check}); nothing written.")
        counts = table_counts(destination)
    finally:
        destination.close()
        source.close()
    partial.replace(target)
    return counts


def restore_sqlite(backup: Path, live: Path) -> dict[str, int]:
    """Make the live database exactly the back-up. Refuses while anything has the live
    database open (qaweb running: stop it first). Returns the restored rows per table."""
    if not backup.exists():
        raise BackupError(f"There is no back-up at {backup}.")
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        check = source.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        source.close()
        raise BackupError(f"{backup} is not a SQLite database ({error}).") from None
    if check != "ok" or "alembic_version" not in tables:
        source.close()
        raise BackupError(f"{backup} is not a qaweb back-up (or is damaged): nothing restored.")
    live.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(live, timeout=EXCLUSIVE_WAIT_S, isolation_level=None)
    try:
        # Exclusive locking mode keeps the lock until this connection closes, and is refused
        # while any other connection has the database open (a running qaweb keeps some).
        target.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            target.execute("BEGIN EXCLUSIVE")
            target.execute("COMMIT")
        except sqlite3.OperationalError:
            raise BackupError(
                f"qaweb (or another program) has {live} open: stop it, then restore. Nothing "
                "has been changed."
            ) from None
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = table_counts(target)
    finally:
        target.close()
        source.close()
    return counts


# -- PostgreSQL ----------------------------------------------------------------------------


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """The connection string for pg_dump/pg_restore (no password in it: that goes in the
    environment, out of the process list) and the environment to run them with."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def pg_commands(url: sa.engine.URL, path: Path) -> dict[str, list[str]]:
    """The pg_dump and pg_restore command lines for database ``url`` and the backup file ``path``:
    {"backup": [...], "restore": [...]}, each a list of arguments for ``subprocess.run`` (the custom
    format, no owners; a restore cleans first and runs in one transaction)."""
    conninfo, _ = _libpq(url)
    return {
        "backup": ["pg_dump", "--format=custom", "--no-owner", f"--file={path}", conninfo],
        "restore": [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(path),
        ],
    }


def _shown(command: list[str]) -> str:
    import shlex

    return " ".join(shlex.quote(part) for part in command)


def _other_sessions(url: sa.engine.URL) -> int:
    from qaweb.extensions import db

    db.session.remove()
    db.engine.dispose()  # this command's own pooled connections are not "others"
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
    finally:
        engine.dispose()


def _run(command: list[str], env: dict, what: str) -> None:
    if shutil.which(command[0]) is None:
        click.echo(f"{command[0]} is not on PATH. To {what}, run:\n  {_shown(command)}")
        raise SystemExit(2)
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed:\n{result.stderr.strip()}")


# -- the commands ----------------------------------------------------------------------------


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path):
    """Back the database up to PATH (a new file), safely while qaweb runs."""
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new name (nothing overwritten).")
    url = _url()
    if url.get_backend_name() == "sqlite":
        counts = backup_sqlite(_sqlite_path(url), path)
        rows = sum(counts.values())
        click.echo(
            f"Backed up {url.database} to {path}: {counted(len(counts), 'table')}, "
            f"{counted(rows, 'row')}."
        )
        return
    command = pg_commands(url, path)["backup"]
    _run(command, _libpq(url)[1], "back up")
    click.echo(f"Backed up {url.database} to {path} (pg_dump custom format).")
    click.echo(f"Restore with: flask db restore {path}")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Replace everything in the database with the back-up at PATH. Stop qaweb first."""
    url = _url()
    if not yes:
        click.confirm(
            f"Replace everything in {url.database} with {path}? What was saved since the "
            "back-up is lost",
            abort=True,
        )
    if url.get_backend_name() == "sqlite":
        from qaweb.extensions import db

        db.session.remove()
        db.engine.dispose()  # this command's own connections must not count as qaweb running
        counts = restore_sqlite(path, _sqlite_path(url))
        click.echo(
            f"Restored {path} into {url.database}: {counted(len(counts), 'table')}, "
            f"{counted(sum(counts.values()), 'row')}."
        )
        return
    others = _other_sessions(url)
    if others:
        raise BackupError(
            f"{others} other session(s) are connected to {url.database} (qaweb running?): "
            "stop them, then restore. Nothing has been changed."
        )
    _run(pg_commands(url, path)["restore"], _libpq(url)[1], "restore")
    click.echo(f"Restored {path} into {url.database}.")


def register(app) -> None:
    """Add the commands to Flask-Migrate's `flask db` group."""
    from flask_migrate.cli import db as db_group

    db_group.add_command(backup_command)
    db_group.add_command(restore_command)
