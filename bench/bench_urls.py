"""The project's URLs plus the floor of the page rows: a bare view rendering a short template from the same base layout.

It lives here, not in the app: only bench/bench_settings.py serves it. It goes through every middleware (sessions,
sign-in, CSRF, CSP, axes) and every context processor that the real pages go through, and renders base.html with a
paragraph of content, so the distance between a page and this floor is what the page's own work costs.
"""
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.http import require_GET

from project.urls import urlpatterns as project_urlpatterns

# Compiled once, like the app's templates under the cached loader; base.html comes through that same loader.
BARE_TEMPLATE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Floor{% endblock %}'
    '{% block content %}<h1 class="h2">Floor</h1><p>A bare view in the base layout.</p>{% endblock %}')


@require_GET
def bare(request):
    return HttpResponse(BARE_TEMPLATE.render({}, request))


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *project_urlpatterns]
