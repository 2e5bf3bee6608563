"""Printable PDFs rendered with WeasyPrint from the print templates, sealed so that only our own static files are read.

A PDF carries text a user typed (notes, acknowledgement reasons, medication names). Django's autoescaping keeps that
text from becoming markup; the URL fetcher below is the second wall: whatever URL reaches WeasyPrint, it can read
only a file inside the app's static directories, and it never opens a network connection or follows a redirect.
"""
import threading
from contextlib import nullcontext
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from screening import print_cache
from screening.engine import DISCLAIMER, default_ruleset
from screening.models import Revision
from screening.presenter import present_handout, present_record

# Tagged PDF (PDF/UA-1): headings, lists and tables keep their structure for screen readers.
PDF_VARIANT = "pdf/ua-1"
# The kinds of file a print template may pull in; anything else is refused even inside the static folders.
CONTENT_TYPES = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff",
                 ".woff2": "font/woff2", ".png": "image/png", ".jpg": "image/jpeg", ".svg": "image/svg+xml"}

# One font configuration for the life of the process: a new one per render leaks a fraction of a megabyte each
# time, and reusing it also skips loading the @font-face fonts again. The lock keeps renders in a threaded server
# from sharing it at the same moment (sync workers never wait on it).
_FONT_CONFIG = None
_RENDER_LOCK = threading.Lock()


class FetchRefused(ValueError):
    """A print template asked for something outside the app's static files."""


@cache
def static_roots() -> tuple[Path, ...]:
    """The app's own static directories, resolved: the only places rendering may read from."""
    return tuple(Path(d).resolve() for d in settings.STATICFILES_DIRS)


def base_url() -> str:
    """Relative URLs in the print templates (print/print.css, fonts/...) resolve inside the first static root."""
    return static_roots()[0].as_uri() + "/"


def static_file_for(url: str) -> Path:
    """The file a `file:` URL names, if it is a regular file inside a static root with an allowed suffix."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefused(f"Only the app's static files may be read while printing, not {url[:200]!r}.")
    path = Path(url2pathname(parts.path)).resolve()  # resolves "..", and symlinks to wherever they point
    if not any(path.is_relative_to(root) for root in static_roots()):
        raise FetchRefused(f"{url[:200]!r} is outside the app's static files.")
    if path.suffix.lower() not in CONTENT_TYPES or not path.is_file():
        raise FetchRefused(f"{url[:200]!r} is not a static file a print template may use.")
    return path


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, sealed: serves files under the static roots, refuses every other URL without I/O."""

    def __init__(self):
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url, headers=None):
        try:
            path = static_file_for(url)
            body = path.read_bytes()
        except FetchRefused:
            raise
        except Exception as exc:  # a malformed URL or an unreadable file: refuse rather than guess
            raise FetchRefused(f"{url[:200]!r} could not be read as a static file.") from exc
        return URLFetcherResponse(path.as_uri(), body, headers={"Content-Type": CONTENT_TYPES[path.suffix.lower()]})

    def open(self, url, data=None, timeout=None):
        # WeasyPrint only calls fetch(); this closes the urllib door that OpenerDirector would otherwise leave.
        raise FetchRefused("Opening URLs is not allowed while printing.")


def font_config() -> FontConfiguration:
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


@lru_cache(maxsize=2)
def _parsed_stylesheet(path: Path, mtime_ns: int) -> CSS:
    return CSS(url=path.as_uri(), url_fetcher=StaticOnlyFetcher(), font_config=font_config())


def print_stylesheet() -> CSS:
    """static/print/print.css, parsed once (and again only when the file changes): parsing it cost every render."""
    path = static_roots()[0] / "print" / "print.css"
    return _parsed_stylesheet(path, path.stat().st_mtime_ns)


def html_to_pdf(html: str) -> bytes:
    """Renders print-template HTML to PDF bytes with the print stylesheet, sealed, with the shared fonts."""
    with _RENDER_LOCK:
        document = HTML(string=html, base_url=base_url(), url_fetcher=StaticOnlyFetcher())
        return document.write_pdf(font_config=font_config(), stylesheets=[print_stylesheet()],
                                  pdf_variant=PDF_VARIANT)


def render_pdf(template_name: str, context: dict) -> bytes:
    return html_to_pdf(render_to_string(template_name, context))


def record_context(revision: Revision, *, printed_by=None) -> dict:
    """What the clinician record shows: the revision as stored, presented, never a re-run of today's rules."""
    return {
        "screening": revision.screening,
        "revision": revision,
        "p": present_record(revision),
        "acks": {a.rule_id: a for a in revision.acknowledgements.select_related("user")},  # the latest per flag
        "disclaimer": DISCLAIMER,
        "printed_by": printed_by,
        "title": f"Threshold clinician record – revision {revision.number}",  # PDF metadata: no client code
    }


def handout_context(revision: Revision) -> dict:
    """What the client handout shows: the client's words only, and the urgent-help line of this installation."""
    return {
        "revision": revision,
        "h": present_handout(revision),
        "disclaimer": DISCLAIMER,
        "crisis_line": settings.CRISIS_LINE,
        "title": "Your screening conversation: notes to take home",  # PDF metadata: no client code
    }


def record_pdf(revision: Revision, *, printed_by=None) -> bytes:
    """The clinician record of one revision: every answer, every flag with its evidence, the acknowledgements."""
    return render_pdf("print/record.html", record_context(revision, printed_by=printed_by))


def handout_pdf(revision: Revision) -> bytes:
    """The client handout of one revision: each caution factor in plain words, with questions to ask."""
    return render_pdf("print/handout.html", handout_context(revision))


def document_pdf(kind: str, revision: Revision, *, printed_by=None, guard=nullcontext) -> bytes:
    """One printed document ("record" or "handout"), from the shared cache when it was rendered before; only a
    miss renders, inside `guard()` (the view's print slot)."""
    key = print_cache.key_for(kind, revision, printed_by=printed_by)
    body = print_cache.get(key)
    if body is None:
        with guard():
            body = record_pdf(revision, printed_by=printed_by) if kind == "record" else handout_pdf(revision)
        print_cache.put(key, body)
    return body


def blank_form_pdf(context: dict) -> bytes:
    """The blank intake form for paper, from the web form's own sections and questions."""
    return render_pdf("print/blank_form.html", context | {"disclaimer": DISCLAIMER,
                                                           "version": default_ruleset().version})


def cached_blank_form_pdf(context_for, *, guard=nullcontext) -> bytes:
    """The blank form from the shared cache: it changes only with the rule set and the design. `context_for()`
    builds the form's context on a miss only; the render runs inside `guard()`."""
    key = print_cache.blank_key(default_ruleset().version)
    body = print_cache.get(key)
    if body is None:
        with guard():
            body = blank_form_pdf(context_for())
        print_cache.put(key, body)
    return body
