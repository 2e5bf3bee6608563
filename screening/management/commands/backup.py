"""An online backup of the SQLite database to a new file, safe while the app runs.

    python manage.py backup /var/backups/threshold-2026-12-02.sqlite3

It uses SQLite's online backup (Python's sqlite3 Connection.backup): a consistent copy even while requests write.
PostgreSQL is backed up with pg_dump instead (README.md, "Backup and restore").
"""
import sqlite3
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Copy the SQLite database to PATH with SQLite's online backup (PostgreSQL: use pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file to write; it must not exist yet")

    def handle(self, *args, path, **options):
        if connection.vendor != "sqlite":
            raise CommandError("This database is PostgreSQL: back it up with pg_dump (README.md, Backup and restore).")
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists already; a backup never overwrites a file.")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory.")
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        self.stdout.write(f"Backed up the database to {target} ({target.stat().st_size} bytes).")
