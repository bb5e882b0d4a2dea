"""Administrative changes are audit events of their own chain, under the checkpoints:
read by administrators and auditors, and any edit or deletion of one is detected."""

import pytest
from sqlalchemy import delete, select, update

from engine.access.org_import import import_org
from engine.errors import PermissionDenied
from engine.facade import Policyflow
from engine.store.models import AuditEvent
from tests.conftest import NOW
from tests.processes import AR_START

PERSON = {
    "username": "cb_moi",
    "full_name": "Cán bộ mới",
    "holdings": [{"role": "don_vi", "unit": "xa-xuan-ninh", "from": "2024-10-01"}],
}


def changes(pf: Policyflow, name: str) -> None:
    with pf.transaction() as s:
        import_org(s, {"units": [], "people": [{**PERSON, "full_name": name}]}, "admin", NOW, "x")


def test_admin_changes_are_chained_and_read_by_admins_and_auditors(deployed: Policyflow) -> None:
    changes(deployed, "Cán bộ mới")
    deployed.start("annual_report", "cv_vhtt", AR_START, now=NOW)
    changes(deployed, "Cán bộ mới (đổi tên)")
    page = deployed.audit.admin_events("kiem_toan")
    assert page["total"] == 2 and [e["seq"] for e in page["items"]] == [2, 1]
    newest = page["items"][0]
    assert newest["command"] == "org_import" and newest["actor"] == "admin"
    assert any("Cán bộ mới (đổi tên)" in line for line in newest["payload"]["changes"])
    assert deployed.audit.admin_events("admin")["total"] == 2
    with pytest.raises(PermissionDenied):
        deployed.audit.admin_events("cv_vhtt")
    assert deployed.audit.verify_log()["intact"]


def test_an_edited_or_deleted_admin_change_breaks_the_log(deployed: Policyflow) -> None:
    changes(deployed, "Cán bộ mới")
    changes(deployed, "Cán bộ mới (đổi tên)")
    first = AuditEvent.instance_id.is_(None) & (AuditEvent.seq == 1)
    with deployed.transaction() as s:
        payload = s.scalars(select(AuditEvent.payload).where(first)).one()
        s.execute(update(AuditEvent).where(first).values(payload={**payload, "counts": {}}))
    assert not deployed.audit.verify_log()["intact"]
    with deployed.transaction() as s:
        s.execute(update(AuditEvent).where(first).values(payload=payload))
    assert deployed.audit.verify_log()["intact"]
    with deployed.transaction() as s:
        s.execute(delete(AuditEvent).where(first))
    verdict = deployed.audit.verify_log()
    assert not verdict["intact"] and verdict["breaks"]
