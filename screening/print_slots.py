"""At most settings.PRINT_SLOTS PDF renders at a time per user, across every worker and server.

A slot is a PrintSlot row: taking one is an insert that the unique (user, slot) constraint lets only one request
win, so two workers can never hold the same slot; the row is deleted when the render ends, whatever happens. A slot
older than settings.PRINT_SLOT_STALE_SECONDS belongs to a render that died without its `finally` (a killed
worker) and is cleared before the next attempt.
"""
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from screening.models import PrintSlot


class NoPrintSlot(Exception):
    """Every slot of this user is busy rendering."""


@contextmanager
def print_slot(user):
    """Holds one of the user's print slots for the block; raises NoPrintSlot when all are taken."""
    now = timezone.now()
    PrintSlot.objects.filter(user=user, acquired_at__lt=now - timedelta(seconds=settings.PRINT_SLOT_STALE_SECONDS)
                             ).delete()
    held = None
    for number in range(settings.PRINT_SLOTS):
        try:
            with transaction.atomic():
                held = PrintSlot.objects.create(user=user, slot=number, acquired_at=now)
            break
        except IntegrityError:
            continue
    if held is None:
        raise NoPrintSlot
    try:
        yield held
    finally:
        PrintSlot.objects.filter(pk=held.pk).delete()
