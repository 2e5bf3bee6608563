"""Rule-set impact (issue 16): what a rule set would say of every screening's latest revision, beside what was
stored. It reads and re-assesses; it writes nothing (no revision, no assessment, no audit event), so a lead can try
a new rule set before anyone's screening is assessed by it."""
from dataclasses import dataclass

from django.db.models import QuerySet

from screening.engine import IntakeError, Ruleset, assess
from screening.engine.present import flag_differences
from screening.models import Revision

BATCH = 500


@dataclass
class Impact:
    screening_id: int
    client_code: str
    owner: str
    revision: int
    stored_version: str
    diff: dict | None  # engine.present.flag_differences; None when the stored intake no longer validates
    error: str = ""


def latest_revisions(screenings: QuerySet, limit: int | None = None):
    """The latest revision of each screening (erased ones have none), newest screening first, read in batches."""
    ids = list(screenings.filter(erased_at__isnull=True).order_by("-updated_at", "-id")
               .values_list("id", flat=True)[:limit])
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        revisions = {}
        for revision in (Revision.objects.filter(screening_id__in=batch).select_related("screening__owner")
                         .order_by("screening_id", "-number")
                         .only("screening_id", "number", "intake", "assessment", "labels", "ruleset_version",
                               "screening__client_code", "screening__owner__username")):
            revisions.setdefault(revision.screening_id, revision)
        yield from (revisions[pk] for pk in batch if pk in revisions)


def ruleset_impact(screenings: QuerySet, ruleset: Ruleset, limit: int | None = None):
    """Every screening of `screenings` whose latest revision `ruleset` would assess differently, and how."""
    labels = ruleset.labels()
    for revision in latest_revisions(screenings, limit):
        screening = revision.screening
        common = {"screening_id": screening.pk, "client_code": screening.client_code,
                  "owner": screening.owner.get_username(), "revision": revision.number,
                  "stored_version": revision.ruleset_version}
        try:
            again = assess(revision.intake, ruleset)
        except IntakeError as error:
            yield Impact(**common, diff=None, error=str(error))
            continue
        diff = flag_differences(revision.assessment, revision.labels, again, labels)
        if diff["any"]:
            yield Impact(**common, diff=diff)
