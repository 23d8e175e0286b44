"""Change history for every record, written automatically when the session flushes.

A model opts in by inheriting ``Tracked``. Every insert is logged as "created" with its
values, every update as "updated" (or "status changed" when the status moved) with the
fields that changed, old and new. Nobody writes history by hand, so nobody forgets.
"""

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import sqlalchemy as sa
from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from qaweb.core.db import Base, UTCDateTime, utcnow

HIDDEN = "(hidden)"
SKIP_FIELDS = {"version", "created_at", "updated_at"}


class ChangeLog(Base):
    """One entry of the change log: who (``changed_by_name`` kept when the person is deleted)
    created, changed or deleted which record, when (UTC), and ``changes`` as {field: [before,
    after]}."""

    __tablename__ = "change_log"
    __table_args__ = (sa.Index("ix_change_log_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(sa.String(64))
    record_id: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(32))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_by_name: Mapped[str] = mapped_column(sa.String(200), default="System")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class Tracked:
    """Mixin: log every create and change of this record to the change log."""

    #: Fields whose values are never written to the log (only that they changed).
    __history_hidden__: frozenset[str] = frozenset()
    #: Fields not worth logging at all.
    __history_skip__: frozenset[str] = frozenset()


class StaleEditError(Exception):
    """The record changed since the form was loaded."""

    def __init__(self, record, last_change: ChangeLog | None):
        self.record = record
        self.last_change = last_change
        super().__init__(stale_message(last_change))


def stale_message(last_change: ChangeLog | None) -> str:
    """What a person is told when their save was refused because someone else saved first.

    Their own typed values stay in the form (see ``save_versioned``), so it says so honestly.
    """
    from qaweb.core.timefmt import format_datetime

    still = "Your changes have not been saved yet. Check what they changed, then save again."
    if last_change is None:
        return f"Someone else changed this record while you were editing it. {still}"
    if last_change.changed_by_id is not None and last_change.changed_by_id == _actor()[0]:
        # The same person in another tab or window: "you", not their own name.
        return (
            f"You changed this record in another tab or window at "
            f"{format_datetime(last_change.changed_at)}. Your changes here have not been "
            "saved yet. Check what changed, then save again."
        )
    return (
        f"{last_change.changed_by_name} changed this record at "
        f"{format_datetime(last_change.changed_at)} while you were editing it. {still}"
    )


def last_change(db_session, record) -> ChangeLog | None:
    """The newest change-log entry of ``record`` (a Tracked model instance), or None."""
    return db_session.scalar(
        select(ChangeLog)
        .where(
            ChangeLog.record_type == record.__tablename__,
            ChangeLog.record_id == record.id,
        )
        .order_by(ChangeLog.id.desc())
        .limit(1)
    )


def check_version(db_session, record, submitted_version) -> None:
    """Refuse a save made from a copy older than the stored record."""
    try:
        submitted = int(submitted_version)
    except (TypeError, ValueError):
        submitted = -1
    if submitted != record.version:
        raise StaleEditError(record, last_change(db_session, record))


def history_for(db_session, record, known=()) -> list[ChangeLog]:
    """The record's change log, newest first, each entry with ``display``: the changes with
    ids of people, teams and so on shown as their names. ``known``: records the page has
    already read (a week's own tool versions, say); they are named from these rather than
    read again."""
    entries = list(
        db_session.scalars(
            select(ChangeLog)
            .where(
                ChangeLog.record_type == record.__tablename__,
                ChangeLog.record_id == record.id,
            )
            .order_by(ChangeLog.id.desc())
        )
    )
    _add_display(db_session, record, entries, known)
    return entries


def _referenced(table) -> dict:
    """{field: mapped class of the table it points at} for ``table``'s foreign keys."""
    referenced = {}
    for column in table.columns:
        for fk in column.foreign_keys:
            for mapper in Base.registry.mappers:
                if mapper.local_table is fk.column.table:
                    referenced[column.key] = mapper.class_
    return referenced


def _add_display(db_session, record, entries, known=()) -> None:
    table = record.__table__
    referenced = _referenced(table)
    names = {(type(obj), obj.id): str(obj) for obj in known if obj is not None}
    wanted: dict = {}
    for entry in entries:
        for field, values in entry.changes.items():
            if field in referenced:
                wanted.setdefault(referenced[field], set()).update(
                    v for v in values if isinstance(v, int) and (referenced[field], v) not in names
                )
    for model, ids in wanted.items():  # one query per kind of record, not per value
        if ids:
            for obj in db_session.scalars(select(model).where(model.id.in_(ids))):
                names[(model, obj.id)] = str(obj)
    from qaweb.core.labels import choices_for, label

    for entry in entries:
        display = {}
        for field, (old, new) in entry.changes.items():
            if entry.action == "created" and new in (None, "", []):
                continue
            # A column's name made readable; a label a model logged itself (``_history_extra``:
            # a setting's name, a question) is kept as written ("Stage 2", not "stage 2").
            heading = (
                field if " " in field else field.removesuffix("_id").replace("_", " ").capitalize()
            )
            model = referenced.get(field)
            if model is not None:
                old = names.get((model, old), old)
                new = names.get((model, new), new)
            elif choices_for(f"{table.name}.{field}") is not None:
                # A stored code: shown by its label (qaweb.core.labels), never as the code.
                name = f"{table.name}.{field}"
                old = label(old, name, default=None) if isinstance(old, str | int) else old
                new = label(new, name, default=None) if isinstance(new, str | int) else new
            if shown := getattr(record, "history_value", None):  # the model's own reading
                old, new = shown(field, old), shown(field, new)
            display[heading] = [_shown(old, field), _shown(new, field)]
        entry.display = display


def _shown(value, field: str = "") -> str:
    """A logged value as people read it: names, Yes and No, dates the GOV.UK way."""
    from qaweb.core.timefmt import format_date, format_datetime

    if value is None or value == "" or value == []:
        return "(blank)"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        from qaweb.core.labels import label

        return ", ".join(label(v, field or "roles") for v in value)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            if len(value) == 10 and (field == "month" or field.endswith("_month")):
                # A month stored as its first day (case-file audit months): "December 2026".
                day = date.fromisoformat(value)
                return f"{day:%B} {day.year}"
            if len(value) == 10:
                return format_date(date.fromisoformat(value))
            return format_datetime(datetime.fromisoformat(value))
        except ValueError:
            pass
    return str(value)


def _plain(value):
    """A JSON-safe, human-readable form of a column value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return str(value)


def literal_data(value):
    """A value as logged, with a document the log holds as its Python text (``_plain`` writes
    a dict in a JSON column's list so: "{'kind': 'every', ...}") read back as data
    (``ast.literal_eval``: literals only, never code); anything else, or text that is no
    such literal, as it is."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        import ast

        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


def _actor():
    if has_request_context() and g.get("history_as_system"):
        return None, "System"
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.name
    return None, "System"


@contextmanager
def as_system():
    """Changes made inside are logged as made by the system, not the person whose action set
    them off (a supervisee's reply moving an audit on must not name them)."""
    from qaweb.extensions import db

    previous = g.get("history_as_system", False) if has_request_context() else False
    if has_request_context():
        g.history_as_system = True
    try:
        yield
        db.session.flush()
    finally:
        if has_request_context():
            g.history_as_system = previous


def _column_attrs(obj):
    mapper = inspect(obj).mapper
    skip = SKIP_FIELDS | set(obj.__history_skip__)
    return [a for a in mapper.column_attrs if a.key not in skip and a.key != "id"]


def _created_changes(obj) -> dict:
    changes = {}
    for attr in _column_attrs(obj):
        value = getattr(obj, attr.key)
        if value is None:
            continue
        hidden = attr.key in obj.__history_hidden__
        changes[attr.key] = [None, HIDDEN if hidden else _plain(value)]
    return changes


def _updated_changes(obj) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in _column_attrs(obj):
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        if attr.key in obj.__history_hidden__:
            changes[attr.key] = [HIDDEN, HIDDEN]
        else:
            changes[attr.key] = [_plain(old), _plain(new)]
    return changes


@event.listens_for(Session, "after_flush")
def _log_changes(session, flush_context):
    rows = []
    actor_id, actor_name = _actor()
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Tracked):
            changes = _created_changes(obj)
            changes.update(obj.__dict__.pop("_history_extra", None) or {})
            rows.append((obj, "created", changes))
    for obj in session.dirty:
        if isinstance(obj, Tracked):
            changes = _updated_changes(obj)
            # Changes to related rows (a user's roles, say) that the model describes itself.
            changes.update(obj.__dict__.pop("_history_extra", None) or {})
            if changes:
                action = "status changed" if "status" in changes else "updated"
                rows.append((obj, action, changes))
    if not rows:
        return
    session.connection().execute(
        insert(ChangeLog),
        [
            {
                "record_type": obj.__tablename__,
                "record_id": obj.id,
                "action": action,
                "changed_by_id": actor_id,
                "changed_by_name": actor_name,
                "changed_at": now,
                "changes": changes,
            }
            for obj, action, changes in rows
        ],
    )


class Refusal(str):
    """Why a save was refused; ``stale`` when someone else changed the record meanwhile."""

    stale = False


class StaleRefusal(Refusal):
    """A save refused because the record moved on. ``saved_by``, ``saved_at`` and ``saved``
    (field label -> value as people read it) say what the other person saved since the
    version this person's form was loaded with. ``entries`` are those change-log entries
    (newest first); ``taken`` the labels of the fields whose value the form now holds from
    the other person (``take_theirs``: fields this person had left as they found them)."""

    stale = True
    saved_by: str | None = None
    saved_at: datetime | None = None
    saved: dict[str, str] = {}
    entries: list = []
    taken: list[str] = []


def stale_refusal(db_session, record, submitted_version) -> StaleRefusal:
    """A StaleRefusal for ``record``, with what was saved since ``submitted_version``."""
    entries = changes_since(db_session, record, submitted_version)
    refusal = StaleRefusal(stale_message(entries[0] if entries else None))
    refusal.entries = entries
    if entries:
        refusal.saved_by = ", ".join(dict.fromkeys(e.changed_by_name for e in entries))
        refusal.saved_at = entries[0].changed_at
        saved = {}
        for entry in reversed(entries):  # oldest first, so the latest value of a field wins
            for label, (_old, new) in entry.display.items():
                saved.pop(label, None)
                saved[label] = new
        refusal.saved = saved
    return refusal


def changes_since(db_session, record, submitted_version) -> list[ChangeLog]:
    """The change-log entries (newest first, with ``display``) made after the version a form
    was loaded with: one entry per saved change, so ``record.version - submitted``
    entries; the last one when the submitted version is missing or unreadable. A blank
    version ("") is a form loaded before the record existed (a settings page never saved,
    a month not yet drawn): then every entry counts, the one that made the record too."""
    made_since = submitted_version == ""
    try:
        count = record.version - int(submitted_version)
    except (TypeError, ValueError):
        count = record.version if made_since else 1
    count = min(max(count, 1), 50)
    entries = list(
        db_session.scalars(
            select(ChangeLog)
            .where(
                ChangeLog.record_type == record.__tablename__,
                ChangeLog.record_id == record.id,
                *(() if made_since else (ChangeLog.action != "created",)),
            )
            .order_by(ChangeLog.id.desc())
            .limit(count)
        )
    )
    _add_display(db_session, record, entries)
    return entries


def guarded_save(db_session, record, submitted_version, apply, expected=(), duplicate=None):
    """Apply a change and commit, unless the record moved on since the form was loaded.

    Returns None when saved, otherwise a Refusal (the message to show); nothing is
    half-saved. A new record (no id yet) has no version to compare. Errors of the
    ``expected`` types (a rule the change broke) are shown with their own message. A
    stale refusal (``StaleRefusal``) carries what the other person saved. With
    ``duplicate`` (a message), a unique value someone else saved a moment earlier (their
    commit came between this save's check and its own) is refused with that message.
    """
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from qaweb.core.db import is_unique_violation

    try:
        if record.id is not None:
            check_version(db_session, record, submitted_version)
        apply()
        db_session.commit()
        return None
    except (StaleEditError, StaleDataError):
        db_session.rollback()
        db_session.refresh(record)
        return stale_refusal(db_session, record, submitted_version)
    except expected as error:
        db_session.rollback()
        return Refusal(str(error))
    except IntegrityError as error:
        db_session.rollback()
        if duplicate is None or not is_unique_violation(error):
            raise
        return Refusal(duplicate)


def save_versioned(db_session, record, form, apply, expected=(), current=None, duplicate=None):
    """Save a versioned edit made in ``form``: the one way views save a versioned record.

    As ``guarded_save``, reading the version the form was loaded with from the post. When
    someone else saved first, the form keeps everything this person typed and now carries
    the current version, so pressing Save again (after checking what the other person
    changed, shown from the refusal by ``_macros.html``'s ``errors``) saves. Returns None
    when saved, else the Refusal. ``current`` (no arguments, returns the form loaded from
    the stored record) is for records whose change log leaves fields out: what differs is
    shown instead.
    """
    refusal = guarded_save(
        db_session, record, posted_version(form), apply, expected, duplicate=duplicate
    )
    if refusal is not None and refusal.stale:
        form.version.data = str(record.version)
        refusal.taken = take_theirs(form, record, refusal.entries)
        if current is not None:
            refusal.saved = {**refusal.saved, **form_differences(form, current())}
    return refusal


def create_or_save_versioned(db_session, record, form, apply, expected=()):
    """For a page that makes its record the first time and changes it after (a month's
    sample, say): with no ``record`` yet, run ``apply`` and commit, an ``expected`` error
    rolled back (nothing half-saved) and returned as its message (str); with one, as
    ``save_versioned`` (a stale copy refused, the Refusal returned). None when saved."""
    if record is not None:
        return save_versioned(db_session, record, form, apply, expected)
    try:
        apply()
        db_session.commit()
    except expected as error:
        db_session.rollback()
        return str(error)
    return None


def logged_changes(entries) -> dict[str, tuple]:
    """{field: (value before the first of ``entries``, value after the last)} over change-log
    ``entries`` (newest first, as ``changes_since`` gives them): what a colleague's saves
    changed, from what this person's copy showed to what is stored now."""
    spans: dict[str, tuple] = {}
    for entry in reversed(entries):  # oldest first
        for field, (old, new) in (entry.changes or {}).items():
            spans[field] = (spans[field][0] if field in spans else old, new)
    return spans


def left_as_found(mine, before, after) -> bool:
    """Whether a field this person posted as ``mine`` was left as their copy showed it
    (``before``, a logged value) while a colleague changed it to ``after``: then the
    colleague's value belongs in the form. A field both changed is not (it keeps this
    person's answer, shown beside theirs), nor one both set alike."""
    mine = _comparable(_plain(mine))
    return mine == _comparable(before) and mine != _comparable(after)


def set_field(field, value) -> bool:
    """Put ``value`` (as stored: a date, an id, text) in ``field`` as if the page had been
    loaded with it, replacing what was posted; False (the field left as it was) when the
    field cannot take it."""
    raw_data = getattr(field, "raw_data", None)
    try:
        field.process(None, value)
    except (TypeError, ValueError):
        field.raw_data = raw_data
        return False
    field.raw_data = None  # the widgets show the data, not what was posted
    return True


def take_theirs(form, record, entries) -> list[str]:
    """After a stale refusal, a three-way merge into ``form``: each field named as a column a
    colleague changed in ``entries`` (their change-log entries since this person's copy),
    which this person left as they found it (``left_as_found``), now holds the colleague's
    value, read from the stored ``record``; a field both changed keeps this person's answer.
    So saving again keeps the colleague's change rather than quietly undoing it. Returns
    the labels of the fields taken, for the refusal to say so."""
    taken = []
    for name, (before, after) in logged_changes(entries).items():
        field = form._fields.get(name)
        if field is None or name in ("version", "csrf_token") or HIDDEN in (before, after):
            continue
        if left_as_found(field.data, before, after) and set_field(field, getattr(record, name)):
            taken.append(str(field.label.text))
    return taken


def form_differences(typed, stored) -> dict[str, str]:
    """Field label -> stored value, for each field where the stored record (``stored``, a
    form loaded from it) differs from what was typed (``typed``): what someone else saved,
    for records whose change log leaves the field out (a JSON document, say)."""
    from qaweb.core.timefmt import format_date

    differences = {}
    for field in stored:
        if field.name in ("version", "csrf_token") or field.type in ("SubmitField",):
            continue
        mine = typed[field.name].data if field.name in typed else None
        theirs = field.data
        if _comparable(mine) == _comparable(theirs):
            continue
        labels = (
            {str(value): label for value, label, *_ in field.iter_choices()}
            if hasattr(field, "iter_choices")
            else {}
        )
        if isinstance(theirs, list):
            shown = ", ".join(labels.get(str(v), str(v)) for v in theirs if v not in ("", None))
        elif isinstance(theirs, date):
            shown = format_date(theirs)
        else:
            shown = labels.get(str(theirs), theirs) if labels else theirs
        differences[field.label.text] = _shown(shown)
    return differences


def _comparable(value):
    if isinstance(value, list):
        return [_comparable(v) for v in value if v not in ("", None)]
    if value in ("", None):
        return None
    return str(value).replace("\r\n", "\n").strip()


def posted_version(form):
    """The version the form was loaded with, as posted; None when the post left it out.

    Read from the raw post, never from the record, so a post without it counts as stale.
    """
    raw = getattr(form.version, "raw_data", None) or [None]
    return raw[0]
