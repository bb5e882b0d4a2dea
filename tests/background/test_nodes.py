"""Two web nodes (two gunicorn masters on two ports, as on two machines) and two Celery
workers on one PostgreSQL and one Redis, all started from the Procfile (bench/nodes.py's
Cluster): every completion of every instance is sent to both nodes at the same moment.
Exactly one wins, the other gets a 409 that says why; consecutive commands of an
instance go to different nodes, so each node's workflow cache is stale by then and must
be noticed (row version); nothing is lost, and every instance re-executes from its log
(`policyflow verify --all`)."""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.nodes import Cluster, Node, check_database, race, tokens, verify_all
from engine.facade import Policyflow
from tests.conftest import PG_URL, deploy_test_model, reset_runtime

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="several nodes need PostgreSQL (DATABASE_URL)"
)
INSTANCES = 6
STEPS = [("cv_vhtt", "Draft", {"title": "Kế hoạch", "pages": 3}),
         ("tp_vhtt", "Review", {}), ("ct_ubnd", "Approve", {})]  # fmt: skip


@pytest.fixture
def cluster(postgresql_url: str, tmp_path: Path) -> Iterator[Cluster]:
    url = reset_runtime(postgresql_url)
    deploy_test_model(Policyflow(url), "linear3.bpmn")
    nodes = Cluster(url, tmp_path, extra_env={"POLICYFLOW_PASSWORD_PROFILE": "test"})
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()
        for log in sorted(tmp_path.glob("*.log")):  # shown by pytest if the test failed
            print(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}")


def test_two_nodes_one_winner_per_command_nothing_lost(cluster: Cluster) -> None:
    toks = tokens(cluster.ports[0])  # issued on one node, honoured by both
    first, second = (Node(p) for p in cluster.ports)
    outcomes: Counter = Counter()
    refusals: set[str] = set()
    started = []
    for n in range(INSTANCES):
        status, state = (first, second)[n % 2].call(
            "POST", "/processes/linear3/instances", toks["cv_vhtt"], {}
        )
        assert status == 201, state
        started.append(state["id"])
        for user, element, data in STEPS:
            task = next(t for t in state["open_tasks"] if t["element_id"] == element)
            answers = race(cluster.ports, f"/tasks/{task['id']}/complete", toks[user], data)
            outcomes[tuple(sorted(s for s, _ in answers))] += 1
            winners = [body for s, body in answers if s == 200]
            assert len(winners) == 1, answers
            refusals |= {body["error"]["message"] for s, body in answers if s == 409}
            state = winners[0]
        assert state["status"] == "completed", state
    assert outcomes == {(200, 409): 3 * INSTANCES}, outcomes
    assert refusals and all("Soạn thảo" in m or "Thẩm định" in m or "Phê duyệt" in m
                            for m in refusals), refusals  # fmt: skip
    # Every instance was read back on the node that did not run its last command.
    for iid in started:
        status, shown = second.call("GET", f"/instances/{iid}", toks["cv_vhtt"])
        assert status == 200 and shown["status"] == "completed", shown
    assert check_database(cluster.database_url, started) == []
    code, out = verify_all(cluster.database_url)
    assert code == 0, out


def test_a_stale_cached_workflow_is_not_used(cluster: Cluster) -> None:
    """Node 1 runs Draft (its worker caches the workflow), node 2 runs Review, node 1
    then runs Approve: it must load the instance as node 2 left it, not its cached copy
    (which would still wait at Review and refuse, or overwrite node 2's step)."""
    toks = tokens(cluster.ports[0])
    first, second = (Node(p) for p in cluster.ports)
    for _ in range(3):  # several rounds: each node's gunicorn workers take turns
        status, state = first.call("POST", "/processes/linear3/instances", toks["cv_vhtt"], {})
        assert status == 201, state
        for node, (user, element, data) in zip((first, second, first), STEPS, strict=True):
            task = next(t for t in state["open_tasks"] if t["element_id"] == element)
            status, state = node.call("POST", f"/tasks/{task['id']}/complete", toks[user], data)
            assert status == 200, state
        assert state["status"] == "completed"
        assert check_database(cluster.database_url, [state["id"]]) == []
