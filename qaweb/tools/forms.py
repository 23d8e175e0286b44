from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired
from wtforms import FieldList, FormField

from qaweb.core.forms import (
    FileField,
    HiddenField,
    MaxLength,
    SelectField,
    StringField,
    SubmitField,
    VersionedForm,
    choices,
)
from qaweb.core.grading import COLOURS


class UploadToolForm(FlaskForm):
    file = FileField(
        "Tool file",
        description="A .yaml file describing one version of a tool",
        validators=[
            FileRequired("Select a tool file"),
            FileAllowed(["yaml", "yml"], "The tool file must be a .yaml file"),
        ],
    )
    submit = SubmitField("Upload and check")


class ConfirmForm(FlaskForm):
    """A bare button with its CSRF token."""


class LevelForm(FlaskForm):
    class Meta:
        csrf = False

    level_id = HiddenField()
    label = StringField("Label", validators=[MaxLength(60, "Label")])
    colour = SelectField("Colour", choices=choices(COLOURS.items()))


class GradingScaleForm(VersionedForm):
    levels = FieldList(FormField(LevelForm), min_entries=0)
    new_label = StringField(
        "Add a level",
        description="Optional. It is added at the bottom of the scale (the lowest grade)",
        validators=[MaxLength(60, "New level")],
    )
    new_colour = SelectField("Colour of the new level", choices=choices(COLOURS.items()))
    submit = SubmitField("Save grading scale")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        seen = set()
        for number, entry in enumerate(self.levels.entries, start=1):
            label = (entry.form.label.data or "").strip().lower()
            if not label:
                entry.form.label.errors.append(f"Enter a label for level {number}")
                valid = False
            elif label in seen:
                entry.form.label.errors.append(f"Level {number} has the same label as another")
                valid = False
            seen.add(label)
        new = (self.new_label.data or "").strip().lower()
        if new and new in seen:
            self.new_label.errors.append("There is already a level with this label")
            valid = False
        # WTForms caches nested errors during validate(): refresh them so the summary shows ours.
        for entry in self.levels.entries:
            entry.form._errors = None
        self.levels.errors = [entry.errors for entry in self.levels.entries]
        self._errors = None
        return valid
