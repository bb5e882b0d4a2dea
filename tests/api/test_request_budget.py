"""What one API request costs the database, counted on PostgreSQL through the real app
with a bearer token: a task completion is one transaction of at most COMPLETION_BUDGET
statements, a read at most READ_BUDGET — so the hot path cannot creep back (issue 17).
Also: the token is trusted from memory only while its user's session version holds
(engine/access/tokens.py), so a revoked token is refused at once, even when cached.

Counted with SQLAlchemy's cursor events (engine/store/sql_stats.py): every statement the
driver runs, and every BEGIN … COMMIT/ROLLBACK. Not a timing test."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from engine.facade import Policyflow, get_engine, read_forms, sql_stats
from engine.store.models import Document, DocumentTemplate
from tests.api.test_access_matrix import DOC_START, P3_START
from tests.conftest import NOW, PG_URL, WORKFLOWS, deploy_test_model, reset_runtime
from tests.processes import DRAFT, act
from tests.web.test_monitoring_web import two_items
from web import create_app

pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="counted on PostgreSQL (DATABASE_URL)"
)

COMPLETION_BUDGET = 3  # user; item+instance (and state) locked; every write (write_batch)
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


# -- every read-only route --------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A read-only request: who asks (None: anonymous) and the path, filled in from the
    world's ids ({instance}, {task}, {document}, {key}, {version}, {unit}, {year})."""

    user: str | None
    path: str
    cold: bool = False  # counted as on a node that does not hold the instance's workflow

    def __str__(self) -> str:
        return f"{self.user or 'anonymous'} GET {self.path}" + (" (cold)" if self.cold else "")


# A civil servant's, a process owner's and an auditor's reads on an instance's life, the
# public register, the operators' and administrators' lists.
READS = [
    Read("cv_vhtt", "/me"),
    Read("cv_vhtt", "/tasks"),
    Read("tp_vhtt", "/tasks?box=completed"),
    Read("cv_vhtt", "/tasks/{task}"),
    Read("cv_vhtt", "/tasks/{task}", cold=True),
    Read("kiem_toan", "/tasks/{task}"),
    Read("cv_vhtt", "/instances"),
    Read("kiem_toan", "/instances?status=running"),
    Read("cv_vhtt", "/instances/{instance}"),
    Read("kiem_toan", "/instances/{instance}"),
    Read("kiem_toan", "/instances/{instance}", cold=True),
    Read("cv_vhtt", "/instances/{instance}/history"),
    Read("cv_vhtt", "/instances/{instance}/documents"),
    Read("cv_vhtt", "/documents/{document}/docx"),
    Read("cv_vhtt", "/processes"),
    Read("chu_quy_trinh", "/processes"),
    Read("chu_quy_trinh", "/processes/{key}/versions"),
    Read("chu_quy_trinh", "/processes/{key}/versions/{version}/bpmn"),
    Read("cv_vhtt", "/org-units"),
    Read(None, "/spokespersons"),
    Read(None, "/spokespersons/{unit}/history"),
    Read("chu_quy_trinh", "/incidents"),
    Read("tp_vhtt", "/monitoring-items"),
    Read("kiem_toan", "/instances/{instance}/replay"),
    Read("kiem_toan", "/audit/events"),
    Read("kiem_toan", "/audit/admin-events"),
    Read("ct_ubnd", "/indicators?year=2024"),
    Read("cv_vhtt", "/plan/{year}"),
    Read("admin", "/admin/users"),
    Read("admin", "/admin/users/cv_vhtt"),
    Read("admin", "/admin/org-units"),
    Read("admin", "/admin/settings"),
    Read("admin", "/admin/calendar/{year}"),
]
# Reads that honestly take more (each says why); every other read: READ_BUDGET. None now:
# the dashboard's report, over five sources, was 7 until its sources became one UNION ALL.
BUDGETS: dict[str, int] = {}


@pytest.fixture(scope="module")
def read_costs(postgresql_url: str) -> dict[str, sql_stats.Counts]:
    """Each read's cost with a warm token and warm caches (its second call), in a world
    with an instance of every kind: tasks open and done, documents, comments, an
    attachment, monitoring items, an incident. Shown with `pytest -s`."""
    url = reset_runtime(postgresql_url)
    world = build_world(Policyflow(url))
    sql_stats.install(get_engine(url))
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    pf: Policyflow = app.extensions["policyflow"]
    client = Client(app.test_client())
    costs: dict[str, sql_stats.Counts] = {}
    for read in READS:
        path = read.path.format(**world)
        headers = {"Authorization": f"Bearer {client.token(read.user)}"} if read.user else {}
        for _ in range(2):  # the first call checks the token and fills the caches
            if read.cold:
                pf.runtime.workflows = type(pf.runtime.workflows)()  # as another node
            sql_stats.reset()
            sql_stats.keep_sql(True)
            res = client.client.get(PREFIX + path, headers=headers)
            counts = sql_stats.reset()
            sql_stats.keep_sql(False)
        assert res.status_code == 200, (str(read), res.status_code, res.get_data(as_text=True))
        costs[str(read)] = counts
    print("\n".join(f"{c.statements:3} statements, {c.transactions} tx  {r}"
                     for r, c in costs.items()))  # fmt: skip
    return costs


def build_world(pf: Policyflow) -> dict[str, object]:
    forms = read_forms(WORKFLOWS / "forms")
    first = sorted(WORKFLOWS.glob("*.bpmn"), key=lambda p: p.name != "document_approval.bpmn")
    for path in first:
        pf.deploy(path.read_text(encoding="utf-8"), forms, "chu_quy_trinh", now=NOW)
    doc = pf.start("document_approval", "cv_vhtt", DOC_START, now=NOW)["id"]
    act(pf, doc, "cv_vhtt", "Draft", DRAFT)
    pf.add_comment(doc, "tp_vhtt", "Xem lại mục 2.")
    pf.add_attachment(doc, "cv_vhtt", "du-thao.txt", "text/plain", b"x", now=NOW)
    pf.start("annual_report", "cv_vhtt", P3_START, now=NOW)
    two_items(pf)
    deploy_test_model(pf, "incident_timer.bpmn")
    pf.start("incident_timer", "cv_vhtt", {"amount": "abc"}, now=NOW)
    pf.fire_due_timers(NOW + timedelta(hours=1, seconds=1))
    [task] = [t for t in pf.show(doc)["open_tasks"]]
    with pf.transaction() as s:
        template = s.scalars(select(DocumentTemplate).limit(1)).one()
        for n in (1, 2):
            s.add(Document(instance_id=doc, template_id=template.id, template_key=template.key,
                           title=f"Văn bản {n}", symbol=f"Số: {n}/KH-UBND", filename=f"{n}.docx",
                           sha256="0" * 64, size=1, content=b"x", created_at=NOW))  # fmt: skip
        s.flush()
        document = s.scalars(select(Document.id).limit(1)).one()
    return {"instance": doc, "task": task["id"], "document": document,
            "key": "document_approval", "version": 1, "unit": "huyen-xuan-truong",
            "year": 2024}  # fmt: skip


@pytest.mark.parametrize("read", [str(r) for r in READS])
def test_every_read_is_one_transaction_of_few_statements(
    read: str, read_costs: dict[str, sql_stats.Counts]
) -> None:
    counts = read_costs[read]
    budget = BUDGETS.get(read, READ_BUDGET)
    assert counts.transactions <= 1 and counts.rollbacks == 0, (read, counts)
    assert counts.statements <= budget, (read, counts.statements, counts.sql)


def test_a_tokens_first_use_in_a_process_shares_the_requests_transaction(app: Flask) -> None:
    """A process that has not checked the token lately (a new worker, another node, the
    cache's TTL past) looks it up in the transaction the request's command or reads run
    in: one more statement, never a transaction of its own."""
    client = Client(app.test_client())
    client.one_instance()
    pf: Policyflow = app.extensions["policyflow"]

    def forget_tokens() -> None:
        pf.accounts.tokens = type(pf.accounts.tokens)()

    forget_tokens()
    res, counts = client.counted("cv_vhtt", "POST", "/processes/linear3/instances", {})
    assert res.status_code == 201 and counts.transactions == 1, counts
    state = res.json
    for user, element, data in PATH:
        forget_tokens()
        task = next(t for t in state["open_tasks"] if t["element_id"] == element)
        res, counts = client.counted(user, "POST", f"/tasks/{task['id']}/complete", data)
        assert res.status_code == 200, res.json
        state = res.json
        assert counts.transactions == 1 and counts.commits == 1, counts
        assert counts.statements <= COMPLETION_BUDGET + 1, counts  # + the token's lookup
    forget_tokens()
    res, counts = client.counted("tp_vhtt", "GET", "/tasks")
    assert res.status_code == 200 and counts.transactions == 1, counts
    client.tokens["someone"] = "not-a-token"
    res, counts = client.counted("someone", "POST", f"/tasks/{task['id']}/complete", {})
    assert res.status_code == 401 and counts.commits == 0, counts


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
