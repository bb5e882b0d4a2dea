"""The models (engine/store/models, `Base.metadata`) and the Alembic migrations
(engine/store/alembic) describe the same schema: a fresh database upgraded to head with
`engine.store.schema.upgrade`, compared with the models by Alembic's autogenerate, leaves
nothing to generate — tables, columns, types, nullability, server defaults, indexes,
unique and foreign key constraints. On SQLite, and on PostgreSQL when DATABASE_URL is set
(a database of its own, `<name>_schema[_gwN_<run>]`, made afresh)."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.store import schema
from engine.store.db import get_engine
from engine.store.models import Base


def differences(url: str) -> list[Any]:
    schema.upgrade(url)
    with get_engine(url).connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return [d for d in compare_metadata(context, Base.metadata) if not known_quirk(d, conn)]


def known_quirk(diff: Any, conn: Any) -> bool:
    """Alembic 1.20's SQLite comparison unquotes a default only when it holds at least one
    character (`^'(.+)'$`), so an empty-string default — instances.title, server_default
    "" in both the model and 0004_instance_title — is reflected as "('')", compared as
    "''" against "" and reported changed although the column is the same. PostgreSQL
    reports nothing for it; this one difference is ignored, on SQLite only."""
    if conn.dialect.name != "sqlite" or not isinstance(diff, list):
        return False
    [(kind, _, _table, _column, _existing, reflected, wanted)] = diff
    return (
        kind == "modify_default"
        and str(getattr(reflected, "arg", "")) in ("''", "('')")
        and getattr(wanted, "arg", None) == ""
    )


def test_the_migrations_build_exactly_the_models(fresh_url: str) -> None:
    assert differences(fresh_url) == []


def test_the_comparison_sees_a_difference(fresh_url: str) -> None:
    """The check can fail: a column the models lack is reported."""
    schema.upgrade(fresh_url)
    with get_engine(fresh_url).begin() as conn:
        conn.exec_driver_sql("ALTER TABLE settings ADD COLUMN stray INTEGER")
    found = differences(fresh_url)
    assert [(d[0], d[2], d[3].name) for d in found if isinstance(d, tuple)] == [
        ("remove_column", "settings", "stray")
    ]
