from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from qaweb.core.db import Base, UTCDateTime, utcnow


class SignInFailure(Base):
    """A failed sign-in, kept in the database so the limit holds across workers and hosts."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (sa.Index("ix_sign_in_failure_email_at", "email", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
