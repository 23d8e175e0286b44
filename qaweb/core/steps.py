"""State-change steps: a button on a record's page (start, finish, submit, open, close)
that moves the record on, under the version the page was showing."""

from flask import flash, redirect, request

from qaweb.core.history import guarded_save
from qaweb.extensions import db


def take_step(record, change, done: str, back: str, expected=()):
    """Apply ``change()`` (it changes ``record`` and may raise one of ``expected``, the
    feature's rule errors) and commit, unless the record moved on since the page was
    loaded (the form's posted ``version``). Flashes ``done`` on success; otherwise the
    refusal: the rule's message, or a stale refusal naming who changed the record and when
    (``core.history.stale_message``). Nothing is half-saved. Redirects to ``back`` (the
    record's page), which shows the current state and version, so a second press after a
    stale refusal is judged against what the person now sees.
    """
    problem = guarded_save(db.session, record, request.form.get("version"), change, expected)
    flash(problem or done, "error" if problem else "success")
    return redirect(back)
