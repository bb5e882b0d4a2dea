"""Results for P5's monitoring items: an item as the list, the instance page and the API
show it (engine/queries/monitoring.py)."""

from typing_extensions import TypedDict

from .schema import Moment


class MonitoringItemView(TypedDict):
    """One item the daily scan found, where it stands and the cases it is linked to."""

    id: int
    instance_id: int  # the item's own case (fake_news_item)
    scan_instance_id: int | None  # the monitoring term that found it
    press_instance_id: int | None  # the P1 rebuttal it started
    unit: str
    unit_name: str
    title: str
    link: str
    platform: str
    found_by: str
    first_seen_at: Moment
    classification: str | None
    status: str
    screenshot_id: str | None
    removal_requested_at: Moment | None
    removal_due_at: Moment | None
    removed_at: Moment | None
    escalated_at: Moment | None
    removal_overdue: bool  # asked of a platform, its 24 hours passed, not removed
    fine_amount: int | None
    fine_decision: str | None
    recorded_at: Moment
    updated_at: Moment
