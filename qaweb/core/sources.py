"""Kinds of record an action can come from. Each module registers its own."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceType:
    """A kind of source an action can come from (a complaint, a meeting of the QA Board...): its
    key, its label and, when it is a record in qaweb, the URL of a record from its id."""

    key: str
    label: str
    #: (source_id) -> URL of the record, for kinds backed by a record in qaweb.
    url: Callable[[int], str] | None = None
    #: (user, source_id) -> whether that person may open the record; None: anyone who may
    #: open the action may open its source.
    can_open: Callable[[object, int], bool] | None = None

    @property
    def manual(self) -> bool:
        """Raised by hand (at a meeting, say) rather than from a record in qaweb."""
        return self.url is None


_types: dict[str, SourceType] = {}


def register(source: SourceType) -> None:
    """Add or replace the source kind ``source.key``."""
    _types[source.key] = source


def get(key: str) -> SourceType:
    """The source kind ``key``; an unknown key (a module since removed) gets a label made from
    it."""
    return _types.get(key) or SourceType(key, key.replace("_", " ").capitalize())


class _Labels(Mapping):
    """The label of each registered kind, read live (modules register theirs at import)."""

    def __getitem__(self, key):
        return _types[key].label

    def __iter__(self):
        return iter(_types)

    def __len__(self):
        return len(_types)


#: key -> label of every kind of source, for the label registry (qaweb.core.labels).
LABELS: Mapping[str, str] = _Labels()


def all_types() -> list[SourceType]:
    """Every registered source kind, by label."""
    return sorted(_types.values(), key=lambda s: s.label)


register(SourceType("qa_board", "QA Board"))
register(SourceType("qa_operational_group", "QA Operational Group"))
register(SourceType("learning_log", "Learning log"))
