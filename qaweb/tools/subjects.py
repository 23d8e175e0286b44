"""Who may fill in and read a response: each module that owns responses registers its rules.

Until a module registers a subject type, the person who started a response fills it in and
the QA team may read it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from qaweb.core.permissions import QA_OFFICER, has_any_role


@dataclass(frozen=True)
class SubjectType:
    key: str
    can_fill: Callable  # (user, response) -> bool
    can_view: Callable  # (user, response) -> bool
    #: (response) -> URL to go back to (the owning record), or None.
    back_url: Callable | None = None
    #: (response, user) -> None, called when the response is completed.
    on_complete: Callable | None = None


def _default_fill(user, response) -> bool:
    return response.created_by_id == user.id and not response.is_completed


def _default_view(user, response) -> bool:
    return response.created_by_id == user.id or has_any_role(user, QA_OFFICER)


_types: dict[str, SubjectType] = {}


def register(subject: SubjectType) -> None:
    _types[subject.key] = subject


def get(key: str) -> SubjectType:
    return _types.get(key) or SubjectType(key, _default_fill, _default_view)


def can_fill(user, response) -> bool:
    return not response.is_completed and get(response.subject_type).can_fill(user, response)


def can_view(user, response) -> bool:
    return can_fill(user, response) or get(response.subject_type).can_view(user, response)
