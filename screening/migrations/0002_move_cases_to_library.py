"""The case library and quiz attempts move to the `library` app: screening forgets the two models here, and
library/0001_initial takes them over and renames their tables. No row is copied or lost."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_roles")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="QuizAttempt"), migrations.DeleteModel(name="Case")],
            database_operations=[],
        ),
    ]
