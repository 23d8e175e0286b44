"""Council-editable settings stored in the database (the same on every host)."""

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, Versioned
from qaweb.core.history import Tracked
from qaweb.extensions import db

DEFAULTS: dict[str, str] = {
    "council_name": "Children's Services",
    "supervision_year_start_month": "4",
    "supervisee_feedback_threshold": "3",
    # Complaints: the council's own targets in working days ("" for none), shown beside the
    # statutory deadline (qaweb.complaints.services.internal_target).
    "complaint_stage1_target_days": "",
    "complaint_stage2_target_days": "",
    "complaint_reminder_days": "3",
    "action_reminder_days": "3",
    # Case-file audits (Wokingham's values: QA framework §2; Halton's are in the README).
    "case_audit_per_team": "2",
    "case_audit_allocation_day": "1",
    "case_audit_time_to_complete": "1",
    "case_audit_completion_unit": "months",
    "case_audit_days_to_moderate": "10",
    "case_audit_days_for_actions": "20",
    "case_audit_auditor_roles": "team_manager;service_manager",
    "case_audit_exclude_own_team": "yes",
    "case_audit_exclusion_months": "12",
    "case_audit_reaudit_months": "1",
    "case_audit_dip_sample_months": "3",
    "case_audit_tool": "",
    # Moderation of case-file audits (Wokingham §2: 20-30% of each month's completed audits).
    "moderation_share": "25",
    "moderation_target_min": "20",
    "moderation_target_max": "30",
    # Moderation due within 10 working days of the audit's completion (Halton, 004);
    # Wokingham §2 says 2 weeks (14 calendar days).
    "case_audit_moderation_unit": "working_days",
}

LABELS: dict[str, tuple[str, str]] = {
    "council_name": (
        "Council name",
        "Shown in the header of every page, for example Wokingham Borough Council",
    ),
    "supervision_year_start_month": (
        "Supervision-audit year starts in",
        "Usually April, so the year runs April to March",
    ),
    "supervisee_feedback_threshold": (
        "Supervisee replies needed before a supervisor sees the combined feedback",
        "So that nobody's answers can be picked out",
    ),
    "complaint_stage1_target_days": (
        "Council's target for a Stage 1 response (working days)",
        "Counted with council closure days; shown beside the statutory 10 working days",
    ),
    "complaint_stage2_target_days": (
        "Council's target for a Stage 2 response (working days)",
        "Counted with council closure days; shown beside the statutory 25 working days",
    ),
    "complaint_reminder_days": (
        "Complaint reminder (working days before a stage is due)",
        "The handler and the complaints officers are emailed once",
    ),
    "action_reminder_days": (
        "Action reminder (days before an action is due)",
        "The action's owner is emailed once",
    ),
    "case_audit_per_team": (
        "Cases sampled per team each month",
        "Chosen at random, after any rules such as every case of a type",
    ),
    "case_audit_allocation_day": (
        "Day of the month audits are allocated",
        "Wokingham allocates on the 1st, Halton on the 7th",
    ),
    "case_audit_time_to_complete": (
        "Time to complete an audit",
        "A number, counted in the unit below",
    ),
    "case_audit_completion_unit": (
        "Counted in",
        "Calendar months, calendar days or working days",
    ),
    "case_audit_days_to_moderate": (
        "Days to moderate a completed audit",
        "Counted from the audit's completion, in the unit below",
    ),
    "case_audit_days_for_actions": (
        "Working days to complete an audit's actions",
        "The due date each new action from an audit starts with",
    ),
    "case_audit_auditor_roles": (
        "Roles in the auditor pool",
        "Separated by semicolons, for example team_manager;service_manager",
    ),
    "case_audit_exclude_own_team": (
        "Auditors never audit their own team's cases",
        "Yes or No",
    ),
    "case_audit_exclusion_months": (
        "Months before a case can be sampled again",
        "Cases audited in this many months are left out of the sample",
    ),
    "case_audit_reaudit_months": (
        "Months after an Inadequate audit to re-audit the case",
        "Halton re-audits one month after",
    ),
    "case_audit_dip_sample_months": (
        "Months after an Inadequate audit to dip sample the case",
        "Halton dip samples three months after",
    ),
    "case_audit_tool": (
        "Case-file audit tool",
        "Empty: the case-file audit tool published most recently",
    ),
    "moderation_share": (
        "Share of each month's completed audits moderated (per cent)",
        "Drawn at random after the rules, such as every Inadequate audit",
    ),
    "moderation_target_min": (
        "Lowest share of audits the council aims to moderate (per cent)",
        "Wokingham moderates 20-30% of each month's completed audits",
    ),
    "moderation_target_max": (
        "Highest share of audits the council aims to moderate (per cent)",
        "Wokingham moderates 20-30% of each month's completed audits",
    ),
    "case_audit_moderation_unit": (
        "Days to moderate counted in",
        "Calendar days or working days (Halton: 10 working days; Wokingham: 14 calendar days)",
    ),
}
#: The name of each setting as people read it (history, pages): never its key.
NAMES: dict[str, str] = {key: label for key, (label, _) in LABELS.items()}
_KEYS_BY_NAME = {label: key for key, label in NAMES.items()}


def shown_value(key: str, value: str) -> str:
    """Setting ``key``'s stored text as a person reads it (in a colleague's change shown on a
    stale refusal, and in the history): a month's number by its name ("4" is "April"), roles
    by their names ("team_manager;service_manager" is "Team manager, Service manager"), "yes"
    and "no" as "Yes" and "No", a unit's code in words ("working_days" is "working days").
    Any other text, and text that is none of these, is returned as stored."""
    import calendar

    from qaweb.core.permissions import ROLES

    text = value.strip()
    if key.endswith("_month") and text.isdigit() and 1 <= int(text) <= 12:
        return calendar.month_name[int(text)]
    if key.endswith("_roles") and text:
        return ", ".join(ROLES.get(role.strip(), role.strip()) for role in text.split(";"))
    if text in ("yes", "no"):
        return text.capitalize()
    if key.endswith("_unit"):
        return text.replace("_", " ")
    return value


class Setting(Tracked, Versioned, Base):
    """One council setting (``key`` one of ``NAMES``), stored as text and tracked in the history."""

    __tablename__ = "setting"
    __history_values__ = {"key": NAMES}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")

    def history_value(self, field: str, value):
        """A logged value of this row (``field`` "value") or of a setting logged on it by
        name (``touch``) as people read it (``shown_value``); others as logged."""
        key = self.key if field == "value" else _KEYS_BY_NAME.get(field)
        return shown_value(key, value) if key and isinstance(value, str) else value


def _cache() -> dict[str, str]:
    """Settings read in this request (or app context): each is read from the database once,
    however many rows a page formats with it."""
    if not has_app_context():
        return {}
    return g.setdefault("_qaweb_settings", {})


def get_setting(key: str) -> str:
    """The value of setting ``key`` as text: the stored one, else its default (``DEFAULTS``), else
    "". Read once per request."""
    cache = _cache()
    if key not in cache:
        value = db.session.scalar(select(Setting.value).where(Setting.key == key))
        cache[key] = DEFAULTS.get(key, "") if value is None else value
    return cache[key]


def remember(key: str, stored: str | None) -> None:
    """Take ``stored`` (the value of setting ``key`` as another statement of this request
    read it, None when no row holds it) as the request's read of that setting, so
    ``get_setting`` asks the database no more: the sign-in lookup reads the council's name,
    which every page's header shows, in the statement it makes anyway. A save of the
    setting later in the request (``set_setting``) drops it, as it drops any read."""
    _cache()[key] = DEFAULTS.get(key, "") if stored is None else stored


def set_setting(key: str, value: str) -> Setting:
    """Store ``value`` for setting ``key`` (adding the row the first time) and flush; returns the
    Setting. The request's cached value is dropped."""
    setting = db.session.scalar(select(Setting).where(Setting.key == key))
    if setting is None:
        setting = Setting(key=key, value=value)
        db.session.add(setting)
    else:
        setting.value = value
    db.session.flush()
    _cache().pop(key, None)  # read again: the save may yet be refused and rolled back
    return setting


def touch(setting: Setting, keys) -> None:
    """Before a settings page's values are stored: when any of the page's other settings is
    about to change, move on the version of ``setting`` (the row whose version the page
    carries) and log those changes on that row. ``keys``: setting key -> the value about to
    be stored.

    Without this a save that changed only other settings left that row's version as it was,
    and a colleague's copy of the page loaded before it then saved over those changes with
    "saved" said to both. Raises nothing itself; a colleague's save in between makes the
    UPDATE fail as stale (SQLAlchemy's version check)."""
    changes = {}
    for key, new in keys.items():
        if key == setting.key:
            continue  # its own change is logged as the row's
        old = get_setting(key)
        if str(new).strip() != old:
            changes[NAMES.get(key, key)] = [old, str(new).strip()]
    if changes:  # (a change of the row's own value moves its version on anyway)
        if setting.id is not None:  # a row made by this save starts at version 1
            setting.version = setting.version + 1  # SKIP_FIELDS: not logged as a change itself
        setting.__dict__["_history_extra"] = changes


def _anchor(key: str) -> Setting | None:
    """The row of setting ``key`` (the one that carries a settings page's version), or None
    before the page's first save."""
    return db.session.scalar(select(Setting).where(Setting.key == key))


def save_page(form, anchor_key: str, posted: dict[str, str], fields: dict[str, str] | None = None):
    """Store a settings page's values and commit: the one way a settings page saves.

    ``form`` carries the version the page was loaded with (a ``VersionedForm``; blank when
    the page had never been saved); ``anchor_key`` is the setting whose row carries the
    page's version; ``posted`` is setting key -> value to store (stripped here). Returns None
    when saved, else the ``core.history.StaleRefusal`` (nothing saved): a colleague saved
    the page since it was loaded. The refusal names them and when, and shows what they
    saved by each setting's name (``NAMES``); the form keeps what this person typed and now
    carries the current version, so saving again works (DESIGN.md, "Every record").

    The page's first save makes the anchor row, whose "created" entry lists the page's
    other changes (as ``touch`` does for later saves), so a colleague's copy loaded before
    it is refused as stale like any other, naming them and what they saved. Two first saves
    at the same moment (both found no row) are told apart by the unique key: the second is
    refused the same way, never an error page.

    On a refusal, each setting the colleague changed and this person left as their copy
    showed it now holds the colleague's value in the form (``history.take_theirs``'s rule),
    so saving again keeps their change; ``fields`` names the form field of a setting whose
    field is not called by its key.
    """
    from sqlalchemy.exc import IntegrityError

    from qaweb.core.db import is_unique_violation
    from qaweb.core.history import (
        StaleRefusal,
        posted_version,
        save_versioned,
        stale_message,
        stale_refusal,
    )

    values = {key: str(value).strip() for key, value in posted.items()}
    anchor = _anchor(anchor_key)

    def apply():
        row = anchor
        if row is None:
            row = Setting(key=anchor_key, value=values.get(anchor_key, get_setting(anchor_key)))
            touch(row, values)
            db.session.add(row)
        else:
            touch(row, values)
        for key, value in values.items():  # a setting the page did not post is kept
            set_setting(key, value)

    blank = posted_version(form) == ""  # the page was loaded before its first save
    try:
        if anchor is None:
            apply()
            db.session.commit()
            return None
        refusal = save_versioned(db.session, anchor, form, apply)
    except IntegrityError as error:
        # A colleague's first save of the page committed after this request found no row.
        db.session.rollback()
        if not is_unique_violation(error):
            raise
        _cache().clear()
        anchor = _anchor(anchor_key)
        if anchor is None:
            return StaleRefusal(stale_message(None))
        refusal = stale_refusal(db.session, anchor, posted_version(form))
        form.version.data = str(anchor.version)
    if refusal is not None and refusal.stale:
        refusal.saved = _by_name(refusal.saved, anchor, blank)
        refusal.taken = _take_theirs(form, anchor, refusal.entries, posted, fields or {}, blank)
    return refusal


def _take_theirs(form, anchor, entries, posted, fields, blank) -> list[str]:
    """Settings a colleague changed (``entries``, logged on the ``anchor`` row: its own value
    as "value", the page's others by name) that this person posted as their copy showed
    them: put the stored value in their field. Returns the fields' labels."""
    from wtforms import SelectMultipleField

    from qaweb.core.history import left_as_found, logged_changes, set_field

    keys = _KEYS_BY_NAME | {"value": anchor.key}
    _cache().clear()
    taken = []
    for logged, (before, after) in logged_changes(entries).items():
        key = keys.get(logged)
        field = form._fields.get(fields.get(key, key)) if key in posted else None
        if field is None:
            continue
        if before is None and blank:  # made by the colleague's first save: the copy showed
            before = DEFAULTS.get(key, "")  # the default
        if not left_as_found(posted[key], before, after):
            continue
        stored = get_setting(key)
        value = (
            [v for v in stored.split(";") if v]
            if isinstance(field, SelectMultipleField)
            else stored
        )
        if set_field(field, value):
            taken.append(str(field.label.text))
    return taken


def _by_name(saved: dict[str, str], anchor: Setting, blank: bool) -> dict[str, str]:
    """What a colleague saved (field label -> value, from the anchor row's change log) by
    each setting's name: the anchor's own value ("Value") under its name, its key left out.
    A page loaded before its first save showed the default, so an anchor value still at its
    default is no change of theirs."""
    keys = _KEYS_BY_NAME
    named = {}
    for label, value in saved.items():
        if label == "Key":
            continue
        key = keys.get(label)
        if label == "Value":
            if blank and anchor.value == DEFAULTS.get(anchor.key, ""):
                continue
            key = anchor.key
            label = NAMES.get(key, key)
        named[label] = shown_value(key, value) if key and isinstance(value, str) else value
    return named


def whole_number(key: str, fallback: int, low: int, high: int) -> int:
    """Setting ``key`` as a whole number from ``low`` to ``high`` (both included), or
    ``fallback`` when the stored text is not a whole number or is outside that range: a
    mistyped setting never stops a page, it acts as the default."""
    try:
        value = int(get_setting(key))
    except ValueError:
        return fallback
    return value if low <= value <= high else fallback
