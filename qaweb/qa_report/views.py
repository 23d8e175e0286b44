from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from qaweb.core.excel import send_workbook
from qaweb.core.history import guarded_save, history_for, save_versioned
from qaweb.core.htmx import is_htmx
from qaweb.core.jobs import BackgroundJob
from qaweb.core.lists import as_id, paginate, pagination_params
from qaweb.core.permissions import QA_BOARD, QA_OFFICER, SERVICE_MANAGER, get_or_403, roles_required
from qaweb.core.signoff import save_decision
from qaweb.core.word import docx_response
from qaweb.extensions import db
from qaweb.organisation.models import ServiceArea
from qaweb.qa_report import pack, paper, sections, services
from qaweb.qa_report.forms import AnalysisForm, DecisionForm
from qaweb.qa_report.models import PARTS, QAReport

bp = Blueprint("qa_report", __name__, url_prefix="/qa-report")
ERRORS = (services.ReportError,)
READERS = (QA_OFFICER, QA_BOARD, SERVICE_MANAGER)


def _report(report_id, check=services.can_view):
    return get_or_403(QAReport, report_id, check)


def _areas():
    return list(db.session.scalars(select(ServiceArea).order_by(ServiceArea.name)))


def _wanted_area():
    """The service area asked for, or None (none asked, or not an id)."""
    return as_id(request.values.get("area", ""))


@bp.get("/")
@roles_required(*READERS)
def index():
    """Choose a period (and area): the saved report for it, or its figures to start one."""
    start, length = request.args.get("start"), request.args.get("length", services.QUARTER)
    default = services.last_quarter()
    problem = None
    if start is not None:
        period, problem = services.period_from(start, length)
        if period is not None:
            area_id = services.area_for(current_user, _wanted_area())
            report = services.find(period, area_id)
            if report is not None:
                return redirect(url_for(".report", report_id=report.id))
            return _page(None, period, area_id)
    return _index(start=start or f"{default.start:%Y-%m}", length=length, problem=problem)


def _index(pack_problem=None, pack_start=None, **context):
    pagination = paginate(services.reports_statement(current_user))
    return render_template(
        "qa_report/index.html",
        reports=pagination.items,
        pager=pagination_params(pagination, ".index", {}),
        areas=_areas() if services.chooses_area(current_user) else [],
        area_id=_wanted_area(),
        pack_start=pack_start or pack.default_start(),
        pack_problem=pack_problem,
        packs=pack.latest_jobs(current_user),
        pack_label=pack.label,
        **{
            "start": f"{services.last_quarter().start:%Y-%m}",
            "length": services.QUARTER,
            "problem": None,
            **context,
        },
    )


@bp.post("/start")
@roles_required(QA_OFFICER)
def start():
    period, problem = services.period_from(request.form.get("start"), request.form.get("length"))
    if period is None:
        flash(problem, "error")
        return redirect(url_for(".index"))
    area_id = _wanted_area()
    if area_id is not None and db.session.get(ServiceArea, area_id) is None:
        flash("Choose a service area from the list", "error")
        return redirect(url_for(".index"))
    report = services.start(period, area_id, current_user)
    db.session.commit()
    return redirect(url_for(".report", report_id=report.id))


def _page(report, period, area_id):
    area = db.session.get(ServiceArea, area_id) if area_id else None
    return render_template(
        "qa_report/report.html",
        report=report,
        period=period,
        area_id=area_id,
        scope=area.name
        if area
        else ("All service areas" if area_id is None else "No service area"),
        sections=sections.build(period, area_id),
        heads=(period.short_label, period.previous().short_label, period.year_before().short_label),
        parts=PARTS,
        titles=sections.TITLES,
        can_write=report is not None
        and services.can_write(current_user, report)
        and report.status == "draft",
        can_start=report is None and services.can_write(current_user),
        can_decide=report is not None
        and services.can_decide(current_user, report)
        and report.status == "submitted",
        history=history_for(db.session, report) if report else [],
    )


@bp.get("/<int:report_id>")
@roles_required(*READERS)
def report(report_id):
    item = _report(report_id)
    return _page(item, item.period, item.service_area_id)


@bp.route("/<int:report_id>/sections/<key>", methods=["GET", "POST"])
@roles_required(QA_OFFICER)
def analysis(report_id, key):
    item = _report(report_id, services.can_write)
    if key not in sections.TITLES:
        abort(404)
    stored = (item.narrative or {}).get(key) or {}

    def current():
        db.session.refresh(item)
        return AnalysisForm(formdata=None, data={**((item.narrative or {}).get(key) or {})})

    form = AnalysisForm(data={**stored, "version": item.version})
    problem = None
    if form.validate_on_submit():
        problem = save_versioned(
            db.session,
            item,
            form,
            lambda: services.save_analysis(item, key, {k: getattr(form, k).data for k in PARTS}),
            ERRORS,
            current=current,
        )
        if problem is None:
            flash(f"Analysis of {sections.TITLES[key].lower()} saved.", "success")
            return redirect(url_for(".report", report_id=item.id, _anchor=f"section-{key}"))
    return render_template(
        "qa_report/analysis.html",
        report=item,
        key=key,
        title=sections.TITLES[key],
        form=form,
        problem=problem,
    )


@bp.post("/<int:report_id>/submit")
@roles_required(QA_OFFICER)
def submit(report_id):
    item = _report(report_id, services.can_write)
    problem = guarded_save(
        db.session,
        item,
        request.form.get("version"),
        lambda: services.submit(item, current_user),
        ERRORS,
    )
    flash(problem or "Report submitted to the QA Board.", "error" if problem else "success")
    return redirect(url_for(".report", report_id=item.id))


@bp.route("/<int:report_id>/decision", methods=["GET", "POST"])
@roles_required(QA_BOARD)
def decision(report_id):
    item = _report(report_id, services.can_decide)
    form = DecisionForm()
    problem = None
    if form.validate_on_submit():
        approve, problem = save_decision(
            form,
            item,
            lambda approve, comments: services.decide(item, current_user, approve, comments),
            ERRORS,
        )
        if problem is None:
            flash(
                "Report signed off." if approve else "Report returned to the QA team.",
                "success",
            )
            return redirect(url_for(".report", report_id=item.id))
    return render_template(
        "qa_report/decision.html",
        report=item,
        form=form,
        problem=problem,
        pending=services.pending_version(item),
    )


@bp.get("/<int:report_id>.docx")
@roles_required(*READERS)
def docx(report_id):
    item = _report(report_id)
    body = paper.docx_bytes(
        item, sections.build(item.period, item.service_area_id), current_user.name
    )
    return docx_response(body, f"{item.reference}.docx")


@bp.get("/<int:report_id>.xlsx")
@roles_required(*READERS)
def workbook(report_id):
    item = _report(report_id)
    return send_workbook(
        f"{item.reference}.xlsx",
        **paper.workbook(item, sections.build(item.period, item.service_area_id)),
    )


# -- the inspection evidence pack (a background job, core/jobs.py) ---------------------------


@bp.post("/packs")
@roles_required(*READERS)
def request_pack():
    """Queue the pack for the 12 months chosen and open its page, which shows progress."""
    start = request.form.get("start")
    area_id = _wanted_area() if services.chooses_area(current_user) else None
    asked = services.chooses_area(current_user) and request.form.get("area", "").strip()
    if (asked and area_id is None) or (
        area_id is not None and db.session.get(ServiceArea, area_id) is None
    ):
        return _index(pack_problem="Choose a service area from the list", pack_start=start)
    try:
        job = pack.request_pack(current_user, start, area_id)
    except ValueError as problem:
        return _index(pack_problem=str(problem), pack_start=start)
    db.session.commit()
    return redirect(url_for(".pack_job", job_id=job.id))


def _job(job_id):
    return get_or_403(BackgroundJob, job_id, pack.can_see_job)


@bp.get("/packs/<int:job_id>")
@roles_required(*READERS)
def pack_job(job_id):
    """The pack's progress, then its download link. htmx polls it every 2 seconds for the
    status alone (``seen`` is what the page shows: unchanged, nothing is swapped)."""
    job = _job(job_id)
    period, _problem = pack.pack_period(job.parameters.get("start"))
    context = dict(job=job, period=period, scope=pack.scope_for(current_user, job))
    if is_htmx():
        if request.args.get("seen") == pack.seen(job):
            return Response(status=204)
        return render_template("qa_report/_pack_status.html", **context)
    return render_template("qa_report/pack.html", **context)


@bp.get("/packs/<int:job_id>/download")
@roles_required(*READERS)
def pack_download(job_id):
    job = _job(job_id)
    path = job.file()
    if path is None:
        flash(
            "This pack is no longer kept (packs are deleted a day after they are made). "
            "Prepare it again.",
            "error",
        )
        return redirect(url_for(".index", _anchor="pack"))
    response = send_file(
        path, mimetype="application/zip", as_attachment=True, download_name=job.result_name
    )
    response.headers["Cache-Control"] = "no-store"
    return response
