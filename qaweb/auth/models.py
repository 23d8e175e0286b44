from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, UTCDateTime, utcnow


class SignInFailure(Base):
    """A failed sign-in, kept in the database so the limits hold across workers and hosts.

    Counted per account from one client address, and per client address across accounts
    (see ``qaweb.auth.services.throttle``)."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        sa.Index("ix_sign_in_failure_email_at", "email", "failed_at"),
        sa.Index("ix_sign_in_failure_address_at", "remote_addr", "failed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    # The client's address as the app sees it (request.remote_addr, after ProxyFix).
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UserSession(Base):
    """One signed-in session, so the server can end it (OWASP ASVS 3.3.1, 3.3.2).

    The browser's signed session cookie holds a random key; only its SHA-256 is stored, so a
    copy of the database cannot be used to sign in. A session counts while ``ended_at`` is
    empty and it was seen within the idle timeout and began within the absolute lifetime."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
