"""Several result sets in one UNION ALL (engine/queries/bag.py): each part's rows come back
with its own column names and the column types' own values (timezone-aware times, dates,
JSON, booleans, NULLs) on SQLite and PostgreSQL alike, in one statement."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from engine.facade import Policyflow, get_engine, sql_stats
from engine.queries import bag
from engine.store.models import AuditEvent, OrgUnit, Role, RoleAssignment, User


def test_parts_come_back_typed_from_one_statement(pf: Policyflow) -> None:
    sql_stats.install(get_engine(pf.url))
    with pf.transaction() as s:
        s.add(AuditEvent(instance_id=None, seq=1, at=datetime(2024, 10, 1, 8, tzinfo=UTC),
                         actor="admin", command="org_import", payload={"a": [1, None]},
                         result={}, prev_hash="", hash="h"))  # fmt: skip
    with pf.transaction() as s:
        s.connection()  # SQLite's connection set-up (PRAGMAs) is not the read
        sql_stats.reset()
        found = bag.read(s, {
            "people": select(User.id, User.username, User.position, User.active)
            .where(User.username.in_(["cv_vhtt", "admin"])),
            "holdings": select(RoleAssignment.role_key, Role.member_of, RoleAssignment.valid_to,
                               RoleAssignment.valid_from, User.username)
            .join(User, User.id == RoleAssignment.user_id)
            .join(Role, Role.key == RoleAssignment.role_key)
            .where(User.username == "ct_ubnd"),
            "events": select(AuditEvent.seq, AuditEvent.at, AuditEvent.payload),
            "none": select(OrgUnit.code).where(OrgUnit.code == "no-such-unit"),
        })  # fmt: skip
        assert sql_stats.reset().statements == 1
    people = sorted(found["people"], key=lambda r: r.username)
    assert [(p.username, p.active, p.position) for p in people] == [
        ("admin", True, people[0].position), ("cv_vhtt", True, people[1].position)
    ]  # fmt: skip
    assert all(isinstance(p.id, int) for p in people)
    [event] = found["events"]
    assert event.at == datetime(2024, 10, 1, 8, tzinfo=UTC) and event.at.tzinfo is not None
    assert (event.seq, event.payload) == (1, {"a": [1, None]})
    chairman = [h for h in found["holdings"] if h.role_key == "chu_tich"]
    assert chairman and all(isinstance(h.valid_from, date) for h in chairman)
    assert {h.member_of for h in chairman} == {"lanh_dao_ubnd"}
    assert found["none"] == []


def test_no_part_reads_nothing(pf: Policyflow) -> None:
    with pf.transaction() as s:
        assert bag.read(s, {}) == {}
