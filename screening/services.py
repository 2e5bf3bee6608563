"""The writes of the clinician workflow, in one place, each with its audit event.

The record is append-only (screening/append_only.py): a revision, an acknowledgement or an audit event, once
written, is never changed; erasure (screening_erase) is the one way that removes clinical content.
"""
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from screening import print_cache
from screening.append_only import erasing
from screening.audit_chain import GENESIS, event_hash
from screening.engine import assess, default_ruleset
from screening.engine.present import completeness, highest_overall, unacknowledged_critical
from screening.models import Acknowledgement, AuditEvent, Draft, Revision, Screening

# Serialises appends to the audit chain on PostgreSQL (a transaction-scoped advisory lock); SQLite's transactions
# already take the write lock at BEGIN (settings: transaction_mode IMMEDIATE). The unique predecessor hash is the
# last line: two events can never follow the same one.
AUDIT_LOCK = 0x7468726573  # "thres"


class SupersededRevision(Exception):
    """An acknowledgement for a revision that a newer one has replaced."""


@transaction.atomic
def audit(user, action: str, screening: Screening | None = None, revision_number: int | None = None, *,
          screening_ref: int | None = None, reason: str = "") -> AuditEvent:
    """Appends one event to the audit trail: who, what, which screening; never the intake's content."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(at=timezone.now(), user=user, action=action, screening=screening,
                       screening_ref=screening.pk if screening is not None else screening_ref,
                       revision_number=revision_number, reason=reason, prev_hash=last or GENESIS)
    event.hash = event_hash(event.prev_hash, {name: getattr(event, name) for name in
                                              ("at", "user_id", "action", "screening_id", "screening_ref",
                                               "revision_number", "reason")})
    event.save()
    return event


def audit_refused(user, pk: int) -> None:
    """A request for a screening that was refused (403 or 404): who asked for which number, nothing more."""
    audit(user, "refused", screening_ref=pk if 0 <= pk < 2 ** 63 else None)


def _add_revision(screening: Screening, user, client_code: str, intake: dict, answers: dict) -> Revision:
    """The next revision, with everything its outputs show: the intake the engine validated (e.g. de-duplicated),
    the assessment and the names of today's rule set."""
    ruleset = default_ruleset()
    cleaned = ruleset.intake.validate(intake)
    assessment = assess(cleaned, ruleset)
    number = (screening.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Revision.objects.create(screening=screening, number=number, client_code=client_code, intake=cleaned,
                                   answers=answers, ruleset_version=assessment["ruleset_version"],
                                   assessment=assessment, labels=ruleset.labels(), created_by=user)


def oversight_fields(revision: Revision, acknowledged: set) -> dict:
    """What the lists and the lead's filters read of a screening's latest revision (models.Screening)."""
    assessment = revision.assessment
    counts = completeness(revision.intake, assessment["not_assessed"], revision.labels)
    return {"highest_severity": highest_overall(assessment),
            "answered_count": counts["answered"],
            "unanswered_count": counts["unanswered"],
            "unacknowledged_critical": len(unacknowledged_critical(assessment, acknowledged))}


def _oversight(screening: Screening, revision: Revision) -> None:
    acknowledged = set(revision.acknowledgements.values_list("rule_id", flat=True))
    # update(), not save(): an acknowledgement does not make the screening "last saved" again
    Screening.objects.filter(pk=screening.pk).update(**oversight_fields(revision, acknowledged))


def screening_create(*, owner, client_code: str, intake: dict, answers: dict, idempotency_key=None) -> Screening:
    """A new screening with its first revision, assessed by today's rule set.

    With an idempotency key (the new-screening form's), posting the same form again returns the screening the
    first post made instead of a second one, also when both posts arrive at once (the unique constraint decides).
    """
    if idempotency_key is not None:
        earlier = Screening.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            screening = Screening.objects.create(owner=owner, client_code=client_code,
                                                 idempotency_key=idempotency_key)
            _oversight(screening, _add_revision(screening, owner, client_code, intake, answers))
            audit(owner, "created", screening, 1)
    except IntegrityError:
        if idempotency_key is None:
            raise
        return Screening.objects.get(owner=owner, idempotency_key=idempotency_key)
    return screening


@transaction.atomic
def screening_revise(*, screening: Screening, user, client_code: str, intake: dict, answers: dict) -> Revision:
    """A new revision; earlier ones stay as they were shown."""
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    revision = _add_revision(screening, user, client_code, intake, answers)
    screening.client_code = client_code
    screening.save(update_fields=["client_code", "updated_at"])
    _oversight(screening, revision)
    audit(user, "revised", screening, revision.number)
    return revision


@transaction.atomic
def flag_acknowledge(*, revision: Revision, user, rule_id: str, reason: str) -> Acknowledgement:
    """Adds an acknowledgement of one flag of the current revision; earlier ones stay beside it."""
    screening = Screening.objects.select_for_update().get(pk=revision.screening_id)
    latest = screening.revisions.aggregate(n=Max("number"))["n"]
    if revision.number != latest:
        raise SupersededRevision(f"Revision {revision.number} has been superseded by revision {latest}; "
                                 f"acknowledge the flag on revision {latest}.")
    ack = Acknowledgement.objects.create(revision=revision, rule_id=rule_id, reason=reason, user=user)
    _oversight(screening, revision)
    audit(user, "acknowledged", screening, revision.number)
    return ack


@transaction.atomic
def screening_erase(*, screening: Screening, user, reason: str) -> None:
    """Erases a screening's clinical content: every revision (intake, notes, assessment) and acknowledgement.

    The screening row stays as a shell (owner, dates, who erased it) so that the audit trail, which holds no
    content, keeps pointing at it; its client code goes too. The trail gets a tombstone: who, when and why.
    """
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    if screening.erased_at is not None:
        return
    with erasing([screening.pk]):
        Acknowledgement.objects.filter(revision__screening=screening).delete()
        Revision.objects.filter(screening=screening).delete()
    Draft.objects.filter(screening=screening).delete()  # unsaved edits of it hold clinical content too
    screening.client_code = ""
    screening.erased_at, screening.erased_by = timezone.now(), user
    screening.highest_severity, screening.answered_count = "none", 0
    screening.unanswered_count = screening.unacknowledged_critical = 0
    screening.save(update_fields=["client_code", "erased_at", "erased_by", "updated_at", "highest_severity",
                                  "answered_count", "unanswered_count", "unacknowledged_critical"])
    print_cache.forget(screening.pk)  # no printed copy of it stays in the shared cache either
    audit(user, "erased", screening, reason=reason)
