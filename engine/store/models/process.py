"""Deployed process versions and the configurable rules (settings) they read."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ProcessVersion(Base):
    """One deploy of one process: the BPMN text and its forms, identified by content hash."""

    __tablename__ = "process_versions"
    __table_args__ = (UniqueConstraint("process_key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict]  # form file name -> JSON Schema
    deployed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime]
    comment: Mapped[str] = mapped_column(Text, default="")


class Setting(Base):
    """A configurable rule (a legal deadline, a reminder offset…): data, not code. Its
    value changes on dates (a new decree): see SettingValue."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # How its value is typed and checked: duration | working_days | deadline | date |
    # durations | text (engine/rules/settings.py).
    kind: Mapped[str] = mapped_column(String(20), default="text", server_default="text")


class SettingValue(Base):
    """A setting's value in force from a date until the next one's: an instance copies the
    values in force on its start date and keeps them."""

    __tablename__ = "setting_values"
    __table_args__ = (UniqueConstraint("key", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("settings.key"))
    valid_from: Mapped[date]
    value: Mapped[object] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text, default="", server_default="")  # the law it cites
