"""Django's `flush`, which empties the whole database (tests, development), let through the append-only triggers.

Emptying everything is the one bulk act the triggers allow (screening/append_only.py): inside the flush's own
transaction, the helper row that stands for every screening is written and removed again, never committed.
"""
from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, transaction

from screening.append_only import EVERY_SCREENING, erasing


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database", DEFAULT_DB_ALIAS)
        with transaction.atomic(using=database), erasing([EVERY_SCREENING], using=database):
            super().handle(**options)
