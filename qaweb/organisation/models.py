import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from qaweb.core.db import Base, Timestamped, UTCDateTime, Versioned, utcnow
from qaweb.core.history import Tracked
from qaweb.core.permissions import ROLES


class ServiceArea(Tracked, Versioned, Timestamped, Base):
    __tablename__ = "service_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    teams: Mapped[list["Team"]] = relationship(
        back_populates="service_area", order_by="Team.name", lazy="raise_on_sql"
    )

    def __str__(self):
        return self.name


class Team(Tracked, Versioned, Timestamped, Base):
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    service_area_id: Mapped[int] = mapped_column(sa.ForeignKey("service_area.id"), index=True)
    paired_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(default=True)

    service_area: Mapped[ServiceArea] = relationship(back_populates="teams", lazy="joined")
    paired_team: Mapped["Team | None"] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    def __str__(self):
        return self.name


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)


class User(UserMixin, Tracked, Versioned, Timestamped, Base):
    __tablename__ = "user"
    __table_args__ = (
        # Staff lists and every drop-down of people: active people by surname.
        sa.Index("ix_user_active_name", "active", "last_name", "first_name", "id"),
        sa.Index("ix_user_name", "last_name", "first_name", "id"),
    )
    __history_hidden__ = frozenset({"password_hash"})
    __history_skip__ = frozenset({"last_signed_in_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    line_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team | None] = relationship(lazy="joined")
    line_manager: Mapped["User | None"] = relationship(remote_side=[id], lazy="select")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated staff cannot sign in
        return self.active

    @property
    def roles(self) -> set[str]:
        return {r.role for r in self.role_rows}

    @roles.setter
    def roles(self, names):
        wanted = set(names)
        unknown = wanted - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
        old = self.roles
        if old == wanted:
            return
        self.__dict__["_history_extra"] = {"roles": [sorted(old) or None, sorted(wanted)]}
        # Touch a column so the version counter moves: a stale copy cannot overwrite roles.
        self.updated_at = utcnow()
        self.role_rows = [r for r in self.role_rows if r.role in wanted] + [
            UserRole(role=name) for name in sorted(wanted - self.roles)
        ]

    def role_labels(self) -> list[str]:
        roles = self.roles  # built once, not once for each role there is (the staff list's rows)
        return [ROLES[r] for r in ROLES if r in roles]

    def has_any_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names))

    def get_id(self) -> str:
        """The id kept in the session: it changes with the password, so a new password
        (or an administrator's reset) signs out every other session of this person."""
        return f"{self.id}:{self.session_token()}"

    def session_token(self) -> str:
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def set_password(self, password: str, method: str = "scrypt") -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __str__(self):
        return self.name
