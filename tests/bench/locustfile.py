"""The load run's users (driven by tests/bench/load.py): each signs in as a demo person and
opens that person's pages in turn, pausing QAWEB_LOAD_THINK seconds between pages ("0.5-1.5"
for a random pause in that range, "0" for none), until the run has made QAWEB_LOAD_REQUESTS
page requests; timings go to QAWEB_LOAD_OUT as JSON. Pages are timed from the moment all
QAWEB_LOAD_USERS people have signed in (sign-in is slow on purpose: scrypt)."""

import itertools
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, constant, events, task
from locust.exception import StopUser

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
USERS = int(os.environ.get("QAWEB_LOAD_USERS", "20"))
_signed_in: list = []
_ready: list = []
_quitting: list = []
_first = [None]
_last = [None]


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **kwargs):
    now = time.perf_counter()
    with _lock:
        if exception:
            _errors.append(f"{name}: {exception}")
        if name == "sign-in" or not _ready or now - response_time / 1000 < _ready[0]:
            return  # timed from when everyone is signed in: sign-in hashes passwords on purpose
        _first[0] = _first[0] or now - response_time / 1000
        _last[0] = now
        _times.append(response_time)


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
        with _lock:
            _signed_in.append(self.role)
            if len(_signed_in) == USERS:
                _ready.append(time.perf_counter())

    @task
    def open_page(self):
        with _lock:
            if len(_times) >= LIMIT:
                if not _quitting:
                    # Quit from a greenlet of its own: a user's greenlet that stops the runner
                    # is itself killed on the way and the process would never exit.
                    _quitting.append(gevent.spawn(self.environment.runner.quit))
                raise StopUser()
        url = next(self.pages)
        with self.client.get(url, name=url, catch_response=True, allow_redirects=False) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")
