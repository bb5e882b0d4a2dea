"""WSGI entry point: `gunicorn web.wsgi:app` (or `python -m web` for development)."""

from web import create_app

app = create_app()
