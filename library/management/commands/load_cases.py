"""`manage.py load_cases`: puts every case file of fixtures/cases/ into the `Case` model, by slug."""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from library.cases import CASES_DIR, CaseError, load_library
from library.models import Case

FIELDS = ("title", "difficulty", "substances", "vignette", "intake", "objectives", "teaching_notes", "expected")


class Command(BaseCommand):
    help = ("Load or update every case of fixtures/cases/ into the case library; remove cases whose file is gone "
            "unless trainees have attempted them.")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(CASES_DIR), help="the folder of case files (default: %(default)s)")

    def handle(self, *args, dir, **options):
        try:
            library = load_library(dir)
        except CaseError as exc:
            raise CommandError(f"no case was loaded: {exc}", returncode=2) from None
        created = updated = unchanged = 0
        with transaction.atomic():
            existing = {c.slug: c for c in Case.objects.all()}
            for order, item in enumerate(library):
                values = {name: getattr(item, name) for name in FIELDS} | {"order": order}
                case = existing.get(item.slug)
                if case is None:
                    Case.objects.create(slug=item.slug, **values)
                    created += 1
                elif any(getattr(case, name) != value for name, value in values.items()):
                    for name, value in values.items():
                        setattr(case, name, value)
                    case.save()
                    updated += 1
                else:
                    unchanged += 1
            gone = Case.objects.exclude(slug__in=[c.slug for c in library])
            kept = list(gone.filter(attempts__isnull=False).distinct().values_list("slug", flat=True))
            removed, _ = gone.exclude(slug__in=kept).delete()
        self.stdout.write(f"{len(library)} cases in the library: {created} created, {updated} updated, "
                          f"{unchanged} unchanged, {removed} removed.")
        for slug in kept:
            self.stdout.write(f"Kept {slug}: its file is gone but trainees have attempted it.")
