"""What the clinician workflow stores: screenings and their revisions, acknowledgements, audit."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import clinic_id_of


class Screening(models.Model):
    """One client's screening by one clinician; its content lives in revisions."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings")
    # The owner's clinic when the screening was made; it stays there if the owner later moves (access.py).
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="screenings")
    client_code = models.CharField(max_length=32, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # The new-screening form's one-time key: posting the same form again finds this screening instead of a second.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    # Set by erasure (services.screening_erase): the revisions and their acknowledgements are gone; the audit
    # trail keeps the tombstone (who, when, why).
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+")
    # What the lists show and the lead's filters select, copied from the latest revision by the services on each
    # revision and acknowledgement (services._oversight) so that a filter over 100,000 screenings reads one row
    # each, not their revisions. The revisions stay the record; these are only an index of it.
    highest_severity = models.CharField(max_length=8, default="none", db_default="none")  # none/info/warning/critical
    answered_count = models.PositiveIntegerField(default=0, db_default=0)
    unanswered_count = models.PositiveIntegerField(default=0, db_default=0)
    unacknowledged_critical = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"]),
                   models.Index(fields=["highest_severity", "-updated_at", "-id"], name="screening_severity_order"),
                   models.Index(fields=["unacknowledged_critical", "-updated_at", "-id"],
                                name="screening_unacked_order"),
                   # the lists' exact order, so that a page is read from the index without sorting (issue 19)
                   models.Index(fields=["owner", "-updated_at", "-id"], name="screening_owner_order"),
                   models.Index(fields=["-updated_at", "-id"], name="screening_order"),
                   # a lead's list: their clinic's screenings in the lists' order
                   models.Index(fields=["clinic", "-updated_at", "-id"], name="screening_clinic_order")]
        constraints = [models.UniqueConstraint(fields=["owner", "idempotency_key"], name="one_screening_per_form")]

    def __str__(self):
        return f"{self.client_code} (#{self.pk})"

    def save(self, *args, **kwargs):
        if self.clinic_id is None:
            self.clinic_id = owner_clinic_id(self.owner)
        super().save(*args, **kwargs)


class NoClinic(Exception):
    """A screening's owner belongs to no clinic, so the screening would belong to none."""


def owner_clinic_id(owner) -> int:
    clinic_id = clinic_id_of(owner)
    if clinic_id is None:
        raise NoClinic(f"{owner} belongs to no clinic; an administrator adds the account to one first.")
    return clinic_id


class Revision(models.Model):
    """A saved state of a screening: the client code, intake, rule-set version, assessment and names shown then."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    client_code = models.CharField(max_length=32)  # as it was when saved; the screening's is the current one
    intake = models.JSONField()
    answers = models.JSONField(default=dict)  # the form beyond the intake: C-SSRS items, container checklist
    ruleset_version = models.CharField(max_length=32)
    assessment = models.JSONField()
    labels = models.JSONField(default=dict)  # the rule set's names (Ruleset.labels()) the assessment is shown with
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["screening", "number"], name="one_revision_number")]

    def __str__(self):
        return f"{self.client_code} revision {self.number}"


class Acknowledgement(models.Model):
    """A clinician's note that a flag was seen and discussed, with a short reason; a later one adds a row."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="acknowledgements")
    rule_id = models.CharField(max_length=80)
    reason = models.CharField(max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["revision", "rule_id"], name="screening_a_revisio_ack_idx")]

    def __str__(self):
        return f"{self.rule_id} acknowledged on {self.revision}"


AUDIT_ACTIONS = ("created", "viewed", "revised", "printed", "acknowledged", "exported",
                 "refused", "admin_viewed", "erased")


class AuditEvent(models.Model):
    """Append-only record of who did what to which screening; holds no intake content.

    Each event carries the hash of its predecessor and its own (screening/audit_chain.py); database triggers refuse
    UPDATE and DELETE (migration 0004). A refused request ("refused") names the screening number asked for in
    `screening_ref` only, since that screening may not exist; `reason` is the erasure's why, never clinical content.
    """

    ACTIONS = [(a, a) for a in AUDIT_ACTIONS]

    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=ACTIONS)
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="audit_events")
    screening_ref = models.PositiveBigIntegerField(null=True, blank=True)
    revision_number = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True, default="")
    prev_hash = models.CharField(max_length=64, editable=False, unique=True)  # one successor per event: a chain
    hash = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        # The trail's keyset pages walk ids; each filter has an index that keeps its events in id order.
        indexes = [models.Index(fields=["action", "-id"], name="auditevent_action_id"),
                   models.Index(fields=["user", "-id"], name="auditevent_user_id")]
        constraints = [models.CheckConstraint(condition=Q(action__in=AUDIT_ACTIONS),
                                              name="audit_action_known")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} screening {self.screening_ref}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class PrintSlot(models.Model):
    """One PDF being rendered for a user, held across every worker and server: a user holds at most
    settings.PRINT_SLOTS at once (screening/print_slots.py). A row is deleted when its render ends; a row older
    than settings.PRINT_SLOT_STALE_SECONDS (a worker that died mid-render) is cleared by the next request."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    acquired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "slot"], name="one_print_per_slot")]

    def __str__(self):
        return f"{self.user} printing in slot {self.slot} since {self.acquired_at:%H:%M:%S}"


class Draft(models.Model):
    """What a clinician has typed into an intake form and not saved yet, kept so that nothing typed is lost.

    A draft is not a screening: it is never assessed, printed, listed for leads or audited, and only its author
    sees it. `key` is the form's own (one form page, one draft); `data` is the form as posted, every value of every
    field, so that resuming shows exactly what was typed. Saving the screening closes the draft and empties it, so
    that a late autosave of the same form cannot bring it back; drafts go after DRAFT_DAYS (screening/drafts.py).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    key = models.UUIDField()
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, null=True, blank=True, related_name="drafts")
    client_code = models.CharField(max_length=32, blank=True, default="")  # as typed, to name it in the list
    data = models.JSONField(default=dict)
    closed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="one_draft_per_form")]
        indexes = [models.Index(fields=["owner", "closed", "-updated_at"], name="draft_owner_list"),
                   models.Index(fields=["updated_at"], name="draft_age")]

    def __str__(self):
        return f"draft {self.key} of {self.owner}"
