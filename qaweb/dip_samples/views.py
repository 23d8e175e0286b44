from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from qaweb.core import spreadsheets, submissions
from qaweb.core.db import utcnow
from qaweb.core.errors import FORM_EXPIRED
from qaweb.core.forms import choices
from qaweb.core.history import Refusal, posted_version, save_versioned
from qaweb.core.htmx import is_htmx, render
from qaweb.core.lists import as_id, paginate, pagination_params
from qaweb.core.permissions import forbid_unless, get_or_403, requires
from qaweb.core.text import counted
from qaweb.core.timefmt import format_datetime, today_london
from qaweb.dip_samples import listing, reports, services
from qaweb.dip_samples.forms import EditForm, NoCasesFilterForm, SetupForm, answer_form
from qaweb.dip_samples.models import ANSWERS, DONE, TO_DO, DipSample, DipSampleCase
from qaweb.extensions import db
from qaweb.tools.models import ToolVersion

bp = Blueprint("dip_samples", __name__, url_prefix="/dip-samples")
STATUS_FILTERS = {"": "Any", TO_DO: "To do", DONE: "Done"}
#: Cases answered "No" a results page lists at a time: each row names every question it
#: answered "No" to, so rows are tall and a page of the usual 50 ran to 10,000 px.
NO_CASES_PER_PAGE = 20


@bp.get("/")
@requires(services.can_see_list)
def index():
    pagination = paginate(services.samples_statement(current_user))
    ids = [s.id for s in pagination.items]
    return render_template(
        "dip_samples/index.html",
        pagination=pagination,
        pager=pagination_params(pagination, ".index", {}),
        progress=services.progress_counts(ids, current_user),
        can_set_up=services.can_set_up(current_user),
        can_read_results=services.can_read_results(current_user),
        today=today_london(),
    )


# -- setting one up ---------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@requires(services.can_set_up)
def new():
    form = SetupForm()
    form.tool_version.choices = choices(services.tool_choices(), blank="Select the questions")
    current = services.current_tool()
    if request.method == "GET" and current is not None:
        form.tool_version.data = current.id
    line_problems: list[str] = []
    if form.validate_on_submit():
        if (repeat := submissions.repeat_of(db.session, form)) is not None:
            return repeat
        rows, where, field = None, "Line", form.cases
        try:
            upload = form.file.data
            if getattr(upload, "filename", ""):
                where, field = "Row", form.file
                data = spreadsheets.read_upload(upload, services.LIMITS)
                rows = services.read_file(upload.filename, data)
            else:
                rows = services.parse_typed(form.cases.data)
            lines = services.check_cases(rows, where)
            sample = services.create(
                form.title.data,
                db.session.get(ToolVersion, form.tool_version.data),
                form.starts_on.data,
                form.ends_on.data,
                lines,
                current_user,
            )
        except services.CasesRefused as refused:
            db.session.rollback()
            # Every line's problem in the error summary; the field says how many there are.
            line_problems = refused.problems
            count = len(line_problems)
            field.errors = list(field.errors) + [
                line_problems[0]
                if count == 1
                else f"{count} {where.lower()}s have problems: each is listed above"
            ]
        except (services.DipSampleError, spreadsheets.SpreadsheetError) as error:
            db.session.rollback()
            field.errors = list(field.errors) + [str(error)]
        else:
            url = url_for(".sample", sample_id=sample.id)
            submissions.saved(db.session, form, url)
            db.session.commit()
            flash(
                f"Dip sample {sample.reference} set up with {counted(len(lines), 'case')}.",
                "success",
            )
            return redirect(url)
    return render_template(
        "dip_samples/new.html",
        form=form,
        no_tool=current is None,
        headers=services.HEADERS,
        line_problems=line_problems,
    )


@bp.get("/template.xlsx")
@requires(services.can_set_up)
def template():
    from qaweb.core.import_template import ImportColumn, send_import_template

    return send_import_template(
        "dip-sample-cases-template.xlsx",
        "Cases",
        [
            ImportColumn(
                "Case number",
                "The case number in the case-management system. Never a child's name.",
                required=True,
                example="1234567",
            ),
            ImportColumn(
                "Team",
                "The case's team as qaweb names it. Leave empty for a case on the case list.",
                example="Brambles",
            ),
            ImportColumn(
                "Sampler email",
                "The team or service manager who samples the case. Leave empty for the "
                "team's manager.",
                example="tom.reid@council.example",
            ),
        ],
        instructions=[
            "One case a row. Nothing is saved while any row has a problem: each is named by "
            "its row number.",
            "Do not add columns with children's names, dates of birth or addresses: a file "
            "with one is refused.",
        ],
    )


# -- a dip sample and its cases ---------------------------------------------------------------


@bp.get("/<int:sample_id>")
@login_required
def sample(sample_id):
    item = get_or_403(DipSample, sample_id, services.can_view_sample)
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    stmt = (
        select(DipSampleCase)
        .where(DipSampleCase.dip_sample_id == item.id, or_(*services.case_conditions(current_user)))
        .order_by(DipSampleCase.case_number)
    )
    if status:
        stmt = stmt.where(DipSampleCase.status == status)
    pagination = paginate(stmt, rows=listing.LIST_ROWS)
    args = {"status": status} if status else {}
    return render(
        "dip_samples/sample.html",
        block="cases",
        sample=item,
        status=status,
        statuses=STATUS_FILTERS,
        pagination=pagination,
        pager=pagination_params(pagination, ".sample", args, sample_id=item.id),
        progress=services.progress_counts([item.id], current_user).get(item.id, (0, 0)),
        can_results=services.can_read_sample_results(current_user, item),
        can_edit=services.can_set_up(current_user),
        today=today_london(),
    )


@bp.route("/<int:sample_id>/edit", methods=["GET", "POST"])
@login_required
def edit(sample_id):
    item = get_or_403(DipSample, sample_id, lambda user, _sample: services.can_set_up(user))
    form = EditForm(obj=item)
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            item,
            form,
            lambda: services.change_details(
                item, form.title.data, form.starts_on.data, form.ends_on.data
            ),
            (services.DipSampleError,),
        )
        if problem is None:
            flash(f"Dip sample {item.reference} saved.", "success")
            return redirect(url_for(".sample", sample_id=item.id))
    return render_template("dip_samples/edit.html", sample=item, form=form, problem=problem)


def _area():
    return services.results_area(current_user)


@bp.get("/<int:sample_id>/results")
@login_required
def results(sample_id):
    item = get_or_403(DipSample, sample_id, services.can_read_sample_results)
    area_id = _area()
    questions = item.questions()
    form = NoCasesFilterForm()
    form.set_choices(questions, reports.sample_teams(item, area_id))
    filters = form.cleaned()  # a question or team not offered is dropped, never a 500
    args = form.active_args()
    # The "no" list a page at a time, in SQL; the workbook keeps every case.
    pagination = paginate(
        reports.no_cases_statement(
            item, area_id, filters.get("question"), as_id(filters.get("team"))
        ),
        per_page=NO_CASES_PER_PAGE,
    )
    labels = {q["key"]: q["label"] for q in questions}
    return render(
        "dip_samples/results.html",
        block="no_cases",
        sample=item,
        results=reports.results(item, area_id, no_list=False),
        keys={q["label"]: q["key"] for q in questions},
        form=form,
        filtered=bool(args),
        no_to=labels.get(filters.get("question")),
        pagination=pagination,
        no_cases=reports.no_cases_page(item, pagination.items),
        pager=pagination_params(
            pagination, ".results", args, sample_id=item.id, _anchor="no-cases"
        ),
        area=_area_name(area_id),
        can_raise=services.can_set_up(current_user) or area_id is not None,
    )


def _area_name(area_id):
    from qaweb.organisation.models import ServiceArea

    if area_id is None:
        return None
    area = db.session.get(ServiceArea, area_id)
    return area.name if area else "your service area"


@bp.get("/<int:sample_id>/results.xlsx")
@login_required
def workbook(sample_id):
    from qaweb.core.excel import About, send_workbook
    from qaweb.core.timefmt import format_date
    from qaweb.dip_samples import exports

    item = get_or_403(DipSample, sample_id, services.can_read_sample_results)
    area_id = _area()
    found = reports.results(item, area_id)
    return send_workbook(
        f"dip-sample-{item.id}-results.xlsx",
        "Answers by case",
        exports.answer_columns(found),
        exports.answer_rows(found, area_id),
        summary=exports.summary(found),
        sheets=exports.extra_sheets(found),
        about=About(
            f"Dip sample results: {item.title}",
            period=f"{format_date(item.starts_on)} to {format_date(item.ends_on)}",
            filters=[("Service area", _area_name(area_id) or "The whole council")],
            notes=(
                "Only cases marked done are counted.",
                "Compliant %: answers 'Yes' of the answers 'Yes', 'Partly' and 'No'. 'Partly' "
                "and 'No' are shown as their own percentages of the same answers. 'Not "
                "applicable' is left out. Percentages are rounded half up.",
            ),
        ),
    )


# -- answering a case -------------------------------------------------------------------------


def _questions(case):
    return case.dip_sample.questions()


def _stored_form(case):
    stored = services.answers_of(case)
    return answer_form(
        _questions(case),
        formdata=None,
        version=case.version,
        note=case.note,
        **{f"q_{k}": v for k, v in stored.items()},
    )


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@login_required
def case(case_id):
    item = get_or_403(DipSampleCase, case_id, services.can_view_case)
    questions = _questions(item)
    can_answer = services.can_answer(current_user, item)
    if request.method == "GET":
        form = _stored_form(item)
        return _case_page(item, form, questions, can_answer)
    forbid_unless(can_answer)
    form = answer_form(questions)
    done = request.form.get("action") == "done"
    problem = None
    saved = False
    missing = []
    if g.get("qaweb_unchecked_post"):
        problem = Refusal(FORM_EXPIRED)
    elif form.validate():
        answers = {
            q["key"]: form[f"q_{q['key']}"].data
            for q in questions
            if form[f"q_{q['key']}"].data in ANSWERS
        }
        if done:
            missing = [q for q in questions if q["key"] not in answers]
            for q in missing:
                form[f"q_{q['key']}"].errors = [f"Answer '{q['label']}'"]
        if not missing:
            if services.only_own_saves_since(item, posted_version(form), current_user):
                form.version.raw_data = [str(item.version)]
            problem = save_versioned(
                db.session,
                item,
                form,
                lambda: services.save_answers(item, answers, form.note.data or "", done=done),
                (services.DipSampleError,),
            )
            saved = problem is None
    if is_htmx():
        return render(
            "dip_samples/_saved.html",
            case=item,
            saved=saved,
            problem=problem,
            form=form,
            saved_at=format_datetime(utcnow()),
        )
    if saved:
        if done:
            following = services.next_to_do(item)
            if following is not None:
                flash(
                    f"Case {item.case_number} done. Next: case {following.case_number}.",
                    "success",
                )
                return redirect(url_for(".case", case_id=following.id))
            flash(
                f"Case {item.case_number} done. That was your last case in this dip sample.",
                "success",
            )
            return redirect(url_for(".sample", sample_id=item.dip_sample_id))
        flash(f"Answers for case {item.case_number} saved.", "success")
        return redirect(url_for(".case", case_id=item.id))
    return _case_page(item, form, questions, can_answer, problem)


def _case_page(item, form, questions, can_answer, problem=None):
    return render_template(
        "dip_samples/case.html",
        case=item,
        sample=item.dip_sample,
        form=form,
        questions=questions,
        can_answer=can_answer,
        problem=problem,
        answers=ANSWERS,
        stored=services.answers_of(item) if not can_answer else {},
        can_raise=services.can_raise_action(current_user, item),
        today=today_london(),
    )


@bp.route("/cases/<int:case_id>/actions/new", methods=["GET", "POST"])
@login_required
def new_action(case_id):
    from qaweb.actions.views import raise_page

    item = get_or_403(DipSampleCase, case_id, services.can_raise_action)
    return raise_page(
        source_type="dip_sample_case",
        source_id=item.id,
        source_label=f"{item.dip_sample.reference}, case {item.case_number}",
        back_url=url_for(".case", case_id=item.id),
        caption=f"{item.dip_sample.reference} · dip sample of case {item.case_number}",
    )
