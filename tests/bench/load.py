"""The load run: gunicorn with 4 workers on a free 127.0.0.1 port, against the bench database,
and locust headless with 20 signed-in users making a fixed number of requests, twice:

- "paced": each person pauses 0.5 to 1.5 s between pages, as people at their desks do (about
  20 requests a second from 20 people, far above a council's QA team). This run is judged:
  no errors, p95 under 250 ms.
- "flat out": no pause, so the 20 users queue on the server's cores; it shows the capacity
  (requests per second) and how latency grows when the server is saturated. Reported only.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKERS = 4
USERS = int(os.environ.get("QAWEB_LOAD_USERS", "20"))
REQUESTS = int(os.environ.get("QAWEB_LOAD_REQUESTS", "2000"))
PACES = {"paced": "0.5-1.5", "flat out": "0"}
P95_MS = 250


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(base: str, server: subprocess.Popen, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited before answering")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /health in time")


def start_server(database_url: str) -> tuple[subprocess.Popen, str, dict]:
    """gunicorn (WORKERS workers) on a free port serving ``database_url``: (process, base
    URL, its environment). The caller waits with ``wait_until_up`` and stops it."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "QAWEB_ENV": "development",
        "SECRET_KEY": "bench-secret-key-not-for-production",
    }
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--no-control-socket",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    return server, f"http://127.0.0.1:{port}", env


def run_load(database_url: str, engine: str) -> list[dict]:
    server, base, env = start_server(database_url)
    print(
        f"[load] gunicorn {WORKERS} workers on {base} ({engine}); {USERS} users, "
        f"{REQUESTS} requests ...",
        flush=True,
    )
    try:
        wait_until_up(base, server)
        results = [swarm(base, env, engine, pace) for pace in PACES]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return results


def swarm(base: str, env: dict, engine: str, pace: str) -> dict:
    out = ROOT / "build" / "bench" / "load.json"
    out.unlink(missing_ok=True)
    print(f"[load] {pace}: {USERS} users, {REQUESTS} requests ...", flush=True)
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--users",
            str(USERS),
            "--spawn-rate",
            str(USERS),
            "--run-time",
            "600s",
            "--host",
            base,
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env={
            **env,
            "QAWEB_LOAD_REQUESTS": str(REQUESTS),
            "QAWEB_LOAD_USERS": str(USERS),
            "QAWEB_LOAD_OUT": str(out),
            "QAWEB_LOAD_THINK": PACES[pace],
        },
        check=False,
        timeout=900,
        stdout=subprocess.DEVNULL,
    )
    data = json.loads(out.read_text())
    times = sorted(data["times_ms"])
    count = len(times)

    def pct(f):
        return round(times[min(count - 1, round(f * (count - 1)))], 1) if times else None

    result = {
        "pace": pace,
        "think_s": PACES[pace],
        "engine": engine,
        "workers": WORKERS,
        "users": USERS,
        "requests": count,
        "rps": round(count / data["seconds"], 1) if data["seconds"] else 0,
        "p50_ms": pct(0.5),
        "p95_ms": pct(0.95),
        "errors": data["error_count"],
        "first_errors": data["errors"][:5],
    }
    misses = []
    if pace != "paced":
        result["verdict"] = "capacity, not judged" if not result["errors"] else "MISS: errors"
        return result
    if result["errors"]:
        misses.append("errors")
    if result["p95_ms"] is None or result["p95_ms"] >= P95_MS:
        misses.append(f"p95 >= {P95_MS} ms")
    result["verdict"] = "ok" if not misses else "MISS: " + "; ".join(misses)
    return result
