"""Persistence: the database connection (`db.py`), the typed tables (`models/`), the
Alembic revisions (`alembic/`) and schema upgrade/downgrade (`schema.py`), and how
database errors are told apart (`db_errors.py`)."""
