"""Filling in a tool: any module's response, saved a section at a time or all at once."""

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from qaweb.core import grading
from qaweb.core.db import utcnow
from qaweb.core.errors import FORM_EXPIRED
from qaweb.core.history import StaleEditError, check_version, stale_refusal
from qaweb.core.htmx import is_htmx, render
from qaweb.core.permissions import get_or_403
from qaweb.core.timefmt import format_datetime
from qaweb.extensions import db
from qaweb.tools import renderer, subjects
from qaweb.tools.models import Response

bp = Blueprint("responses", __name__, url_prefix="/responses")


def _context(response, form, **extra):
    version = response.tool_version
    return {
        "response": response,
        "version": version,
        "definition": version.definition,
        "form": form,
        "levels": grading.levels(include_inactive=True),
        "renderer": renderer,
        "can_fill": subjects.can_fill(current_user, response),
        "back_url": (subjects.get(response.subject_type).back_url or (lambda r: None))(response),
        **extra,
    }


@bp.get("/<int:response_id>")
@login_required
def show(response_id):
    response = get_or_403(Response, response_id, subjects.can_view)
    form = renderer.build_form(
        response.tool_version.definition,
        grading.levels(include_inactive=True),
        data=renderer.form_data(response),
    )
    return render_template("tools/response.html", **_context(response, form))


@bp.post("/<int:response_id>")
@login_required
def save(response_id):
    """Save a draft, one section (htmx or not), or complete the form."""
    response = get_or_403(Response, response_id, subjects.can_fill)
    section_key = request.form.get("save_section") or None
    completing = request.form.get("action") == "complete" and not section_key
    definition = response.tool_version.definition
    known = {s["key"] for s in definition["sections"]}
    if definition.get("overall_grade"):
        known.add("overall")
    if section_key and section_key not in known:
        abort(400)
    form = renderer.build_form(
        definition,
        grading.levels(include_inactive=True),
        enforce_required=completing,
        formdata=request.form,
    )
    problem = None
    saved = False
    if section_key:
        # Only this section's answers are checked and saved; the rest may still be empty.
        section = next((s for s in definition["sections"] if s["key"] == section_key), None)
        fields = (
            renderer.section_fields(definition, form, section)
            if section
            else [form.overall_grade, form.overall_rationale]
        )
        valid = all([field.validate(form) for field in fields])  # CSRFProtect checked the post
    else:
        valid = form.validate()
    if g.get("qaweb_unchecked_post"):
        # The form token was refused (core.errors shows the form again): save nothing.
        valid, problem = False, FORM_EXPIRED
    if valid:
        try:
            check_version(db.session, response, request.form.get("version"))
        except StaleEditError:
            # Keep what this person typed; the page's version field now carries the current
            # version (response.version), so pressing Save again saves.
            problem = stale_refusal(db.session, response, request.form.get("version"))
        else:
            renderer.save_answers(
                response, form, complete=completing, by=current_user, section_key=section_key
            )
            hook = subjects.get(response.subject_type).on_complete
            if completing and hook:
                hook(response, current_user)
            db.session.commit()
            saved = True
    if section_key and is_htmx():
        section = next((s for s in definition["sections"] if s["key"] == section_key), None)
        return render(
            "tools/_section_saved.html",
            **_context(
                response,
                form,
                section=section,
                saved=saved,
                problem=problem,
                saved_at=format_datetime(utcnow()),
            ),
        )
    if saved:
        if completing:
            flash(f"{response.tool_version.tool.name} completed.", "success")
            back = _context(response, form)["back_url"]
            if back:
                return redirect(back)
        elif section_key:
            flash("Section saved. You can come back and finish the rest later.", "success")
        else:
            flash("Saved as a draft. You can come back and finish it later.", "success")
        anchor = f"#section-{section_key}" if section_key else ""
        return redirect(url_for(".show", response_id=response.id) + anchor)
    return render_template("tools/response.html", **_context(response, form, problem=problem))
