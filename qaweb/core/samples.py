"""Drawing a month's sample by rules and at random (the case-file audit sample, the
moderation sample): the form's rules and seed fields and the save, once.

The feature keeps its own rules language (``parse_rules``), its size field (cases per team,
a share in per cent) and its draw; this module holds what the two pages do alike::

    class DrawForm(VersionedForm):
        per_team = WholeNumberField(...)
        rules = rules_field("One a line: ...")
        seed = seed_field()

    drawn, problem = save_draw(form, existing, services.parse_rules, draw, ERRORS)
"""

from collections.abc import Callable

from wtforms.validators import NumberRange, Optional

from qaweb.core.forms import MaxLength, TextAreaField, WholeNumberField
from qaweb.core.history import create_or_save_versioned, literal_data, save_versioned
from qaweb.extensions import db


def rules_field(description: str) -> TextAreaField:
    """The optional "Rules" box of a draw form: one rule a line, at most 2,000 characters;
    ``description`` says what the feature's rules look like."""
    return TextAreaField(
        "Rules (optional)", description=description, validators=[MaxLength(2000, "Rules")]
    )


def seed_field() -> WholeNumberField:
    """The optional random seed of a draw form: empty for a new draw, or a stored seed (a
    whole number from 1 to 2**31 - 1) to draw the same sample again."""
    return WholeNumberField(
        "Random seed (optional)",
        description="Leave empty for a new draw; enter a stored seed to draw the same sample",
        validators=[Optional(), NumberRange(1, 2**31 - 1, "The seed must be a positive number")],
    )


def rule_lines(text: str):
    """The rules typed in a draw form's Rules box, one a line: yields ``(number, first word,
    the rest)`` for each line that is not blank, ``number`` counting from 1 with blank lines
    counted (the number a refusal names), the first word and the rest stripped of spaces.
    What the words mean is the feature's rules language."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line:
            first, _, rest = line.partition(" ")
            yield number, first, rest.strip()


def save_draw(
    form,
    existing,
    parse_rules: Callable[[str], object],
    draw: Callable[[object], object],
    errors: tuple[type[Exception], ...],
) -> tuple[bool, str | object | None]:
    """Draw the sample from a validated ``form``: its rules are read with
    ``parse_rules(text)``, and an ``errors`` exception from that is put on the rules field
    (nothing is drawn); then ``draw(rules)`` runs and is committed with
    ``create_or_save_versioned`` (the month's first draw, or a redraw refused when the page
    showed a stale ``existing`` sample). Returns ``(drawn, problem)``: ``drawn`` is True
    when the sample was saved; ``problem`` is the refusal or the error's message, else
    None."""
    try:
        rules = parse_rules(form.rules.data or "")
    except errors as error:
        form.rules.errors.append(str(error))
        return False, None
    problem = create_or_save_versioned(db.session, existing, form, lambda: draw(rules), errors)
    return problem is None, problem


def save_swap(form, line, swap: Callable[[str], object], errors: tuple[type[Exception], ...]):
    """Swap ``line`` out of its sample for the reason typed in a validated ``form``:
    ``swap(reason)`` takes it out and returns the line drawn in its place, or None when
    nothing is left to draw; saved with ``save_versioned`` (refused when the page showed a
    stale ``line``; an ``errors`` exception rolled back and returned as its message).
    Returns ``(problem, replacement)``: ``problem`` None when the swap was saved."""
    made = []
    problem = save_versioned(
        db.session, line, form, lambda: made.append(swap(form.reason.data)), errors
    )
    return problem, (made[0] if made else None)


def logged_rules(field: str, value, rules_text: Callable[[list[dict]], str]):
    """A sample's logged value as people read it (a sample model's ``history_value``): its
    ``rules`` as typed on the draw form (``rules_text``, the feature's), a line a rule and
    "; " between ("every child protection; 1 child in care"), never the stored data; the
    change log holds each rule as its Python text, read back by ``history.literal_data``.
    Any other field's value, or rules it cannot read, as logged."""
    if field != "rules" or not isinstance(value, list):
        return value
    try:
        return "; ".join(rules_text([literal_data(rule) for rule in value]).splitlines())
    except (KeyError, TypeError):
        return value
