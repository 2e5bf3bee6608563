"""The writes of the clinician workflow, in one place, each with its audit event."""
from django.db import transaction
from django.db.models import Max

from screening.engine import assess, default_ruleset
from screening.models import Acknowledgement, AuditEvent, Revision, Screening


def audit(user, action: str, screening: Screening, revision_number: int | None = None) -> None:
    """Appends one event to the audit trail: who, what, which screening; never the intake's content."""
    AuditEvent.objects.create(user=user, action=action, screening=screening, revision_number=revision_number)


def _add_revision(screening: Screening, user, client_code: str, intake: dict, answers: dict) -> Revision:
    """The next revision, with everything its outputs show: the assessment and the names of today's rule set."""
    ruleset = default_ruleset()
    assessment = assess(intake, ruleset)
    number = (screening.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(screening=screening, number=number, client_code=client_code, intake=intake,
                                   answers=answers, ruleset_version=assessment["ruleset_version"],
                                   assessment=assessment, labels=ruleset.labels(), created_by=user)


@transaction.atomic
def screening_create(*, owner, client_code: str, intake: dict, answers: dict) -> Screening:
    """A new screening with its first revision, assessed by today's rule set."""
    screening = Screening.objects.create(owner=owner, client_code=client_code)
    _add_revision(screening, owner, client_code, intake, answers)
    audit(owner, "created", screening, 1)
    return screening


@transaction.atomic
def screening_revise(*, screening: Screening, user, client_code: str, intake: dict, answers: dict) -> Revision:
    """A new revision; earlier ones stay as they were shown."""
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    revision = _add_revision(screening, user, client_code, intake, answers)
    screening.client_code = client_code
    screening.save(update_fields=["client_code", "updated_at"])
    audit(user, "revised", screening, revision.number)
    return revision


@transaction.atomic
def flag_acknowledge(*, revision: Revision, user, rule_id: str, reason: str) -> Acknowledgement:
    """Records (or replaces) the acknowledgement of one flag of one revision."""
    ack, _ = Acknowledgement.objects.update_or_create(revision=revision, rule_id=rule_id,
                                                      defaults={"reason": reason, "user": user})
    audit(user, "acknowledged", revision.screening, revision.number)
    return ack
