"""Loading, publishing, versioning, exporting and comparing tools."""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select

from qaweb.core import grading
from qaweb.core.db import utcnow
from qaweb.core.text import counted
from qaweb.extensions import db
from qaweb.tools.models import DRAFT, PUBLISHED, Tool, ToolVersion
from qaweb.tools.schema import Problem, ToolFileError, parse

STARTER = Path(__file__).resolve().parent / "starter"


class ToolRefused(Exception):
    """A valid file that cannot be loaded as it stands (a published version would change)."""


def checksum(definition: dict) -> str:
    """A fingerprint of what the file says (not of the scale it was loaded under)."""
    content = {k: v for k, v in definition.items() if k != "scale"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_text(text: str) -> dict:
    """The definition in ``text``, checked against the schema and the council's scale."""
    return parse(text, grading.labels())


def load_text(text: str, *, publish: bool = False, by=None) -> tuple[ToolVersion, str]:
    """Load one tool file. Returns the version and "created", "updated" or "unchanged"."""
    definition = check_text(text)
    digest = checksum(definition)
    # The scale's labels as they were, best first: per-grade guidance stays attached to its
    # level by position if the council renames a level later.
    definition["scale"] = grading.labels()
    tool = db.session.scalar(select(Tool).where(Tool.key == definition["tool"]))
    if tool is None:
        tool = Tool(key=definition["tool"], kind=definition["kind"], name=definition["name"])
        db.session.add(tool)
        db.session.flush()
    elif tool.kind != definition["kind"]:
        raise ToolRefused(
            f"The tool '{tool.key}' is a {tool.kind_label.lower()} tool, not {definition['kind']}"
        )
    version = next((v for v in tool.versions if v.number == definition["version"]), None)
    outcome = "unchanged"
    if version is None:
        version = ToolVersion(
            tool=tool,
            number=definition["version"],
            status=DRAFT,
            definition=definition,
            source_yaml=text,
            checksum=digest,
        )
        db.session.add(version)
        outcome = "created"
    elif version.checksum != digest:
        if version.is_published:
            raise ToolRefused(
                f"Version {version.number} of {tool.name} is published and cannot change. "
                f"Give the changed file version {tool.latest.number + 1}."
            )
        version.definition = definition
        version.source_yaml = text
        version.checksum = digest
        outcome = "updated"
    if version is tool.latest:
        tool.name = definition["name"]
    tool.council = definition.get("council") or tool.council or ""
    if publish and not version.is_published:
        publish_version(version, by)
        outcome = "created" if outcome == "created" else "published"
    db.session.flush()
    return version, outcome


def load_files(paths, *, publish: bool = False, by=None) -> list[tuple[str, ToolVersion, str]]:
    """Check every file first; load them all only if every one is good."""
    texts = {}
    problems: dict[str, list[Problem]] = {}
    for path in paths:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            check_text(text)
            texts[str(path)] = text
        except ToolFileError as error:
            problems[str(path)] = error.problems
        except (OSError, UnicodeDecodeError) as error:
            problems[str(path)] = [Problem(1, f"cannot be read ({error})")]
    if problems:
        raise FilesRefused(problems)
    results = []
    for name, text in texts.items():
        version, outcome = load_text(text, publish=publish, by=by)
        results.append((name, version, outcome))
    return results


class FilesRefused(Exception):
    """Tool files that cannot be loaded: ``problems`` as {file name: [Problem]}."""

    def __init__(self, problems: dict[str, list[Problem]]):
        self.problems = problems
        super().__init__(
            f"{counted(len(problems), 'file')} {'has' if len(problems) == 1 else 'have'} problems"
        )


def publish_version(version: ToolVersion, by=None) -> None:
    """Publish a draft version (now, UTC, by ``by``): new responses start on it. Raises ToolRefused
    for a version already published."""
    if version.is_published:
        raise ToolRefused(f"Version {version.number} is already published.")
    version.status = PUBLISHED
    version.published_at = utcnow()
    version.published_by_id = by.id if by else None


def new_version(tool: Tool) -> ToolVersion:
    """A draft that starts as a copy of the latest version."""
    latest = tool.latest
    if latest is None:
        raise ToolRefused("This tool has no version to copy.")
    if not latest.is_published:
        raise ToolRefused(f"Version {latest.number} is still a draft: change that one instead.")
    definition = json.loads(json.dumps(latest.definition))
    definition["version"] = latest.number + 1
    version = ToolVersion(
        tool=tool,
        number=latest.number + 1,
        status=DRAFT,
        definition=definition,
        source_yaml=to_yaml(definition),
        checksum=checksum(definition),
    )
    db.session.add(version)
    db.session.flush()
    return version


def to_yaml(definition: dict) -> str:
    """The definition written back as a tool file, leaving out empty and default entries.

    Per-grade guidance is written under the scale's current labels."""
    definition = dict(definition)
    snapshot = definition.pop("scale", None)
    if snapshot:
        current = grading.labels()
        renamed = dict(zip(snapshot, current, strict=False))
        definition["sections"] = [
            {
                **s,
                "guidance": {renamed.get(k, k): v for k, v in s["guidance"].items()}
                if isinstance(s.get("guidance"), dict)
                else s.get("guidance"),
            }
            for s in definition["sections"]
        ]

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if v not in (None, False, [], "")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return yaml.safe_dump(clean(definition), sort_keys=False, allow_unicode=True, width=90)


@dataclass(frozen=True)
class Change:
    """One section or question in both definitions: its ``old`` and ``new`` definition
    (dicts as the tool file has them) and the ``fields`` that differ."""

    old: dict
    new: dict
    fields: list[str]


@dataclass(frozen=True)
class Comparison:
    """What changed between two versions of a tool (``compare``): sections and questions
    added, removed and changed (definition dicts, or Change for a changed one; questions
    in the new version's order) and whether the overall grade was turned on or off."""

    sections_added: list[dict]
    sections_removed: list[dict]
    sections_changed: list[Change]
    questions_added: list[dict]
    questions_removed: list[dict]
    questions_changed: list[Change]
    overall_changed: bool


def compare(old: dict, new: dict) -> Comparison:
    """What changed between two definitions (``ToolVersion.definition`` dicts): sections
    and questions added, removed, changed."""

    def questions(definition):
        return {
            q["key"]: {**q, "section": s["key"]}
            for s in definition.get("sections", [])
            for q in s["questions"]
        }

    old_sections = {s["key"]: s for s in old.get("sections", [])}
    new_sections = {s["key"]: s for s in new.get("sections", [])}
    old_q, new_q = questions(old), questions(new)
    changed_questions = []
    for key in old_q.keys() & new_q.keys():
        fields = [
            f
            for f in ("label", "kind", "hint", "required", "options", "section")
            if old_q[key].get(f) != new_q[key].get(f)
        ]
        if fields:
            changed_questions.append(Change(old_q[key], new_q[key], fields))
    changed_sections = []
    for key in old_sections.keys() & new_sections.keys():
        fields = [
            f
            for f in ("title", "guidance", "grade")
            if old_sections[key].get(f) != new_sections[key].get(f)
        ]
        if fields:
            changed_sections.append(Change(old_sections[key], new_sections[key], fields))
    order = [q["key"] for s in new.get("sections", []) for q in s["questions"]]
    return Comparison(
        sections_added=[new_sections[k] for k in new_sections if k not in old_sections],
        sections_removed=[old_sections[k] for k in old_sections if k not in new_sections],
        sections_changed=changed_sections,
        questions_added=[new_q[k] for k in order if k not in old_q],
        questions_removed=[old_q[k] for k in old_q if k not in new_q],
        questions_changed=sorted(
            changed_questions,
            key=lambda c: order.index(c.new["key"]) if c.new["key"] in order else 0,
        ),
        overall_changed=old.get("overall_grade") != new.get("overall_grade"),
    )


def tools() -> list[Tool]:
    """Every tool, by kind and name."""
    return list(db.session.scalars(select(Tool).order_by(Tool.kind, Tool.name)))


def starter_files(council: str) -> list[Path]:
    """The starter tool files (YAML) bundled for ``council`` (a folder name under ``STARTER``)."""
    return sorted((STARTER / council).glob("*.yaml"))


# -- for the modules that use tools -------------------------------------------------------------


def _published_on(version: ToolVersion):
    return (version.published_at or version.created_at, version.number)


def published_versions(kind: str) -> list[ToolVersion]:
    """The current published version of each tool of ``kind`` (a ``models.KINDS`` key), the
    one published most recently first: the choices a module offers when a person picks the
    tool, led by ``current_version``'s choice."""
    return sorted(
        (
            tool.current
            for tool in db.session.scalars(select(Tool).where(Tool.kind == kind))
            if tool.current is not None
        ),
        key=_published_on,
        reverse=True,
    )


def current_version(kind: str, key: str = "") -> ToolVersion | None:
    """The tool version new records of ``kind`` are made with (the one rule for it).

    When ``key`` names a tool of that kind (a council's setting, as several councils' tools
    may be loaded), that tool's newest published version; otherwise the current version of
    the tool of that kind published most recently (the tool the council last put into use).
    None when no tool of that kind has a published version (the caller says so in its own
    words). Never chosen by id or name order."""
    versions = published_versions(kind)
    if key:
        chosen = [v for v in versions if v.tool.key == key]
        if chosen:
            return chosen[0]
    return next(iter(versions), None)


def start_response(version: ToolVersion, subject_type: str, subject_id: int | None, by):
    """A new, empty form (``Response``) on ``version`` for the record ``subject_type`` /
    ``subject_id`` (the id may be set later, once the record has one), started by ``by``
    (a User). Added and flushed, so it has an id; the caller commits."""
    from qaweb.tools.models import Response

    response = Response(
        tool_version=version,
        subject_type=subject_type,
        subject_id=subject_id,
        created_by_id=by.id,
    )
    db.session.add(response)
    db.session.flush()
    return response
