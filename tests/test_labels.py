"""One mapping from stored codes to labels (qaweb.core.labels), used by pages and history."""

import re

import pytest

from qaweb.core import labels
from qaweb.core.db import Base
from qaweb.core.history import Tracked

#: Column names that hold a code from a fixed list, whatever the model.
CODE_COLUMN = re.compile(
    r"^(status|kind|decision|outcome|source|procedure|stage|not_held_reason|"
    r".*_how|.*_type|.*_feedback)$"
)
#: Columns whose names look like codes but hold free text or another record's kind.
NOT_CODES = {
    "qa_response.subject_type",
    "practice_week_material.content_type",
    # As the case-management system names it ("Child in need"), imported as typed.
    "case_file.case_type",
}


def test_every_column_that_stores_a_code_has_labels(app):
    missing = []
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if not issubclass(cls, Tracked):
            continue
        for column in mapper.columns:
            name = f"{cls.__tablename__}.{column.key}"
            if CODE_COLUMN.match(column.key) and name not in NOT_CODES:
                if labels.choices_for(name) is None:
                    missing.append(name)
    assert not missing, f"codes shown without labels: {missing}"
    assert labels.choices_for("setting.key") is not None  # settings are named, not keyed


@pytest.mark.parametrize(
    "code, name, shown",
    [
        ("in_person", "complaint.received_how", "In person"),
        ("child", "complaint.complainant_type", "Child or young person"),
        ("not_held", "observation.status", "Did not take place"),
        ("not_appropriate", "observation.child_feedback", "Not appropriate"),
        ("council_name", "setting.key", "Council name"),
        ("qa_board", "action.source_type", "QA Board"),
        (2, "complaint_stage.stage", "Stage 2: investigation"),
        ("team_manager", "roles", "Team manager"),
        ("some_new_code", "complaint.received_how", "Some new code"),  # never the bare code
        ("Typed by someone", "complaint.received_how", "Typed by someone"),
        (None, "observation.family_feedback", ""),
    ],
)
def test_label(app, code, name, shown):
    assert labels.label(code, name) == shown
