from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    Response as FlaskResponse,
)
from flask_login import current_user

from qaweb.core import grading
from qaweb.core.history import history_for
from qaweb.core.permissions import ADMIN, roles_required
from qaweb.extensions import db
from qaweb.tools import renderer, services
from qaweb.tools.forms import ConfirmForm, GradingScaleForm, UploadToolForm
from qaweb.tools.models import Tool, ToolVersion
from qaweb.tools.schema import (
    KINDS,
    MAX_FILE_CHARACTERS,
    QUESTION_KINDS,
    Problem,
    ToolFileError,
)

bp = Blueprint("tools", __name__, url_prefix="/admin/tools")
admin_only = roles_required(ADMIN)


def _version(tool_id: int, number: int) -> ToolVersion:
    tool = db.get_or_404(Tool, tool_id)
    version = next((v for v in tool.versions if v.number == number), None)
    if version is None:
        abort(404)
    return version


@bp.get("/")
@admin_only
def index():
    return render_template("tools/index.html", tools=services.tools(), kinds=KINDS)


@bp.route("/upload", methods=["GET", "POST"])
@admin_only
def upload():
    form = UploadToolForm()
    problems = []
    if form.validate_on_submit():
        # Read one byte more than a tool file may hold, so a larger file is refused whole.
        raw = form.file.data.read(MAX_FILE_CHARACTERS * 4 + 1)
        try:
            if len(raw) > MAX_FILE_CHARACTERS * 4:
                raise ToolFileError(
                    [Problem(1, f"the file has more than {MAX_FILE_CHARACTERS:,} characters")]
                )
            text = raw.decode("utf-8-sig")
            version, outcome = services.load_text(text, by=current_user)
        except UnicodeDecodeError:
            form.file.errors.append("The tool file must be saved as UTF-8 text")
        except ToolFileError as error:
            problems = error.problems
            form.file.errors.append(
                f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                "nothing has been loaded"
            )
        except services.ToolRefused as error:
            db.session.rollback()
            form.file.errors.append(str(error))
        else:
            db.session.commit()
            messages = {
                "created": f"Version {version.number} of {version.tool.name} loaded as a draft.",
                "updated": f"Draft version {version.number} of {version.tool.name} updated.",
                "unchanged": f"Version {version.number} of {version.tool.name} is unchanged.",
            }
            flash(messages.get(outcome, "Loaded."), "success")
            return redirect(url_for(".version", tool_id=version.tool_id, number=version.number))
    return render_template("tools/upload.html", form=form, problems=problems)


@bp.route("/<int:tool_id>/versions/<int:number>", methods=["GET", "POST"])
@admin_only
def version(tool_id, number):
    """The version as the person filling it in sees it; posting it checks the answers."""
    version = _version(tool_id, number)
    levels = grading.levels()
    if request.method == "POST":
        form = renderer.build_form(version.definition, levels, formdata=request.form)
        checked = form.validate()
    else:
        form = renderer.build_form(version.definition, levels)
        checked = False
    return render_template(
        "tools/version.html",
        version=version,
        tool=version.tool,
        form=form,
        preview_ok=checked,
        levels=levels,
        confirm=ConfirmForm(),
        renderer=renderer,
        question_kinds=QUESTION_KINDS,
        history=history_for(db.session, version),
    )


@bp.post("/<int:tool_id>/versions/<int:number>/publish")
@admin_only
def publish(tool_id, number):
    version = _version(tool_id, number)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.publish_version(version, current_user)
    except services.ToolRefused as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(
            f"Version {number} of {version.tool.name} is published: new records use it.", "success"
        )
    return redirect(url_for(".version", tool_id=tool_id, number=number))


@bp.post("/<int:tool_id>/new-version")
@admin_only
def new_version(tool_id):
    tool = db.get_or_404(Tool, tool_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = services.new_version(tool)
    except services.ToolRefused as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(
        f"Draft version {version.number} started as a copy of version {version.number - 1}. "
        "Download it, change it and upload it again.",
        "success",
    )
    return redirect(url_for(".version", tool_id=tool.id, number=version.number))


@bp.get("/<int:tool_id>/versions/<int:number>.yaml")
@admin_only
def download(tool_id, number):
    version = _version(tool_id, number)
    text = version.source_yaml or services.to_yaml(version.definition)
    response = FlaskResponse(text, mimetype="application/yaml")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{version.tool.key}-v{version.number}.yaml"'
    )
    return response


@bp.get("/<int:tool_id>/compare")
@admin_only
def compare(tool_id):
    tool = db.get_or_404(Tool, tool_id)
    numbers = [v.number for v in tool.versions]
    try:
        new_number = int(request.args.get("to", numbers[-1] if numbers else 0))
        earlier = [n for n in numbers if n < new_number]
        old_number = int(request.args.get("from", earlier[-1] if earlier else new_number))
    except ValueError:
        abort(404)
    old, new = _version(tool_id, old_number), _version(tool_id, new_number)
    return render_template(
        "tools/compare.html",
        tool=tool,
        old=old,
        new=new,
        diff=services.compare(old.definition, new.definition),
        numbers=numbers,
        question_kinds=QUESTION_KINDS,
    )


@bp.route("/grading-scale", methods=["GET", "POST"])
@admin_only
def grading_scale():
    levels = grading.levels(include_inactive=True)
    by_id = {level.id: level for level in levels}
    data = {
        "levels": [{"level_id": lv.id, "label": lv.label, "colour": lv.colour} for lv in levels]
    }
    form = GradingScaleForm(data=data)
    if form.validate_on_submit():
        try:
            posted = [int(entry.form.level_id.data) for entry in form.levels.entries]
        except (TypeError, ValueError):
            abort(400)
        if sorted(posted) != sorted(by_id):
            abort(400)  # one entry for every level, each once: anything else is a crafted post
        # Labels are unique: clear them first so two levels can swap names.
        for level in levels:
            level.label = f"~{level.id}"
        db.session.flush()
        for position, entry in enumerate(form.levels.entries, start=1):
            level = by_id[int(entry.form.level_id.data)]
            level.label = entry.form.label.data.strip()
            level.colour = entry.form.colour.data
            level.position = position
        if form.new_label.data:
            db.session.add(
                grading.GradeLevel(
                    label=form.new_label.data.strip(),
                    colour=form.new_colour.data,
                    position=len(levels) + 1,
                )
            )
        db.session.commit()
        flash("Grading scale saved.", "success")
        return redirect(url_for(".grading_scale"))
    return render_template("tools/grading_scale.html", form=form, levels=by_id)
