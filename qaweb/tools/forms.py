from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileRequired
from wtforms import FieldList, FormField
from wtforms.validators import ValidationError

from qaweb.core.forms import (
    FileField,
    HiddenField,
    MaxLength,
    SelectField,
    StringField,
    SubmitField,
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


class GradingScaleForm(FlaskForm):
    version = HiddenField()
    levels = FieldList(FormField(LevelForm), min_entries=0)
    new_label = StringField(
        "Add a level",
        description="Optional. It is added at the bottom of the scale (the lowest grade)",
        validators=[MaxLength(60, "New level")],
    )
    new_colour = SelectField("Colour of the new level", choices=choices(COLOURS.items()))
    submit = SubmitField("Save grading scale")

    def validate_levels(self, field):
        labels = [entry.form.label.data.strip().lower() for entry in field.entries]
        if any(not label for label in labels):
            raise ValidationError("Every level needs a label")
        if len(set(labels)) != len(labels):
            raise ValidationError("Two levels have the same label")

    def validate_new_label(self, field):
        labels = {entry.form.label.data.strip().lower() for entry in self.levels.entries}
        if field.data and field.data.strip().lower() in labels:
            raise ValidationError("There is already a level with this label")
