"""Database failures are told apart by exception class and constraint name, on both
databases: a lost race becomes a Conflict, any other integrity error stays what it is."""

import threading

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from engine.errors import Conflict
from engine.facade import Policyflow
from engine.store.db import get_engine, transaction
from engine.store.db_errors import is_contention, violated_constraint
from engine.store.models import AuditEvent, OrgUnit
from tests.conftest import NOW, deploy_test_model


def first_event(pf: Policyflow) -> dict:
    deploy_test_model(pf, "linear3.bpmn")
    started = pf.start("linear3", "cv_vhtt", now=NOW)
    with pf.transaction() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == started["id"])).one()
        row = {c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns}
    del row["id"]
    return row


def test_a_taken_audit_sequence_is_named_and_becomes_a_conflict(pf: Policyflow) -> None:
    """Two writers of one instance: the later one's event number is taken."""
    copy, index = first_event(pf), "ix_audit_instance_seq"
    with pytest.raises(IntegrityError) as raised, transaction(pf.url) as s:
        s.execute(insert(AuditEvent).values(copy))
    assert violated_constraint(raised.value) == index
    # Through the facade's transaction the same failure is a clear conflict.
    with pytest.raises(Conflict), pf.core.transaction() as s:
        s.execute(insert(AuditEvent).values(copy))


def test_another_unique_violation_is_not_a_conflict(pf: Policyflow) -> None:
    with pf.transaction() as s:
        unit = s.scalars(select(OrgUnit).limit(1)).one()
        row = {c.name: getattr(unit, c.name) for c in OrgUnit.__table__.columns if c.name != "id"}
    with pytest.raises(IntegrityError) as raised, pf.core.transaction() as s:
        s.execute(insert(OrgUnit).values(row))
    assert violated_constraint(raised.value) == "uq_org_units_code"


def test_a_lock_held_by_another_writer_is_contention(db_url: str) -> None:
    engine = get_engine(db_url)
    holding, done = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with engine.begin() as conn:
            conn.execute(text("UPDATE org_units SET name = name WHERE id = 1"))
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    holding.wait(10)
    try:
        with pytest.raises(OperationalError) as raised, engine.connect() as conn:
            # Wait 50 ms for the lock, set on the driver's connection before SQLAlchemy
            # begins (on SQLite, beginning is what waits: BEGIN IMMEDIATE).
            driver = conn.connection.driver_connection
            assert driver is not None
            if conn.dialect.name == "postgresql":
                driver.execute("SET lock_timeout = '50ms'")
            else:
                driver.execute("PRAGMA busy_timeout = 50")
            with conn.begin():
                conn.execute(text("UPDATE org_units SET name = name WHERE id = 1"))
    finally:
        done.set()
        holder.join()
    assert is_contention(raised.value)
