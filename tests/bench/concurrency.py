"""Concurrent creates: complaints officers logging complaints at the same moment, through
gunicorn (4 workers) on a small scratch database of each engine, as browsers do (sign-in,
the form with its CSRF token and one-time key, the post). Figures: creates per second
without error, and the errors and duplicate references (both must be 0).

Environment: QAWEB_BENCH_CREATE_USERS (8 people at once), QAWEB_BENCH_CREATES (10 each).
"""

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
import sqlalchemy as sa
from load import ROOT, WORKERS, start_server, wait_until_up

USERS = int(os.environ.get("QAWEB_BENCH_CREATE_USERS", "8"))
PER_USER = int(os.environ.get("QAWEB_BENCH_CREATES", "10"))
PASSWORD = "concurrent-creates-2026"
HIDDEN = {
    name: re.compile(rf'name="{name}"[^>]*value="([^"]+)"') for name in ("csrf_token", "form_key")
}


def _hidden(page: str, name: str) -> str:
    match = HIDDEN[name].search(page)
    if not match:
        raise RuntimeError(f"no {name} on the page")
    return match.group(1)


def prepare(url: str) -> dict:
    """Migrate the scratch database and add the officers; returns ids the form needs."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from qaweb import create_app
    from qaweb.complaints.models import CategoryOption
    from qaweb.extensions import db
    from qaweb.organisation.models import ServiceArea, Team, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        area = ServiceArea(name="Children in Need")
        team = Team(name="Brambles", service_area=area)
        for i in range(USERS):
            user = User(
                first_name=f"Officer{i}",
                last_name="Bench",
                email=f"officer{i}@bench.example",
                job_title="Complaints officer",
                team=team,
                active=True,
            )
            user.roles = {"complaints_officer"}
            user.set_password(PASSWORD, method="pbkdf2:sha256:1000")
            db.session.add(user)
        db.session.commit()
        ids = {
            "area": area.id,
            "team": team.id,
            "category": db.session.scalar(sa.select(CategoryOption.id).limit(1)),
        }
        db.engine.dispose()
    return ids


def sign_in(base: str, i: int) -> requests.Session:
    web = requests.Session()
    page = web.get(f"{base}/sign-in").text
    response = web.post(
        f"{base}/sign-in",
        data={
            "csrf_token": _hidden(page, "csrf_token"),
            "email": f"officer{i}@bench.example",
            "password": PASSWORD,
        },
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in answered {response.status_code}")
    return web


def officer(web, base: str, i: int, ids: dict, start: threading.Barrier, outcome: list) -> None:
    start.wait()
    for n in range(PER_USER):
        try:
            page = web.get(f"{base}/complaints/new").text
            response = web.post(
                f"{base}/complaints/new",
                data={
                    "csrf_token": _hidden(page, "csrf_token"),
                    "form_key": _hidden(page, "form_key"),
                    "received_on": ["2", "11", "2026"],
                    "received_how": "letter",
                    "complainant_type": "parent",
                    "complainant_name": f"Person {i}-{n}",
                    "service_area_id": ids["area"],
                    "team_id": ids["team"],
                    "categories": [ids["category"]],
                    "summary": "No visit for six weeks",
                    "procedure": "statutory",
                },
                allow_redirects=False,
            )
            outcome.append(response.status_code)
        except (requests.RequestException, RuntimeError) as error:
            outcome.append(repr(error))


def run_one(engine_name: str, url: str) -> dict:
    ids = prepare(url)
    server, base, _env = start_server(url)
    outcome: list = []
    try:
        wait_until_up(base, server)
        start = threading.Barrier(USERS + 1)
        signed_in = [sign_in(base, i) for i in range(USERS)]  # one after another
        threads = [
            threading.Thread(target=officer, args=(web, base, i, ids, start, outcome))
            for i, web in enumerate(signed_in)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.scalar(sa.text("SELECT count(*) FROM complaint"))
        distinct = conn.scalar(sa.text("SELECT count(DISTINCT reference) FROM complaint"))
    engine.dispose()
    ok = sum(1 for o in outcome if o == 302)
    errors = [o for o in outcome if o != 302]
    result = {
        "engine": engine_name,
        "workers": WORKERS,
        "users": USERS,
        "attempted": USERS * PER_USER,
        "saved": stored,
        "errors": len(errors),
        "first_errors": [str(e) for e in errors[:5]],
        "duplicate_references": stored - distinct,
        "seconds": round(seconds, 2),
        "creates_per_s": round(ok / seconds, 1) if seconds else 0,
    }
    good = not errors and stored == result["attempted"] and stored == distinct
    result["verdict"] = "ok" if good else "MISS: errors, lost or duplicate saves"
    return result


def run_concurrency(pg_admin_url: str | None, work: Path) -> list[dict]:
    """The figure on SQLite, and on PostgreSQL when an admin URL is given."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "concurrent-creates.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"[concurrency] {USERS} officers x {PER_USER} complaints at once ...", flush=True)
    results = [run_one("sqlite", f"sqlite:///{path}")]
    if pg_admin_url:
        name = "qaweb_bench_concurrency"
        admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = sa.engine.make_url(pg_admin_url).set(database=name)
            results.append(run_one("postgresql", url.render_as_string(hide_password=False)))
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    for row in results:
        print(format_row(row), flush=True)
    return results


def format_row(row: dict) -> str:
    return (
        f"concurrent creates ({row['engine']}, gunicorn {row['workers']} workers, "
        f"{row['users']} people at once): {row['creates_per_s']} creates/s, "
        f"{row['saved']} of {row['attempted']} saved, {row['errors']} errors, "
        f"{row['duplicate_references']} duplicate references  {row['verdict']}"
    )
