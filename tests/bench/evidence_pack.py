"""`make bench`, the inspection evidence pack: the QA officer's pack for the last 12 months
of the scale-50 council, made by the background worker's own code (``core.jobs.work_once``)
as `flask jobs worker` makes it; its time against the issue's target (under a minute), its
files and size, and the peak Python memory of a second run (tracemalloc slows the run, so
time and memory are measured apart). Run alone on an existing bench database:
``.venv/bin/python tests/bench/evidence_pack.py sqlite:///build/bench/qaweb-scale50.sqlite``.
"""

import sys
import tempfile
import time
import tracemalloc
import zipfile

TARGET_SECONDS = 60


def _one_pack(app) -> tuple[float, dict]:
    from sqlalchemy import select

    from qaweb.core import jobs
    from qaweb.demo import builder
    from qaweb.extensions import db
    from qaweb.organisation.models import User
    from qaweb.qa_report import pack

    with app.app_context():
        officer = db.session.scalar(
            select(User).where(User.email == f"qa.officer@{builder.DOMAIN}")
        )
        job = pack.request_pack(officer, pack.default_start(), None)
        db.session.commit()
        job_id = job.id
        started = time.perf_counter()
        jobs.work_once()
        seconds = time.perf_counter() - started
        job = db.session.get(jobs.BackgroundJob, job_id)
        db.session.refresh(job)
        path = job.file()
        assert job.status == "done" and path is not None, job.error
        with zipfile.ZipFile(path) as bundle:
            files = len(bundle.namelist())
        info = {"files": files, "zip_mb": round(path.stat().st_size / 2**20, 2)}
        path.unlink()
        db.session.remove()
    return seconds, info


def run_pack(urls: dict, make_app) -> list[dict]:
    """Time the pack on each engine's bench database (``urls``: engine -> URL); returns a
    row per engine and prints it."""
    rows = []
    for engine, url in urls.items():
        app = make_app(url)
        app.config["JOB_FILES_DIRECTORY"] = tempfile.mkdtemp(prefix="qaweb-bench-jobs-")
        seconds, info = _one_pack(app)
        tracemalloc.start()
        _one_pack(app)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        row = {
            "engine": engine,
            "seconds": round(seconds, 1),
            "peak_mb": round(peak, 1),
            **info,
            "verdict": "ok" if seconds < TARGET_SECONDS else f"MISS: >= {TARGET_SECONDS} s",
        }
        print(
            f"[{engine}] inspection evidence pack: {row['seconds']} s, {row['files']} files, "
            f"{row['zip_mb']} MB zip, peak {row['peak_mb']} MB  {row['verdict']}",
            flush=True,
        )
        rows.append(row)
    return rows


if __name__ == "__main__":
    import os

    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from run import make_app

    run_pack({"given": sys.argv[1]}, make_app)
