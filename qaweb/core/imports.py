"""The steps every spreadsheet import shares: upload, check, preview, confirm.

An import (the case list, the staff list, the complaints and compliments logs) reads the
uploaded file (``qaweb.core.spreadsheets``), checks each row and stages the rows with their
problems and outcome (``{"problems": [str, ...], "outcome": "new" | "update" | ...}``) for a
preview; the person confirms and every row is saved, or nothing. The feature keeps its own
rules (what a row means, which outcomes there are); this module holds the steps around them.
A file with nothing under its header row is refused at the upload (``keep``), never staged
for a preview that could only offer to import nothing.

Use::

    form = ImportForm()
    if form.validate_on_submit():
        staged = stage_upload(
            form, staff_import.LIMITS, lambda name, data: staff_import.stage(name, data, user)
        )
        if staged is not None:
            return redirect(url_for(".import_preview", import_id=staged.id))

and on the preview page, ``confirm_import(form, staged, staff_import.apply)`` and
``render_template(..., **preview_context(staged.rows, staff_import.totals))``.
"""

from collections.abc import Callable, Iterable, Mapping

from flask_wtf.file import FileAllowed, FileRequired

from qaweb.core import spreadsheets
from qaweb.core.forms import FileField
from qaweb.extensions import db


def upload_field(label: str, what: str, description: str, missing: str = "") -> FileField:
    """The file field of an import form: required (``missing``, by default "Select a {what}
    file") and an .xlsx or .csv file ("The {what} must be an .xlsx or .csv file"); ``what``
    in lower case, as it reads inside a sentence ("case list", "staff list")."""
    return FileField(
        label,
        description=description,
        validators=[
            FileRequired(missing or f"Select a {what} file"),
            FileAllowed(["xlsx", "csv"], f"The {what} must be an .xlsx or .csv file"),
        ],
    )


#: The refusal of a file whose header row has no rows under it (``keep``).
NO_ROWS = "The file has no rows under its header row. Add the rows and upload the file again"


def stage_upload(
    form, limits: spreadsheets.Limits, stage: Callable[[str, bytes], object], field=None
):
    """Read the file uploaded in ``field`` (by default ``form.file``) within ``limits`` and
    stage it with ``stage(filename, data)``, which returns the staged import (a model row it
    has added and flushed, ``keep``) or raises ``spreadsheets.SpreadsheetError`` when the file
    as a whole cannot be read or has no rows (``NO_ROWS``). On success the transaction is
    committed and the staged import returned; on a refusal the message is added to the
    field's errors (shown on the field and in the error summary), nothing is committed, and
    None is returned, so the view shows the form again."""
    field = form.file if field is None else field
    upload = field.data
    try:
        data = spreadsheets.read_upload(upload, limits)
        staged = stage(upload.filename, data)
    except spreadsheets.SpreadsheetError as error:
        field.errors = [*field.errors, str(error)]
        return None
    db.session.commit()
    return staged


def confirm_import(form, staged, apply: Callable[[object], dict]) -> dict | None:
    """The preview's "Import" button: when ``form`` is validly submitted and ``staged`` is
    not applied yet, ``apply(staged)`` (which saves every row, or none when a row has a
    problem now) and commit. Returns the totals ``apply`` gave when the import was applied,
    for the message; None when nothing was submitted, it was applied before, or a row
    stopped it (the preview then shows the rows' problems)."""
    if not form.validate_on_submit() or staged.applied_at is not None:
        return None
    totals = apply(staged)
    db.session.commit()
    return totals if staged.applied_at else None


def keep(model, filename: str, rows: list[dict], uploaded_by, **values):
    """Keep checked ``rows`` for the preview: a new ``model`` (an import table with
    ``filename``, ``uploaded_by_id`` and ``rows`` columns, and ``values`` for any others),
    added to the session and flushed so it has its id. The filename is cut to 255
    characters, the column's size: a browser may send a longer one.

    Raises ``spreadsheets.SpreadsheetError`` (``NO_ROWS``), keeping nothing, when ``rows`` is
    empty: a file of its header row alone (a template uploaded as downloaded) has nothing to
    preview or import."""
    if not rows:
        raise spreadsheets.SpreadsheetError(NO_ROWS)
    staged = model(filename=filename[:255], uploaded_by_id=uploaded_by.id, rows=rows, **values)
    db.session.add(staged)
    db.session.flush()
    return staged


def too_long(row: Mapping[str, str], lengths: Mapping[str, int], headers: Mapping[str, str]):
    """The problems of one row's cells that are longer than the model's column: for each
    ``key, limit`` in ``lengths`` (characters) whose text passes it, "{header} must be
    {limit} characters or fewer" with the column's title from ``headers``."""
    return [
        f"{headers[key]} must be {limit} characters or fewer"
        for key, limit in lengths.items()
        if len(row[key]) > limit
    ]


def outcome_totals(rows: Iterable[Mapping], outcomes: Iterable[str]) -> dict[str, int]:
    """How many checked rows would have each outcome, and how many have problems: a dict
    with a count for each of ``outcomes`` (in that order) and ``problem_rows``. A row with
    problems counts only as a problem row, whatever its outcome."""
    result = dict.fromkeys(outcomes, 0)
    result["problem_rows"] = 0
    for r in rows:
        if r["problems"]:
            result["problem_rows"] += 1
        else:
            result[r["outcome"]] += 1
    return result


def preview_context(rows: list[Mapping], totals: Callable[[list], dict]) -> dict:
    """What an import's preview page shows of the staged ``rows``: ``rows``,
    ``problem_rows`` (those with problems, in file order) and ``totals`` (``totals(rows)``),
    as keyword arguments for ``render_template``."""
    return {
        "rows": rows,
        "problem_rows": [r for r in rows if r["problems"]],
        "totals": totals(rows),
    }
