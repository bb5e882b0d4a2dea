"""What one API request costs the database, counted on PostgreSQL through the real app
with a bearer token: a task completion is one transaction of at most COMPLETION_BUDGET
statements, a read at most READ_BUDGET — so the hot path cannot creep back (issue 17).
Also: the token is trusted from memory only while its user's session version holds
(engine/access/tokens.py), so a revoked token is refused at once, even when cached.

Counted with SQLAlchemy's cursor events (engine/store/sql_stats.py): every statement the
driver runs, and every BEGIN … COMMIT/ROLLBACK. Not a timing test."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.facade import Policyflow, get_engine, sql_stats
from tests.conftest import PG_URL, deploy_test_model, reset_runtime
from web import create_app

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="counted on PostgreSQL (DATABASE_URL)"
)

COMPLETION_BUDGET = 6  # item+instance locked read, user, 2 work items, instance, audit event
READ_BUDGET = 3
PREFIX = "/api/v1"
PATH = [("cv_vhtt", "Draft", {"title": "Kế hoạch", "pages": 3}),
        ("tp_vhtt", "Review", {}), ("ct_ubnd", "Approve", {})]  # fmt: skip


@pytest.fixture
def app(postgresql_url: str) -> Iterator[Flask]:
    url = reset_runtime(postgresql_url)
    deploy_test_model(Policyflow(url), "linear3.bpmn")
    sql_stats.install(get_engine(url))
    yield create_app({"DATABASE_URL": url, "TESTING": True})


class Client:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self.tokens:
            body = {"username": user, "password": "demo"}
            res = self.client.post(f"{PREFIX}/auth/token", json=body)
            assert res.status_code == 200, res.json
            self.tokens[user] = res.json["token"]
        return self.tokens[user]

    def counted(self, user: str, method: str, path: str, body: dict | None = None):
        """The response and what it cost (statements, transactions, commits, rollbacks)."""
        headers = {"Authorization": f"Bearer {self.token(user)}"}
        sql_stats.reset()
        res = self.client.open(PREFIX + path, method=method, json=body, headers=headers)
        counts = sql_stats.reset()
        return res, counts

    def one_instance(self) -> list[sql_stats.Counts]:
        """Start linear3 and complete its three tasks; what each completion cost."""
        res, _ = self.counted("cv_vhtt", "POST", "/processes/linear3/instances", {})
        assert res.status_code == 201, res.json
        state, costs = res.json, []
        for user, element, data in PATH:
            task = next(t for t in state["open_tasks"] if t["element_id"] == element)
            res, counts = self.counted(user, "POST", f"/tasks/{task['id']}/complete", data)
            assert res.status_code == 200, res.json
            state = res.json
            costs.append(counts)
        assert state["status"] == "completed"
        return costs


def test_a_completion_is_one_transaction_of_few_statements(app: Flask) -> None:
    client = Client(app.test_client())
    client.one_instance()  # tokens checked once, the model's version cached
    for counts in client.one_instance():
        assert counts.transactions == 1 and counts.commits == 1, counts
        assert counts.rollbacks == 0, counts
        assert counts.statements <= COMPLETION_BUDGET, counts


def test_a_completion_stays_in_budget_where_the_workflow_is_not_cached(app: Flask) -> None:
    """Several worker processes or nodes: a completion mostly lands in a process that
    does not hold the instance's live workflow; it reads the state with the item and
    instance (one locked read), not with a statement of its own."""
    client = Client(app.test_client())
    client.one_instance()
    pf: Policyflow = app.extensions["policyflow"]
    res, _ = client.counted("cv_vhtt", "POST", "/processes/linear3/instances", {})
    state = res.json
    for user, element, data in PATH:
        pf.runtime.workflows = type(pf.runtime.workflows)()  # as another process: cold
        task = next(t for t in state["open_tasks"] if t["element_id"] == element)
        res, counts = client.counted(user, "POST", f"/tasks/{task['id']}/complete", data)
        assert res.status_code == 200, res.json
        state = res.json
        assert counts.transactions == 1 and counts.statements <= COMPLETION_BUDGET, counts
    assert state["status"] == "completed"


def test_reads_take_few_statements(app: Flask) -> None:
    client = Client(app.test_client())
    client.one_instance()
    for user, path in (("cv_vhtt", "/me"), ("tp_vhtt", "/tasks")):
        client.counted(user, "GET", path)  # the token checked once
        res, counts = client.counted(user, "GET", path)
        assert res.status_code == 200, res.json
        assert counts.transactions == 1 and counts.statements <= READ_BUDGET, (path, counts)


def test_a_cached_token_is_refused_once_revoked(app: Flask) -> None:
    """A password change deletes the user's tokens: the next request (its token cached
    in this process) reads the user, sees the new session version, looks the token up in
    the same transaction and gets 401; a web logout (sessions only) leaves it working."""
    client = Client(app.test_client())
    pf: Policyflow = app.extensions["policyflow"]
    res, _ = client.counted("tp_vhtt", "GET", "/me")
    assert res.status_code == 200
    pf.accounts.sign_out("tp_vhtt")  # ends web sessions, not API tokens
    res, counts = client.counted("tp_vhtt", "GET", "/me")
    assert res.status_code == 200 and counts.transactions == 1, counts
    pf.accounts.change_password("tp_vhtt", "demo", "mat-khau-moi-2025")
    res, _ = client.counted("tp_vhtt", "GET", "/me")
    assert res.status_code == 401, res.json
    assert res.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_cached_token_of_a_deactivated_user_is_refused(app: Flask) -> None:
    client = Client(app.test_client())
    pf: Policyflow = app.extensions["policyflow"]
    assert client.counted("cv_vhtt", "GET", "/me")[0].status_code == 200
    pf.people.deactivate("admin", "cv_vhtt", "Nghỉ hưu")
    res, _ = client.counted("cv_vhtt", "GET", "/me")
    assert res.status_code == 401, res.json
