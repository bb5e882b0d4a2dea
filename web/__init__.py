"""The Flask UI and REST API (issue: web inbox). Thin: it calls engine.facade only.

`create_app(config)` builds the app with ONE engine object in
`app.extensions["policyflow"]`; views parse the request, check what the page may show,
call the engine and render.
"""

import os
import secrets
import warnings
from contextlib import ExitStack
from typing import Any

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.wrappers import Response

from engine.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ProcessFailed
from engine.facade import Policyflow, database_url, get_engine, max_bpmn_bytes, sql_stats
from tasks import connect as connect_queue
from web import auth, guards, i18n
from web.api import api_bp
from web.views import (
    admin_rules,
    admin_users,
    audit,
    dashboard,
    documents,
    drafts,
    full_name,
    inbox,
    incidents,
    info_requests,
    instances,
    jobs,
    migration,
    modeler,
    monitoring,
    notices,
    processes,
    replay,
    role_name,
    spokespersons,
    tasks,
    vendor,
    versions,
)

csrf = CSRFProtect()

# Scripts only from this origin (no inline script); bpmn-js sets style attributes on SVG.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        DATABASE_URL=database_url(),
        SECRET_KEY=os.environ.get("SECRET_KEY"),
        WTF_CSRF_ENABLED=True,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=25 * 1024 * 1024,  # attachments
        # POST /api/v1/processes (a BPMN with its forms); larger bodies are refused (413).
        MAX_BPMN_BYTES=max_bpmn_bytes(),  # the engine's own limit (POLICYFLOW_MAX_BPMN_MB)
    )
    app.config.update(config or {})
    if not app.config["SECRET_KEY"]:
        if not app.config.get("TESTING"):
            warnings.warn(
                "SECRET_KEY is not set: using a random key; sessions end when the process does.",
                stacklevel=2,
            )
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    app.extensions["policyflow"] = Policyflow(app.config["DATABASE_URL"])
    connect_queue(app.extensions["policyflow"])  # jobs a request records go to Celery at once
    guards.init_app(app)  # NUL, ids past 32 bits, JSON too deep: before the routes exist

    csrf.init_app(app)
    csrf.exempt(api_bp)  # the API authenticates with tokens, not cookies
    i18n.init_app(app)
    auth.init_app(app)
    for bp in (
        auth.bp,
        inbox.bp,
        tasks.bp,
        processes.bp,
        instances.bp,
        info_requests.bp,
        notices.bp,
        jobs.bp,
        incidents.bp,
        monitoring.bp,
        replay.bp,
        audit.bp,
        modeler.bp,
        versions.bp,
        migration.bp,
        vendor.bp,
        admin_rules.bp,
        admin_users.bp,
        drafts.bp,
        documents.bp,
        dashboard.bp,
        spokespersons.bp,
        api_bp,
    ):
        app.register_blueprint(bp)
    app.jinja_env.globals.update(
        nav_counts=inbox.nav_counts,
        unread_notices=notices.unread_count,
        open_incidents=incidents.open_count,
        role_name=role_name,
        full_name=full_name,
        keeps_spokespersons=spokespersons.may_keep_any,
        instance_documents=documents.instance_documents,
        may_see_dashboard=dashboard.may_see,
    )
    _error_pages(app)
    if os.environ.get("POLICYFLOW_SQL_STATS"):  # bench/http_load.py: statements per request
        _count_sql(app)
    _one_transaction_per_read(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app


def _one_transaction_per_read(app: Flask) -> None:
    """A GET or HEAD request (a page, a read of the API) is one transaction: its session
    check, its content, the navigation's figures and its error page, if any, share it
    (`Policyflow.shared`). Requests that change something keep one transaction
    per command: a failed command is rolled back on its own, the page then shows why."""

    @app.before_request
    def share_transaction() -> None:
        if request.method in ("GET", "HEAD"):
            scope = ExitStack()
            scope.enter_context(app.extensions["policyflow"].shared())
            g.policyflow_scope = scope

    @app.teardown_request
    def end_transaction(exc: BaseException | None) -> None:
        scope: ExitStack | None = g.pop("policyflow_scope", None)
        if scope is not None:
            scope.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)


def _count_sql(app: Flask) -> None:
    """Each response says how many SQL statements and transactions it took."""
    sql_stats.install(get_engine(app.config["DATABASE_URL"]))

    @app.before_request
    def sql_reset() -> None:
        sql_stats.reset()

    @app.after_request
    def sql_header(response: Response) -> Response:
        response.headers["X-Policyflow-SQL"] = sql_stats.header(sql_stats.snapshot())
        return response


def _error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str) -> tuple[str, int]:
        return render_template("error.html", status=status, title=title, message=message), status

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def not_found(err: Exception) -> tuple[str, int]:
        msg = i18n.localize(err.message) if isinstance(err, NotFound) else ""
        return page(404, i18n._("Không tìm thấy"), msg)

    @app.errorhandler(PermissionDenied)
    @app.errorhandler(403)
    def forbidden(err: Exception) -> tuple[str, int]:
        msg = i18n.localize(err.message) if isinstance(err, PermissionDenied) else ""
        return page(403, i18n._("Không có quyền"), msg)

    @app.errorhandler(Conflict)
    def conflict(err: Conflict) -> tuple[str, int]:
        return page(409, i18n._("Hồ sơ đã thay đổi"), i18n.localize(err.message))

    @app.errorhandler(InvalidInput)
    def invalid(err: InvalidInput) -> tuple[str, int]:
        return page(400, i18n._("Dữ liệu không hợp lệ"), i18n.localize(err.message))

    @app.errorhandler(ProcessFailed)
    def failed(err: ProcessFailed) -> tuple[str, int]:
        # The model failed (nothing was changed): the step and the error, never a bare 500.
        message = i18n.localize(err.message)
        if err.element_id:
            message += " " + i18n._("(phần tử {element} của mô hình)", element=err.element_id)
        return page(422, i18n._("Quy trình gặp lỗi"), message)

    @app.errorhandler(CSRFError)
    def csrf_failed(err: CSRFError) -> tuple[str, int]:
        return page(
            400, i18n._("Phiên làm việc đã hết hạn"), i18n._("Hãy tải lại trang và thử lại.")
        )

    @app.errorhandler(413)
    def too_large(err: Exception) -> tuple[str, int]:
        return page(413, i18n._("Tệp quá lớn"), i18n._("Tệp đính kèm tối đa 25 MB."))
