"""Every screening belongs to a clinic: the clinic of its owner (accounts 0002 put every user in the default clinic).

Only the screening table changes (it has no append-only trigger); revisions, acknowledgements and the audit trail
are left alone, so the triggers of 0004 stay in place.
"""
import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

DEFAULT_CLINIC = {"slug": "default", "name": "Default clinic"}  # as accounts.models.DEFAULT_CLINIC, frozen here


def every_screening_joins_its_owners_clinic(apps, schema_editor):
    Screening = apps.get_model("screening", "Screening")
    Membership = apps.get_model("accounts", "Membership")
    Clinic = apps.get_model("accounts", "Clinic")
    Screening.objects.update(clinic_id=Subquery(Membership.objects.filter(user_id=OuterRef("owner_id"))
                                                .values("clinic_id")[:1]))
    orphans = Screening.objects.filter(clinic__isnull=True)
    if orphans.exists():  # an owner without a membership: only if accounts 0002 ran before that user was made
        clinic, _ = Clinic.objects.get_or_create(slug=DEFAULT_CLINIC["slug"],
                                                 defaults={"name": DEFAULT_CLINIC["name"]})
        orphans.update(clinic=clinic)
    if schema_editor.connection.vendor == "postgresql":
        # PostgreSQL checks the new foreign keys at commit; checked now, the table can be altered below.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("screening", "0005_scale_indexes"), ("accounts", "0002_clinics")]
    operations = [
        migrations.AddField("screening", "clinic", models.ForeignKey(
            null=True, on_delete=django.db.models.deletion.PROTECT, related_name="screenings", to="accounts.clinic")),
        migrations.RunPython(every_screening_joins_its_owners_clinic, migrations.RunPython.noop),
        migrations.AlterField("screening", "clinic", models.ForeignKey(
            on_delete=django.db.models.deletion.PROTECT, related_name="screenings", to="accounts.clinic")),
        migrations.AddIndex("screening", models.Index(fields=["clinic", "-updated_at", "-id"],
                                                      name="screening_clinic_order")),
    ]
