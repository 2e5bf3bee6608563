"""Each revision keeps its own client code and the rule set's names it is shown with.

Existing revisions get the client code their screening has now (the code they were saved with is not recorded
anywhere else) and the names of the rule set installed when this migration runs."""
from django.db import migrations, models


def fill(apps, schema_editor):
    from screening.engine import default_ruleset

    labels = default_ruleset().labels()
    Revision = apps.get_model("screening", "Revision")
    for revision in Revision.objects.select_related("screening").only("id", "screening__client_code").iterator():
        Revision.objects.filter(pk=revision.pk).update(client_code=revision.screening.client_code, labels=labels)


class Migration(migrations.Migration):
    dependencies = [("screening", "0002_move_cases_to_library")]
    operations = [
        migrations.AddField(model_name="revision", name="client_code",
                            field=models.CharField(default="", max_length=32), preserve_default=False),
        migrations.AddField(model_name="revision", name="labels", field=models.JSONField(default=dict)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
