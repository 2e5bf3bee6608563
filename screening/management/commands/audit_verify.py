"""Checks the audit trail's hash chain and the append-only triggers; reports the first broken link.

    python manage.py audit_verify

Exit status 0 when every event follows its predecessor and every trigger is in place, 1 otherwise.
"""
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from screening.append_only import missing_triggers
from screening.audit_chain import FIELDS, first_broken_link
from screening.models import AuditEvent


class Command(BaseCommand):
    help = "Verifies the audit trail's hash chain and that the append-only triggers are in place."

    def handle(self, *args, **options):
        events = AuditEvent.objects.order_by("id").values("id", "prev_hash", "hash", *FIELDS).iterator(2000)
        broken = first_broken_link(events)
        missing = missing_triggers(connection)
        if missing:
            self.stderr.write(f"Append-only triggers missing: {', '.join(missing)}.")
        if broken:
            raise CommandError(f"The audit trail is broken at {broken}.")
        if missing:
            raise CommandError("The audit trail's chain is intact, but the database no longer refuses changes.")
        self.stdout.write(f"The audit trail is intact: {AuditEvent.objects.count()} events, every link verified.")
