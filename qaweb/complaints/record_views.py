"""The complaint record's own pages: points of complaint, Stage 2 people and the Stage 3
panel, linked complaints. Routes on the complaints blueprint (views.bp)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from qaweb.complaints import links, points, services
from qaweb.complaints.blueprint import ERRORS, _manage_only, _stage, bp
from qaweb.complaints.forms import (
    LinkForm,
    MovePointForm,
    NewPointForm,
    PointForm,
    StagePeopleForm,
)
from qaweb.complaints.models import LINK_REASONS, Complaint, ComplaintPoint
from qaweb.core.history import save_versioned
from qaweb.core.lists import as_id
from qaweb.core.permissions import requires
from qaweb.core.text import clean_identifier
from qaweb.extensions import db

RECORD_ERRORS = (*ERRORS, points.PointError, links.LinkError)


def _complaint_to_manage(complaint_id) -> Complaint:
    _manage_only()
    return db.get_or_404(Complaint, complaint_id)


# -- points of complaint -----------------------------------------------------------------------


@bp.route("/<int:complaint_id>/points", methods=["GET", "POST"])
@login_required
def points_page(complaint_id):
    """The statement of complaint: its points in order, add one, move one up or down."""
    complaint = _complaint_to_manage(complaint_id)
    form = NewPointForm(version=complaint.version)
    problem = None
    if request.method == "POST" and request.form.get("what") == "move":
        move = MovePointForm()
        point = _point(complaint, request.form.get("point"))
        step = {"up": -1, "down": 1}.get(move.direction.data or "")
        if step is None:
            abort(400)
        if move.validate_on_submit():
            problem = save_versioned(
                db.session,
                complaint,
                move,
                lambda: points.move_point(complaint, point, step),
                RECORD_ERRORS,
            )
            if problem is None:
                flash(f"{point.text[:80]} is now point {point.number}.", "success")
                return redirect(url_for(".points_page", complaint_id=complaint.id))
        form = NewPointForm(formdata=None, version=complaint.version)
    elif form.validate_on_submit():
        added = []
        problem = save_versioned(
            db.session,
            complaint,
            form,
            lambda: added.append(points.add_point(complaint, form.text.data)),
            RECORD_ERRORS,
        )
        if problem is None:
            flash(f"Point {added[0].number} added.", "success")
            return redirect(url_for(".points_page", complaint_id=complaint.id))
    return render_template(
        "complaints/points.html", complaint=complaint, form=form, problem=problem
    )


def _point(complaint, raw) -> ComplaintPoint:
    point_id = as_id(raw or "")
    point = next((p for p in complaint.points if p.id == point_id), None)
    if point is None:
        abort(404)
    return point


@bp.route("/points/<int:point_id>", methods=["GET", "POST"])
@requires(services.can_manage)
def point(point_id):
    """Change the words of one point (its number stays)."""
    item = db.get_or_404(ComplaintPoint, point_id)
    complaint = item.complaint
    form = PointForm(obj=item)
    problem = None
    if form.validate_on_submit():

        def apply():
            text = " ".join(clean_identifier(form.text.data or "").split())
            if not text:
                raise points.PointError("Enter the point of complaint")
            item.text = text

        problem = save_versioned(db.session, item, form, apply, RECORD_ERRORS)
        if problem is None:
            flash(f"Point {item.number} saved.", "success")
            return redirect(url_for(".points_page", complaint_id=complaint.id))
    return render_template(
        "complaints/point.html", complaint=complaint, point=item, form=form, problem=problem
    )


# -- Stage 2 people and the Stage 3 panel ------------------------------------------------------

PEOPLE_FIELDS = {
    2: (
        "investigating_officer",
        "investigating_officer_kind",
        "investigating_officer_on",
        "independent_person",
        "independent_person_kind",
        "independent_person_on",
        "statement_agreed_on",
        "adjudicating_officer",
        "adjudicated_on",
    ),
    3: ("panel_chair", "panel_members"),
}


@bp.route("/<int:complaint_id>/stages/<int:number>/people", methods=["GET", "POST"])
@login_required
def stage_people(complaint_id, number):
    """Stage 2: the investigating officer, the independent person, the statement of complaint
    agreed and the adjudication; Stage 3: the review panel."""
    complaint, stage = _stage(complaint_id, number)
    if number not in PEOPLE_FIELDS:
        abort(404)
    form = StagePeopleForm(obj=stage)
    problem = None
    if form.validate_on_submit():

        def apply():
            for name in PEOPLE_FIELDS[number]:
                value = form[name].data
                setattr(
                    stage,
                    name,
                    value if value is not None else (None if name.endswith("_on") else ""),
                )
            services.check_people(stage)

        problem = save_versioned(db.session, stage, form, apply, RECORD_ERRORS)
        if problem is None:
            flash(
                f"{'Investigation people and dates' if number == 2 else 'Review panel'} saved.",
                "success",
            )
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/people.html", complaint=complaint, stage=stage, form=form, problem=problem
    )


# -- linked complaints -------------------------------------------------------------------------


@bp.route("/<int:complaint_id>/links", methods=["GET", "POST"])
@login_required
def links_page(complaint_id):
    """Link the complaint to another about the same family or the same matter, or unlink."""
    complaint = _complaint_to_manage(complaint_id)
    form = LinkForm()
    problem = None
    if request.method == "POST" and request.form.get("what") == "unlink":
        link_id = as_id(request.form.get("link", ""))
        try:
            row = links.unlink(complaint, link_id or 0)
        except links.LinkError as error:
            db.session.rollback()
            problem = str(error)
        else:
            db.session.commit()
            flash(
                f"{complaint.reference} is no longer linked to "
                f"{row.other(complaint.id).reference}.",
                "success",
            )
            return redirect(url_for(".links_page", complaint_id=complaint.id))
    elif form.validate_on_submit():
        try:
            row = links.link(complaint, form.reference.data, form.reason.data)
            db.session.commit()
        except links.LinkError as error:
            db.session.rollback()
            form.reference.errors = [str(error)]
        except IntegrityError:
            db.session.rollback()  # the same link made a moment earlier by someone else
            form.reference.errors = ["Those complaints are already linked"]
        else:
            flash(
                f"{complaint.reference} and {row.other(complaint.id).reference} are linked.",
                "success",
            )
            return redirect(url_for(".complaint", complaint_id=complaint.id))
    return render_template(
        "complaints/links.html",
        complaint=complaint,
        form=form,
        problem=problem,
        links=links.links_of(complaint),
        reasons=LINK_REASONS,
    )
