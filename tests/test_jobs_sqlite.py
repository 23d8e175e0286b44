"""A background job on a real SQLite file while the web app writes beside it: the job reads,
someone saves, then the job records its progress. SQLite refuses at once a transaction that
read before that save and then writes ("database is locked", whatever the busy timeout), so
the jobs worker writes each update in a transaction of its own (core/jobs.py ``_write``)."""

import sqlalchemy as sa
from flask_migrate import upgrade
from support import make_app

from qaweb.core import jobs
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea, User


def test_progress_is_recorded_after_someone_else_saved(tmp_path):
    url = f"sqlite:///{tmp_path / 'qaweb.sqlite'}"
    app = make_app(url)
    app.config["JOB_FILES_DIRECTORY"] = str(tmp_path / "jobs")
    web = sa.create_engine(url)  # another process's connection: the web app saving

    def reads_then_reports(job, progress):
        progress(0, 2, "Reading")
        db.session.scalar(sa.select(sa.func.count()).select_from(ServiceArea))  # a read
        with web.begin() as conn:  # meanwhile a person saves something
            conn.execute(sa.insert(ServiceArea.__table__).values(name="Saved meanwhile"))
        progress(1, 2, "Writing")
        path = jobs.files_directory() / "made.txt"
        path.write_text("made")
        return path, "made.txt"

    jobs.register("test_sqlite_readers", "Readers", reads_then_reports)
    try:
        with app.app_context():
            upgrade()
            person = User(first_name="Quinn", last_name="Adebayo", email="q@council.example")
            person.set_password("correct horse battery", method="pbkdf2:sha256:1000")
            db.session.add(person)
            db.session.commit()
            job = jobs.enqueue("test_sqlite_readers", {}, person)
            db.session.commit()
            assert jobs.work_once() == 1
            finished = db.session.get(jobs.BackgroundJob, job.id)
            db.session.refresh(finished)
            assert finished.status == "done", finished.error
            assert (finished.done, finished.total) == (2, 2)
            db.session.remove()
            db.engine.dispose()
    finally:
        jobs._kinds.pop("test_sqlite_readers")
        web.dispose()
