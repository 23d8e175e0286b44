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
}
#: The name of each setting as people read it (history, pages): never its key.
NAMES: dict[str, str] = {key: label for key, (label, _) in LABELS.items()}


class Setting(Tracked, Versioned, Base):
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
    cache = _cache()
    if key not in cache:
        value = db.session.scalar(select(Setting.value).where(Setting.key == key))
        cache[key] = DEFAULTS.get(key, "") if value is None else value
    return cache[key]


def set_setting(key: str, value: str) -> Setting:
    setting = db.session.scalar(select(Setting).where(Setting.key == key))
    if setting is None:
        setting = Setting(key=key, value=value)
        db.session.add(setting)
    else:
        setting.value = value
    db.session.flush()
    _cache().pop(key, None)  # read again: the save may yet be refused and rolled back
    return setting
