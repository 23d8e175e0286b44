"""The statutory complaints procedure: the clocks, the rules between stages, who sees what."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager

from qaweb.complaints.models import (
    NOT_ACCEPTED,
    OUTCOMES,
    STAGES,
    Complaint,
    ComplaintStage,
)
from qaweb.core.permissions import (
    ADMIN,
    COMPLAINTS_OFFICER,
    QA_OFFICER,
    SERVICE_MANAGER,
    has_any_role,
    service_area_of,
)
from qaweb.core.references import next_number
from qaweb.core.timefmt import format_date, today_london
from qaweb.core.workdays import add_working_days, working_days_between
from qaweb.extensions import db
from qaweb.organisation.models import User

#: Working days for each stage's response, and the most an extension may give.
LIMITS = {1: (10, 20), 2: (25, 65)}
#: Working days a complainant has to ask for the next stage after a response (the 2006
#: Regulations: regulation 17 for Stage 2, regulation 18 for the review panel).
STAGE2_REQUEST_WINDOW = 20
REQUEST_WINDOW = 20
PANEL_WITHIN, REPORT_WITHIN, RESPONSE_AFTER_REPORT = 30, 5, 15
SOON = 3  # working days: "due soon" in My work


class ComplaintError(Exception):
    """A step or a date the procedure does not allow; the message says why."""


# -- who sees what ---------------------------------------------------------------------------


def can_manage(user) -> bool:
    """True for complaints officers: they record complaints, stages and compliments."""
    return has_any_role(user, COMPLAINTS_OFFICER)


def sees_personal_data(user) -> bool:
    """Complainants' names and contact details: complaints officers and administrators only."""
    return has_any_role(user, COMPLAINTS_OFFICER, ADMIN)


def can_view(user, complaint: Complaint | None = None) -> bool:
    """The complaints pages (``complaint`` None) or one complaint: the complaints officer and
    administrators, any; a service manager, their own service area's (none without one).
    The list's side of this rule is ``list_condition``, just below (a test checks they agree
    for every role)."""
    if has_any_role(user, COMPLAINTS_OFFICER, ADMIN):
        return True
    if not has_any_role(user, SERVICE_MANAGER):
        return False
    if complaint is None:
        return True
    area = service_area_of(user)
    return area is not None and complaint.service_area_id == area


def list_condition(user):
    """SQL: the complaints ``can_view`` lets ``user`` open (None: all of them)."""
    if has_any_role(user, COMPLAINTS_OFFICER, ADMIN):
        return None
    if not has_any_role(user, SERVICE_MANAGER):
        return false()
    return Complaint.service_area_id == (service_area_of(user) or -1)


def can_view_reports(user) -> bool:
    """The complaints report, its workbook and the annual report (counts, no personal data):
    the complaints officer, administrators and the QA team for any service area; a service
    manager for their own area only (see ``report_area``)."""
    return has_any_role(user, COMPLAINTS_OFFICER, ADMIN, QA_OFFICER, SERVICE_MANAGER)


def report_area(user, wanted: int | None) -> int | None:
    """The service area (id) a report covers for ``user``: the one ``wanted`` (None for every
    area) for the complaints officer, administrators and the QA team; a service manager's own
    area whatever was asked for (-1, which matches nothing, when they have none), so the
    area is forced, not merely defaulted."""
    if has_any_role(user, COMPLAINTS_OFFICER, ADMIN, QA_OFFICER):
        return wanted
    return service_area_of(user) or -1


# -- references ------------------------------------------------------------------------------


def next_reference(received_on: date) -> str:
    """CMP-<year received>-<number>: numbered from 1 each year, never shared (two officers
    logging at the same moment get the next two numbers; see core.references)."""
    return next_references(received_on.year, 1)[0]


def next_references(year: int, count: int) -> list[str]:
    """``count`` references of complaints received in ``year``, in order, taken in one
    statement (an import of many complaints): never shared, as ``next_reference``."""
    prefix = f"CMP-{year}-"
    number_part = sa.cast(sa.func.substr(Complaint.reference, len(prefix) + 1), sa.Integer)
    highest = select(func.max(number_part)).where(Complaint.reference.like(prefix + "%"))
    last = next_number(db.session, "complaint", year, floor=highest, count=count)
    return [f"{prefix}{number:04d}" for number in range(last - count + 1, last + 1)]


# -- clocks ----------------------------------------------------------------------------------


@dataclass
class Clock:
    """A stage's clock as the page shows it: the date of its next deadline (None: no clock),
    ``what`` falls due then ("Response due", "Panel to meet by"...), working days left (None once
    responded to) and whether the date has passed."""

    due_on: date | None
    what: str
    days_left: int | None
    overdue: bool


def is_statutory(complaint_or_procedure) -> bool:
    """Whether the complaint runs on the statutory clock (the Children Act 1989
    Representations Procedure (England) Regulations 2006: closure days are working days) or
    on the council's corporate procedure (closure days are not). ``Complaint.procedure``
    says which; anything but "corporate" is statutory."""
    procedure = getattr(complaint_or_procedure, "procedure", complaint_or_procedure)
    return procedure != "corporate"


def adder(statutory: bool):
    """``add_working_days`` on the statutory or the council's calendar."""

    def add(start, days):
        return add_working_days(start, days, statutory=statutory)

    return add


def compute_due(stage: ComplaintStage, add=None) -> tuple[date | None, str]:
    """The stage's next deadline, from the rules (never typed), in working days on the
    complaint's calendar (see ``is_statutory``). ``add`` is the working-day adder (a report
    passes a quicker one bound to one calendar); without it, the stage's complaint decides
    (a stage-like object with no complaint, as the demo builder passes, is statutory)."""
    if add is None:
        add = adder(is_statutory(getattr(stage, "complaint", None)))
    if stage.stage in LIMITS:
        normal, longest = LIMITS[stage.stage]
        return add(stage.started_on, longest if stage.extended else normal), ("Response due")
    if stage.stage == 3:
        if stage.panel_on is None:
            return add(stage.started_on, PANEL_WITHIN), "Panel to meet by"
        if stage.report_on is None:
            return add(stage.panel_on, REPORT_WITHIN), "Panel report due"
        return add(stage.report_on, RESPONSE_AFTER_REPORT), "Council's response due"
    return None, ""


def clock(stage: ComplaintStage, today: date | None = None) -> Clock:
    """The stage's Clock on ``today`` (London's today by default): the deadline from ``compute_due``
    and the working days left on the complaint's calendar (the 2006 Regulations, SI 2006/1738, for
    the children's procedure; see ``is_statutory``). A complaint not accepted owes no response and
    has no clock."""
    today = today or today_london()
    if stage.complaint.not_accepted_reason:
        return Clock(None, "", None, False)  # not accepted: no response is owed
    due, what = compute_due(stage)
    if stage.responded_on or due is None or not_answered(stage):
        return Clock(due, what, None, not_answered(stage))
    left = working_days_between(today, due, statutory=is_statutory(stage.complaint))
    return Clock(due, what, left, due < today)


def not_answered(stage: ComplaintStage) -> bool:
    """A stage the complainant went past without a response (it ran out of time and a later
    stage started): it stays on record as not answered and out of time."""
    return not stage.responded_on and stage is not stage.complaint.current_stage


def next_stage_window(stage: ComplaintStage) -> date | None:
    """The last day the complainant may ask for the stage after ``stage`` without a late
    reason: 20 working days after the response (or, when none came, after the day it was
    due). None for Stage 3 and the Ombudsman (nothing after them here)."""
    if stage.stage not in (1, 2):
        return None
    since = stage.responded_on or compute_due(stage)[0]
    return add_working_days(since, REQUEST_WINDOW, statutory=is_statutory(stage.complaint))


def recompute_open_due_dates() -> int:
    """After the calendar changed (an extra bank holiday or a closure day added or removed):
    work out again the stored due date of every stage still waiting for a response on an open
    complaint, in the caller's transaction, so every list, filter and export reads the same
    date as the complaint page. Returns how many stages' dates changed."""
    from qaweb.core.workdays import forget_days_off

    forget_days_off()
    stages = db.session.scalars(
        select(ComplaintStage)
        .join(Complaint, Complaint.id == ComplaintStage.complaint_id)
        .options(contains_eager(ComplaintStage.complaint))  # the procedure, in one statement
        .where(ComplaintStage.responded_on.is_(None), Complaint.closed_on.is_(None))
    )
    changed = 0
    for stage in stages:
        due = compute_due(stage)[0]
        if due != stage.due_on:
            stage.due_on = due
            changed += 1
    db.session.flush()
    return changed


def within_timescale(stage: ComplaintStage, add=None) -> bool | None:
    """Whether the stage was responded to by its deadline (``compute_due``; ``add`` as there); None
    while not responded to or for a stage without a clock."""
    due, _ = compute_due(stage, add)
    if not stage.responded_on or due is None:
        return None
    return stage.responded_on <= due


# -- steps -----------------------------------------------------------------------------------


def _check_dates(stage: ComplaintStage, complaint: Complaint) -> None:
    if stage.started_on < complaint.received_on:
        raise ComplaintError("The stage cannot start before the complaint was received")
    for name, label in (
        ("acknowledged_on", "Acknowledged"),
        ("responded_on", "Response date"),
        ("panel_on", "Panel date"),
        ("report_on", "Panel report date"),
    ):
        value = getattr(stage, name)
        if value and value < stage.started_on:
            raise ComplaintError(f"{label} cannot be before the stage started")
    if stage.report_on and stage.panel_on and stage.report_on < stage.panel_on:
        raise ComplaintError("Panel report date cannot be before the panel met")


def open_complaint(complaint: Complaint, handler: User | None) -> ComplaintStage:
    """Save a new complaint with its reference, and start Stage 1 on the day received."""
    complaint.reference = next_reference(complaint.received_on)
    db.session.add(complaint)
    db.session.flush()
    stage = ComplaintStage(
        complaint=complaint,
        stage=1,
        started_on=complaint.received_on,
        handler_id=handler.id if handler else None,
    )
    db.session.add(stage)
    stage.due_on = compute_due(stage)[0]
    db.session.flush()
    return stage


def update_stage(stage: ComplaintStage) -> None:
    """After a change: check the dates and work the deadline out again."""
    _check_dates(stage, stage.complaint)
    if stage.outcome and stage.outcome not in OUTCOMES:
        raise ComplaintError("Choose one of the outcomes")
    stage.due_on = compute_due(stage)[0]


def extend(stage: ComplaintStage, reason: str) -> None:
    """Extend a Stage 1 or Stage 2 response to the longest the procedure allows (20 and 65 working
    days: the 2006 Regulations, SI 2006/1738, regulations 14 and 17) and recompute the due date.
    Raises ComplaintError for Stage 3 or the Ombudsman, a second extension, a stage already
    responded to or an empty ``reason``."""
    if stage.stage not in LIMITS:
        raise ComplaintError(f"{STAGES[stage.stage]} has no extension in the procedure")
    if stage.extended:
        normal, longest = LIMITS[stage.stage]
        raise ComplaintError(
            f"{STAGES[stage.stage]} has already been extended to the statutory maximum of "
            f"{longest} working days"
        )
    if stage.responded_on:
        raise ComplaintError("This stage has been responded to: there is nothing to extend")
    if not reason.strip():
        raise ComplaintError("Enter the reason for the extension")
    stage.extended = True
    stage.extension_reason = reason.strip()
    stage.due_on = compute_due(stage)[0]


def escalate(
    complaint: Complaint, started_on: date, handler: User | None, late_reason: str = ""
) -> ComplaintStage:
    """Start the next stage; the earlier stages stay as they were."""
    current = complaint.current_stage
    if current is None or current.stage >= 4:
        raise ComplaintError("This complaint cannot be escalated further")
    name = STAGES[current.stage].split(":")[0]
    if not current.responded_on:
        # A complainant may go on when the stage was not answered in its time: the stage
        # stays on record as not answered and out of time (nothing invented for it).
        due = compute_due(current)[0]
        if due is None or started_on <= due:
            raise ComplaintError(
                f"{STAGES[current.stage]} has not been responded to yet and is still within "
                f"its time" + (f" (due {format_date(due)})" if due else "") + ": record the "
                "response first"
            )
    elif started_on < current.responded_on:
        raise ComplaintError(
            f"The next stage cannot start before the {name} "
            f"response ({format_date(current.responded_on)})"
        )
    if current.stage in (1, 2) and is_statutory(complaint):
        limit = next_stage_window(current)
        if started_on > limit and not late_reason.strip():
            raise ComplaintError(
                f"The Stage {current.stage + 1} request came after the 20 working days "
                f"allowed (by {format_date(limit)}): record why it is accepted late"
            )
    stage = ComplaintStage(
        complaint=complaint,
        stage=current.stage + 1,
        started_on=started_on,
        handler_id=handler.id if handler else None,
        late_reason=late_reason.strip(),
    )
    db.session.add(stage)
    stage.due_on = compute_due(stage)[0]
    complaint.closed_on = None
    db.session.flush()
    return stage


def close(complaint: Complaint, closed_on: date) -> None:
    """Close ``complaint`` on ``closed_on``. Raises ComplaintError while Stages 1 to 3 wait for a
    response, or for a date before the last response."""
    current = complaint.current_stage
    if current and not current.responded_on and current.stage < 4:
        raise ComplaintError("Record the response to the current stage before closing")
    if current and current.responded_on and closed_on < current.responded_on:
        raise ComplaintError("The complaint cannot close before the last response")
    complaint.closed_on = closed_on


def not_accept(complaint: Complaint, decided_on: date, reason: str, note: str) -> None:
    """Record that a complaint is not accepted under the procedure (``reason`` a key of
    NOT_ACCEPTED) and close it on ``decided_on``; its Stage 1 stays unanswered and is not
    counted as late (reports count responses only). Refused once any stage has a response or
    a later stage has started, and for a date before the complaint was received.

    Raises ComplaintError with the reason shown to the officer."""
    if reason not in NOT_ACCEPTED:
        raise ComplaintError("Select why the complaint was not accepted")
    if reason == "other" and not note.strip():
        raise ComplaintError("Enter the reason the complaint was not accepted")
    if decided_on < complaint.received_on:
        raise ComplaintError("The decision cannot be before the complaint was received")
    if len(complaint.stages) > 1 or any(s.responded_on for s in complaint.stages):
        raise ComplaintError(
            "This complaint has been responded to under the procedure: it was accepted"
        )
    complaint.not_accepted_on = decided_on
    complaint.not_accepted_reason = reason
    complaint.not_accepted_note = note.strip()
    complaint.closed_on = decided_on


def search_condition(user, term: str):
    """Reference, the old log's reference (an imported complaint), child's case reference or
    summary; complainant's name for officers only."""
    from qaweb.core.lists import contains

    like = contains(term)
    fields = [
        Complaint.reference.ilike(like, escape="\\"),
        Complaint.legacy_reference.ilike(like, escape="\\"),
        Complaint.child_reference.ilike(like, escape="\\"),
        Complaint.summary.ilike(like, escape="\\"),
    ]
    if sees_personal_data(user):
        fields.append(Complaint.complainant_name.ilike(like, escape="\\"))
    return or_(*fields)


# -- Stage 2 people and the Stage 3 panel ------------------------------------------------------

#: (name field or None, kind field or None, date field, who, what the date is)
STAGE_PEOPLE = (
    (
        "investigating_officer",
        "investigating_officer_kind",
        "investigating_officer_on",
        "the investigating officer",
        "the investigating officer was appointed",
    ),
    (
        "independent_person",
        "independent_person_kind",
        "independent_person_on",
        "the independent person",
        "the independent person was appointed",
    ),
    (None, None, "statement_agreed_on", "", "the statement of complaint was agreed"),
    (
        "adjudicating_officer",
        None,
        "adjudicated_on",
        "the adjudicating officer",
        "of the adjudicating officer's response",
    ),
)


def check_people(stage: ComplaintStage, today: date | None = None) -> None:
    """Check Stage 2's people and dates (the Children Act 1989 Representations Procedure
    (England) Regulations 2006, regulation 17, and the statutory guidance "Getting the best
    from complaints" (2006): an investigating officer and an independent person, then an
    adjudication) or Stage 3's panel (regulation 19: three people, one of them the chair).

    A date needs its person, a person needs internal or external, and no date is before the
    stage started or after today. Panel members are cleaned to one name a line, the chair not
    repeated among them. Raises ComplaintError naming the field."""
    today = today or today_london()
    if stage.stage == 2:
        for name_field, kind_field, date_field, who, when in STAGE_PEOPLE:
            name = (getattr(stage, name_field) or "").strip() if name_field else ""
            if name_field:
                setattr(stage, name_field, name)
            day = getattr(stage, date_field)
            if kind_field and name and not getattr(stage, kind_field):
                raise ComplaintError(f"Select whether {who} is internal or external")
            if name_field and not name and ((kind_field and getattr(stage, kind_field)) or day):
                raise ComplaintError(f"Enter the name of {who}")
            if day and day < stage.started_on:
                raise ComplaintError(
                    f"The date {when} cannot be before Stage 2 started "
                    f"({format_date(stage.started_on)})"
                )
            if day and day > today:
                raise ComplaintError(f"The date {when} cannot be in the future")
    elif stage.stage == 3:
        chair = (stage.panel_chair or "").strip()
        members = []
        for line in (stage.panel_members or "").splitlines():
            line = " ".join(line.split())
            if line and line.casefold() != chair.casefold() and line not in members:
                members.append(line)
        stage.panel_chair, stage.panel_members = chair, "\n".join(members)
        if members and not chair:
            raise ComplaintError("Enter who chairs the panel")
    else:
        raise ComplaintError(f"{STAGES[stage.stage]} has no investigation people to record")


# -- the council's internal targets ------------------------------------------------------------

#: Council settings (core.settings): working days the council aims to answer a stage in.
TARGET_SETTINGS = {1: "complaint_stage1_target_days", 2: "complaint_stage2_target_days"}


def internal_target(stage: ComplaintStage) -> tuple[date, int] | None:
    """The council's own target for answering ``stage`` (Stages 1 and 2), when the council
    has set one: (the date, the working days), counted from the stage's start on the council's
    calendar (bank holidays and council closure days are not working days). It is shown
    beside the statutory deadline, never instead of it: the complaint is out of time only
    against the Regulations (regulation 2 defines the working day). None when no target is
    set for the stage."""
    from qaweb.core.settings import get_setting

    key = TARGET_SETTINGS.get(stage.stage)
    raw = get_setting(key) if key else ""
    if not raw or not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        return None
    days = int(raw)
    return add_working_days(stage.started_on, days, statutory=False), days


#: A later stage of the same complaint, for the list's stage and overdue filters. Made once:
#: an alias made afresh for each request costs the statement's cache key about 0.3 ms of
#: Python; with one made at import the key is the same every time.
_LATER_STAGE = aliased(ComplaintStage, name="later_stage")
_OVERDUE_LATER_STAGE = aliased(ComplaintStage, name="overdue_later_stage")


def filtered(user, filters: dict):
    """The complaints list's statement, shared by the list page and its export:
    ``select(Complaint)`` limited to what ``user`` may see (``list_condition``) and to
    ``filters`` (``ComplaintFilterForm.cleaned()``: status (open unless given), stage, area,
    overdue: a stage past its due date, in working days, and q), newest received first.
    Raises nothing."""
    stmt = select(Complaint)
    condition = list_condition(user)
    if condition is not None:
        stmt = stmt.where(condition)
    status = filters.get("status") or "open"
    if status == "open":
        stmt = stmt.where(Complaint.closed_on.is_(None))
    elif status == "closed":
        stmt = stmt.where(Complaint.closed_on.is_not(None))
    if filters.get("stage"):
        # At this stage and no later one (stages only move on), through the stage index.
        number = int(filters["stage"])
        later = _LATER_STAGE
        stmt = stmt.where(
            Complaint.id.in_(
                select(ComplaintStage.complaint_id).where(ComplaintStage.stage == number)
            ),
            ~select(later.id)
            .where(later.complaint_id == Complaint.id, later.stage > number)
            .exists(),
        )
    if filters.get("area"):
        stmt = stmt.where(Complaint.service_area_id == int(filters["area"]))
    if filters.get("overdue"):
        overdue_later = _OVERDUE_LATER_STAGE
        stmt = stmt.where(
            Complaint.id.in_(
                select(ComplaintStage.complaint_id).where(
                    ComplaintStage.responded_on.is_(None),
                    ComplaintStage.due_on < today_london(),
                    # A complaint not accepted is closed with its Stage 1 unanswered.
                    ComplaintStage.complaint_id.not_in(
                        select(Complaint.id).where(Complaint.not_accepted_reason != "")
                    ),
                    # A stage left unanswered when the complainant went on is on record as
                    # out of time; the complaint is overdue only if its current stage is.
                    ~select(overdue_later.id)
                    .where(
                        overdue_later.complaint_id == ComplaintStage.complaint_id,
                        overdue_later.stage > ComplaintStage.stage,
                    )
                    .exists(),
                )
            )
        )
    if filters.get("q"):
        stmt = stmt.where(search_condition(user, filters["q"]))
    return stmt.order_by(Complaint.received_on.desc(), Complaint.id.desc())
