"""The record that is never rewritten: append-only acknowledgements, a hash-chained audit trail, erasure fields,
the new-screening form's one-time key, and the triggers that refuse UPDATE and DELETE (screening/append_only.py).

The triggers come last, after every table change of this migration: on SQLite, altering a table rebuilds it and
drops its triggers. A later migration that alters these tables on SQLite must create them again
(tests/test_record.py checks that every trigger is in place after all migrations).
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from screening.append_only import create_sql, drop_sql
from screening.audit_chain import chain

ACTIONS = ("created", "viewed", "revised", "printed", "acknowledged", "exported", "refused", "admin_viewed",
           "erased")


def chain_stored_events(apps, schema_editor):
    """Gives the events stored before this migration their screening number and their place in the chain."""
    AuditEvent = apps.get_model("screening", "AuditEvent")
    events = list(AuditEvent.objects.order_by("id"))
    for event in events:
        event.screening_ref = event.screening_id
    chain(events)
    for event in events:
        event.save(update_fields=["screening_ref", "prev_hash", "hash"])


def create_triggers(apps, schema_editor):
    for sql in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0003_revision_client_code_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="acknowledgement", name="one_ack_per_flag"),
        migrations.AlterModelOptions(name="acknowledgement", options={"ordering": ["created_at", "id"]}),
        migrations.AddIndex(model_name="acknowledgement",
                            index=models.Index(fields=["revision", "rule_id"], name="screening_a_revisio_ack_idx")),
        migrations.AddField(model_name="screening", name="idempotency_key",
                            field=models.UUIDField(blank=True, editable=False, null=True)),
        migrations.AddField(model_name="screening", name="erased_at",
                            field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(model_name="screening", name="erased_by",
                            field=models.ForeignKey(blank=True, null=True, related_name="+",
                                                    on_delete=django.db.models.deletion.PROTECT,
                                                    to=settings.AUTH_USER_MODEL)),
        migrations.AddConstraint(model_name="screening",
                                 constraint=models.UniqueConstraint(fields=["owner", "idempotency_key"],
                                                                    name="one_screening_per_form")),
        migrations.AlterField(model_name="auditevent", name="at",
                              field=models.DateTimeField(db_index=True, default=django.utils.timezone.now,
                                                         editable=False)),
        migrations.AlterField(model_name="auditevent", name="screening",
                              field=models.ForeignKey(blank=True, null=True, related_name="audit_events",
                                                      on_delete=django.db.models.deletion.PROTECT,
                                                      to="screening.screening")),
        migrations.AddField(model_name="auditevent", name="screening_ref",
                            field=models.PositiveBigIntegerField(blank=True, null=True)),
        migrations.AddField(model_name="auditevent", name="reason",
                            field=models.CharField(blank=True, default="", max_length=500)),
        migrations.AddField(model_name="auditevent", name="prev_hash",
                            field=models.CharField(default="", editable=False, max_length=64)),
        migrations.AddField(model_name="auditevent", name="hash",
                            field=models.CharField(default="", editable=False, max_length=64)),
        migrations.RunPython(chain_stored_events, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="prev_hash",
                              field=models.CharField(editable=False, max_length=64, unique=True)),
        migrations.AlterField(model_name="auditevent", name="hash",
                              field=models.CharField(editable=False, max_length=64)),
        migrations.RemoveConstraint(model_name="auditevent", name="audit_action_known"),
        migrations.AlterField(model_name="auditevent", name="action",
                              field=models.CharField(choices=[(a, a) for a in ACTIONS], max_length=20)),
        migrations.AddConstraint(model_name="auditevent",
                                 constraint=models.CheckConstraint(condition=models.Q(action__in=ACTIONS),
                                                                   name="audit_action_known")),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
