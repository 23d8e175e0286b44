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


class Setting(Tracked, Versioned, Base):
    """One council setting (``key`` one of ``NAMES``), stored as text and tracked in the history."""

    __tablename__ = "setting"
    __history_values__ = {"key": NAMES}

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    value: Mapped[str] = mapped_column(sa.Text, default="")


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
        setting.version = setting.version + 1  # SKIP_FIELDS: not logged as a change itself
        setting.__dict__["_history_extra"] = changes


def whole_number(key: str, fallback: int, low: int, high: int) -> int:
    """Setting ``key`` as a whole number from ``low`` to ``high`` (both included), or
    ``fallback`` when the stored text is not a whole number or is outside that range: a
    mistyped setting never stops a page, it acts as the default."""
    try:
        value = int(get_setting(key))
    except ValueError:
        return fallback
    return value if low <= value <= high else fallback
