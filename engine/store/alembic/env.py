"""Alembic environment: the URL comes from engine.store.db, the tables from engine.store.models."""

from alembic import context

from engine.store.db import get_engine
from engine.store.models import Base

config = context.config


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    connectable = get_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run()
