"""`make bench` keeps working: its runner measures a list page and an export on a small
SQLite council end to end (it is not part of `make test` otherwise, and an export it could
not capture once went unnoticed until the next benchmark)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_benchmark_measures_a_list_and_an_export(tmp_path):
    env = {
        **os.environ,
        "QAWEB_BENCH_BUILD": str(tmp_path),
        "QAWEB_BENCH_ONLY": "sqlite",
        "QAWEB_BENCH_SCALE": "1",
        "QAWEB_BENCH_MATCH": "Actions",
        "QAWEB_BENCH_KINDS": "list,export",
        "QAWEB_BENCH_REPEAT": "2",
        "QAWEB_BENCH_EXPORT_REPEAT": "1",
    }
    env.pop("QAWEB_TEST_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "tests/bench/run.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    rows = {row["name"]: row for row in report["results"]}
    export = rows["Actions export: one team"]
    assert export["rows"] > 0 and export["statements"] > 0
    assert export["median_ms"] > 0 and export["page_over_sql"] > 0
    assert any(row["kind"] == "list" for row in rows.values())
