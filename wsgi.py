"""The WSGI entry point: ``gunicorn wsgi:app``."""

from qaweb import create_app

app = create_app()
