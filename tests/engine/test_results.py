"""The typed results hold: what a facade method returns is exactly the shape its return
annotation declares (engine/results) — every required key there, no key it does not
declare, and each value of its declared type (pydantic checks them strictly: a status is
an InstanceStatus member, a list is a list)."""

import types
import typing
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NotRequired, Required, get_args, get_origin, get_type_hints

import pytest
from pydantic import TypeAdapter
from typing_extensions import is_typeddict

from engine.facade import InstanceStatus, Policyflow, diff_versions, results
from tests.conftest import NOW, deploy_test_model

# -- the checker -----------------------------------------------------------------------


def returned(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a facade method; its result must match its return annotation."""
    value = method(*args, **kwargs)
    conforms(value, get_type_hints(method, include_extras=True)["return"])
    return value


def conforms(value: Any, annotation: Any) -> None:
    TypeAdapter(annotation).validate_python(value, strict=True)
    keys_match(value, annotation, "result")


def keys_match(value: Any, tp: Any, where: str) -> None:
    """No undeclared key at any depth (pydantic ignores extra keys of a TypedDict)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (typing.Annotated, NotRequired, Required):
        keys_match(value, args[0], where)
    elif is_typeddict(tp):
        hints = get_type_hints(tp, include_extras=True)
        assert set(value) <= set(hints), (where, sorted(set(value) - set(hints)))
        assert tp.__required_keys__ <= set(value), (where, tp.__required_keys__ - set(value))
        for key, item in value.items():
            keys_match(item, hints[key], f"{where}.{key}")
    elif origin in (typing.Union, types.UnionType):
        if value is not None:
            keys_match(value, next(a for a in args if a is not type(None)), where)
    elif origin is list:
        for i, item in enumerate(value):
            keys_match(item, args[0], f"{where}[{i}]")
    elif origin is dict:
        for key, item in value.items():
            keys_match(item, args[1], f"{where}.{key}")
    elif origin is tuple:
        for i, (item, item_type) in enumerate(zip(value, args, strict=True)):
            keys_match(item, item_type, f"{where}[{i}]")


# -- one instance through the facade ---------------------------------------------------


@pytest.fixture
def linear(pf: Policyflow) -> Policyflow:
    deploy_test_model(pf, "linear3.bpmn")
    return pf


def test_every_result_has_its_declared_shape(linear: Policyflow) -> None:
    pf = linear
    started = returned(pf.start, "linear3", "cv_vhtt", now=NOW)
    assert started["status"] is InstanceStatus.RUNNING
    task_id = started["open_tasks"][0]["id"]
    returned(pf.processes, "cv_vhtt")
    returned(pf.tasks, "cv_vhtt")
    returned(pf.inbox, "cv_vhtt", now=NOW)
    returned(pf.task, task_id, "cv_vhtt")
    pf.add_comment(started["id"], "cv_vhtt", "Bản nháp đầu.", task_id, now=NOW)
    file_id = pf.add_attachment(
        started["id"], "cv_vhtt", "a.txt", "text/plain", b"x", task_id, now=NOW
    )
    returned(pf.attachment, file_id, "cv_vhtt")
    returned(pf.complete, task_id, "cv_vhtt", {"title": "Kế hoạch", "pages": 3}, now=NOW)
    returned(pf.show, started["id"], "tp_vhtt")
    returned(pf.show, started["id"])
    returned(pf.history, started["id"])
    returned(pf.instances, "tp_vhtt", status="running")
    returned(pf.notices, "tp_vhtt")

    returned(pf.audit.verify, started["id"])
    returned(pf.audit.replay, started["id"], username="admin")
    returned(pf.audit.events, "admin", per_page=5)
    returned(pf.audit.export_history, started["id"], "admin", now=NOW + timedelta(hours=1))
    returned(pf.audit.verify_log)

    returned(pf.accounts.user, "tp_vhtt")
    returned(pf.org.units)
    returned(pf.org.roles)
    returned(pf.org.calendar_days, 2024)
    returned(pf.jobs.counts)


def test_process_owners_results_have_their_declared_shape(linear: Policyflow) -> None:
    pf = linear
    started = pf.start("linear3", "cv_vhtt", now=NOW)
    xml = pf.versions.bpmn("linear3", username="chu_quy_trinh")
    forms = pf.versions.forms("linear3", username="chu_quy_trinh")
    returned(pf.validate, xml, forms)
    edited = xml.replace('name="Soạn thảo"', 'name="Soạn thảo lại"')
    returned(pf.deploy, edited, None, "chu_quy_trinh", "đổi tên")
    returned(pf.versions.list, "linear3", "chu_quy_trinh")
    returned(pf.moves.plan, "linear3", username="chu_quy_trinh")
    returned(pf.moves.suspend, [started["id"]], "chu_quy_trinh")
    returned(pf.moves.migrate, "linear3", [started["id"], 999999], "chu_quy_trinh")
    returned(pf.versions.rollback, "linear3", 1, "chu_quy_trinh", "trở lại")
    conforms(diff_versions(xml, edited), results.VersionDiff)
