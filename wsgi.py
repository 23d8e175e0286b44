"""The WSGI entry point: ``gunicorn wsgi:app``."""

import gc

from qaweb import create_app

app = create_app()

# What start-up loaded (the libraries, the app, its routes) lives as long as the process. Keep
# it out of the garbage collector's full passes, which would otherwise walk all of it every
# few requests and add tens of milliseconds to whichever request triggers one.
gc.freeze()
