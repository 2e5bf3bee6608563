"""Removes the intake drafts last changed more than DJANGO_DRAFT_DAYS ago (screening/drafts.py); run it daily.

    python manage.py purge_drafts

Expired drafts are already invisible (no list or form shows one); this removes their content from the database.
"""
from django.conf import settings
from django.core.management.base import BaseCommand

from screening.drafts import purge_expired


class Command(BaseCommand):
    help = "Delete intake drafts older than DJANGO_DRAFT_DAYS."

    def handle(self, *args, **options):
        removed = purge_expired()
        plural = "s" if removed != 1 else ""
        self.stdout.write(f"{removed} draft{plural} older than {settings.DRAFT_DAYS} days removed.")
