"""One mapping from the codes qaweb stores to the words people read.

A model says which of its columns hold codes, and their labels, in ``__history_values__``
(``{"received_how": HOW}``, where ``HOW = {"in_person": "In person", ...}`` is the same dict
its form's choices come from). Everything else that shows a code (settings, roles) registers
here with :func:`register`. Pages (the ``label`` filter), the change history and exports all
ask :func:`label`, so a code is never shown where a label belongs ("in_person", "child",
"council_name").
"""

import re
from collections.abc import Mapping

#: Extra labels registered by name: "setting.key" -> {code: label}.
_REGISTERED: dict[str, Mapping] = {}
_SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
#: The models' labels, read once per set of mapped classes (a list page asks per row).
_cache: dict[int, dict[str, Mapping]] = {}


def register(name: str, choices: Mapping) -> None:
    """Register the labels of the codes stored under ``name`` ("table.field", or a field
    name shared by every table that stores it)."""
    _REGISTERED[name] = choices


def _model_labels() -> dict[str, Mapping]:
    """``table.field`` -> labels, read from every model's ``__history_values__``."""
    from qaweb.core.db import Base

    mappers = Base.registry.mappers
    if len(mappers) not in _cache:
        found: dict[str, Mapping] = {}
        for mapper in mappers:
            cls = mapper.class_
            for field, choices in getattr(cls, "__history_values__", {}).items():
                found[f"{cls.__tablename__}.{field}"] = choices
        _cache.clear()
        _cache[len(mappers)] = found
    return _cache[len(mappers)]


def choices_for(name: str) -> Mapping | None:
    """The labels of the codes stored under ``name``: "complaint.received_how" or
    "received_how"; None when no table registers it."""
    table_labels = _model_labels()
    if name in _REGISTERED:
        return _REGISTERED[name]
    if name in table_labels:
        return table_labels[name]
    if "." not in name:  # a field name: the first table storing it under that name
        for key, choices in table_labels.items():
            if key.endswith(f".{name}"):
                return choices
    return None


def humanise(code: str) -> str:
    """The last resort for a code nobody labelled: "in_person" -> "In person"."""
    return code.replace("_", " ").capitalize()


def label(code, name: str, default: str | None = None) -> str:
    """The label of ``code`` as stored under ``name`` ("complaint.received_how").

    Returns ``default`` (or "") for a blank code; a code without a label is humanised if it
    looks like one ("some_code"), otherwise returned as written (free text stays as typed).
    """
    if code is None or code == "":
        return "" if default is None else default
    choices = choices_for(name) or {}
    if code in choices:
        found = choices[code]
        return found[0] if isinstance(found, tuple) else found
    if isinstance(code, str) and _SNAKE.match(code):
        return humanise(code)
    return str(code)


def all_codes() -> set:
    """Every code the registry labels (for tests that look for codes shown as text)."""
    codes = set()
    for choices in [*_REGISTERED.values(), *_model_labels().values()]:
        codes.update(choices)
    return codes
