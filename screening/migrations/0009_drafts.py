"""Intake drafts (issue 15): what a clinician typed and has not saved yet. A new table; no existing one changes,
so the append-only triggers of 0004 stay in place."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("screening", "0008_oversight"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name="Draft",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.UUIDField()),
                ("client_code", models.CharField(blank=True, default="", max_length=32)),
                ("data", models.JSONField(default=dict)),
                ("closed", models.BooleanField(default=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="drafts",
                                            to=settings.AUTH_USER_MODEL)),
                ("screening", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                                related_name="drafts", to="screening.screening")),
            ],
            options={
                "ordering": ["-updated_at", "-id"],
                "indexes": [models.Index(fields=["owner", "closed", "-updated_at"], name="draft_owner_list"),
                            models.Index(fields=["updated_at"], name="draft_age")],
                "constraints": [models.UniqueConstraint(fields=("owner", "key"), name="one_draft_per_form")],
            },
        ),
    ]
