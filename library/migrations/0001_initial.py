"""The case library and quiz attempts, taken over from the screening app with their rows.

The models are declared on their old tables (screening_case, screening_quizattempt) without touching the database,
then the tables are renamed to library_case and library_quizattempt. On a new database screening/0001_initial made
the tables a moment before, so both paths end in the same schema."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    """Permissions and admin history follow the models: their content types change app instead of being remade."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("case", "quizattempt"):
        if not ContentType.objects.filter(app_label="library", model=model).exists():
            ContentType.objects.filter(app_label="screening", model=model).update(app_label="library")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="library", model__in=("case", "quizattempt")).update(app_label="screening")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("screening", "0002_move_cases_to_library"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Case",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("slug", models.SlugField(max_length=80, unique=True)),
                        ("title", models.CharField(max_length=200)),
                        ("difficulty", models.CharField(choices=[("introductory", "Introductory"), ("intermediate", "Intermediate"), ("advanced", "Advanced")], max_length=20)),
                        ("substances", models.JSONField()),
                        ("vignette", models.TextField()),
                        ("intake", models.JSONField()),
                        ("objectives", models.JSONField()),
                        ("teaching_notes", models.JSONField()),
                        ("expected", models.JSONField()),
                        ("order", models.PositiveIntegerField(default=0)),
                    ],
                    options={"ordering": ["order", "slug"], "db_table": "screening_case"},
                ),
                migrations.CreateModel(
                    name="QuizAttempt",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("answer", models.JSONField()),
                        ("result", models.JSONField()),
                        ("score", models.FloatField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attempts", to="library.case")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="quiz_attempts", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={"ordering": ["-created_at", "-id"], "db_table": "screening_quizattempt"},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="case", table=None),
        migrations.AlterModelTable(name="quizattempt", table=None),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
