"""Read-only views over the engine's tables (no command goes through here)."""

from .audit_search import search_events
from .inbox import describe_items, inbox, inbox_filter, tasks_for
from .instances import history, instance_data, instances, show_instance, visible_instance
from .notices import mark_read, notices, unread_count
from .processes import org_units, process_names, processes, versions, versions_run

__all__ = [
    "describe_items",
    "history",
    "inbox",
    "inbox_filter",
    "instance_data",
    "instances",
    "mark_read",
    "notices",
    "org_units",
    "process_names",
    "processes",
    "search_events",
    "show_instance",
    "tasks_for",
    "unread_count",
    "versions",
    "versions_run",
    "visible_instance",
]

from .task import task_detail

__all__ += ["task_detail"]
