"""Form fields with GOV.UK widgets and GOV.UK-style error messages."""

import re
import sys
from datetime import date

import wtforms
from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.csrf import _FlaskFormCSRF
from govuk_frontend_wtf.gov_form_base import GovFormBase
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from qaweb.core.lists import MAX_ID
from qaweb.core.text import clean_identifier, clean_text

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

__all__ = [
    "SelectChoice",
    "StringField",
    "IdentifierField",
    "TextAreaField",
    "PasswordField",
    "SelectField",
    "IdSelectField",
    "RadioField",
    "CheckboxesField",
    "BooleanField",
    "DateField",
    "WholeNumberField",
    "FileField",
    "HiddenField",
    "SubmitField",
    "Required",
    "Email",
    "MaxLength",
    "choices",
    "OnceForm",
    "VersionedForm",
    "NotInFuture",
    "reason_form",
    "decision_form",
]


class _ExpiredFormCSRF(_FlaskFormCSRF):
    """Flask-WTF's form token check, saying in plain words what happened when it fails.

    CSRFProtect refuses such a post first; its error handler shows the form again (see
    core.errors) and this is the message the form's error summary then gives.
    """

    def validate_csrf_token(self, form, field):
        try:
            super().validate_csrf_token(form, field)
        except ValidationError:
            from flask import current_app, request

            from qaweb.core.errors import FORM_EXPIRED

            if request.endpoint == current_app.login_manager.login_view:
                raise ValidationError("The sign-in form had expired. Sign in again.") from None
            raise ValidationError(FORM_EXPIRED) from None


FlaskForm.Meta.csrf_class = _ExpiredFormCSRF


def choices(pairs, blank: str | None = None) -> list[SelectChoice]:
    """SelectChoice objects from (value, label) pairs, with an optional blank first option."""
    items = [SelectChoice("", blank)] if blank is not None else []
    items.extend(SelectChoice(str(value), label) for value, label in pairs)
    return items


class Required:
    """The field must be filled in: 'Enter …' or 'Select …' in the GOV.UK way."""

    field_flags = {"required": True}

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        """Stop validation with the message when the field is empty (blank text, no choice, an
        unticked box); a message from reading the input is kept instead."""
        data = field.data
        if isinstance(data, str):
            data = data.strip()
        if data in (None, "", [], False):
            if field.errors:
                # Keep the more precise message from reading the input ("must be a real date").
                raise StopValidation()
            raise StopValidation(self.message)


class Email:
    """The text, if given, is an email address: "Enter an email address in the correct format"."""

    def __init__(
        self, message="Enter an email address in the correct format, like name@example.org"
    ):
        self.message = message

    def __call__(self, form, field):
        """Raise ValidationError when the text is not an email address (``EMAIL_PATTERN``)."""
        if field.data and not EMAIL_PATTERN.match(field.data.strip()):
            raise ValidationError(self.message)


class MaxLength:
    """At most ``maximum`` characters, a line break counting as one (as the character count
    on the page counts it: browsers post a line break as CR LF)."""

    def __init__(self, maximum: int, name: str):
        self.maximum = maximum
        self.message = f"{name} must be {maximum} characters or fewer"

    def __call__(self, form, field):
        """Raise ValidationError when the text has more than ``maximum`` characters."""
        if field.data and len(with_lf_line_breaks(field.data)) > self.maximum:
            raise ValidationError(self.message)


def with_lf_line_breaks(text: str) -> str:
    """``text`` with each line break (CR LF, CR or LF) as one LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def max_length(field) -> int | None:
    """The field's MaxLength limit, if it has one."""
    return next((v.maximum for v in field.validators if isinstance(v, MaxLength)), None)


class LimitedTextArea(GovTextArea):
    """A GOV.UK textarea; with a MaxLength, the GOV.UK character count, so the limit shows
    while typing instead of only after saving."""

    def __call__(self, field, **kwargs):
        limit = max_length(field)
        if limit is None:
            return super().__call__(field, **kwargs)
        kwargs["params"] = {**kwargs.get("params", {}), "maxlength": limit}
        return GovCharacterCount()(field, **kwargs)


def _cleaned(valuelist, clean):
    return [clean(v) if isinstance(v, str) else v for v in valuelist]


class StringField(wtforms.StringField):
    """One line of text, cleaned where it enters (see qaweb.core.text): no control
    characters, no surrounding spaces. A line break is refused: a text input cannot hold
    one, so it came from a paste or a script, and the writers would show it differently.

    A field with the Email validator is an identifier: invisible characters copied with
    the address (zero-width spaces, direction marks) are removed too.
    """

    widget = GovTextInput()
    #: Clean as an identifier (email, reference, case number); see IdentifierField.
    identifier = False

    def process_formdata(self, valuelist):
        """Read the posted text cleaned (``clean_text``, or ``clean_identifier`` for identifiers and
        emails) and stripped; raises ValueError ("... must be on one line") for a line break."""
        identifier = self.identifier or any(isinstance(v, Email) for v in self.validators)
        # Word's line and page breaks (vertical tab, form feed) in one line read as spaces.
        valuelist = _cleaned(valuelist, lambda v: v.replace("\x0b", " ").replace("\x0c", " "))
        super().process_formdata(
            _cleaned(valuelist, clean_identifier if identifier else clean_text)
        )
        if isinstance(self.data, str):
            self.data = self.data.strip()
            if "\n" in self.data:
                raise ValueError(f"{self.label.text} must be on one line")


class IdentifierField(StringField):
    """An email address, reference or case number: compared and searched as typed, so the
    invisible characters copying adds are removed (qaweb.core.text.clean_identifier)."""

    identifier = True


class TextAreaField(wtforms.TextAreaField):
    r"""Text of several lines, cleaned where it enters: line breaks as ``\n`` (a Windows
    CRLF counts as one character), Word's vertical tabs and form feeds as line breaks, no
    other control characters (qaweb.core.text.clean_text)."""

    widget = LimitedTextArea()

    def process_formdata(self, valuelist):
        """Read the posted text cleaned (``clean_text``)."""
        super().process_formdata(_cleaned(valuelist, clean_text))


class PasswordField(wtforms.PasswordField):
    """A password input in the GOV.UK style."""

    widget = GovPasswordInput()


class MarkupCache(dict):
    """Markup remembered by a hashable key (``_params_key``): at most ``size`` entries, the
    oldest dropped first, and none of ``longest`` characters or more, so a long-running
    process stays small. Shared by the GOV.UK widgets here and the GOV.UK macros
    (``core.templating``)."""

    def __init__(self, size: int, longest: int = 20_000):
        super().__init__()
        self.size, self.longest = size, longest

    def keep(self, key, markup: Markup) -> None:
        """Remember ``markup`` under ``key`` (nothing when ``key`` is None or it is long)."""
        if key is None or len(markup) >= self.longest:
            return
        if len(self) >= self.size:
            try:
                self.pop(next(iter(self)), None)
            except (RuntimeError, StopIteration):  # another thread changed it meanwhile
                pass
        self[key] = markup


_WIDGET_CACHE = MarkupCache(512)


def _render_widget(widget, params) -> Markup:
    """A GOV.UK widget's markup: its template (``{{ govukSelect(params) }}``…) rendered
    with ``params`` alone; the same params give the same markup, kept for the next time.

    govuk-frontend-wtf renders each field with Flask's ``render_template``, which runs every
    context processor for it (the navigation, the council's name, the person's roles) and
    sends the template signals: about 1 ms a field, several ms a list's filter form, for
    values its templates never read (the GOV.UK macros need only ``params``). A list's filter
    fields come back with the same params page after page (the same choices, the same
    selection), so their markup is remembered, keyed by the params as JSON: at most
    512 entries, the oldest dropped first, and only params of plain values
    (anything else, such as a lazy string, is rendered each time).
    """
    try:
        key = (widget.template, _params_key(params))
    except TypeError:
        key = None
    if key is not None and (markup := _WIDGET_CACHE.get(key)) is not None:
        return markup
    markup = Markup(current_app.jinja_env.get_template(widget.template).render(params=params))
    _WIDGET_CACHE.keep(key, markup)
    return markup


def _params_key(value):
    """``value`` (a widget's params) as a hashable key; Markup kept apart from plain text
    (the macros escape one and not the other). TypeError for anything else."""
    if isinstance(value, Markup):
        return ("markup", str(value))
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):  # bool too: True and 1 must not be one key
        return (type(value).__name__, repr(value))
    if isinstance(value, dict):
        return tuple(sorted((str(k), _params_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("list", *(_params_key(v) for v in value))
    raise TypeError(type(value).__name__)


GovFormBase.render = _render_widget


_OPTIONS = "__qaweb_options__"
_OPTION_SLOT = re.compile(rf'<option value="{_OPTIONS}"[^>]*>{_OPTIONS}</option>')


class LongGovSelect(GovSelect):
    """GovSelect, with the options written in Python when there are many of them.

    The GOV.UK macro costs about half a millisecond per option; a list of every member of
    staff has thousands. The macro still draws the label, hint, errors and <select>; the
    options (the same markup it would write) go into one slot in its output.
    """

    LONG = 40

    def __call__(self, field, **kwargs):
        if len(field.choices or ()) <= self.LONG:
            return super().__call__(field, **kwargs)
        key = _options_key(field)
        options = _OPTIONS_CACHE.get(key) if key is not None else None
        if options is None:
            options = "".join(
                f'<option value="{escape(value)}"{" selected" if selected else ""}>'
                f"{escape(label)}</option>"
                for value, label, selected, _ in field.iter_choices()
            )
            if key is not None:
                if len(_OPTIONS_CACHE) >= _OPTIONS_CACHE_SIZE:
                    try:
                        _OPTIONS_CACHE.pop(next(iter(_OPTIONS_CACHE)), None)
                    except (RuntimeError, StopIteration):  # another thread changed it
                        pass
                _OPTIONS_CACHE[key] = options
        proxy = _FieldProxy(field, lambda: [(_OPTIONS, _OPTIONS, False, {})])
        html = super().__call__(proxy, **kwargs)
        return Markup(_OPTION_SLOT.sub(lambda _: options, html, count=1))


_OPTIONS_CACHE: dict = {}
_OPTIONS_CACHE_SIZE = 32


def _options_key(field):
    """What a long select's options depend on, as a key: the options (value and label), the
    chosen value and how a value is read (``coerce``); None when an option has anything else
    (attributes, a group) or a value or label that is not plain text or a number.

    The options of a list's filters (every team, every member of staff) come back the same
    page after page; writing them out costs about 2 microseconds an option (thousands on
    some pages), the key a tenth of that, so their markup is remembered (at most
    ``_OPTIONS_CACHE_SIZE`` sets, the oldest dropped first).
    """
    items = []
    for choice in field.choices:
        if isinstance(choice, SelectChoice):
            if choice.render_kw or choice.optgroup is not None:
                return None
            value, label = choice.value, choice.label
        elif type(choice) is tuple and len(choice) == 2:
            value, label = choice
        else:
            return None
        if type(label) is not str or type(value) not in _PLAIN:
            return None
        items.append((value, label))
    data = field.data
    if type(data) not in _PLAIN:
        return None
    return (field.coerce, type(data), data, tuple(items))


_PLAIN = (str, int, type(None))


class _FieldProxy:
    """The field as the widget sees it, with one placeholder option."""

    def __init__(self, field, iter_choices):
        self._field = field
        self.iter_choices = iter_choices

    def __getattr__(self, name):
        return getattr(self._field, name)


def _only_offered(pre_validate, form):
    """A value that is not one of the options stops validation there: no other check (a
    ``validate_*`` method that reads it as an id) ever sees it."""
    try:
        pre_validate(form)
    except ValidationError as error:
        raise StopValidation(error.args[0]) from None


class SelectField(wtforms.SelectField):
    """A GOV.UK select; a value that is not one of the options is refused with "Select one of the
    options"."""

    widget = LongGovSelect()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", "Select one of the options")
        kwargs.setdefault("invalid_value_message", "Select one of the options")
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        """Refuse a value that is not offered; nothing chosen is left to Required."""
        if self.data in (None, ""):
            return  # nothing chosen: Required says so in its own words, if it is required
        _only_offered(super().pre_validate, form)


def _id_or_none(value):
    """A posted or stored record id as an int; None for the blank option."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()):
        raise ValueError(text)
    return int(text)


class IdSelectField(SelectField):
    """A choice of one record by its id: ``data`` is the chosen id (int) or None when the
    blank option is chosen. Set it with an id (``form.team_id.data = user.team_id``) and
    read it as one; choices are ``choices(((record.id, label), ...), blank=...)``.
    Anything posted that is not an offered id: "Select one of the options".
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs["coerce"] = _id_or_none
        super().__init__(label, validators, **kwargs)


class RadioField(wtforms.RadioField):
    """GOV.UK radios; a value that is not one of the options is refused with "Select one of the
    options"."""

    widget = GovRadioInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", "Select one of the options")
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        """Refuse a value that is not offered; nothing chosen is left to Required."""
        if self.data in (None, ""):
            return
        _only_offered(super().pre_validate, form)


class CheckboxesField(wtforms.SelectMultipleField):
    """GOV.UK checkboxes for a list of values, each one of the options."""

    widget = GovCheckboxesInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("invalid_choice_message", "Select only the options shown")
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form):
        """Stop validation with "Select only the options shown" when a value is not offered."""
        try:
            super().pre_validate(form)
        except ValidationError:
            raise StopValidation("Select only the options shown") from None


class BooleanField(wtforms.BooleanField):
    """One GOV.UK checkbox."""

    widget = GovCheckboxInput()


class FileField(wtforms.FileField):
    """A GOV.UK file upload."""

    widget = GovFileInput()


class HiddenField(wtforms.HiddenField):
    """A hidden input."""

    pass


class SubmitField(wtforms.SubmitField):
    """A GOV.UK button."""

    widget = GovSubmitInput()


class WholeNumberField(wtforms.IntegerField):
    """A whole number typed in a GOV.UK text input (not type=number, as GOV.UK advises).

    Left empty it is None (Optional, or a cross-field check, says if that is wrong).
    """

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        """Read the posted text as an int (None for empty); raises ValueError ("... must be a whole
        number, like 4") for anything else and for a number beyond ``MAX_ID``."""
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        text = str(valuelist[0]).strip() if valuelist else ""
        number = text.removeprefix("-")
        if not (number.isascii() and number.isdigit()):
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 4")
        self.data = int(text)
        if abs(self.data) > MAX_ID:
            # Beyond what the database's integer columns hold.
            self.data = None
            raise ValueError(f"{self.label.text} must be {MAX_ID:,} or less")


class DateField(wtforms.Field):
    """Day, month and year boxes (GOV.UK date input) read into a ``date``."""

    widget = GovDateInput()

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        """Read the day, month and year boxes into a ``date`` (None when all are empty); raises
        ValueError ("... must include a month", "... must be a real date") for a part missing, a
        date that does not exist or a year outside 1900 to 2200."""
        if not valuelist:
            self.raw_data = None  # the GOV.UK widget then shows the stored value
            return
        parts = [str(v).strip() for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        name = self.label.text
        if not all(parts):
            missing = [
                n for n, p in zip(("a day", "a month", "a year"), parts, strict=True) if not p
            ]
            raise ValueError(f"{name} must include {' and '.join(missing)}")
        try:
            # ASCII digits only: int() also reads "1_000" and other scripts' digits.
            if not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
                raise ValueError
            day, month, year = (int(p) for p in parts)
            if year < 1900 or year > 2200:
                raise ValueError
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            raise ValueError(f"{name} must be a real date") from None


class NotInFuture:
    """The date, if given, is today or earlier (London time): "{name} must be today or in
    the past"."""

    def __init__(self, name: str):
        self.message = f"{name} must be today or in the past"

    def __call__(self, form, field):
        """Raise ValidationError when the date is after today in London."""
        from qaweb.core.timefmt import today_london

        if field.data and field.data > today_london():
            raise ValidationError(self.message)


# -- versioned edits ---------------------------------------------------------------------------


class VersionedForm(FlaskForm):
    """A form that changes a versioned record: it carries the version the page was showing
    (``{{ form.version }}`` in the template), read by ``qaweb.core.history.save_versioned``
    and ``core.steps`` to refuse a stale save."""

    version = HiddenField()


def reason_form(
    question: str,
    missing: str,
    maximum: int = 2000,
    submit: str | None = None,
    name: str = "CancelForm",
) -> type[VersionedForm]:
    """A versioned form asking why (cancel, withdraw, extend): ``reason``, required
    (``missing`` is the message when empty) and at most ``maximum`` characters, with an
    optional submit button labelled ``submit``. The class is called ``name`` and belongs
    to the calling module (as ``collections.namedtuple`` does), so it reads as that
    feature's form in tracebacks and in the stale-edit cases."""

    class ReasonForm(VersionedForm):
        reason = TextAreaField(
            question, validators=[Required(missing), MaxLength(maximum, "Reason")]
        )

    if submit is not None:
        ReasonForm.submit = SubmitField(submit)
    ReasonForm.__name__ = ReasonForm.__qualname__ = name
    ReasonForm.__module__ = sys._getframe(1).f_globals.get("__name__", __name__)
    return ReasonForm


def decision_form(approve: str, give_back: str, missing: str, comes_back: str) -> type[FlaskForm]:
    """The QA Board's decision on a paper submitted for sign-off (``core.signoff``: the
    terms of reference of a thematic audit, the quarterly QA report): ``decision`` is
    "approve" or "return" (labelled ``approve`` and ``give_back``; ``missing`` is the message
    when neither is chosen), and ``comments``, at most 5,000 characters, required when
    returning (the message says what needs to change "before ``comes_back``": "the report
    comes back"). The class is called DecisionForm and belongs to the calling module, as
    ``reason_form``'s does."""

    class DecisionForm(FlaskForm):
        decision = RadioField(
            "Your decision",
            choices=choices([("approve", approve), ("return", give_back)]),
            validators=[Required(missing)],
        )
        comments = TextAreaField(
            "Comments",
            description="Required when returning: say what needs to change",
            validators=[MaxLength(5000, "Comments")],
        )
        submit = SubmitField("Record the decision")

        def validate_comments(self, field):
            if self.decision.data == "return" and not (field.data or "").strip():
                raise ValidationError(f"Enter what needs to change before {comes_back}")

    DecisionForm.__module__ = sys._getframe(1).f_globals.get("__name__", __name__)
    return DecisionForm


# -- create forms save once ------------------------------------------------------------------


def _new_form_key() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class OnceForm(FlaskForm):
    """A form that creates a record: it carries a one-time key (``{{ form.form_key }}`` in
    the template) so that pressing Save twice, or a resent post, saves once. The view
    claims the key with ``qaweb.core.submissions.repeat_of`` and notes the new record's
    page with ``submissions.saved``. A form drawn again after an error keeps its key.
    """

    form_key = HiddenField(default=_new_form_key)
