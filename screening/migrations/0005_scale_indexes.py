"""Indexes for every list filter and order (issue 19): the audit trail's action and user filters in id order, the
screening lists' order with and without an owner. (A trainee's attempts: library 0002.) Adding an index rebuilds
no table, so the append-only triggers of 0004 stay in place."""
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("screening", "0004_append_only_record"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.AddIndex("screening", models.Index(fields=["owner", "-updated_at", "-id"],
                                                      name="screening_owner_order")),
        migrations.AddIndex("screening", models.Index(fields=["-updated_at", "-id"], name="screening_order")),
        migrations.AddIndex("auditevent", models.Index(fields=["action", "-id"], name="auditevent_action_id")),
        migrations.AddIndex("auditevent", models.Index(fields=["user", "-id"], name="auditevent_user_id")),
    ]
