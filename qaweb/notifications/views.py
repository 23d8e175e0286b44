"""Email pages: the outbox and development mailbox (administrators), email preferences
(everyone signed in)."""

import re
from email import policy
from email.parser import BytesParser

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import lazyload, load_only

from qaweb.core.excel import About, Column, send_workbook
from qaweb.core.lists import render_list
from qaweb.core.notify import (
    FAILED,
    KINDS,
    SENT,
    OutboxMessage,
    preferences,
    save_preferences,
)
from qaweb.core.outbox import mail_directory, send_again
from qaweb.core.permissions import ADMIN, roles_required
from qaweb.extensions import db
from qaweb.notifications import listing
from qaweb.notifications.forms import OutboxFilterForm, preferences_form

bp = Blueprint("notifications", __name__)

admin_only = roles_required(ADMIN)


@bp.app_template_filter("span")
def span(starts_at, ends_at) -> str:
    """9:30am to 11am on Tuesday 3 November 2026 (for email bodies)."""
    from qaweb.core.timefmt import format_span

    return format_span(starts_at, ends_at)


EML_NAME = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9]{6,}\.eml$")


def _outbox_filtered():
    form = OutboxFilterForm()
    filters = form.cleaned()
    statement = select(OutboxMessage)
    if "status" in filters:
        statement = statement.where(OutboxMessage.status == filters["status"])
    if "kind" in filters:
        statement = statement.where(OutboxMessage.kind == filters["kind"])
    return form, statement.order_by(OutboxMessage.id.desc())


@bp.get("/admin/outbox")
@admin_only
def outbox():
    form, statement = _outbox_filtered()
    return render_list(
        "notifications/outbox.html",
        form,
        statement,
        ".outbox",
        ".outbox_export",
        rows=listing.LIST_ROWS,
    )


OUTBOX_COLUMNS = [
    Column("Queued", 18, "datetime"),
    Column("Kind", 24),
    Column("To", 34),
    Column("Subject", 60),
    Column("Status", 16),
    Column("Tries", 8, "number"),
    Column("Sent", 18, "datetime"),
    Column("Error", 60),
]


@bp.get("/admin/outbox/export.xlsx")
@admin_only
def outbox_export():
    """The messages the outbox's filters select, newest first (message bodies left out)."""
    form, statement = _outbox_filtered()
    rows = (
        (
            row.created_at,
            row.kind_label,
            row.to_address,
            row.subject,
            row.status_label,
            row.attempts,
            row.sent_at,
            row.last_error,
        )
        for row in db.session.scalars(
            statement.options(
                load_only(
                    OutboxMessage.created_at,
                    OutboxMessage.kind,
                    OutboxMessage.to_address,
                    OutboxMessage.subject,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.sent_at,
                    OutboxMessage.last_error,
                ),
                lazyload(OutboxMessage.recipient),
            ).execution_options(yield_per=1000)
        )
    )
    return send_workbook(
        "outbox.xlsx",
        "Outbox",
        OUTBOX_COLUMNS,
        rows,
        about=About("Email outbox", filters=form.labels()),
    )


@bp.get("/admin/outbox/<int:message_id>")
@admin_only
def message(message_id):
    row = db.get_or_404(OutboxMessage, message_id)
    return render_template("notifications/message.html", row=row)


@bp.post("/admin/outbox/<int:message_id>/send-again")
@admin_only
def resend(message_id):
    row = db.get_or_404(OutboxMessage, message_id)
    if row.status not in (FAILED, SENT):
        flash("Only a sent or failed message can be sent again.", "error")
    else:
        send_again(row)
        db.session.commit()
        flash(f"The message to {row.to_address} will be sent again.", "success")
    return redirect(url_for(".message", message_id=row.id))


# -- development mailbox ----------------------------------------------------------------


def _mail_files() -> list:
    directory = mail_directory()
    if not directory.is_dir():
        return []
    return sorted(
        (p for p in directory.iterdir() if EML_NAME.match(p.name)),
        key=lambda p: p.name,
        reverse=True,
    )


def _read(path) -> dict:
    with path.open("rb") as handle:
        parsed = BytesParser(policy=policy.default).parse(handle)
    body = parsed.get_body(preferencelist=("plain",))
    files = [
        {
            "filename": part.get_filename(),
            "mimetype": part.get_content_type(),
            "text": part.get_content() if part.get_content_maintype() == "text" else "",
        }
        for part in parsed.iter_attachments()
    ]
    return {
        "name": path.name,
        "subject": parsed["subject"],
        "to": parsed["to"],
        "from": parsed["from"],
        "date": parsed["date"],
        "text": body.get_content() if body is not None else "",
        "files": files,
    }


def _headers(path) -> dict:
    from email.parser import BytesHeaderParser

    with path.open("rb") as handle:
        headers = BytesHeaderParser(policy=policy.default).parse(handle)
    return {
        "name": path.name,
        "subject": str(headers["subject"] or ""),
        "to": str(headers["to"] or ""),
        "date": str(headers["date"] or ""),
        "attached": headers.get_content_type() == "multipart/mixed",
    }


MAILBOX_PAGE = 50


@bp.get("/admin/mailbox")
@admin_only
def mailbox():
    """The development mailbox: the .eml files, newest first, 50 a page, optionally only
    those whose subject or recipient contains ``q`` (headers only are read)."""
    from qaweb.core.lists import page_number, past_end

    term = request.args.get("q", "").strip().lower()
    found = [_headers(p) for p in _mail_files()]
    if term:
        found = [m for m in found if term in m["subject"].lower() or term in m["to"].lower()]
    page = page_number()
    pages = max(1, -(-len(found) // MAILBOX_PAGE))
    shown = found[(page - 1) * MAILBOX_PAGE : page * MAILBOX_PAGE]
    pager = None
    args = {"q": term} if term else {}
    beyond = past_end(page, pages, len(found), lambda n: url_for(".mailbox", page=n, **args))
    if pages > 1 or beyond:
        pager = {
            "items": [
                {
                    "number": n,
                    "href": url_for(".mailbox", page=n, **args),
                    "current": n == page,
                }
                for n in range(1, pages + 1)
            ],
            "past_end": beyond,
        }
    return render_template(
        "notifications/mailbox.html",
        messages=shown,
        total=len(found),
        term=term,
        pager=pager,
        directory=mail_directory(),
    )


@bp.post("/admin/mailbox/send")
@admin_only
def mailbox_send():
    """Send what is queued now (the development mailbox's button; in production the
    `flask notify send` timer does this)."""
    from qaweb.core.outbox import send_due

    counts = {"sent": 0, "retry": 0, "failed": 0}
    while True:  # everything queued, a batch at a time
        got = send_due()
        for name, value in got.items():
            counts[name] += value
        if not any(got.values()):
            break
    flash(
        f"Sent {counts['sent']}, to try again {counts['retry']}, failed {counts['failed']}.",
        "success",
    )
    return redirect(url_for(".mailbox"))


@bp.get("/admin/mailbox/<name>")
@admin_only
def mailbox_message(name):
    if not EML_NAME.match(name):
        abort(404)
    path = mail_directory() / name
    if not path.is_file():
        abort(404)
    return render_template("notifications/mailbox_message.html", mail=_read(path))


@bp.get("/admin/mailbox/<name>/<int:index>")
@admin_only
def mailbox_attachment(name, index):
    """An attachment as the recipient's mail program would save it (the .ics)."""
    if not EML_NAME.match(name) or not (mail_directory() / name).is_file():
        abort(404)
    files = _read(mail_directory() / name)["files"]
    if index >= len(files):
        abort(404)
    item = files[index]
    from qaweb.practice_week.calendar import send

    if item["mimetype"] != "text/calendar":
        abort(404)
    return send(item["text"].encode(), item["filename"] or "invite.ics")


# -- a person's email preferences ---------------------------------------------------------


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def preferences_page():
    user = current_user._get_current_object()
    chosen, hour = preferences(user)
    form = preferences_form({**chosen, "digest_hour": str(hour)})
    if form.validate_on_submit():
        wanted = {kind: getattr(form, kind).data or chosen[kind] for kind in KINDS}
        try:
            save_preferences(user, wanted, int(form.digest_hour.data))
        except ValueError as error:
            form.digest_hour.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your email preferences have been saved.", "success")
            return redirect(url_for(".preferences_page"))
    return render_template("notifications/preferences.html", form=form, kinds=KINDS)
