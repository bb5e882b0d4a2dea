"""The organisation: units with effective dates, users, and the roles they hold in a unit."""

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

# Units that are an administration of their own (a People's Committee): everything
# below them that is not itself an administration belongs to them.
ADMINISTRATION_KINDS = ("district", "commune")


class OrgUnit(Base):
    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # district | department | commune
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]  # last day in force; None: still in force
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    reports: Mapped[bool] = mapped_column(default=False)  # must send the annual report (P3)

    parent: Mapped["OrgUnit | None"] = relationship(
        remote_side="OrgUnit.id", foreign_keys=[parent_id]
    )

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


class Role(Base):
    __tablename__ = "roles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))  # reminders also go here
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped by a password change and by logging out: a web session cookie carries the
    # number it was issued with and stops working once they differ (web/auth.py).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    roles: Mapped[list["RoleAssignment"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="joined"
    )


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role_key", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("roles.key"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[OrgUnit] = relationship()
