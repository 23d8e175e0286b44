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


def reason_step(record, form, change, done, back: str, template: str, expected=(), **context):
    """A state change that asks why first, on a page of its own (cancel, extend, did not take
    place): on a valid post of ``form`` (a ``core.forms.reason_form`` or the like),
    ``change()`` is saved with ``core.history.save_versioned`` under the version the page
    showed (``expected`` are the feature's rule errors, rolled back and shown). Saved:
    ``done`` is flashed (text, or a function giving it after the change, for a message that
    quotes the new state) and the browser sent to ``back``. Otherwise ``template`` is
    rendered with ``form``, ``problem`` (None, or the refusal) and ``context``, the form
    carrying the record's current version."""
    from flask import render_template

    from qaweb.core.history import save_versioned

    problem = None
    if form.validate_on_submit():
        problem = save_versioned(db.session, record, form, change, expected)
        if problem is None:
            flash(done() if callable(done) else done, "success")
            return redirect(back)
        form.version.data = record.version
    return render_template(template, form=form, problem=problem, **context)
