"""The browser lane: the app served by gunicorn on a free port, on a temporary SQLite database
seeded by the app's own CLI, driven by Playwright in Debian's chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import stop_server
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "build" / "screenshots"
DEMO_PASSWORD = "qaweb-demo-2026"
DOMAIN = "demo-council.example"

# On a busy 2-core machine a page can take longer than Playwright's 5 seconds to answer; an
# assertion waits up to 15 seconds for what a person would see (it still fails if it never
# comes).
expect.set_options(timeout=15_000)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_workdir(tmp_path_factory):
    """The folder holding the live server's SQLite database, mail and job files."""
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def live_database(live_server, live_workdir):
    """Path of the live server's SQLite database, for a journey that must look up what the
    page does not show (such as the sign-in of a person the demo chose at random)."""
    return live_workdir / "qaweb.sqlite"


@pytest.fixture(scope="session")
def live_server(live_workdir):
    if not Path(CHROMIUM).exists():
        pytest.skip("Browser lane: install Debian's chromium (apt-get install chromium)")
    workdir = live_workdir
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'qaweb.sqlite'}",
        "SECRET_KEY": "browser-lane-secret",
        "QAWEB_PASSWORD_HASH": "pbkdf2:sha256:1000",
        "QAWEB_MAIL_TRANSPORT": "file",
        "QAWEB_MAIL_DIRECTORY": str(workdir / "mail"),
        "QAWEB_JOB_FILES": str(workdir / "jobs"),
        "QAWEB_JOB_WORKER_SECONDS": "1",
    }
    bin_dir = Path(sys.executable).parent
    flask = [str(bin_dir / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--no-control-socket",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise RuntimeError("gunicorn did not start: " + (workdir / "gunicorn.log").read_text())
    # The background-jobs worker beside gunicorn, as `make run` starts it: the evidence pack
    # is made by the real worker code.
    worker_log = open(workdir / "jobs-worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [*flask, "jobs", "worker"], cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT
    )
    yield url
    stop_server(worker)
    worker_log.close()
    stop_server(server)
    log.close()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def check_page(axe):
    """Run axe on the page (no serious or critical findings, nothing outside a landmark) and
    keep a screenshot."""

    def check(page, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(
                n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                for n in v["nodes"][:3]
            )
            for v in results.response["violations"]
            # `region` (content outside every landmark) is rated moderate, but a screen
            # reader user moving by landmark never reaches that content: fail on it too.
            if v["impact"] in ("serious", "critical") or v["id"] == "region"
        ]
        assert not bad, f"axe on {name} ({page.url}):\n" + "\n".join(bad)

    return check


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every journey fails on a Content-Security-Policy violation (an inline script or style,
    an eval) or an uncaught script error: the CSP must not break htmx or GOV.UK Frontend."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    problems = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield
    assert not problems, "\n".join(problems)
