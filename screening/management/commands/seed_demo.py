"""Creates or resets the demo accounts. For trying Threshold out only: it refuses to run unless DEBUG is on."""
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError

from screening.roles import CLINICIAN, LEAD, TRAINEE

DEMO_PASSWORD = "threshold-demo"
DEMO_ACCOUNTS = [("clinician", CLINICIAN), ("clinician2", CLINICIAN), ("trainee", TRAINEE), ("lead", LEAD)]


class Command(BaseCommand):
    help = "Create or reset the demo accounts clinician, clinician2, trainee and lead (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates accounts with a published password; it runs only with "
                               "DJANGO_DEBUG=1, never in production.")
        for username, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_active = True
            user.is_staff = False
            user.is_superuser = False
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            self.stdout.write(f"{'created' if created else 'reset'} {username} ({role})")
        self.stdout.write(f"Demo password for all four: {DEMO_PASSWORD}")
