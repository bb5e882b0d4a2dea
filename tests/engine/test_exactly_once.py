"""Exactly one winner: many people acting on one task at once (claim, unclaim, reassign,
complete), on each database — one success and one audit event per round, the rest a
clear Conflict."""

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from engine.errors import Conflict
from engine.facade import Policyflow
from engine.store.db import transaction
from engine.store.models import RoleAssignment, User
from tests.conftest import NOW, deploy_test_model

PEOPLE = 8  # holders of the drafting role acting at once (web workers and threads alike)


def colleagues(pf: Policyflow) -> list[str]:
    """`cv_vhtt` and PEOPLE - 1 colleagues holding exactly the same roles (kept across
    tests, like the seed)."""
    names = ["cv_vhtt"] + [f"cv_vhtt_{n}" for n in range(1, PEOPLE)]
    with transaction(pf.url) as s:
        model = s.scalars(select(User).where(User.username == "cv_vhtt")).unique().one()
        held = [(r.role_key, r.unit_id) for r in model.roles]
        for name in names[1:]:
            if s.scalar(select(User.id).where(User.username == name)) is None:
                user = User(username=name, full_name=f"Chuyên viên {name}", password_hash="x")
                user.roles = [RoleAssignment(role_key=k, unit_id=u) for k, u in held]
                s.add(user)
    return names


def at_once(pf: Policyflow, actions: list[Callable[[Policyflow], object]]) -> list[str]:
    """Run each action in its own thread with its own engine (one per web worker),
    released together; "ok" or "conflict" for each."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []

    def attempt(action: Callable[[Policyflow], object]) -> None:
        engine = Policyflow(pf.url)
        barrier.wait()
        try:
            action(engine)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.fixture
def case(pf: Policyflow) -> tuple[Policyflow, int, str, list[str]]:
    people = colleagues(pf)
    deploy_test_model(pf, "linear3.bpmn")
    started = pf.start("linear3", "cv_vhtt", now=NOW)
    [draft] = [t for t in pf.tasks("cv_vhtt") if t["instance_id"] == started["id"]]
    return pf, started["id"], draft["id"], people


def commands(pf: Policyflow, instance_id: int) -> list[str]:
    return [e["command"] for e in pf.history(instance_id)]


ROUNDS = 3


def test_one_claim_wins_among_many_people(case: tuple) -> None:
    pf, instance_id, task_id, people = case
    for _ in range(ROUNDS):
        claims = [lambda e, who=who: e.claim(task_id, who, now=NOW) for who in people]
        assert at_once(pf, claims) == ["conflict"] * (PEOPLE - 1) + ["ok"]
        [holder] = [p for p in people if pf.task(task_id, p)["claimed_by"] == p]
        pf.unclaim(task_id, holder, now=NOW)
    assert commands(pf, instance_id) == ["start"] + ["claim", "unclaim"] * ROUNDS


def test_one_claim_wins_for_one_person_clicking_many_times(case: tuple) -> None:
    pf, instance_id, task_id, _ = case
    clicks = [lambda e: e.claim(task_id, "cv_vhtt", now=NOW)] * PEOPLE
    assert at_once(pf, clicks) == ["conflict"] * (PEOPLE - 1) + ["ok"]
    assert commands(pf, instance_id) == ["start", "claim"]


def test_one_unclaim_wins(case: tuple) -> None:
    pf, instance_id, task_id, _ = case
    pf.claim(task_id, "cv_vhtt", now=NOW)
    clicks = [lambda e: e.unclaim(task_id, "cv_vhtt", now=NOW)] * PEOPLE
    assert at_once(pf, clicks) == ["conflict"] * (PEOPLE - 1) + ["ok"]
    assert commands(pf, instance_id) == ["start", "claim", "unclaim"]


def test_one_reassignment_to_a_person_wins(case: tuple) -> None:
    pf, instance_id, task_id, people = case
    to = people[1]
    orders = [lambda e: e.reassign(task_id, "tp_vhtt", to, "Giao gấp", now=NOW)] * PEOPLE
    assert at_once(pf, orders) == ["conflict"] * (PEOPLE - 1) + ["ok"]
    assert commands(pf, instance_id) == ["start", "reassign"]
    assert pf.task(task_id, to)["claimed_by"] == to


def test_one_completion_wins_among_many_people(case: tuple) -> None:
    pf, instance_id, task_id, people = case
    data = {"title": "Thông cáo", "pages": 2}
    completions = [lambda e, who=who: e.complete(task_id, who, data, now=NOW) for who in people]
    assert at_once(pf, completions) == ["conflict"] * (PEOPLE - 1) + ["ok"]
    assert commands(pf, instance_id) == ["start", "complete"]
