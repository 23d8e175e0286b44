"""Turn a tool version into a Flask-WTF form with GOV.UK widgets, and store its answers.

Each question becomes a field named ``q_<key>``; a section's own grade ``grade_<section>``;
the overall grade and its rationale ``overall_grade`` and ``overall_rationale``. Required
answers are enforced with messages that name the question; a draft saves without them.
"""

import math
import re

from flask_wtf import FlaskForm
from sqlalchemy import delete, insert
from wtforms.validators import ValidationError

from qaweb.core.db import utcnow
from qaweb.core.forms import (
    CheckboxesField,
    DateField,
    MaxLength,
    RadioField,
    Required,
    StringField,
    TextAreaField,
    choices,
)
from qaweb.extensions import db
from qaweb.tools.models import COMPLETED, Answer, Response
from qaweb.tools.schema import (
    AGREE_SCALE,
    OVERALL,
    OVERALL_GRADE,
    OVERALL_RATIONALE,
    SECTION_GRADE,
    YES_PARTLY_NO,
)

FIXED_OPTIONS = {"yes_partly_no": YES_PARTLY_NO, "agree_scale": AGREE_SCALE}


def question_field_name(key: str) -> str:
    return f"q_{key}"


def grade_field_name(section_key: str) -> str:
    return f"grade_{section_key}"


NUMBER = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")


def parse_number(text) -> float | None:
    """A number as people type it (3, 2.5, 1,250); None if it is not one."""
    text = str(text).strip()
    if not NUMBER.match(text):
        return None
    value = float(text.replace(",", ""))
    return value if math.isfinite(value) else None


class _Number:
    def __init__(self, label):
        self.message = f"The answer to '{label}' must be a number, like 3 or 2.5"

    def __call__(self, form, field):
        if field.data in (None, ""):
            return
        if parse_number(field.data) is None:
            raise ValidationError(self.message)


def _required(enforce, message):
    return [Required(message)] if enforce else []


def _question_field(question, level_choices, enforce):
    label = question["label"]
    kind = question["kind"]
    required = enforce and question.get("required")
    hint = question.get("hint") or ""
    pick = f"Select an answer to '{label}'"
    if kind == "grade":
        return RadioField(
            label,
            description=hint,
            choices=level_choices,
            validators=_required(required, f"Select a grade for '{label}'"),
        )
    if kind in FIXED_OPTIONS or kind == "single_choice":
        options = FIXED_OPTIONS.get(kind) or question["options"]
        return RadioField(
            label,
            description=hint,
            choices=choices((o, o) for o in options),
            validators=_required(required, pick),
        )
    if kind == "multiple_choice":
        return CheckboxesField(
            label,
            description=hint,
            choices=choices((o, o) for o in question["options"]),
            validators=_required(required, f"Select at least one answer to '{label}'"),
        )
    if kind == "number":
        return StringField(
            label,
            description=hint,
            validators=[*_required(required, f"Enter a number for '{label}'"), _Number(label)],
        )
    if kind == "date":
        return DateField(
            label,
            description=hint or "For example, 27 3 2026",
            validators=_required(required, f"Enter a date for '{label}'"),
        )
    if kind == "short_text":
        return StringField(
            label,
            description=hint,
            validators=[
                *_required(required, f"Enter an answer to '{label}'"),
                MaxLength(500, f"The answer to '{label}'"),
            ],
        )
    return TextAreaField(
        label,
        description=hint,
        validators=[
            *_required(required, f"Enter an answer to '{label}'"),
            MaxLength(20000, f"The answer to '{label}'"),
        ],
    )


def build_form(
    definition: dict,
    levels,
    *,
    enforce_required: bool = True,
    formdata=None,
    data=None,
    prefix: str = "",
):
    """A form for the tool. ``enforce_required=False`` for saving a draft part-way."""

    class ToolForm(FlaskForm):
        pass

    level_choices = choices((level.id, level.label) for level in levels)
    for section in definition["sections"]:
        if section.get("grade"):
            setattr(
                ToolForm,
                grade_field_name(section["key"]),
                RadioField(
                    f"Grade for {section['title']}",
                    choices=level_choices,
                    validators=_required(
                        enforce_required, f"Select a grade for the section '{section['title']}'"
                    ),
                ),
            )
        for question in section["questions"]:
            setattr(
                ToolForm,
                question_field_name(question["key"]),
                _question_field(question, level_choices, enforce_required),
            )
    if definition.get("overall_grade"):
        ToolForm.overall_grade = RadioField(
            "Overall grade",
            choices=level_choices,
            validators=_required(enforce_required, "Select the overall grade"),
        )
        ToolForm.overall_rationale = TextAreaField(
            "Why this grade",
            description=definition.get("overall_guidance")
            or "The judgement, the action taken and the impact for the child",
            validators=[
                *_required(enforce_required, "Enter why you gave the overall grade"),
                MaxLength(20000, "Why this grade"),
            ],
        )
    kwargs = {"data": data or {}, "prefix": prefix}
    return ToolForm(formdata, **kwargs) if formdata is not None else ToolForm(**kwargs)


def _answer_rows(definition: dict, form, section_key: str | None = None) -> list[dict]:
    rows = []

    def add(section, question_key, kind, value):
        if value in (None, "", []):
            return
        row = {
            "section_key": section,
            "question_key": question_key,
            "value_text": None,
            "value_number": None,
            "value_date": None,
            "grade_level_id": None,
        }
        if kind == "grade":
            row["grade_level_id"] = int(value)
        elif kind == "number":
            row["value_number"] = parse_number(value)
        elif kind == "date":
            row["value_date"] = value
        elif isinstance(value, list):
            for item in value:
                rows.append({**row, "value_text": str(item)})
            return
        else:
            row["value_text"] = str(value)
        rows.append(row)

    for section in definition["sections"]:
        if section_key and section["key"] != section_key:
            continue
        if section.get("grade"):
            add(section["key"], SECTION_GRADE, "grade", form[grade_field_name(section["key"])].data)
        for question in section["questions"]:
            add(
                section["key"],
                question["key"],
                question["kind"],
                form[question_field_name(question["key"])].data,
            )
    if definition.get("overall_grade") and section_key in (None, OVERALL):
        add(OVERALL, OVERALL_GRADE, "grade", form.overall_grade.data)
        add(OVERALL, OVERALL_RATIONALE, "long_text", form.overall_rationale.data)
    return rows


def save_answers(
    response: Response, form, *, complete: bool = False, by=None, section_key: str | None = None
) -> None:
    """Store the form's answers, one row each (all of them, or one section's)."""
    definition = response.tool_version.definition
    rows = _answer_rows(definition, form, section_key)
    stmt = delete(Answer).where(Answer.response_id == response.id)
    if section_key:
        stmt = stmt.where(Answer.section_key == section_key)
    db.session.execute(stmt)
    if rows:
        db.session.execute(insert(Answer), [{**r, "response_id": response.id} for r in rows])
    if complete:
        response.status = COMPLETED
        response.completed_at = utcnow()
        response.completed_by_id = by.id if by else None
    else:
        response.updated_at = utcnow()  # a saved draft moves the version on
    db.session.flush()
    db.session.expire(response, ["answers"])


def form_data(response: Response) -> dict:
    """Stored answers as form data, to reopen a draft or show a completed form."""
    definition = response.tool_version.definition
    kinds = {q["key"]: q["kind"] for s in definition["sections"] for q in s["questions"]}
    data: dict = {}
    for answer in response.answers:
        if answer.question_key == SECTION_GRADE:
            data[grade_field_name(answer.section_key)] = str(answer.grade_level_id)
        elif answer.question_key in (OVERALL_GRADE, OVERALL_RATIONALE):
            data[answer.question_key] = (
                str(answer.grade_level_id) if answer.grade_level_id else answer.value_text
            )
        else:
            kind = kinds.get(answer.question_key)
            name = question_field_name(answer.question_key)
            if kind == "grade":
                data[name] = str(answer.grade_level_id)
            elif kind == "number":
                value = answer.value_number
                data[name] = (
                    str(int(value)) if value is not None and value.is_integer() else str(value)
                )
            elif kind == "date":
                data[name] = answer.value_date
            elif kind == "multiple_choice":
                data.setdefault(name, []).append(answer.value_text)
            else:
                data[name] = answer.value_text
    return data


def section_fields(definition: dict, form, section: dict) -> list:
    """The fields of one section, in order, for the template."""
    fields = [form[question_field_name(q["key"])] for q in section["questions"]]
    if section.get("grade"):
        fields.append(form[grade_field_name(section["key"])])
    return fields
