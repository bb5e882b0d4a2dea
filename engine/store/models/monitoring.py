"""Monitoring items (P5): each piece of online information the daily scan found, with
where it stands and the cases it started, for listing and linking.

The item's case (`fake_news_item`) is the truth — its audit log holds every step; this row
is what its service tasks (`track_item`, engine/rules/monitoring.py) wrote, so a list page
and the P1 case it started can point at each other without reading workflow data.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MonitoringItem(Base):
    """One item: a post, video or article found by the culture office or the police."""

    __tablename__ = "monitoring_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The case handling the item; one row per case.
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id"), unique=True)
    # The monitoring term (fake_news) whose daily scan found it, if any.
    scan_instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(2000))
    platform: Mapped[str] = mapped_column(String(40))
    first_seen_at: Mapped[datetime]
    found_by: Mapped[str] = mapped_column(String(40))  # culture_office | police
    classification: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(40), index=True)
    screenshot_id: Mapped[str | None] = mapped_column(String(36))  # an Attachment's id
    # The P1 press_statement case a rebuttal started.
    press_instance_id: Mapped[int | None] = mapped_column(ForeignKey("instances.id"), index=True)
    removal_requested_at: Mapped[datetime | None]
    removal_due_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    fine_amount: Mapped[int | None]  # đồng
    fine_decision: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    updated_at: Mapped[datetime]
