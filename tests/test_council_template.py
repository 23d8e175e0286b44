"""The council's own Word template (Admin → Settings): uploaded, checked, used by every
paper, downloadable and removable (issue 15, "The council's template")."""

import html
import io
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from support import error_summary, sign_in

from qaweb.core import council_template
from qaweb.core.council_template import CouncilTemplate
from qaweb.core.settings import set_setting
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.thematic import services

COUNCIL = "Brackenfield Borough Council"
LETTERHEAD = "Brackenfield Borough Council · Children's Services · Town Hall, Brackenfield"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def template_bytes(drop_styles=(), letterhead=LETTERHEAD) -> bytes:
    """A council template as Word saves one: Georgia 18 pt Heading 1, 2 cm margins, the
    letterhead in the header, and a line of sample text in the body."""
    document = docx.Document()
    heading = document.styles["Heading 1"]
    heading.font.name = "Georgia"
    heading.font.size = Pt(18)
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.header.paragraphs[0].text = letterhead
    document.add_paragraph("Sample text: delete before use")
    for name in drop_styles:
        element = document.styles[name].element
        element.getparent().remove(element)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(data: bytes, change) -> bytes:
    """The .docx ``data`` with ``change(name, body) -> body`` applied to every part."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, change(member.filename, source.read(member)))
    return out.getvalue()


@pytest.fixture
def people(make_user, make_team):
    team = make_team("Impact and Inspection")
    return {
        "admin": make_user("admin", team=team, first_name="Ada", last_name="Mensah"),
        "qa": make_user("qa_officer", team=team, first_name="Quinn", last_name="Adebayo"),
    }


@pytest.fixture
def audit(people):
    set_setting("council_name", COUNCIL)
    audit = services.add_to_plan("Voice of the child", today_london().year, 3, None)
    services.save_terms(audit, {"title": "Voice of the child", "cohort": "Children in need"})
    db.session.commit()
    return audit


def upload(client, data: bytes, filename="Brackenfield paper.docx"):
    return client.post(
        "/admin/settings/template",
        data={"template-file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def paper(client, audit):
    response = client.get(f"/thematic/{audit.id}.docx")
    assert response.status_code == 200 and response.mimetype == DOCX
    return docx.Document(io.BytesIO(response.data))


def test_papers_are_built_on_the_uploaded_template_until_it_is_removed(client, people, audit):
    sign_in(client, people["admin"])
    page = page_text(client.get("/admin/settings"))
    assert "No template uploaded: papers use qaweb's A4 template." in page

    response = upload(client, template_bytes())
    assert response.status_code == 302
    page = page_text(client.get(response.headers["Location"]))
    assert "Papers are now built on “Brackenfield paper.docx”" in page
    assert "Brackenfield paper.docx" in page and "by Ada Mensah" in page
    stored = council_template.current()
    assert stored.uploaded_by == people["admin"] and stored.size == len(template_bytes())

    # The admin gets back the file that is in use.
    download = client.get("/admin/settings/template.docx")
    assert download.status_code == 200 and download.mimetype == DOCX
    assert "Brackenfield paper.docx" in download.headers["Content-Disposition"]
    kept = docx.Document(io.BytesIO(download.data))
    assert kept.sections[0].header.paragraphs[0].text == LETTERHEAD

    # A QA officer's board paper: the council's letterhead, margins and heading style, the
    # sample text gone, and qaweb's page numbers in the (empty) footer.
    client.post("/sign-out")
    sign_in(client, people["qa"])
    document = paper(client, audit)
    section = document.sections[0]
    assert section.header.paragraphs[0].text == LETTERHEAD
    assert round(section.left_margin.cm, 2) == 2.0
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    footer = section.footer.paragraphs[0]._p
    assert [t.text.strip() for t in footer.iter(qn("w:instrText"))] == ["PAGE", "NUMPAGES"]
    heading = document.styles["Heading 1"]
    assert heading.element.rPr.find(qn("w:rFonts")).get(qn("w:ascii")) == "Georgia"
    assert heading.font.size == Pt(18)
    texts = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Thematic audit: Voice of the child") in texts
    assert ("Heading 1", "Terms of reference") in texts
    assert all("Sample text" not in text for _, text in texts)
    assert document.core_properties.author == "Quinn Adebayo"

    # Removed: the built-in A4 template again (its header names the council and paper).
    client.post("/sign-out")
    sign_in(client, people["admin"])
    response = client.post("/admin/settings/template/remove")
    assert response.status_code == 302
    page = page_text(client.get("/admin/settings"))
    assert "“Brackenfield paper.docx” removed" in page
    assert "No template uploaded" in page
    assert client.get("/admin/settings/template.docx").status_code == 404
    client.post("/sign-out")
    sign_in(client, people["qa"])
    header = paper(client, audit).sections[0].header.paragraphs[0].text
    assert header.startswith(f"{COUNCIL} · Thematic audit: Voice of the child")
    heading = paper(client, audit).styles["Heading 1"]
    assert heading.element.rPr.find(qn("w:rFonts")).get(qn("w:ascii")) == "Arial"
    # Nothing is deleted: the removed upload is still on record.
    (row,) = db.session.scalars(db.select(CouncilTemplate)).all()
    assert row.removed_by == people["admin"] and row.removed_at is not None


def test_a_template_missing_heading_styles_is_refused_naming_them(client, people, audit):
    sign_in(client, people["admin"])
    upload(client, template_bytes(letterhead="The template in use"))
    response = upload(client, template_bytes(drop_styles=("Heading 2", "Title")))
    assert response.status_code == 200
    page = page_text(response)
    assert "<title>Error: Settings" in page
    assert error_summary(page) == (
        "There is a problem The template has no style named Title and Heading 2. Use each "
        "one once in Word (the text can be deleted again) and upload it again"
    )
    assert 'id="template-file-error"' in page
    # Nothing saved: the template in use before stays in use.
    assert council_template.current().filename == "Brackenfield paper.docx"
    assert db.session.scalar(db.select(db.func.count(CouncilTemplate.id))) == 1
    client.post("/sign-out")
    sign_in(client, people["qa"])
    header = paper(client, audit).sections[0].header.paragraphs[0].text
    assert header == "The template in use"


def test_a_word_template_dotx_is_accepted_and_kept_as_a_document(client, people, audit):
    main = b"wordprocessingml.document.main+xml"
    dotx = rezip(
        template_bytes(),
        lambda name, body: body.replace(main, b"wordprocessingml.template.main+xml"),
    )
    sign_in(client, people["admin"])
    assert upload(client, dotx, "Letterhead.dotx").status_code == 302
    download = client.get("/admin/settings/template.docx")
    assert "filename=Letterhead.docx" in download.headers["Content-Disposition"]
    client.post("/sign-out")
    sign_in(client, people["qa"])
    assert paper(client, audit).sections[0].header.paragraphs[0].text == LETTERHEAD


def _huge_member() -> bytes:
    """A .docx whose 'image' is 30 MB of zeros that packs to about 30 KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template_bytes())) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for member in source.infolist():
                target.writestr(member.filename, source.read(member))
            target.writestr("word/media/image1.png", b"\0" * (30 * 1024 * 1024))
    return out.getvalue()


def _many_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template_bytes())) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for member in source.infolist():
                target.writestr(member.filename, source.read(member))
            for n in range(600):
                target.writestr(f"parts/part{n}.xml", b"<a/>")
    return out.getvalue()


ENTITIES = (
    b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;">]>'
)


@pytest.mark.parametrize(
    ("make", "filename", "message"),
    [
        (lambda: b"%PDF-1.7 not a Word document", "paper.docx", "must be a Word document"),
        (lambda: template_bytes(), "paper.pdf", "must be a .docx or .dotx file"),
        (_huge_member, "logo.docx", "unpacks to more than 20 MB"),
        (_many_parts, "parts.docx", "could not be read"),
        (
            lambda: rezip(
                template_bytes(),
                lambda name, body: (
                    ENTITIES + body.split(b"?>", 1)[1] if name == "word/styles.xml" else body
                ),
            ),
            "entities.docx",
            "could not be read",
        ),
        (
            lambda: rezip(
                template_bytes(),
                lambda name, body: body.replace(
                    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    b"application/vnd.ms-word.document.macroEnabled",
                ),
            ),
            "macros.docm.docx",
            "has macros",
        ),
        (
            lambda: rezip(
                template_bytes(),
                lambda name, body: b"" if name == "[Content_Types].xml" else body,
            ),
            "broken.docx",
            "must be a Word document",
        ),
    ],
    ids=["not-zip", "not-docx-name", "zip-bomb", "many-parts", "entities", "macros", "broken"],
)
def test_crafted_and_wrong_files_are_refused_with_a_message(
    client, people, make, filename, message
):
    sign_in(client, people["admin"])
    response = upload(client, make(), filename)
    assert response.status_code == 200
    assert message in error_summary(page_text(response))
    assert council_template.current() is None


def test_a_template_over_the_size_limit_is_refused(client, people, monkeypatch):
    # The limit (5 MB) made small, so the test client's request body stays in memory.
    monkeypatch.setattr(council_template, "MAX_FILE", 100 * 1024)
    sign_in(client, people["admin"])
    response = upload(client, b"PK" + b"\0" * 150 * 1024, "big.docx")
    assert "The template must be smaller than 100 KB" in error_summary(page_text(response))
    assert council_template.current() is None


def test_upload_asks_for_a_file(client, people):
    sign_in(client, people["admin"])
    response = client.post("/admin/settings/template", data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Select the council's Word template" in error_summary(page_text(response))


def test_only_administrators_manage_the_template(client, people):
    sign_in(client, people["admin"])
    upload(client, template_bytes())
    client.post("/sign-out")
    sign_in(client, people["qa"])
    assert upload(client, template_bytes(letterhead="Not theirs")).status_code == 403
    assert client.get("/admin/settings/template.docx").status_code == 403
    assert client.post("/admin/settings/template/remove").status_code == 403
    assert council_template.current().filename == "Brackenfield paper.docx"


def test_a_stored_template_that_no_longer_opens_falls_back_to_the_built_in_one(
    client, people, audit, caplog
):
    # As if a later python-docx could not read a template accepted before: papers still go.
    db.session.add(CouncilTemplate(filename="Old.docx", size=7, content=b"garbage"))
    db.session.commit()
    sign_in(client, people["qa"])
    section = paper(client, audit).sections[0]
    assert section.header.paragraphs[0].text.startswith(f"{COUNCIL} · Thematic audit")
    assert round(section.left_margin.cm, 2) == 2.54
    assert "Council Word template not used" in caplog.text
