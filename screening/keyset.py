"""Keyset ("seek") pages for the long lists, newest first: no COUNT and no OFFSET, so that the thousandth page costs
what the first costs (issue 19). An OFFSET reads every row it skips, and a count reads every row there is.

A page is anchored on a row: `?before=<id>` lists the rows after that one in the list's order (older), `?after=<id>`
the rows before it (newer). The list's order is (field descending, id descending); the ids in links are plain
numbers, and anything else in the query string is no anchor (the first page).
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q


@dataclass
class KeysetPage:
    rows: list
    newest: str  # the query string of the first page, keeping the filters
    older: str | None  # the query string of the next (older) page, or None on the last page
    newer: str | None  # the query string of the previous (newer) page, or None on the first page


def anchor_id(value: str) -> int | None:
    """An anchor's id from the query string: ASCII digits only, or no anchor."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _beyond(field: str, anchor: tuple, older: bool) -> Q:
    """Rows past the anchor in the list's order; written so that an index on (field, id) bounds the scan."""
    op = "lt" if older else "gt"
    if field == "id":
        return Q(**{f"id__{op}": anchor[-1]})
    value, pk = anchor
    return Q(**{f"{field}__{op}e": value}) & (Q(**{f"{field}__{op}": value}) | Q(**{f"id__{op}": pk}))


def keyset_page(queryset, *, field: str, size: int, before: tuple | None = None, after: tuple | None = None,
                keep: dict | None = None) -> KeysetPage:
    """One page of `queryset` newest first by (field, id); `before`/`after`: the anchor row's (field value, id)."""
    keep = keep or {}
    order = [f"-{field}", "-id"] if field != "id" else ["-id"]
    if after is not None and before is None:
        rows = list(queryset.filter(_beyond(field, after, older=False))
                    .order_by(*(o[1:] for o in order))[:size + 1])
        newer, rows = len(rows) > size, rows[:size][::-1]
        older = bool(rows)
    else:
        if before is not None:
            queryset = queryset.filter(_beyond(field, before, older=True))
        rows = list(queryset.order_by(*order)[:size + 1])
        older, rows = len(rows) > size, rows[:size]
        newer = before is not None and bool(rows)
    return KeysetPage(
        rows=rows, newest=f"?{urlencode(keep)}",
        older=f"?{urlencode(keep | {'before': rows[-1].pk})}" if older else None,
        newer=f"?{urlencode(keep | {'after': rows[0].pk})}" if newer else None)
