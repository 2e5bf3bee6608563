"""What the lists show and the lead's filters select (issue 16), copied onto each screening from its latest
revision: highest severity, answered and unanswered questions, unacknowledged critical flags; with indexes in the
lists' order. Only the screening table changes (it has no append-only trigger); Revision, Acknowledgement and
AuditEvent are read, never altered."""
from django.db import migrations, models

from screening.engine.present import answered_questions, highest_overall, unacknowledged_critical


def backfill(apps, schema_editor):
    Screening, Revision = apps.get_model("screening", "Screening"), apps.get_model("screening", "Revision")
    Acknowledgement = apps.get_model("screening", "Acknowledgement")
    for screening in Screening.objects.filter(erased_at__isnull=True).iterator():
        revision = Revision.objects.filter(screening=screening).order_by("-number").first()
        if revision is None:
            continue
        acknowledged = set(Acknowledgement.objects.filter(revision=revision).values_list("rule_id", flat=True))
        # an assessment stored before the contract's summary and gaps existed reads as having neither
        assessment = {"summary": {}, "flags": [], "not_assessed": []} | dict(revision.assessment or {})
        Screening.objects.filter(pk=screening.pk).update(
            highest_severity=highest_overall(assessment),
            answered_count=len(answered_questions(revision.intake or {}, revision.labels or {})),
            unanswered_count=len(assessment["not_assessed"]),
            unacknowledged_critical=len(unacknowledged_critical(assessment, acknowledged)))


class Migration(migrations.Migration):
    dependencies = [("screening", "0007_print_cache")]
    operations = [
        migrations.AddField("screening", "highest_severity", models.CharField(default="none", db_default="none", max_length=8)),
        migrations.AddField("screening", "answered_count", models.PositiveIntegerField(default=0, db_default=0)),
        migrations.AddField("screening", "unanswered_count", models.PositiveIntegerField(default=0, db_default=0)),
        migrations.AddField("screening", "unacknowledged_critical", models.PositiveIntegerField(default=0, db_default=0)),
        migrations.AddIndex("screening", models.Index(fields=["highest_severity", "-updated_at", "-id"],
                                                      name="screening_severity_order")),
        migrations.AddIndex("screening", models.Index(fields=["unacknowledged_critical", "-updated_at", "-id"],
                                                      name="screening_unacked_order")),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
