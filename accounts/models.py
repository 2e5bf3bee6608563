"""Account state the session checks read, the clinics people work in, and the append-only record of what was done
to accounts.

Clinics live here rather than in screening because a clinic is a group of people: the team pages manage its members,
and a screening belongs to the clinic of the clinician who made it (screening.Screening.clinic).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

ACCOUNT_ACTIONS = (
    "created", "invited", "deactivated", "reactivated", "role_changed", "second_factor_reset",
    "second_factor_enrolled", "recovery_codes_renewed", "password_changed", "password_reset", "signed_out_everywhere",
)


DEFAULT_CLINIC = {"slug": "default", "name": "Default clinic"}  # where the data of a one-clinic installation went


class Clinic(models.Model):
    """A service whose staff share one set of screenings: its lead reads and oversees them, nobody else does."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @classmethod
    def default(cls) -> "Clinic":
        return cls.objects.get_or_create(slug=DEFAULT_CLINIC["slug"], defaults={"name": DEFAULT_CLINIC["name"]})[0]


def join(clinic: Clinic, users) -> None:
    """Puts users who have no clinic yet into `clinic` (the benchmarks' accounts, made in bulk)."""
    Membership.objects.bulk_create([Membership(user=user, clinic=clinic) for user in users], ignore_conflicts=True)


class Membership(models.Model):
    """The one clinic a user works in. A user without one (e.g. made by createsuperuser) reads no screening."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="membership")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")

    def __str__(self):
        return f"{self.user} in {self.clinic}"


def clinic_id_of(user) -> int | None:
    """The id of the user's clinic, or None; read once per user object (the one-to-one caches it, also absent)."""
    if not user.is_authenticated:
        return None
    try:
        return user.membership.clinic_id
    except Membership.DoesNotExist:
        return None


def clinic_of(user) -> Clinic | None:
    return user.membership.clinic if clinic_id_of(user) is not None else None


class SessionGeneration(models.Model):
    """A counter per user; a session started under an older value is over ("sign out everywhere")."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="session_generation")
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.user} sessions generation {self.value}"

    @classmethod
    def current(cls, user) -> int:
        return cls.objects.filter(user=user).values_list("value", flat=True).first() or 0

    @classmethod
    def advance(cls, user) -> None:
        row, _ = cls.objects.get_or_create(user=user)
        cls.objects.filter(pk=row.pk).update(value=models.F("value") + 1)


class AccountEvent(models.Model):
    """Append-only: who did what to which account. Screening actions have their own trail (screening.AuditEvent)."""

    ACTIONS = [(a, a.replace("_", " ")) for a in ACCOUNT_ACTIONS]

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=30, choices=ACTIONS)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(action__in=ACCOUNT_ACTIONS), name="account_action_known")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Account events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Account events are append-only.")


def record(actor, action: str, subject, detail: str = "") -> AccountEvent:
    return AccountEvent.objects.create(actor=actor, action=action, subject=subject, detail=detail)
