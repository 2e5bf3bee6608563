"""Clinics and one membership per user. The default clinic is made (also on a new installation, so that the admin
has a clinic to put the first accounts in) and every existing user joins it."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DEFAULT_CLINIC = {"slug": "default", "name": "Default clinic"}  # as accounts.models.DEFAULT_CLINIC, frozen here


def every_user_joins_the_default_clinic(apps, schema_editor):
    Clinic = apps.get_model("accounts", "Clinic")
    Membership = apps.get_model("accounts", "Membership")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    clinic, _ = Clinic.objects.get_or_create(slug=DEFAULT_CLINIC["slug"], defaults={"name": DEFAULT_CLINIC["name"]})
    users = User.objects.filter(membership__isnull=True).values_list("pk", flat=True)
    Membership.objects.bulk_create([Membership(user_id=pk, clinic=clinic) for pk in users.iterator()],
                                   batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Clinic",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("slug", models.SlugField(unique=True)),
            ],
            options={"ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                ("user", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                                              related_name="membership", serialize=False,
                                              to=settings.AUTH_USER_MODEL)),
                ("clinic", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="memberships",
                                             to="accounts.clinic")),
            ],
        ),
        migrations.RunPython(every_user_joins_the_default_clinic, migrations.RunPython.noop),
    ]
