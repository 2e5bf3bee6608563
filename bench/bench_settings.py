"""Settings for `make bench`: the project's own settings, with the bench URLconf (the app's URLs plus one bare view).

Used by bench/run.py for the in-process page timings and for the gunicorn load test, so that the floor (the bare
view) is served by the same stack, middleware and database as the pages it is compared with. Everything else comes
from the environment exactly as in production (bench/run.py sets DEBUG off, a generated secret key, DJANGO_HTTPS=0
and a temporary SQLite file).
"""
from project.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bench_urls"
