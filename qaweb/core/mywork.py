"""The "My work" registry: each module says what a person must act on next."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WorkItem:
    """One thing on a person's My work page: its ``kind`` (the source's name), title, link, the date
    it is due (None: no date) and whether that date has passed."""

    kind: str
    title: str
    url: str
    due_on: date | None
    detail: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class WorkSource:
    """One module's contribution: the soonest items and how many there are in all."""

    name: str
    fetch: Callable  # (user, limit) -> (list[WorkItem], total)
    more_url: Callable | None = None  # (user) -> url of the full list


_sources: list[WorkSource] = []


def register(source: WorkSource) -> None:
    """Add ``source`` to My work (once: a second registration under the same name is ignored)."""
    if all(s.name != source.name for s in _sources):
        _sources.append(source)


def work_for(user, limit: int = 25) -> tuple[list[WorkItem], list[dict]]:
    """Everything ``user`` must act on next, soonest due first, and a count per source."""
    items: list[WorkItem] = []
    summary = []
    for source in _sources:
        found, total = source.fetch(user, limit)
        items.extend(found)
        if total:
            summary.append(
                {
                    "name": source.name,
                    "total": total,
                    "shown": len(found),
                    "url": source.more_url(user) if source.more_url else None,
                }
            )
    # Stable: items with the same (or no) due date keep the order their module gave.
    items.sort(key=lambda i: (i.due_on is None, i.due_on or date.max))
    return items[:limit], summary
