"""The organisation: units with effective dates, users, and the roles they hold in a unit."""

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy import true as sa_true
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
    # The resolution that created or ended it, and whether that was checked against it.
    source: Mapped[str] = mapped_column(String(500), default="", server_default="")
    verified: Mapped[bool] = mapped_column(default=True, server_default=sa_true())

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
    # A role whose holders also hold the broader one: Chủ tịch and Phó Chủ tịch both act
    # in a "lãnh đạo UBND" lane, while a "chu_tich" lane is the chairman's alone.
    member_of: Mapped[str | None] = mapped_column(ForeignKey("roles.key"))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))  # reminders also go here
    position: Mapped[str | None] = mapped_column(String(200))  # e.g. "Phó Chủ tịch UBND huyện"
    phone: Mapped[str | None] = mapped_column(String(50))
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
    __table_args__ = (
        UniqueConstraint(
            "user_id", "role_key", "unit_id", "valid_from", name="uq_role_assignments_user_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role_key: Mapped[str] = mapped_column(ForeignKey("roles.key"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    # A holding is in force from its first to its last day (None: open-ended), so a move
    # or a merger ends one and starts another without losing who acted when.
    valid_from: Mapped[date] = mapped_column(default=date(2024, 1, 1), server_default="2024-01-01")
    valid_to: Mapped[date | None]

    user: Mapped[User] = relationship(back_populates="roles")
    unit: Mapped[OrgUnit] = relationship()

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
