"""The daily reminders `flask notify remind` queues.

Each reminder's key names the item, its due date and (when overdue) the week, so running the
command again the same day, or every day, queues each reminder once: a stage or action due
soon is reminded once per due date (an extension gives a new due date and a new reminder);
one overdue is reminded on its first day overdue and then every 7 days.
"""

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from qaweb.actions.models import COMPLETED, OPEN, Action
from qaweb.complaints import services as complaints
from qaweb.complaints.models import Complaint, ComplaintStage
from qaweb.core.notify import absolute_url, notify
from qaweb.core.permissions import COMPLAINTS_OFFICER, QA_OFFICER
from qaweb.core.settings import get_setting
from qaweb.core.timefmt import format_date, today_london
from qaweb.extensions import db
from qaweb.organisation.models import User, UserRole


def _people_with(role: str) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.active)
            .order_by(User.id)
        )
    )


def complaint_reminders(today: date | None = None) -> int:
    """Open complaint stages due within the setting's working days (on the complaint's own
    clock: statutory stages count closure days as working days, Children Act 1989
    Representations Procedure (England) Regulations 2006 reg. 2) or overdue, to the stage's
    handler and every complaints officer. Never the complainant's details."""
    today = today or today_london()
    within = int(get_setting("complaint_reminder_days"))
    officers = _people_with(COMPLAINTS_OFFICER)
    stages = db.session.scalars(
        select(ComplaintStage)
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .where(
            Complaint.closed_on.is_(None),
            ComplaintStage.responded_on.is_(None),
            ComplaintStage.due_on.is_not(None),
        )
        .options(joinedload(ComplaintStage.complaint))
        .order_by(ComplaintStage.due_on, ComplaintStage.id)
    )
    queued = 0
    for stage in stages:
        # Only the current (latest) stage of a complaint runs a clock.
        if stage.complaint.current_stage is not stage:
            continue
        clock = complaints.clock(stage, today)
        if clock.due_on is None or clock.days_left is None:
            continue
        if clock.overdue:
            week = ((today - clock.due_on).days - 1) // 7
            key = f"complaint-stage:{stage.id}:overdue:{clock.due_on}:w{week}"
            subject = f"Overdue: {stage.complaint.reference} {stage.label}"
        elif clock.days_left <= within:
            key = f"complaint-stage:{stage.id}:due:{clock.due_on}"
            subject = (
                f"Due in {clock.days_left} working day{'s' if clock.days_left != 1 else ''}: "
                f"{stage.complaint.reference} {stage.label}"
                if clock.days_left
                else f"Due today: {stage.complaint.reference} {stage.label}"
            )
        else:
            continue
        queued += notify(
            "complaint_reminder",
            [stage.handler, *officers],
            subject,
            "complaint_reminder",
            {"stage": stage, "clock": clock, "reference": stage.complaint.reference},
            key=key,
            link=absolute_url("complaints.complaint", complaint_id=stage.complaint_id),
        )
    return queued


def action_reminders(today: date | None = None) -> int:
    """Open actions due within the setting's calendar days, or overdue (once, then weekly),
    to their owners."""
    today = today or today_london()
    within = int(get_setting("action_reminder_days"))
    actions = db.session.scalars(
        select(Action)
        .where(Action.status == OPEN, Action.due_on <= today + timedelta(days=within))
        .order_by(Action.due_on, Action.id)
    )
    queued = 0
    for action in actions:
        if action.due_on < today:
            week = ((today - action.due_on).days - 1) // 7
            key = f"action:{action.id}:overdue:{action.due_on}:w{week}"
            subject = f"Overdue action: {action.reference}, due {format_date(action.due_on)}"
        else:
            key = f"action:{action.id}:due:{action.due_on}"
            subject = f"Action due {format_date(action.due_on)}: {action.reference}"
        queued += notify(
            "action_reminder",
            [action.owner],
            subject,
            "action_reminder",
            {"action": action, "overdue": action.due_on < today, "today": today},
            key=key,
            link=absolute_url("actions.detail", action_id=action.id),
        )
    return queued


def verification_digest(today: date | None = None, shown: int = 30) -> int:
    """One message a day to each QA officer listing the completed actions nobody has
    verified yet (the first ``shown``, oldest first, and how many in all)."""
    today = today or today_london()
    waiting = select(Action).where(Action.status == COMPLETED, Action.verified_by_id.is_(None))
    from sqlalchemy import func

    total = db.session.scalar(select(func.count()).select_from(waiting.subquery()))
    if not total:
        return 0
    first = list(db.session.scalars(waiting.order_by(Action.completed_on, Action.id).limit(shown)))
    return notify(
        "action_verification",
        _people_with(QA_OFFICER),
        f"{total} completed action{'s' if total != 1 else ''} to verify",
        "action_verification",
        {"actions": first, "total": total},
        key=f"verify:{today}",
        link=absolute_url("home.index"),
    )


def queue_reminders(today: date | None = None) -> dict[str, int]:
    """Every daily reminder; returns how many messages of each were queued."""
    return {
        "complaint stages": complaint_reminders(today),
        "actions due or overdue": action_reminders(today),
        "actions to verify": verification_digest(today),
    }
