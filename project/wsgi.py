"""WSGI entry point: `gunicorn project.wsgi`."""
import os
from importlib import import_module

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = get_wsgi_application()
# The PDF views import WeasyPrint lazily so that `manage.py` commands start quickly; a web worker loads it now,
# while it starts, rather than on the first print it serves.
import_module("screening.pdf")
