"""`make bench`: the large-council benchmark (not part of `make test`).

Seeds the demo council at QAWEB_BENCH_SCALE (default 50) into a scratch SQLite file and, when
QAWEB_TEST_DATABASE_URL names a PostgreSQL server, into a scratch database on it
(QAWEB_BENCH_PG_DB, default qaweb_bench); requests every page, report and export through the
test client; prints the table and writes build/bench.json; then a load run through gunicorn,
and concurrent creates (people logging complaints at the same moment) on both engines.

Environment:
  QAWEB_BENCH_SCALE    demo scale (50)
  QAWEB_BENCH_ONLY     comma list of parts: sqlite, postgresql, load, concurrency, crafted,
                       pack (all)
  QAWEB_BENCH_MATCH    only targets whose name contains this text
  QAWEB_BENCH_KINDS    only these kinds: list, deep, mywork, report, export
  QAWEB_BENCH_REPEAT   timed requests per page (20); exports use QAWEB_BENCH_EXPORT_REPEAT (3)
  QAWEB_BENCH_FRESH=1  seed again even when the scratch database is up to date
"""

import gc
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")

import pages  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from measure import (  # noqa: E402
    captured_sql,
    captured_workbook,
    count_rows,
    get,
    last_page,
    peak_memory_mb,
    render_timer,
    replay,
    summary_ms,
    write_csv,
    write_xlsxwriter,
)

from qaweb import create_app  # noqa: E402
from qaweb.demo import builder  # noqa: E402
from qaweb.extensions import db  # noqa: E402

#: Where the scale databases and bench.json go (``QAWEB_BENCH_BUILD``, default build/).
BUILD = Path(os.environ.get("QAWEB_BENCH_BUILD") or ROOT / "build")
WORK = BUILD / "bench"
PROTECTED = {"postgres", "test", "template0", "template1", "root"}


def env_int(name, default):
    return int(os.environ.get(name) or default)


SCALE = env_int("QAWEB_BENCH_SCALE", 50)
REPEAT = env_int("QAWEB_BENCH_REPEAT", 20)
EXPORT_REPEAT = env_int("QAWEB_BENCH_EXPORT_REPEAT", 3)
PARTS = os.environ.get("QAWEB_BENCH_ONLY", "sqlite,postgresql,load,concurrency,crafted,pack")
ONLY = set(filter(None, PARTS.split(",")))
MATCH = os.environ.get("QAWEB_BENCH_MATCH", "")
KINDS = set(filter(None, os.environ.get("QAWEB_BENCH_KINDS", "").split(",")))


def fingerprint() -> str:
    """Seed again when the demo builder, the models or the migrations change."""
    digest = hashlib.sha256(str(SCALE).encode())
    for pattern in ("qaweb/demo/*.py", "migrations/versions/*.py", "qaweb/*/models.py"):
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def make_app(url):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": None,
        }
    )

    @app.before_request
    def fresh_g():
        # The runner keeps an app context open, which requests would share; in production
        # each request has its own, so start each with an empty ``g`` (user, settings).
        from flask import g

        g.__dict__.clear()

    gc.freeze()  # as wsgi.py does once the app is made
    return app


def pg_admin_url() -> str | None:
    url = os.environ.get("QAWEB_TEST_DATABASE_URL")
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def prepare(engine: str) -> tuple[str, float | None]:
    """The scratch database's URL, seeded at SCALE; and the seconds seeding took (or None)."""
    WORK.mkdir(parents=True, exist_ok=True)
    marker = WORK / f"{engine}-scale{SCALE}.json"
    stamp = fingerprint()
    if engine == "sqlite":
        path = WORK / f"qaweb-scale{SCALE}.sqlite"
        url = f"sqlite:///{path}"
        fresh = not path.exists()
    else:
        name = os.environ.get("QAWEB_BENCH_PG_DB", "qaweb_bench")
        if name in PROTECTED:
            raise SystemExit(f"QAWEB_BENCH_PG_DB={name}: the tests use it; pick another name")
        admin = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
        admin.dispose()
        url = sa.engine.make_url(pg_admin_url()).set(database=name).render_as_string(False)
        fresh = not exists
    up_to_date = (
        not fresh
        and marker.exists()
        and json.loads(marker.read_text()).get("fingerprint") == stamp
        and os.environ.get("QAWEB_BENCH_FRESH") != "1"
    )
    if up_to_date:
        print(f"[{engine}] reusing the scale-{SCALE} database (QAWEB_BENCH_FRESH=1 to seed again)")
        return url, json.loads(marker.read_text()).get("seed_seconds")
    if engine == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        admin = sa.create_engine(pg_admin_url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
    app = make_app(url)
    with app.app_context():
        upgrade()
        print(f"[{engine}] seeding the demo council at scale {SCALE} ...", flush=True)
        started = time.perf_counter()
        counts = builder.build(scale=SCALE)
        seconds = round(time.perf_counter() - started, 1)
        if engine == "postgresql":
            # As autovacuum would have by the time a council has years of records.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        # SQLite is measured without statistics (no ANALYZE), as `make run` leaves it: every
        # query must find its index without the planner's help.
        db.engine.dispose()
    print(
        f"[{engine}] seeded in {seconds} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )
    marker.write_text(
        json.dumps({"fingerprint": stamp, "seed_seconds": seconds, "counts": counts}, indent=1)
    )
    return url, seconds


def sign_in(app, email):
    client = app.test_client()
    response = client.post("/sign-in", data={"email": email, "password": builder.DEMO_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed for {email}")
    return client


def bench_engine(engine: str, url: str) -> list[dict]:
    app = make_app(url)
    results = []
    with app.app_context():
        ctx = pages.context()
        from qaweb.organisation.models import User

        busy_email = db.session.get(User, ctx.busy_user_id).email
        db.session.remove()
    clients = {}

    def client_for(user):
        if user not in clients:
            email = busy_email if user == "busy" else f"{user}@{builder.DOMAIN}"
            clients[user] = sign_in(app, email)
        return clients[user]

    with app.app_context():
        targets = pages.all_targets(ctx)
    for target in targets:
        if MATCH and MATCH.lower() not in target.name.lower():
            continue
        if KINDS and target.kind not in KINDS:
            continue
        client = client_for(target.user)
        url = target.url
        with app.app_context():
            if target.kind == "deep":
                _, body = get(client, url)
                page = last_page(body)
                if page is None:
                    print(f"[{engine}] {target.name}: one page only, skipped")
                    continue
                url = f"{url}{'&' if '?' in url else '?'}page={page}"
            row = measure_target(engine, target, client, url)
        results.append(row)
        print(format_row(row), flush=True)
    return results


def measure_target(engine, target, client, url) -> dict:
    export = target.kind == "export"
    repeat = EXPORT_REPEAT if export else REPEAT
    get(client, url)  # warm the caches, as a second visitor would find them
    with captured_sql() as statements:
        if export:
            with captured_workbook() as tables:
                _, body = get(client, url)
        else:
            _, body = get(client, url)
    timings, renders, cpu, floor_cpu = [], [], [], []
    for _ in range(repeat):
        with render_timer(client.application) as spent:
            timings.append(get(client, url, cpu)[0])
        renders.append(sum(spent))
    floor = replay(statements, repeat, floor_cpu)
    row = {
        "engine": engine,
        "name": target.name,
        "kind": target.kind,
        "url": url,
        "statements": len(statements),
        **summary_ms(timings),
        "sql_median_ms": summary_ms(floor)["median_ms"],
        "sql_p95_ms": summary_ms(floor)["p95_ms"],
    }
    row["render_median_ms"] = summary_ms(renders)["median_ms"]
    row["page_over_sql"] = round(row["median_ms"] / max(row["sql_median_ms"], 0.01), 2)
    # CPU time of this process: on a busy machine wall time includes waits for a core.
    row["cpu_median_ms"] = summary_ms(cpu)["median_ms"]
    row["sql_cpu_median_ms"] = summary_ms(floor_cpu)["median_ms"]
    if export:
        rows = count_rows(body)
        xlsx_s = min(write_xlsxwriter(tables) for _ in range(2))
        csv_s = min(write_csv(tables) for _ in range(2))
        floor_ms = row["sql_median_ms"] + xlsx_s * 1000
        row.update(
            rows=rows,
            rows_per_s=round(rows / (row["median_ms"] / 1000)),
            bytes=len(body),
            peak_mb=peak_memory_mb(client, url),
            xlsxwriter_ms=round(xlsx_s * 1000, 1),
            csv_ms=round(csv_s * 1000, 1),
            floor_ms=round(floor_ms, 1),
            export_over_floor=round(row["median_ms"] / floor_ms, 2),
            export_over_csv=round(row["median_ms"] / (row["sql_median_ms"] + csv_s * 1000), 2),
        )
    row["verdict"] = verdict(row)
    return row


def verdict(row) -> str:
    """'ok', or what missed."""
    misses = []
    kind = row["kind"]
    if kind in ("list", "deep", "mywork") and row["p95_ms"] >= pages.LIST_P95_MS:
        misses.append(f"p95 >= {pages.LIST_P95_MS} ms")
    if kind == "report" and row["p95_ms"] >= pages.REPORT_P95_MS:
        misses.append(f"p95 >= {pages.REPORT_P95_MS} ms")
    if kind != "export" and row["page_over_sql"] >= pages.PAGE_OVER_SQL:
        misses.append(f"page/SQL >= {pages.PAGE_OVER_SQL:g}")
    if kind == "export":
        # The writer ratio is judged on large exports; on small ones fixed costs dominate.
        if row["rows"] >= 10_000 and row["export_over_floor"] >= pages.EXPORT_OVER_FLOOR:
            misses.append(f"export/floor >= {pages.EXPORT_OVER_FLOOR:g}")
        if row["peak_mb"] >= pages.EXPORT_PEAK_MB:
            misses.append(f"peak >= {pages.EXPORT_PEAK_MB} MB")
    return "ok" if not misses else "MISS: " + "; ".join(misses)


def reason(row) -> str:
    """Where a missed row's time goes, and what would meet the target."""
    sql, render, page = row["sql_median_ms"], row.get("render_median_ms", 0), row["median_ms"]
    rest = max(0.0, page - sql - render)
    split = f"SQL {sql:.1f} ms, templates {render:.1f} ms, other Python {rest:.1f} ms"
    if row["kind"] == "export":
        return f"{split}; writer time is the rest of the export"
    if sql >= max(render, rest):
        return f"{split}: SQL-bound; a better plan or index for its slowest statement"
    if render >= rest:
        return f"{split}: render-bound; fewer macro calls per row, or rows cached"
    return f"{split}: Python-bound (sign-in, forms, filters); profile the view"


def format_row(row) -> str:
    text = (
        f"{row['engine'][:6]:<6} {row['name'][:44]:<44} {row['kind']:<6} {row['statements']:>4} "
        f"{row['median_ms']:>9.1f} {row['p95_ms']:>9.1f} {row['sql_median_ms']:>8.1f} "
        f"{row['page_over_sql']:>6.1f} {row.get('render_median_ms', 0):>7.1f}"
        f" {row.get('cpu_median_ms', 0):>7.1f}"
    )
    if row["kind"] == "export":
        text += (
            f"  rows {row['rows']:>7,} {row['rows_per_s']:>7,}/s peak {row['peak_mb']:>5.1f} MB"
            f" xlsxw {row['xlsxwriter_ms']:>8.1f} csv {row['csv_ms']:>7.1f}"
            f" ÷floor {row['export_over_floor']:>4.2f}"
        )
    return f"{text}  {row['verdict']}"


HEADER = (
    f"{'engine':<6} {'page':<44} {'kind':<6} {'sql#':>4} {'p50 ms':>9} {'p95 ms':>9} "
    f"{'SQL ms':>8} {'÷SQL':>6} {'tmpl ms':>7} {'cpu ms':>7}"
)


def main() -> int:
    report = {
        "scale": SCALE,
        "repeat": REPEAT,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
        "seed_seconds": {},
        "results": [],
    }
    engines = [e for e in ("sqlite", "postgresql") if e in ONLY]
    if "postgresql" in engines and not pg_admin_url():
        print("[postgresql] QAWEB_TEST_DATABASE_URL is not set: SQLite only")
        engines.remove("postgresql")
    urls = {}
    for engine in engines:
        url, seconds = prepare(engine)
        urls[engine] = url
        report["seed_seconds"][engine] = seconds
        print(HEADER)
        report["results"] += bench_engine(engine, url)
    if "load" in ONLY:
        from load import run_load

        if not urls:
            only = "postgresql" if pg_admin_url() else "sqlite"
            urls[only] = prepare(only)[0]
        engine = "postgresql" if "postgresql" in urls else "sqlite"
        report["load"] = run_load(urls[engine], engine)
    if "concurrency" in ONLY:
        from concurrency import run_concurrency

        report["concurrency"] = run_concurrency(pg_admin_url(), WORK)
    if "crafted" in ONLY:
        from crafted_files import run_crafted

        report["crafted"] = run_crafted()
    if "pack" in ONLY:
        from evidence_pack import run_pack

        if not urls:
            urls["sqlite"] = prepare("sqlite")[0]
        report["pack"] = run_pack(urls, make_app)
    print_table(report)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "bench.json").write_text(json.dumps(report, indent=1, default=str))
    print(f"\nWritten: {BUILD / 'bench.json'}")
    return 0


def print_table(report):
    print(f"\n== qaweb bench: scale {report['scale']}, {report['repeat']} requests per page ==")
    for engine, seconds in report["seed_seconds"].items():
        if seconds is not None:
            print(f"seed --scale {report['scale']} on {engine}: {seconds} s (target < 180 s)")
    print(HEADER)
    for row in report["results"]:
        print(format_row(row))
    missed = [r for r in report["results"] if r["verdict"] != "ok"]
    print(f"\n{len(report['results']) - len(missed)} of {len(report['results'])} met every target")
    if missed:
        print("\nWhere the missed rows' time goes (medians):")
        for row in missed:
            print(f"  {row['engine'][:6]:<6} {row['name'][:44]:<44} {reason(row)}")
    for row in report.get("pack", []):
        print(
            f"Inspection evidence pack [{row['engine']}]: {row['seconds']} s, {row['files']} "
            f"files, peak {row['peak_mb']} MB (target under 60 s)  {row['verdict']}"
        )
    if report.get("crafted"):
        from crafted_files import print_crafted

        print_crafted(report["crafted"])
    for load in report.get("load") or []:
        print(
            f"load {load['pace']} ({load['engine']}, gunicorn {load['workers']} workers, "
            f"{load['users']} users, {load['requests']} requests): {load['rps']} req/s, "
            f"p50 {load['p50_ms']} ms, p95 {load['p95_ms']} ms, {load['errors']} errors  "
            f"{load['verdict']}"
        )
    if report.get("concurrency"):
        from concurrency import format_row as concurrency_row

        for row in report["concurrency"]:
            print(concurrency_row(row))


if __name__ == "__main__":
    sys.exit(main())
