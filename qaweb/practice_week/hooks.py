"""What Practice Week adds to the shared pieces: My work, action sources, tool responses."""

from flask import url_for
from sqlalchemy import func, select

from qaweb.core import mywork, sources
from qaweb.core.timefmt import to_london, today_london
from qaweb.extensions import db
from qaweb.practice_week import services
from qaweb.practice_week.models import REQUESTED, SCHEDULED, Observation
from qaweb.tools import subjects


def _observation(response):
    return db.session.get(Observation, response.subject_id) if response.subject_id else None


def _fill(user, response):
    observation = _observation(response)
    return bool(observation and services.can_record(user, observation))


def _view(user, response):
    observation = _observation(response)
    return bool(observation and services.can_view_record(user, observation))


def _back(response):
    return url_for("practice_week.observation", observation_id=response.subject_id)


def _items(stmt, limit, kind, title, detail):
    found = list(db.session.scalars(stmt.order_by(Observation.starts_at).limit(limit)))
    # Counted only when there are more than fit: usually one statement per source.
    total = (
        len(found)
        if len(found) < limit
        else db.session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    )
    today = today_london()
    items = []
    for o in found:
        day = to_london(o.starts_at).date()
        items.append(
            mywork.WorkItem(
                kind=kind,
                title=title(o),
                url=url_for("practice_week.observation", observation_id=o.id),
                due_on=day,
                detail=f"{o.reference} · {detail(o)}",
                overdue=day < today,
            )
        )
    return items, total


def to_record(user, limit):
    stmt = select(Observation).where(services.open_for_observer(user.id))
    return _items(
        stmt,
        limit,
        "Observation",
        lambda o: f"Observe {o.practitioner.name}: {o.meeting_type.name}",
        lambda o: services.format_span(o.starts_at, o.ends_at),
    )


def being_observed(user, limit):
    stmt = select(Observation).where(
        Observation.practitioner_id == user.id, Observation.status == SCHEDULED
    )
    return _items(
        stmt,
        limit,
        "You are being observed",
        lambda o: f"{o.observer.name} observes your {o.meeting_type.name.lower()}",
        lambda o: services.format_span(o.starts_at, o.ends_at),
    )


def to_assign(user, limit):
    if not services.can_organise(user):
        return [], 0
    stmt = select(Observation).where(Observation.status == REQUESTED)
    return _items(
        stmt,
        limit,
        "Assign an observer",
        lambda o: f"{o.practitioner.name}'s {o.meeting_type.name.lower()} is available to observe",
        lambda o: services.format_span(o.starts_at, o.ends_at),
    )


def register() -> None:
    for key in ("observation", "observation_family", "observation_child"):
        subjects.register(subjects.SubjectType(key, _fill, _view, back_url=_back))
    sources.register(
        sources.SourceType(
            "observation",
            "Observation of practice",
            url=lambda observation_id: url_for(
                "practice_week.observation", observation_id=observation_id
            ),
        )
    )
    mywork.register(mywork.WorkSource("Observations to record", to_record))
    mywork.register(mywork.WorkSource("Observations of your practice", being_observed))
    mywork.register(
        mywork.WorkSource(
            "Meetings to find an observer for",
            to_assign,
            lambda u: url_for("practice_week.index"),
        )
    )
