"""Indexes for every list filter and order (issue 19): the audit trail's action and user filters in id order, the
screening lists' order with and without an owner, and a trainee's attempts newest first."""
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_roles"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.AddIndex("screening", models.Index(fields=["owner", "-updated_at", "-id"],
                                                      name="screening_owner_order")),
        migrations.AddIndex("screening", models.Index(fields=["-updated_at", "-id"], name="screening_order")),
        migrations.AddIndex("quizattempt", models.Index(fields=["user", "-created_at", "-id"],
                                                        name="quizattempt_user_recent")),
        migrations.AddIndex("auditevent", models.Index(fields=["action", "-id"], name="auditevent_action_id")),
        migrations.AddIndex("auditevent", models.Index(fields=["user", "-id"], name="auditevent_user_id")),
    ]
