"""The load run's users (driven by tests/bench/load.py): each signs in as a demo person and
opens that person's pages in turn, pausing QAWEB_LOAD_THINK seconds between pages ("0.5-1.5"
for a random pause in that range, "0" for none), until the run has made QAWEB_LOAD_REQUESTS
page requests; timings go to QAWEB_LOAD_OUT as JSON."""

import itertools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

from locust import HttpUser, between, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pages import LOAD_PAGES  # noqa: E402

PASSWORD = "qaweb-demo-2026"
DOMAIN = "demo-council.example"
LIMIT = int(os.environ.get("QAWEB_LOAD_REQUESTS", "2000"))
OUT = os.environ.get("QAWEB_LOAD_OUT", "build/bench/load.json")
THINK = os.environ.get("QAWEB_LOAD_THINK", "0")
ROLES = sorted({role for role, _ in LOAD_PAGES})
_role_cycle = itertools.cycle(ROLES)
_lock = threading.Lock()
_times: list[float] = []
_errors: list[str] = []
_first = [None]
_last = [None]


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    if name == "sign-in":
        return
    with _lock:
        now = time.perf_counter()
        _first[0] = _first[0] or now - response_time / 1000
        _last[0] = now
        _times.append(response_time)
        if exception:
            _errors.append(f"{name}: {exception}")


@events.quitting.add_listener
def _write(environment, **kwargs):
    Path(OUT).parent.mkdir(parents=True, exist_ok=True)
    Path(OUT).write_text(
        json.dumps(
            {
                "times_ms": _times,
                "errors": _errors[:50],
                "error_count": len(_errors),
                "seconds": (_last[0] - _first[0]) if _times else 0,
            }
        )
    )


class Person(HttpUser):
    wait_time = between(*map(float, THINK.split("-"))) if "-" in THINK else constant(float(THINK))

    def on_start(self):
        self.role = next(_role_cycle)
        self.pages = itertools.cycle([url for role, url in LOAD_PAGES if role == self.role])
        form = self.client.get("/sign-in", name="sign-in").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        data = {"email": f"{self.role}@{DOMAIN}", "password": PASSWORD}
        if token:
            data["csrf_token"] = token.group(1)
        response = self.client.post("/sign-in", data=data, name="sign-in", allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"sign-in failed for {self.role}: {response.status_code}")

    @task
    def open_page(self):
        with _lock:
            if len(_times) >= LIMIT:
                self.environment.runner.quit()
                return
        url = next(self.pages)
        with self.client.get(url, name=url, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
