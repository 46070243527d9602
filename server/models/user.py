"""People and organisation: users, teams, sign-in sessions, revoked tokens."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, new_id, utcnow


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    territory: Mapped[str | None] = mapped_column(sa.String(120))
    manager_id: Mapped[str | None] = mapped_column(
        sa.String(36), sa.ForeignKey("users.id", use_alter=True, name="fk_teams_manager_id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["User"]] = relationship(
        back_populates="team", foreign_keys="User.team_id")
    manager: Mapped["User | None"] = relationship(foreign_keys=[manager_id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(16))  # rep | manager | admin
    team_id: Mapped[str | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh-CN")
    active: Mapped[bool] = mapped_column(default=True)
    # A password change or a deactivation: tokens without a session issued up to this
    # second, and sessions begun before it, are refused (server/tokens.py).
    sessions_valid_after: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])


class RevokedToken(Base):
    """Logged-out tokens. In the database so every app node sees a logout at once."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(36))
    expires_at: Mapped[datetime] = mapped_column()


# Why a session ended (``AuthSession.revoked_reason``).
SESSION_END_REASONS = ("logout", "reuse", "password", "deactivated")


class AuthSession(Base):
    """One sign-in on one device. Its refresh token rotates: each refresh answers a new
    one (``current_jti``) and moves the expiry on; presenting an older one ends the
    session (reuse), except ``previous_jti`` for a short grace after ``rotated_at``.
    Its access and refresh tokens carry its id as ``sid`` (server/tokens.py)."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("users.id"), index=True)
    current_jti: Mapped[str] = mapped_column(sa.String(64))
    previous_jti: Mapped[str | None] = mapped_column(sa.String(64))
    rotated_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(16))
