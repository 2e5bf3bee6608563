"""What Threshold stores: screenings and their revisions, acknowledgements, the case library, quiz attempts, audit."""
from django.conf import settings
from django.db import models
from django.db.models import Q

from screening.engine import SEVERITY_RANK


class Screening(models.Model):
    """One client's screening by one clinician; its content lives in revisions."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="screenings")
    client_code = models.CharField(max_length=32, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"]),
                   # the lists' exact order, so that a page is read from the index without sorting (issue 19)
                   models.Index(fields=["owner", "-updated_at", "-id"], name="screening_owner_order"),
                   models.Index(fields=["-updated_at", "-id"], name="screening_order")]

    def __str__(self):
        return f"{self.client_code} (#{self.pk})"

    def latest(self) -> "Revision":
        """The current revision."""
        return self.revisions.order_by("-number").first()


class Revision(models.Model):
    """A saved state of a screening: the intake, the rule-set version and the assessment shown then."""

    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    intake = models.JSONField()
    answers = models.JSONField(default=dict)  # the form beyond the intake: C-SSRS items, container checklist
    ruleset_version = models.CharField(max_length=32)
    assessment = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["screening", "number"], name="one_revision_number")]

    def __str__(self):
        return f"{self.screening.client_code} revision {self.number}"

    def matrix(self) -> list[tuple[str, list[str]]]:
        """(factor, severity per substance considered, or "none") for each factor the stored flags raise."""
        flags = self.assessment["flags"]
        return [(factor, [next((f["severity"] for f in flags if f["factor"] == factor and s in f["substances"]),
                               "none") for s in self.assessment["substances"]])
                for factor in dict.fromkeys(f["factor"] for f in flags)]

    def flags_by_severity(self) -> list[tuple[str, list[dict]]]:
        """The stored flags grouped under their severity, highest first, empty groups left out."""
        groups = []
        for severity in sorted(SEVERITY_RANK, key=SEVERITY_RANK.get, reverse=True):
            flags = [f for f in self.assessment["flags"] if f["severity"] == severity]
            if flags:
                groups.append((severity, flags))
        return groups


class Acknowledgement(models.Model):
    """A clinician's note that a flag was seen and discussed, with a short reason."""

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="acknowledgements")
    rule_id = models.CharField(max_length=80)
    reason = models.CharField(max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["revision", "rule_id"], name="one_ack_per_flag")]

    def __str__(self):
        return f"{self.rule_id} acknowledged on {self.revision}"


class Case(models.Model):
    """A synthetic teaching case from fixtures/cases/, loaded by `manage.py load_cases`."""

    DIFFICULTIES = [("introductory", "Introductory"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    difficulty = models.CharField(max_length=20, choices=DIFFICULTIES)
    substances = models.JSONField()
    vignette = models.TextField()
    intake = models.JSONField()
    objectives = models.JSONField()
    teaching_notes = models.JSONField()
    expected = models.JSONField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title


class QuizAttempt(models.Model):
    """A trainee's answer to a case and how it compared with the engine."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attempts")
    answer = models.JSONField()
    result = models.JSONField()
    score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="quizattempt_user_recent")]

    def __str__(self):
        return f"{self.user} on {self.case}: {self.score:.0%}"


AUDIT_ACTIONS = ("created", "viewed", "revised", "printed", "acknowledged", "exported")


class AuditEvent(models.Model):
    """Append-only record of who did what to which screening; holds no intake content."""

    ACTIONS = [(a, a) for a in AUDIT_ACTIONS]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=ACTIONS)
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="audit_events")
    revision_number = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        # The trail's keyset pages walk ids; each filter has an index that keeps its events in id order.
        indexes = [models.Index(fields=["action", "-id"], name="auditevent_action_id"),
                   models.Index(fields=["user", "-id"], name="auditevent_user_id")]
        constraints = [models.CheckConstraint(condition=Q(action__in=AUDIT_ACTIONS),
                                              name="audit_action_known")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} screening {self.screening_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
