"""Kinds of record an action can come from. Each module registers its own."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceType:
    key: str
    label: str
    #: (source_id) -> URL of the record, for kinds backed by a record in qaweb.
    url: Callable[[int], str] | None = None

    @property
    def manual(self) -> bool:
        """Raised by hand (at a meeting, say) rather than from a record in qaweb."""
        return self.url is None


_types: dict[str, SourceType] = {}


def register(source: SourceType) -> None:
    _types[source.key] = source


def get(key: str) -> SourceType:
    return _types.get(key) or SourceType(key, key.replace("_", " ").capitalize())


def all_types() -> list[SourceType]:
    return sorted(_types.values(), key=lambda s: s.label)


register(SourceType("qa_board", "QA Board"))
register(SourceType("qa_operational_group", "QA Operational Group"))
register(SourceType("learning_log", "Learning log"))
