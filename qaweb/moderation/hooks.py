"""What moderation adds to the shared pieces: who fills in and reads a moderator's form."""

from flask import url_for

from qaweb.extensions import db
from qaweb.tools import subjects


def _line(response):
    from qaweb.moderation.models import ModerationLine

    return db.session.get(ModerationLine, response.subject_id) if response.subject_id else None


def _fill(user, response) -> bool:
    line = _line(response)
    return bool(line and line.moderator_id == user.id and line.moderated_at is None)


def _view(user, response) -> bool:
    from qaweb.moderation.services import can_view_line

    line = _line(response)
    return bool(line and can_view_line(user, line))


def register() -> None:
    subjects.register(
        subjects.SubjectType(
            "moderation",
            _fill,
            _view,
            back_url=lambda r: url_for("moderation.line", line_id=r.subject_id),
        )
    )
