"""Erases the screenings whose latest revision is older than a retention period; a dry run unless --apply.

    python manage.py retention --older-than 8                         # lists what would be erased
    python manage.py retention --older-than 8 --apply --by lead       # erases it, in the name of clinical lead `lead`

With --by, only that lead's clinic's screenings are listed and erased (a lead erases within their own clinic).

Each screening is erased as a clinical lead erases one from its page (services.screening_erase): its revisions and
acknowledgements go, the audit trail keeps a tombstone naming the lead, the time and the retention period.
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import clinic_id_of
from screening.models import Screening
from screening.roles import is_lead
from screening.services import screening_erase

DAYS_PER_YEAR = 365.25


def _years(text: str) -> float:
    try:
        years = float(text)
    except ValueError:
        raise CommandError(f"--older-than takes a number of years, not {text!r}") from None
    if not 0 < years < 200:
        raise CommandError("--older-than takes a number of years above 0 (and below 200)")
    return years


class Command(BaseCommand):
    help = "Erase screenings last revised more than YEARS ago (dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", required=True, metavar="YEARS", help="the retention period in years")
        parser.add_argument("--apply", action="store_true", help="erase them (without it, only list them)")
        parser.add_argument("--by", metavar="USERNAME", help="the clinical lead in whose name they are erased "
                                                             "(needed with --apply); only their clinic's")

    def handle(self, *args, older_than, apply, by, **options):
        years = _years(older_than)
        lead = self._lead(by) if apply or by else None
        cutoff = timezone.now() - timedelta(days=years * DAYS_PER_YEAR)
        candidates = Screening.objects.filter(erased_at__isnull=True)
        if lead is not None:  # a lead erases within their own clinic only
            candidates = candidates.filter(clinic_id=clinic_id_of(lead))
        due = (candidates.annotate(last=Max("revisions__created_at"),
                                                                          count=Count("revisions"))
               .filter(last__lt=cutoff).order_by("last", "pk"))
        verb = "Erasing" if apply else "Would erase"
        total = 0
        for screening in due:
            self.stdout.write(f"{verb} screening #{screening.pk} ({screening.client_code}): {screening.count} "
                              f"revision{'s' if screening.count != 1 else ''}, last saved {screening.last:%Y-%m-%d}")
            if apply:
                screening_erase(screening=screening, user=lead,
                                reason=f"Retention: last saved more than {years:g} years ago.")
            total += 1
        done = "erased" if apply else "would be erased; run again with --apply --by LEAD to erase them"
        self.stdout.write(f"{total} screening{'s' if total != 1 else ''} last saved before {cutoff:%Y-%m-%d} {done}.")

    def _lead(self, username: str | None):
        if not username:
            raise CommandError("--apply needs --by USERNAME: the clinical lead in whose name screenings are erased")
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not is_lead(user):
            raise CommandError(f"{username!r} is not a clinical lead")
        if clinic_id_of(user) is None:
            raise CommandError(f"{username!r} belongs to no clinic")
        return user
