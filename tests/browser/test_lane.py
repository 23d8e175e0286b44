"""The browser lane's own machinery: a slow server stop never fails the run."""

import subprocess
import sys
import time

from browser_support import stop_server

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
