"""The engine's one public face: `Policyflow`, composed of sub-facades that share one
`Core` (database, runtime caches, one transaction per command), and the few constants
and pure helpers its callers need.

web/, tasks/ and cli/ import only this package and `engine.errors`
(tests/engine/test_layers.py holds them to it).
"""

from engine import results
from engine.access.org import LEADER_ROLES
from engine.access.tokens import TokenRevoked
from engine.background.outbox import JobTicket
from engine.bpmn.diff import diff as diff_versions
from engine.bpmn.xml_safety import max_bpmn_bytes
from engine.commands.admin_people import PATTERNS as PEOPLE_PATTERNS
from engine.commands.deploy import NEW_PROCESS
from engine.commands.info_requests import Upload
from engine.context import real_time, utcnow
from engine.enums import AuditCommand, InstanceStatus, JobState, Scope, WorkItemState
from engine.facade.policyflow import Policyflow, read_forms
from engine.queries.audit_search import COMMANDS as AUDIT_COMMANDS
from engine.rules.calendar import LOCAL as LOCAL_TIME
from engine.rules.forms import refuse_unstorable
from engine.rules.services import OPERATIONS
from engine.rules.unit_fields import UNIT_KINDS
from engine.store import sql_stats
from engine.store.db import database_url, get_engine

__all__ = [
    "AUDIT_COMMANDS",
    "LEADER_ROLES",
    "LOCAL_TIME",
    "NEW_PROCESS",
    "OPERATIONS",
    "PEOPLE_PATTERNS",
    "UNIT_KINDS",
    "AuditCommand",
    "InstanceStatus",
    "JobState",
    "JobTicket",
    "Policyflow",
    "Scope",
    "TokenRevoked",
    "Upload",
    "WorkItemState",
    "database_url",
    "diff_versions",
    "get_engine",
    "max_bpmn_bytes",
    "read_forms",
    "real_time",
    "refuse_unstorable",
    "results",
    "sql_stats",
    "utcnow",
]
