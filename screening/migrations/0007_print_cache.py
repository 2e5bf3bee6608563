"""Printing (issue 17): the database cache's table for rendered PDFs (the default cache backend, shared by every
worker), and the print slots that hold a user to two renders at a time. Adds tables only: the append-only tables
and their triggers (0004) are untouched."""
from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models
from django.utils import timezone


def create_cache_table(apps, schema_editor):
    # Creates the table of each database cache in CACHES that is missing; nothing for Redis.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("screening", "0006_clinics"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name="PrintSlot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("slot", models.PositiveSmallIntegerField()),
                ("acquired_at", models.DateTimeField(default=timezone.now)),
                ("user", models.ForeignKey(on_delete=models.deletion.CASCADE, related_name="+",
                                           to=settings.AUTH_USER_MODEL)),
            ],
            options={"constraints": [models.UniqueConstraint(fields=("user", "slot"), name="one_print_per_slot")]},
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
