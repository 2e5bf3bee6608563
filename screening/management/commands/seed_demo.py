"""Creates or resets the demo clinics and accounts. For trying Threshold out only: it refuses to run unless DEBUG
is on.

Two clinics, so that both separations can be tried at once: `lead2` and `clinician3` of the second clinic see
nothing of the first clinic's screenings, and `lead` nothing of the second's. The first is the default clinic, the
one migration accounts 0002 put existing users and screenings in, so a demo database made before clinics keeps its
screenings where their owners are.
"""
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import DEFAULT_CLINIC, Clinic, Membership
from screening.roles import CLINICIAN, LEAD, TRAINEE

DEMO_PASSWORD = "threshold-demo"
FIRST, SECOND = DEFAULT_CLINIC["slug"], "second"
DEMO_CLINICS = {FIRST: DEFAULT_CLINIC["name"], SECOND: "Second clinic"}
DEMO_ACCOUNTS = [("clinician", CLINICIAN, FIRST), ("clinician2", CLINICIAN, FIRST), ("trainee", TRAINEE, FIRST),
                 ("lead", LEAD, FIRST), ("lead2", LEAD, SECOND), ("clinician3", CLINICIAN, SECOND)]


class Command(BaseCommand):
    help = ("Create or reset the demo clinics and accounts: clinician, clinician2, trainee and lead in one clinic, "
            "lead2 and clinician3 in another (DEBUG only).")

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a published password; it runs only with "
                               "DJANGO_DEBUG=1, never in production.")
        clinics = {slug: Clinic.objects.get_or_create(slug=slug, defaults={"name": name})[0]
                   for slug, name in DEMO_CLINICS.items()}
        for username, role, clinic in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.is_staff = False
            user.is_superuser = False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            Membership.objects.update_or_create(user=user, defaults={"clinic": clinics[clinic]})
            self.stdout.write(f"{'created' if created else 'reset'} {username} ({role}, {clinics[clinic]})")
        self.stdout.write(f"Demo password for all {len(DEMO_ACCOUNTS)}: {DEMO_PASSWORD}")
