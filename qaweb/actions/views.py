from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from qaweb.actions import exports, services
from qaweb.actions.forms import (
    ActionFilterForm,
    ActionForm,
    CancelForm,
    CompleteForm,
    ConfirmForm,
)
from qaweb.actions.models import Action
from qaweb.core import submissions
from qaweb.core.excel import About, send_workbook
from qaweb.core.forms import choices
from qaweb.core.history import history_for, save_versioned
from qaweb.core.htmx import hx_redirect, is_htmx, render
from qaweb.core.lists import as_id, paginate, pagination_params
from qaweb.core.permissions import forbid_unless, get_or_403, requires
from qaweb.core.steps import reason_step
from qaweb.core.timefmt import today_london
from qaweb.extensions import db
from qaweb.organisation.models import Team, User
from qaweb.organisation.services import person_options, team_options

bp = Blueprint("actions", __name__, url_prefix="/actions")

SCOPE = "<any(mine, team, all):scope>"


@bp.app_template_global()
def can_view_action(action: Action) -> bool:
    """Whether the signed-in person may open ``action``: pages that list a record's actions
    link only those (the others are listed as text), so no link answers 403."""
    return services.can_view(current_user, action)


def _scope_teams(scope):
    """Teams offered as a filter in a scope (the same rules as the list)."""
    if scope == "mine":
        return []
    conditions = [Team.active]
    if scope == "team":
        condition = services.scope_condition(current_user, scope)
        conditions.append(Team.id.in_(select(Action.team_id).where(condition).distinct()))
    return team_options(*conditions)


class _Filters:
    """The list's filters from the query string, with the Owner text resolved to a person.

    ``values`` are the filters to apply; when the Owner text names nobody or several people,
    ``form.owner`` carries the error, ``matches`` the people it could mean, and ``ok`` is false.
    """

    def __init__(self, scope):
        self.form = ActionFilterForm()
        teams = _scope_teams(scope)
        self.form.set_choices(teams)
        self.values = self.form.cleaned()
        self.owner = None
        self.matches = []
        text = self.values.pop("owner", None)
        if scope != "mine" and "owner" in self.form.dropped:
            # Too long to be anyone's name: say so, rather than list everyone's actions.
            self.form.owner.data, self.form.owner.errors = self.form.dropped["owner"]
            return
        if scope == "mine" or not text:
            self.form.owner.data = ""
            return
        team_ids = [t.id for t in teams] if scope == "team" else None
        self.matches = services.match_staff(text, team_ids)
        problem = services.owner_problem(text, self.matches, in_teams=team_ids is not None)
        if problem:
            self.form.owner.errors = [problem]
            return
        self.owner = self.matches[0]
        self.values["owner"] = self.owner.id
        if as_id(text) is not None:
            # A link by id: show an address that names the same person if the form is sent again.
            self.form.owner.data = self.owner.email

    @property
    def ok(self):
        return not self.form.owner.errors

    def labels(self):
        """(label, value) pairs of the filters in force, for the export's summary sheet."""
        labels = []
        for name, value in self.values.items():
            field = self.form[name]
            if name == "owner":
                value = self.owner.name
            elif getattr(field, "choices", None):
                value = next((c.label for c in field.choices if c.value == str(value)), value)
            elif value is True:
                value = "Yes"
            labels.append((field.label.text, value))
        return labels


def _can_complete_here():
    """services.can_complete for the signed-in person, for each row of a list."""
    user = current_user._get_current_object()
    return lambda action: services.can_complete(user, action)


@bp.get("/")
@login_required
def index():
    return redirect(url_for(".listing", scope="mine"))


@bp.get(f"/{SCOPE}")
@login_required
def listing(scope):
    forbid_unless(services.can_use_scope(current_user, scope))
    filters = _Filters(scope)
    form = filters.form
    args = form.active_args()
    if filters.owner is not None:
        # Later pages and the export show the person this page found, whoever joins later.
        args["owner"] = filters.owner.id
    pagination = pager = None
    if filters.ok:
        stmt = services.filtered(current_user, scope, filters.values)
        pagination = paginate(stmt, rows=services.LIST_ROWS)
        pager = pagination_params(pagination, ".listing", args, scope=scope)
    # The filters are swapped in too while the Owner box shows an error (its form then
    # targets the whole list), so the error and its summary appear and clear in place.
    whole = not filters.ok or request.headers.get("HX-Target") == "actions-listing"
    response = render(
        "actions/list.html",
        block="listing" if whole else "results",
        scope=scope,
        scope_label=services.SCOPES[scope],
        form=form,
        matches=[
            (person, url_for(".listing", scope=scope, **(args | {"owner": person.id})))
            for person in (filters.matches if not filters.ok else [])
        ],
        pagination=pagination,
        pager=pager,
        export_url=url_for(".export", scope=scope, **args),
        today=today_london(),
        services=services,
        can_complete=_can_complete_here(),
        htmx=is_htmx(),
    )
    response.vary.add("HX-Target")  # the results alone, or the whole list with its filters
    if whole and is_htmx() and request.headers.get("HX-Target") != "actions-listing":
        # The form asked for the results only; the whole list replaces itself instead.
        response.headers["HX-Retarget"] = "#actions-listing"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


@bp.get(f"/{SCOPE}/export.xlsx")
@login_required
def export(scope):
    forbid_unless(services.can_use_scope(current_user, scope))
    filters = _Filters(scope)
    if not filters.ok:
        # The list page says what is wrong with the Owner filter and offers the people it means.
        return redirect(url_for(".listing", scope=scope, **filters.form.active_args()))
    stmt = services.filtered(current_user, scope, filters.values)
    today = today_london()
    return send_workbook(
        f"actions-{scope}-{today.isoformat()}.xlsx",
        "Actions",
        exports.COLUMNS,
        exports.rows(stmt, today),
        summary=exports.summary(stmt, services.SCOPES[scope], filters.labels(), today),
        about=About(f"Actions: {services.SCOPES[scope]}", filters=filters.labels()),
    )


def _owners():
    return person_options(User.active)


@bp.route("/new", methods=["GET", "POST"])
@requires(services.can_manage)
def new():
    form = ActionForm()
    form.set_choices(_owners())
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        owner = db.session.get(User, form.owner.data)
        action = services.raise_action(
            source_type=form.source_type.data,
            source_label=form.source_label.data,
            description=form.description.data,
            owner=owner,
            due_on=form.due_on.data,
            raised_by=current_user,
        )
        submissions.saved(db.session, form, url_for(".detail", action_id=action.id))
        db.session.commit()
        flash(f"Action {action.reference} raised for {owner.name}.", "success")
        return redirect(url_for(".detail", action_id=action.id))
    return render_template("actions/form.html", form=form, action=None)


@bp.get("/<int:action_id>")
@login_required
def detail(action_id):
    action = get_or_403(Action, action_id, services.can_view)
    return render_template(
        "actions/detail.html",
        action=action,
        history=history_for(db.session, action),
        confirm=ConfirmForm(version=action.version),
        services=services,
        today=today_london(),
    )


def _save(action, form, apply):
    return save_versioned(db.session, action, form, apply, (services.ActionError,))


@bp.route("/<int:action_id>/edit", methods=["GET", "POST"])
@login_required
def edit(action_id):
    action = get_or_403(Action, action_id, services.can_manage)
    if action.status != "open":
        flash(
            f"Action {action.reference} is {action.status_label.lower()}: it cannot be edited.",
            "info",
        )
        return redirect(url_for(".detail", action_id=action.id))
    form = ActionForm(obj=action)
    form.set_choices(_owners())
    if request.method == "GET":
        form.owner.data = action.owner_id
    problem = None
    if form.validate_on_submit():

        def apply():
            owner = db.session.get(User, form.owner.data)
            new_owner = owner.id != action.owner_id
            if new_owner:
                action.owner = owner
                action.team_id = owner.team_id
            action.source_type = form.source_type.data
            action.source_label = form.source_label.data
            action.description = form.description.data
            action.due_on = form.due_on.data
            if new_owner:
                services.tell_owner(action, current_user)

        problem = _save(action, form, apply)
        if problem is None:
            flash(f"Action {action.reference} saved.", "success")
            return redirect(url_for(".detail", action_id=action.id))
    return render_template("actions/form.html", form=form, action=action, problem=problem)


@bp.route("/<int:action_id>/complete", methods=["GET", "POST"])
@login_required
def complete(action_id):
    action = get_or_403(Action, action_id, services.can_view)
    forbid_unless(services.may_complete(current_user, action))
    if action.status != "open":
        flash(f"Action {action.reference} is already {action.status_label.lower()}.", "info")
        return hx_redirect(url_for(".detail", action_id=action.id))
    in_row = is_htmx() and request.args.get("in") == "row"
    # In a list several rows can be open at once: a prefix keeps their field ids apart.
    form = CompleteForm(
        prefix=f"action-{action.id}" if in_row else "",
        version=action.version,
        completed_on=today_london(),
    )
    problem = None
    if form.validate_on_submit():
        problem = _save(
            action,
            form,
            lambda: services.complete(
                action, current_user, form.completed_on.data, form.evidence.data
            ),
        )
        if problem is None:
            if in_row:
                return render(
                    "actions/_row.html",
                    action=action,
                    today=today_london(),
                    can_complete=_can_complete_here(),
                    just_completed=True,
                )
            flash(f"Action {action.reference} marked as completed.", "success")
            return redirect(url_for(".detail", action_id=action.id))
        form.version.data = action.version
    if in_row:
        return render("actions/_complete_row.html", action=action, form=form, problem=problem)
    return render_template("actions/complete.html", action=action, form=form, problem=problem)


@bp.route("/<int:action_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(action_id):
    action = get_or_403(Action, action_id, services.can_manage)
    form = CancelForm(version=action.version)
    return reason_step(
        action,
        form,
        lambda: services.cancel(action, form.reason.data),
        f"Action {action.reference} cancelled.",
        url_for(".detail", action_id=action.id),
        "actions/cancel.html",
        (services.ActionError,),
        action=action,
    )


def _confirmed_change(action_id, change, done):
    action = get_or_403(Action, action_id, services.can_manage)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    problem = _save(action, form, lambda: change(action))
    if problem:
        flash(problem, "error")
    else:
        flash(f"Action {action.reference} {done}.", "success")
    return redirect(url_for(".detail", action_id=action.id))


@bp.post("/<int:action_id>/verify")
@login_required
def verify(action_id):
    return _confirmed_change(
        action_id, lambda a: services.verify(a, current_user), "verified as complete"
    )


@bp.post("/<int:action_id>/reopen")
@login_required
def reopen(action_id):
    return _confirmed_change(action_id, services.reopen, "reopened")


def raise_page(
    *,
    source_type,
    source_id,
    source_label,
    back_url,
    caption,
    default_owner=None,
    default_due_on=None,
):
    """The "Add an action" page any module's record uses: the action goes into the tracker,
    linked back to the record. ``default_due_on`` is the date the form starts with (a
    module's timescale for its actions), if any."""
    from qaweb.actions.forms import RaiseForm

    defaults = {"due_on": default_due_on} if default_due_on else {}
    form = RaiseForm(owner=default_owner.id if default_owner else None, **defaults)
    form.owner.choices = choices((p.id, p.label) for p in _owners())
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        owner = db.session.get(User, form.owner.data)
        action = services.raise_action(
            source_type=source_type,
            source_id=source_id,
            source_label=source_label,
            description=form.description.data,
            owner=owner,
            due_on=form.due_on.data,
            raised_by=current_user,
        )
        submissions.saved(db.session, form, back_url + "#actions")
        db.session.commit()
        flash(f"Action {action.reference} added for {owner.name}.", "success")
        return redirect(back_url + "#actions")
    return render_template("actions/raise.html", form=form, back_url=back_url, caption=caption)
