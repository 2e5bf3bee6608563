"""A trainee's attempts newest first, read from an index (issue 19: the progress page)."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]
    operations = [
        migrations.AddIndex("quizattempt", models.Index(fields=["user", "-created_at", "-id"],
                                                        name="quizattempt_user_recent")),
    ]
