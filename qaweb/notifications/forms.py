from flask_wtf import FlaskForm

from qaweb.core.forms import RadioField, SelectField, SubmitField, choices
from qaweb.core.lists import FilterForm
from qaweb.core.notify import CHOICES, KINDS, STATUSES, SYSTEM_KINDS


def preferences_form(data: dict):
    """A form with one radio group per kind of message (only the choices the kind allows)
    and the digest hour."""

    class PreferencesForm(FlaskForm):
        digest_hour = SelectField(
            "Send my daily email at",
            choices=choices((h, f"{h % 12 or 12}{'am' if h < 12 else 'pm'}") for h in range(24)),
        )
        submit = SubmitField("Save preferences")

    for kind, spec in KINDS.items():
        setattr(
            PreferencesForm,
            kind,
            RadioField(
                spec.label,
                choices=choices((c, CHOICES[c]) for c in spec.choices),
                description=spec.hint,
            ),
        )
    return PreferencesForm(data=data)


class OutboxFilterForm(FilterForm):
    status = SelectField(
        "Status", choices=choices(STATUSES.items(), blank="Any status"), default=""
    )
    kind = SelectField(
        "Kind",
        choices=choices(
            [(k, v.label) for k, v in KINDS.items()] + list(SYSTEM_KINDS.items()),
            blank="Any kind",
        ),
        default="",
    )
