"""The council's own Word template (Admin → Settings): stored in the database, so back-ups
carry it, and used by every paper ``WordPaper.for_council`` builds.

An upload is checked before python-docx opens it, as uploaded spreadsheets are
(qaweb.core.xlsx_checks): a .docx is a zip of XML parts, and a file of a few kilobytes can
declare parts of gigabytes, thousands of members, or XML with entity declarations. Then the
template must hold every style a paper is written with (``qaweb.core.word.NEEDED_STYLES``);
a template that lacks any is refused naming each one.

Uploading keeps the earlier templates' rows (nothing is hard-deleted); the newest row is the
one in use unless it was removed, when papers go back to the built-in A4 template.
"""

import io
import re
import zipfile
from datetime import datetime
from xml.parsers import expat

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qaweb.core.db import Base, UTCDateTime, utcnow
from qaweb.core.history import Tracked
from qaweb.core.word import TemplateError, open_template
from qaweb.core.xlsx_checks import size_text
from qaweb.extensions import db

#: The largest template accepted, in bytes: a letterhead with a logo is a few hundred KB.
MAX_FILE = 5 * 1024 * 1024
#: Members in the zip: a real .docx has a few dozen.
MAX_MEMBERS = 500
#: One part unpacked (a logo image can be a few MB), and all parts together, in bytes.
MAX_PART = 20 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
#: Unpacked bytes per packed byte over the whole file, once it unpacks past 10 MB.
MAX_RATIO = 100
#: XML elements in any one part python-docx reads into memory.
MAX_ELEMENTS = 200_000

MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
#: A Word template (.dotx): the same parts with another content type, which python-docx
#: will not open, so it is stored as a document.
TEMPLATE_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
MACRO_MAIN = re.compile(r"application/vnd\.ms-word\.(document|template)\.macroEnabled")

NOT_WORD = "The template must be a Word document (.docx or .dotx) saved from Word"
SEEMS_CRAFTED = "The template could not be read. Save it again from Word and upload that file"


class CouncilTemplate(Tracked, Base):
    """One uploaded template. ``content`` is the .docx (read only when a paper is built)."""

    __tablename__ = "council_template"
    __history_skip__ = frozenset({"content"})

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column()  # bytes
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])

    def __str__(self):
        return self.filename


def current() -> CouncilTemplate | None:
    """The template papers are built on now, or None for the built-in A4 template."""
    latest = db.session.scalar(select(CouncilTemplate).order_by(CouncilTemplate.id.desc()).limit(1))
    return None if latest is None or latest.removed_at is not None else latest


def current_content() -> bytes | None:
    """The bytes of the template in use, or None for the built-in one."""
    template = current()
    return template.content if template is not None else None


def _scan_xml(member, name: str) -> None:
    """Stream one XML part through expat: no DOCTYPE or entities, at most MAX_ELEMENTS."""
    parser = expat.ParserCreate()
    count = 0

    def refuse(*args):
        raise TemplateError(SEEMS_CRAFTED)

    def start(tag, attrs):
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise TemplateError(
                f"A part of the template ({name}) has more than {MAX_ELEMENTS:,} entries. "
                "Save a shorter template from Word and upload that"
            )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    try:
        while chunk := member.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise TemplateError(SEEMS_CRAFTED) from None


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name (lower case, no leading slash) -> content type, from [Content_Types].xml."""
    found: dict[str, str] = {}

    def start(tag, attrs):
        if tag.rsplit("}", 1)[-1] == "Override" and "PartName" in attrs:
            found[attrs["PartName"].lstrip("/").lower()] = attrs.get("ContentType", "")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    try:
        parser.Parse(archive.read("[Content_Types].xml"), True)
    except (KeyError, expat.ExpatError):
        raise TemplateError(NOT_WORD) from None
    return found


def check(data: bytes) -> bytes:
    """The uploaded template, checked, as the .docx to store (a .dotx's main part relabelled
    as a document's). Raises TemplateError naming the first problem: too large, not a Word
    document, macro-enabled, crafted (sizes, members, entities), or missing any of the
    styles papers use (``qaweb.core.word.NEEDED_STYLES``, each named)."""
    if len(data) > MAX_FILE:
        raise TemplateError(f"The template must be smaller than {size_text(MAX_FILE)}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TemplateError(NOT_WORD) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise TemplateError(SEEMS_CRAFTED)
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size > MAX_PART:
                raise TemplateError(
                    f"A part of the template unpacks to more than {size_text(MAX_PART)}. "
                    "Use a smaller logo and upload it again"
                )
        if total > MAX_UNPACKED or (total > 10 * 1024 * 1024 and total > MAX_RATIO * len(data)):
            raise TemplateError(SEEMS_CRAFTED)
        types = _content_types(archive)
        main = types.get("word/document.xml", "")
        if MACRO_MAIN.match(main):
            raise TemplateError(
                "The template has macros. Save it from Word as a Word Document (.docx) or "
                "Word Template (.dotx) and upload that"
            )
        if main not in (MAIN, TEMPLATE_MAIN):
            raise TemplateError(NOT_WORD)
        for member in members:
            if member.filename.lower().endswith((".xml", ".rels")):
                with archive.open(member) as source:
                    _scan_xml(source, member.filename)
        if main == TEMPLATE_MAIN:
            data = _as_document(archive)
    open_template(data)  # every style a paper uses, by name
    return data


def _as_document(archive: zipfile.ZipFile) -> bytes:
    """The .dotx's parts as a .docx: only the main part's content type differs."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in archive.infolist():
            body = archive.read(member)
            if member.filename == "[Content_Types].xml":
                body = body.replace(TEMPLATE_MAIN.encode(), MAIN.encode())
            copy.writestr(member.filename, body)
    return out.getvalue()


def save(filename: str, data: bytes, user) -> CouncilTemplate:
    """Check ``data`` (see ``check``) and make it the template papers are built on. Adds and
    flushes; the view commits. Raises TemplateError and adds nothing when refused."""
    data = check(data)
    name = (filename or "template.docx").replace("\\", "/").rsplit("/", 1)[-1][:255]
    template = CouncilTemplate(filename=name, size=len(data), content=data, uploaded_by=user)
    db.session.add(template)
    db.session.flush()
    return template


def remove(user) -> CouncilTemplate | None:
    """Go back to the built-in A4 template: the template in use is marked removed (kept in
    the database). Returns it, or None when none was in use."""
    template = current()
    if template is not None:
        template.removed_at = utcnow()
        template.removed_by = user
        db.session.flush()
        current_app.logger.info("Council Word template %s removed", template.filename)
    return template
