"""The inspection evidence pack and the background jobs that make it: a job's life (queued,
running with progress, done, or failed with a message), its file deleted after a day, the
pack's contents opened file by file, who may ask for and see a pack, and one QA report per
period and area however many people start it at once."""

import io
import zipfile
from datetime import timedelta

import docx
import pytest
import sqlalchemy as sa
import test_qa_report
from openpyxl import load_workbook
from sqlalchemy import select
from support import sign_in

from qaweb.core import jobs
from qaweb.core.jobs import BackgroundJob
from qaweb.extensions import db
from qaweb.qa_report import pack, services
from qaweb.qa_report.models import QAReport

Q2 = test_qa_report.Q2
#: The report's fixture: two service areas across every module in Q2 2026 (July to
#: September), the quarter before and the same quarter of 2025.
world = test_qa_report.world


@pytest.fixture(autouse=True)
def job_files(app, tmp_path, monkeypatch):
    """Each test's finished files in a folder of its own."""
    monkeypatch.setitem(app.config, "JOB_FILES_DIRECTORY", str(tmp_path / "jobs"))
    return tmp_path / "jobs"


@pytest.fixture
def test_kinds():
    """Two kinds of job for the lifecycle tests: one that stops half-way to let the test look
    at its progress, one that breaks."""
    seen = {}

    def steady(job, progress):
        progress(0, 2, "The first file")
        progress(1, 2, "The second file")
        row = db.session.get(BackgroundJob, job.id)
        db.session.refresh(row)
        seen["midway"] = (row.status, row.done, row.total, row.step)
        path = jobs.files_directory() / f"steady-{job.id}.txt"
        path.write_text("made")
        return path, "steady.txt"

    def broken(job, progress):
        progress(0, 3, "Reading")
        raise RuntimeError("secret internals: table qa_report exploded")

    jobs.register("test_steady", "Steady", steady)
    jobs.register("test_broken", "Broken", broken)
    yield seen
    jobs._kinds.pop("test_steady")
    jobs._kinds.pop("test_broken")


def _post_pack(client, start="2026-04", area=None):
    data = {"start": start}
    if area is not None:
        data["area"] = str(area)
    return client.post("/qa-report/packs", data=data)


def _job(response) -> BackgroundJob:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(BackgroundJob, job_id)


def _download(client, job) -> zipfile.ZipFile:
    response = client.get(f"/qa-report/packs/{job.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert "inspection-evidence-pack-" in response.headers["Content-Disposition"]
    body = response.data
    response.close()
    return zipfile.ZipFile(io.BytesIO(body))


def _text(bundle, name) -> str:
    paper = docx.Document(io.BytesIO(bundle.read(name)))
    cells = [c.text for t in paper.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in paper.paragraphs] + cells)


# -- the job's life ------------------------------------------------------------------------------


def test_a_job_is_queued_runs_with_progress_and_keeps_its_file_for_a_day(app, world, test_kinds):
    job = jobs.enqueue("test_steady", {"n": 1}, world["qa"])
    db.session.commit()
    assert (job.status, job.status_label, job.percent) == ("queued", "Waiting to start", 0)
    claimed = jobs.claim()
    assert claimed.id == job.id and claimed.status == "running" and claimed.started_at
    assert jobs.claim() is None  # nothing else waiting: no job is claimed twice
    finished = jobs.run(claimed)
    assert test_kinds["midway"] == ("running", 1, 2, "The second file")
    assert finished.status == "done" and finished.percent == 100
    assert (finished.done, finished.total) == (2, 2)
    assert finished.expires_at - finished.finished_at == timedelta(hours=24)
    assert finished.file().read_text() == "made" and finished.result_name == "steady.txt"
    # Within the day the worker keeps it; after it, the worker deletes the file.
    assert jobs.delete_expired(finished.expires_at - timedelta(minutes=1)) == 0
    assert finished.file() is not None
    path = finished.file()
    assert jobs.work_once(finished.expires_at + timedelta(seconds=1)) == 0
    db.session.refresh(finished)
    assert not path.exists() and finished.file() is None and finished.result_path is None


def test_a_failed_job_keeps_a_message_not_the_error(app, world, test_kinds, caplog):
    job = jobs.enqueue("test_broken", {}, world["qa"])
    db.session.commit()
    assert jobs.work_once() == 1
    db.session.refresh(job)
    assert job.status == "failed" and job.finished_at is not None
    assert job.error == jobs.FAILED_MESSAGE
    assert "exploded" not in job.error
    assert "exploded" in caplog.text  # the worker's log says why


def test_a_job_whose_worker_stopped_is_failed_so_it_can_be_asked_for_again(app, world, test_kinds):
    job = jobs.enqueue("test_steady", {}, world["qa"])
    db.session.commit()
    claimed = jobs.claim()
    later = claimed.claimed_until + timedelta(seconds=1)
    assert jobs.release_abandoned(claimed.claimed_until - timedelta(seconds=1)) == 0
    assert jobs.release_abandoned(later) == 1
    db.session.refresh(job)
    assert job.status == "failed" and job.error == jobs.STOPPED_MESSAGE


def test_the_worker_command_runs_queued_jobs(app, world, runner, test_kinds):
    job = jobs.enqueue("test_steady", {}, world["qa"])
    db.session.commit()
    result = runner.invoke(args=["jobs", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Ran 1 job." in result.output
    db.session.refresh(job)
    assert job.status == "done"


# -- the pack's pages ----------------------------------------------------------------------------


def test_the_pack_is_asked_for_shows_progress_and_downloads(client, world):
    sign_in(client, world["qa"])
    page = client.get("/qa-report/").get_data(as_text=True)
    assert "Prepare an inspection evidence pack" in page
    job = _job(_post_pack(client))
    url = f"/qa-report/packs/{job.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Inspection evidence pack: April 2026 to March 2027" in page
    assert "Waiting to start" in page and 'hx-trigger="every 2s"' in page
    assert 'aria-live="polite"' in page and "Check progress again" in page
    # The polling fragment: nothing new while nothing changed.
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)
    assert client.get(f"{url}?seen=queued-0-0", headers={"HX-Request": "true"}).status_code == 204
    assert jobs.work_once() == 1
    done = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Your pack is ready" in done and "hx-trigger" not in done  # the polling stops
    assert "Download the inspection evidence pack (.zip)" in done
    assert "Your packs" in client.get("/qa-report/").get_data(as_text=True)
    assert _download(client, db.session.get(BackgroundJob, job.id)).testzip() is None


def test_a_pack_must_start_with_a_quarter(client, world):
    sign_in(client, world["qa"])
    page = _post_pack(client, "2026-05").get_data(as_text=True)
    assert "The 12 months start with a quarter" in page and "There is a problem" in page
    page = _post_pack(client, "next year").get_data(as_text=True)
    assert "Enter the first month of the period" in page
    page = _post_pack(client, "2026-04", area=999999).get_data(as_text=True)
    assert "Choose a service area from the list" in page
    assert db.session.scalar(select(sa.func.count()).select_from(BackgroundJob)) == 0


def test_a_failed_pack_shows_a_gov_uk_message(client, world):
    sign_in(client, world["qa"])
    job = _job(_post_pack(client))
    db.session.execute(
        sa.update(BackgroundJob).where(BackgroundJob.id == job.id).values(parameters={})
    )
    db.session.commit()
    jobs.work_once()
    page = client.get(f"/qa-report/packs/{job.id}").get_data(as_text=True)
    assert "The pack could not be prepared" in page
    assert "Enter the first month of the period" in page and "Traceback" not in page
    assert "Prepare the pack again" in page and "hx-trigger" not in page


def test_an_expired_pack_says_so(client, world):
    sign_in(client, world["qa"])
    job = _job(_post_pack(client))
    jobs.work_once()
    db.session.refresh(job)
    jobs.work_once(job.expires_at + timedelta(minutes=1))
    page = client.get(f"/qa-report/packs/{job.id}").get_data(as_text=True)
    assert "This pack is no longer kept" in page
    response = client.get(f"/qa-report/packs/{job.id}/download")
    assert response.status_code == 302
    assert "packs are deleted a day after" in client.get("/qa-report/").get_data(as_text=True)


# -- what is in it -------------------------------------------------------------------------------


def test_the_pack_holds_every_paper_and_workbook_and_an_index_of_them(client, world):
    report = services.start(Q2, None, world["qa"])
    services.save_analysis(report, "complaints", {"learned": "Families waited for call-backs."})
    db.session.commit()
    sign_in(client, world["qa"])
    job = _job(_post_pack(client))
    jobs.work_once()
    bundle = _download(client, db.session.get(BackgroundJob, job.id))
    names = sorted(bundle.namelist())
    audits = {a.title: a.reference for a in pack_audits()}
    assert names == sorted(
        [
            "00-index.docx",
            "qa-reports/qa-report-2026-04-to-2026-06.docx",
            "qa-reports/qa-report-2026-07-to-2026-09.docx",
            "qa-reports/qa-report-2026-10-to-2026-12.docx",
            "qa-reports/qa-report-2027-01-to-2027-03.docx",
            "figures/qa-figures-2026-04-to-2027-03.xlsx",
            f"thematic-audits/{audits['Voice of the child']}.docx",
            f"thematic-audits/{audits['Neglect']}.docx",
            "supervision/supervision-audits-2026-2027.xlsx",
            "practice-weeks/practice-week-2026-09-14-report.xlsx",
            "complaints/complaints-annual-report-2026-27.docx",
        ]
    )
    for name in names:
        if name.endswith(".docx"):
            assert _text(bundle, name).strip(), name
        else:
            book = load_workbook(io.BytesIO(bundle.read(name)), read_only=True)
            assert book.sheetnames[0] == "About", name
            book.close()
    saved = _text(bundle, "qa-reports/qa-report-2026-07-to-2026-09.docx")
    assert "Families waited for call-backs." in saved and report.reference in saved
    assert "No analysis was written" not in saved
    unsaved = _text(bundle, "qa-reports/qa-report-2026-04-to-2026-06.docx")
    assert "No analysis was written" in unsaved
    assert "Quality assurance report: Q1: April to June 2026 (2026-27)" in unsaved
    figures = load_workbook(io.BytesIO(bundle.read("figures/qa-figures-2026-04-to-2027-03.xlsx")))
    rows = {(r[0], r[1]): r[2] for r in figures["Figures"].iter_rows(min_row=2, values_only=True)}
    assert rows[("Supervision audits", "Audits planned in the audit year")] == 4
    # C1 (July), C2 (August) and C3 (May) were all received in the 12 months.
    assert rows[("Complaints and compliments", "Complaints received")] == 3
    thematic = _text(bundle, f"thematic-audits/{audits['Voice of the child']}.docx")
    assert "Record the child's words in every plan" in thematic
    index = _text(bundle, "00-index.docx")
    assert "Inspection evidence pack: April 2026 to March 2027" in index
    for name in names:
        assert name in index, name
    assert "Not included" not in index


def pack_audits():
    from qaweb.thematic.models import ThematicAudit

    return db.session.scalars(select(ThematicAudit))


# -- who may ask and see -------------------------------------------------------------------------


def test_the_board_gets_what_the_board_may_download(client, world):
    sign_in(client, world["board"])
    job = _job(_post_pack(client))
    jobs.work_once()
    bundle = _download(client, db.session.get(BackgroundJob, job.id))
    folders = {n.split("/")[0] for n in bundle.namelist()}
    assert folders == {"00-index.docx", "qa-reports", "figures", "thematic-audits"}
    index = _text(bundle, "00-index.docx")
    assert "Not included" in index
    assert "Supervision audits annual workbook: Only the QA team and service managers" in index
    assert "Practice weeks' reports: Only practice-week organisers and the QA team" in index
    assert "Complaints annual report: Only the complaints officer" in index


def test_a_service_manager_gets_their_own_area(client, world):
    own = services.start(Q2, world["cin"].id, world["qa"])
    services.save_analysis(own, "actions", {"learned": "Brambles cleared its overdue actions."})
    db.session.commit()
    sign_in(client, world["sm"])  # Children in Need's service manager
    assert "Prepare an inspection evidence pack" in client.get("/qa-report/").get_data(as_text=True)
    job = _job(_post_pack(client, area=world["eh"].id))  # another area asked for: ignored
    assert client.get(f"/qa-report/packs/{job.id}").get_data(as_text=True).count("Children in Need")
    jobs.work_once()
    bundle = _download(client, db.session.get(BackgroundJob, job.id))
    names = bundle.namelist()
    assert not any(n.startswith("practice-weeks/") for n in names)
    assert "supervision/supervision-audits-2026-2027.xlsx" in names
    paper = _text(bundle, "qa-reports/qa-report-2026-07-to-2026-09.docx")
    assert "Brambles cleared its overdue actions." in paper
    assert "Service area: Children in Need" in paper
    figures = load_workbook(io.BytesIO(bundle.read("figures/qa-figures-2026-04-to-2027-03.xlsx")))
    rows = {(r[0], r[1]): r[2] for r in figures["Figures"].iter_rows(min_row=2, values_only=True)}
    # Their area's only: C1 (July) and C3 (May), not Early Help's C2.
    assert rows[("Complaints and compliments", "Complaints received")] == 2
    supervision = load_workbook(
        io.BytesIO(bundle.read("supervision/supervision-audits-2026-2027.xlsx"))
    )
    about = {r[0]: r[1] for r in supervision["About"].iter_rows(values_only=True) if r[0]}
    assert about.get("Filter: Service area") == "Children in Need"
    assert about.get("Made by") == world["sm"].name
    index = _text(bundle, "00-index.docx")
    assert "Service area: Children in Need" in index
    assert "Practice weeks' reports" in index


def test_people_see_only_their_own_packs(client, world):
    sign_in(client, world["qa"])
    job = _job(_post_pack(client))
    jobs.work_once()
    client.post("/sign-out")
    sign_in(client, world["qa2"])  # another QA officer
    assert client.get(f"/qa-report/packs/{job.id}").status_code == 403
    assert client.get(f"/qa-report/packs/{job.id}/download").status_code == 403
    assert "Your packs" not in client.get("/qa-report/").get_data(as_text=True)
    client.post("/sign-out")
    for role in ("tm", "pract"):
        sign_in(client, world[role])
        assert _post_pack(client).status_code == 403
        assert client.get(f"/qa-report/packs/{job.id}").status_code == 403
        client.post("/sign-out")


# -- one report per period and area --------------------------------------------------------------


def test_two_officers_starting_the_same_quarter_get_one_report(app, world, monkeypatch):
    first = services.start(Q2, None, world["qa"])
    db.session.commit()
    # The second officer looked before the first saved: the database keeps them to one.
    real_find = services.find
    looks = []

    def looked_too_early(period, area_id):
        looks.append(period)
        return None if len(looks) == 1 else real_find(period, area_id)

    monkeypatch.setattr(services, "find", looked_too_early)
    second = services.start(Q2, None, world["qa2"])
    db.session.commit()
    assert second.id == first.id and len(looks) == 2
    assert db.session.scalar(select(sa.func.count()).select_from(QAReport)) == 1
    # An area's report for the same quarter is another report.
    area = services.start(Q2, world["cin"].id, world["qa2"])
    assert area.id != first.id


def test_the_database_refuses_a_second_council_wide_report_for_a_period(app, world):
    """A unique constraint on (period, area) lets NULL areas repeat on PostgreSQL and SQLite
    alike: the coalesced key does not."""
    db.session.add(QAReport(start_on=Q2.start, end_on=Q2.end, narrative={}))
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.add(QAReport(start_on=Q2.start, end_on=Q2.end, narrative={}))
    db.session.rollback()


def test_starting_through_the_page_twice_opens_the_first_report(client, world):
    sign_in(client, world["qa"])
    one = client.post("/qa-report/start", data={"start": "2026-07", "length": "quarter"})
    client.post("/sign-out")
    sign_in(client, world["qa2"])
    two = client.post("/qa-report/start", data={"start": "2026-07", "length": "quarter"})
    assert one.headers["Location"] == two.headers["Location"]
    assert pack.pack_period("2026-07")[0].end.isoformat() == "2027-06-30"


def test_the_pack_pages_ask_the_same_statements_however_many_packs(client, world):
    from test_queries import SIGNED_IN, statements_for

    sign_in(client, world["qa"])
    job = _job(_post_pack(client))
    few = statements_for(client, "/qa-report/")
    page = statements_for(client, f"/qa-report/packs/{job.id}")
    for _ in range(6):
        _post_pack(client)
    assert statements_for(client, "/qa-report/") == few
    assert statements_for(client, f"/qa-report/packs/{job.id}") == page <= 4 + SIGNED_IN
