"""Bringing in the old log: upload, the row-by-row preview, confirm; the template and the
columns' meanings. Complaints officers and administrators only (the rows hold
complainants' names)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from qaweb.complaints import log_columns, log_import, services
from qaweb.complaints.blueprint import bp
from qaweb.complaints.forms import ConfirmLogImportForm, LogImportForm
from qaweb.core.db import is_unique_violation
from qaweb.core.import_template import send_import_template
from qaweb.core.imports import preview_context, stage_upload
from qaweb.core.permissions import requires
from qaweb.core.text import counted
from qaweb.extensions import db


@bp.route("/import", methods=["GET", "POST"])
@requires(services.sees_personal_data)
def import_log():
    form = LogImportForm()
    if form.validate_on_submit():
        staged = stage_upload(
            form,
            log_import.LIMITS,
            lambda filename, data: log_import.stage(form.kind.data, filename, data, current_user),
        )
        if staged is not None:
            return redirect(url_for(".import_preview", import_id=staged.id))
    return render_template("complaints/import.html", form=form)


@bp.route("/import/<int:import_id>", methods=["GET", "POST"])
@requires(services.sees_personal_data)
def import_preview(import_id):
    staged = db.get_or_404(log_import.ComplaintImport, import_id)
    form = ConfirmLogImportForm()
    problem = None
    if form.validate_on_submit() and staged.applied_at is None:
        try:
            totals = log_import.apply(staged)
            db.session.commit()
        except services.ComplaintError as error:
            db.session.rollback()
            problem = f"Nothing has been imported: {error}"
        except IntegrityError as error:
            db.session.rollback()
            if not is_unique_violation(error):
                raise
            problem = (
                "Nothing has been imported: some of these rows were imported by someone else "
                "a moment ago. Check the file again to see which"
            )
        else:
            if staged.applied_at:
                what = "complaint" if staged.kind == "complaints" else "compliment"
                flash(
                    f"Log imported: {counted(totals['new'], what)} added, "
                    f"{totals['already']} already imported left as they were.",
                    "success",
                )
                return redirect(
                    url_for(".index" if staged.kind == "complaints" else ".compliments")
                )
    return render_template(
        "complaints/import_preview.html",
        staged=staged,
        **preview_context(staged.rows, log_import.totals),
        titles=log_import.TITLES[staged.kind],
        form=form,
        problem=problem,
    )


@bp.get("/import/template-<any(complaints, compliments):kind>.xlsx")
@requires(services.sees_personal_data)
def import_template(kind):
    return send_import_template(
        f"{kind}-log-template.xlsx",
        log_import.KINDS[kind],
        log_columns.template(kind),
        instructions=[
            f"Up to {log_import.MAX_ROWS:,} rows a file. A row whose old reference is already "
            "in qaweb is left as it is, so the same file can be uploaded again.",
        ],
    )


@bp.get("/import/columns")
@requires(services.sees_personal_data)
def import_columns():
    return render_template(
        "complaints/import_columns.html",
        fields=log_columns.FIELDS,
        kinds=log_import.KINDS,
        max_rows=log_import.MAX_ROWS,
    )
