"""The documents lane: every file in catalogue.DOCUMENTS downloaded from the demo council as
the person who would download it, and every paper and workbook converted to PDF by one
headless LibreOffice run (Debian's libreoffice-writer-nogui and libreoffice-calc-nogui).

Skipped without LibreOffice on PATH; under CI=true a skip fails the run (tests/conftest.py),
so in CI the lane always runs. The PDFs and a page-count summary (pages.txt) are kept in
build/documents/ to look at.
"""

import io
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from catalogue import DEMO_PASSWORD, DOCUMENTS, DOMAIN, letterhead_template
from sqlalchemy import func, select
from support import make_app

from qaweb.extensions import db

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "documents"
#: One LibreOffice run converts every file; a normal run takes well under a minute.
CONVERT_TIMEOUT_S = 600
#: LibreOffice prints a workbook that names no paper size on its locale's paper, so the lane
#: runs it as en_US (US Letter; LibreOffice reads the name, the locale need not be installed)
#: to make the A4 check strict: a workbook passes only if it asks for A4 itself. A .docx
#: always names its page size.
LOCALE = "en_US.UTF-8"


@dataclass
class Produced:
    """What the lane got for one catalogue entry."""

    path: Path
    content_type: str
    endpoint: str
    pdf: Path | None = None
    notes: list[str] = field(default_factory=list)


def demo_ids() -> dict:
    """The demo records each catalogue URL needs (see catalogue.DOCUMENTS)."""
    from qaweb.actions.models import Action
    from qaweb.core import years
    from qaweb.core.timefmt import today_london
    from qaweb.dip_samples.models import DipSample
    from qaweb.practice_week.models import LearningSession, Observation, PracticeWeek
    from qaweb.qa_report.models import QAReport
    from qaweb.thematic.models import Finding, ThematicAudit

    audits = db.session.scalars(select(ThematicAudit).order_by(ThematicAudit.id)).all()
    findings = dict(
        db.session.execute(select(Finding.audit_id, func.count()).group_by(Finding.audit_id)).all()
    )
    actions = dict(
        db.session.execute(
            select(Action.source_id, func.count())
            .where(Action.source_type == "thematic_audit")
            .group_by(Action.source_id)
        ).all()
    )
    full = max(audits, key=lambda a: (findings.get(a.id, 0) + actions.get(a.id, 0), a.id))
    planned = next(a for a in audits if a.status == "planned")
    weeks = db.session.scalars(select(PracticeWeek).order_by(PracticeWeek.starts_on)).all()
    closed = next(w for w in weeks if w.status == "closed")
    current = weeks[-1]
    observation = db.session.scalar(
        select(Observation)
        .where(Observation.week_id == current.id, Observation.status == "scheduled")
        .order_by(Observation.id)
    )
    cancelled = db.session.scalar(
        select(Observation)
        .where(Observation.status.in_(("cancelled", "not_held")))
        .order_by(Observation.id)
    )
    session = db.session.scalar(
        select(LearningSession)
        .where(LearningSession.week_id == current.id)
        .order_by(LearningSession.id)
    )
    year, quarter = years.quarter_of(today_london())
    return {
        "thematic_full": full.id,
        "thematic_planned": planned.id,
        "week_closed": closed.id,
        "week_current": current.id,
        "observation": observation.id,
        "observer": observation.observer_id,
        "observation_cancelled": cancelled.id,
        "session": session.id,
        "year": year,
        "quarter": quarter,
        "qa_report": db.session.scalar(select(QAReport.id).order_by(QAReport.id)),
        "dip_sample": db.session.scalar(select(DipSample.id).order_by(DipSample.id)),
    }


def _sign_in(client, role: str) -> None:
    client.post("/sign-out")
    response = client.post(
        "/sign-in", data={"email": f"{role}@{DOMAIN}", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, f"{role} could not sign in"


def _download(app, client, document, ids, folder: Path) -> Produced:
    url = document.url(ids)
    _sign_in(client, document.role)
    response = client.get(url)
    assert response.status_code == 200, f"{document.name}: {url} gave {response.status_code}"
    path = folder / f"{document.name}.{document.kind}"
    path.write_bytes(response.data)
    adapter = app.url_map.bind("qaweb.test")
    endpoint, _ = adapter.match(url.split("?", 1)[0])
    response.close()
    return Produced(path, response.mimetype, endpoint)


@pytest.fixture(scope="session")
def soffice() -> str:
    path = shutil.which("soffice")
    if path is None:
        pytest.skip(
            "Documents lane: install LibreOffice (apt-get install --no-install-recommends "
            "libreoffice-writer-nogui libreoffice-calc-nogui)"
        )
    return path


@pytest.fixture(scope="session")
def produced(soffice, tmp_path_factory, demo_database) -> dict[str, Produced]:
    """name -> Produced for every catalogue entry, papers and workbooks converted to PDF,
    made from a copy of the demo council (seeded once per run)."""
    workdir = tmp_path_factory.mktemp("documents")
    files = workdir / "files"
    files.mkdir()
    app = make_app(demo_database("sqlite"))
    with app.app_context():
        ids = demo_ids()
    client = app.test_client()
    out: dict[str, Produced] = {}
    for document in (d for d in DOCUMENTS if not d.on_template):
        out[document.name] = _download(app, client, document, ids, files)
    _sign_in(client, "admin")
    response = client.post(
        "/admin/settings/template",
        data={"template-file": (io.BytesIO(letterhead_template()), "Demo.docx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, "the council template was refused"
    for document in (d for d in DOCUMENTS if d.on_template):
        out[document.name] = _download(app, client, document, ids, files)
    with app.app_context():
        db.engine.dispose()

    printable = [p.path for p in out.values() if p.path.suffix in (".docx", ".xlsx")]
    pdfs = workdir / "pdf"
    started = time.monotonic()
    run = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{workdir / 'libreoffice-profile'}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdfs),
            *map(str, printable),
        ],
        capture_output=True,
        text=True,
        timeout=CONVERT_TIMEOUT_S,
        env={**os.environ, "LC_ALL": LOCALE, "LANG": LOCALE},
    )
    seconds = time.monotonic() - started
    for item in out.values():
        pdf = pdfs / f"{item.path.stem}.pdf"
        if pdf.exists():
            item.pdf = pdf
        item.notes.append(f"LibreOffice ({seconds:.1f} s for {len(printable)} files): {run.stderr}")
    OUT.mkdir(parents=True, exist_ok=True)
    for item in out.values():
        shutil.copy(item.path, OUT / item.path.name)
        if item.pdf:
            shutil.copy(item.pdf, OUT / item.pdf.name)
    (OUT / "conversion.txt").write_text(
        f"{len(printable)} files converted by one LibreOffice run in {seconds:.1f} s\n"
    )
    (OUT / "pages.txt").write_text(page_counts(out))
    return out


def page_counts(out: dict[str, Produced]) -> str:
    """A line per converted file: its name, the pages it printed as and how many of them
    are landscape, to compare a change's page counts with the catalogue's bounds."""
    from pypdf import PdfReader

    lines = []
    for name, item in sorted(out.items()):
        if item.pdf is None:
            continue
        pages = PdfReader(item.pdf).pages
        wide = sum(1 for p in pages if float(p.mediabox.width) > float(p.mediabox.height))
        lines.append(f"{name:40} {len(pages):3} pages ({wide} landscape)")
    return "\n".join(lines) + "\n"
