"""The shared cache of printed documents: the rendered bytes of a revision's record or handout.

The cache is Django's default cache (settings.CACHES): the database cache unless DJANGO_REDIS_URL names a Redis
server, so every worker and server sees one entry. A key holds everything the bytes depend on, so an entry never
goes stale: the revision (stored once, never rewritten), its acknowledgements (append-only, so their count and
latest id tell), the document, the print date, who prints the record, the urgent-help line, and the print design.
Erasing a screening forgets every document printed of it (`forget`). This module imports no WeasyPrint.
"""
import hashlib
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction
from django.db.models import Count, Max
from django.utils import timezone

PREFIX = "print"
log = logging.getLogger(__name__)


@cache
def design_digest() -> str:
    """The print templates and stylesheet, hashed once per process: a deploy that changes them misses the cache."""
    base = Path(settings.BASE_DIR)
    paths = sorted((base / "templates" / "print").glob("*.html")) + sorted(
        (base / "templates" / "includes").glob("*.html")) + [Path(settings.STATICFILES_DIRS[0]) / "print" / "print.css"]
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key_for(kind: str, revision, *, printed_by=None) -> str:
    acks = revision.acknowledgements.aggregate(n=Count("id"), latest=Max("id"))
    user = printed_by.pk if kind == "record" and printed_by is not None else "-"
    crisis = hashlib.sha256(settings.CRISIS_LINE.encode()).hexdigest()[:8] if kind == "handout" else "-"
    return (f"{PREFIX}:s{revision.screening_id}:r{revision.pk}:{kind}:a{acks['n']}-{acks['latest'] or 0}:"
            f"{timezone.localdate().isoformat()}:u{user}:{crisis}:{design_digest()}")


def blank_key(ruleset_version: str) -> str:
    """The blank form holds no client data: it depends on the rule set's questions and the design alone."""
    return f"{PREFIX}:blank:{ruleset_version}:{design_digest()}"


def get(key: str) -> bytes | None:
    """The cached bytes, or None; a cache that cannot be reached (Redis down, the table missing) is a miss."""
    try:
        with transaction.atomic():  # a savepoint: a failed cache query must not break the request's transaction
            return caches["default"].get(key)
    except Exception:  # whatever the backend raises: printing goes on without the cache
        log.warning("The print cache could not be read; rendering afresh.", exc_info=True)
        return None


def put(key: str, body: bytes) -> None:
    try:
        with transaction.atomic():
            caches["default"].set(key, body, settings.PRINT_CACHE_SECONDS)
    except Exception:
        log.warning("The print cache could not be written; the document is served uncached.", exc_info=True)


def forget(screening_pk: int) -> None:
    """Deletes every cached document of one screening (on erasure): by key prefix, on either shared backend."""
    backend = caches["default"]
    prefix = backend.make_key(f"{PREFIX}:s{screening_pk}:")
    if isinstance(backend, DatabaseCache):
        db = router.db_for_write(backend.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(backend._table)
        with connection.cursor() as cursor:
            # The table name is our own setting, quoted; the prefix is a bound parameter.
            cursor.execute(f"DELETE FROM {table} WHERE cache_key LIKE %s ESCAPE '!'",
                           [prefix.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"])
    elif isinstance(backend, RedisCache):
        client = backend._cache.get_client(write=True)
        for key in client.scan_iter(match=prefix.replace("[", "\\[") + "*"):
            client.delete(key)
    else:  # a cache no worker shares (a developer's local memory): forget everything rather than keep a document
        backend.clear()
