"""The browser lane's own machinery: a slow server stop never fails the run, and a click that
opens a page is followed until the whole page has arrived before anything is read from it."""

import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_support import follow, stop_server

# A stand-in for gunicorn on a loaded machine: it ignores SIGTERM and keeps running.
STUBBORN = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


def test_a_server_that_ignores_terminate_is_killed_without_an_error():
    server = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"  # its SIGTERM handler is in place
    started = time.monotonic()
    stop_server(server, grace=0.5)
    assert server.poll() is not None, "the server was left running"
    assert time.monotonic() - started < 10
    server.stdout.close()


def test_a_server_that_already_stopped_is_left_alone():
    server = subprocess.Popen([sys.executable, "-c", "pass"])
    server.wait()
    stop_server(server)
    assert server.returncode == 0


# A page whose second half comes seconds after its first, as a long page can from a busy
# server: the list of observers waits behind a script that takes two seconds.
SLOW_PAGES = {
    "/start": '<!doctype html><title>Start</title><a href="/schedule">Schedule</a>',
    "/schedule": (
        "<!doctype html><title>Schedule</title><h1>Schedule an observation</h1>"
        '<script src="/slow.js"></script>'
        '<select id="observer_id"><option>Marsh, Helen</option></select>'
    ),
    "/slow.js": "",
}


class _SlowPages(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow.js":
            time.sleep(2)
        body = SLOW_PAGES[self.path].encode()
        self.send_response(200)
        kind = "text/javascript" if self.path.endswith(".js") else "text/html"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowPages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_follow_returns_once_the_whole_page_has_arrived(page, slow_site):
    """A click can return once the new page has begun to arrive; the rest of it can come
    seconds later on a busy machine. ``follow`` holds the journey until the page has loaded,
    so a read that does not wait (``all()``, ``count()``, ``page.url``) sees the whole page."""
    page.goto(slow_site + "/start")
    follow(page.get_by_role("link", name="Schedule"))
    assert page.url == slow_site + "/schedule"
    assert page.locator("#observer_id option").all_inner_texts() == ["Marsh, Helen"]
