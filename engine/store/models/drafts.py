"""Form drafts: what a person typed into a task's form and saved without submitting."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class FormDraft(Base):
    """One person's unsent form for one task (issue 18 item 9): the fields as typed
    (name → the strings the form sent), kept until they save again, discard it or the task
    is done. Not case data: never in the audit log, the instance or its replay."""

    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fields: Mapped[dict]  # field name -> list of strings, as the form sent them
    saved_at: Mapped[datetime]
