"""Who may read or change what: the one module every view asks before it touches a screening, a revision, an
audit event or a quiz attempt, so that a new view cannot forget a check.

    role                 screenings                                      case library
    clinician            reads and changes their own, in their clinic    studies; sees only their own attempts
    clinical lead        reads their clinic's, changes none              studies; sees only their own attempts
    trainee              none (403)                                      studies; sees only their own attempts
    no role / anonymous  none (403 / sign in)                            none (403 / sign in)

Every screening belongs to a clinic (its owner's when it was made; accounts.models.Clinic). A clinician or lead whose
account belongs to no clinic (e.g. a superuser made by createsuperuser) is refused every screening with a message
saying so, never shown everything. A lead's audit trail is their clinic's: the events on its screenings, and the
events that name no screening (refused requests) made by its members.

A screening, revision or attempt the user may not read is a 404, exactly like one that does not exist, so that
nobody learns which ids are in use; another clinic's screening is a 404 too. A refused request for a screening
(403 or 404) is written to the audit trail without content: who asked for which number. The case library's models
live in the library app, which passes its own querysets in: nothing here imports it.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import clinic_id_of
from screening.models import AuditEvent, Revision, Screening
from screening.roles import is_clinician, is_lead, role_of
from screening.services import audit_refused


def require_screening_role(user) -> None:
    if not (is_clinician(user) or is_lead(user)):
        raise PermissionDenied("Screenings are for clinicians and clinical leads.")


def require_clinician(user) -> None:
    if not is_clinician(user):
        raise PermissionDenied("Only clinicians create and change screenings.")


def require_lead(user) -> None:
    if not is_lead(user):
        raise PermissionDenied("The audit trail is for clinical leads.")


def require_library_role(user) -> None:
    if role_of(user) is None:
        raise PermissionDenied("The case library is for clinicians, clinical leads and trainees.")


def require_clinic(user) -> int:
    """The id of the user's clinic; 403 with the reason for an account that belongs to none."""
    clinic_id = clinic_id_of(user)
    if clinic_id is None:
        raise PermissionDenied("Your account belongs to no clinic, so it has no screenings; an administrator adds "
                               "it to a clinic in the admin site.")
    return clinic_id


def readable_screenings(user) -> QuerySet:
    """The screenings this user may read: a lead's are their clinic's, a clinician's their own in their clinic."""
    require_screening_role(user)
    in_clinic = Screening.objects.filter(clinic_id=require_clinic(user))
    return in_clinic if is_lead(user) else in_clinic.filter(owner=user)


def readable_audit_events(user) -> QuerySet:
    """The audit trail a lead oversees: every event on their clinic's screenings (whoever made it), and the events
    naming no screening, i.e. refused requests, made by their clinic's members. The trail itself is one chain for the
    installation; this only filters it."""
    require_lead(user)
    clinic_id = require_clinic(user)
    return AuditEvent.objects.filter(Q(screening__clinic_id=clinic_id)
                                     | Q(screening__isnull=True, user__membership__clinic_id=clinic_id))


def _audited_refusal(get):
    def lookup(user, pk: int) -> Screening:
        try:
            return get(user, pk)
        except (PermissionDenied, Http404):
            audit_refused(user, pk)
            raise
    lookup.__doc__ = get.__doc__
    return lookup


@_audited_refusal
def get_screening_for_read(user, pk: int) -> Screening:
    """A screening this user may read, or 404 (403 without a screening role); a refusal is audited."""
    return get_object_or_404(readable_screenings(user), pk=pk)


@_audited_refusal
def get_screening_for_edit(user, pk: int) -> Screening:
    """A screening this user may change, or 404 (403 for a role that changes none); a refusal is audited."""
    require_clinician(user)
    return get_object_or_404(Screening, pk=pk, owner=user, clinic_id=require_clinic(user))


@_audited_refusal
def get_screening_for_erasure(user, pk: int) -> Screening:
    """A screening of their clinic a clinical lead may erase, or 404; 403 for anyone else; a refusal is audited."""
    if not is_lead(user):
        raise PermissionDenied("Only a clinical lead can erase a screening.")
    return get_object_or_404(Screening, pk=pk, clinic_id=require_clinic(user))


def can_edit(user, screening: Screening) -> bool:
    return is_clinician(user) and screening.owner_id == user.pk and screening.clinic_id == clinic_id_of(user)


def get_revision(screening: Screening, number: int | None) -> Revision:
    """One revision of a screening the caller has already been given; the latest when `number` is None."""
    revisions = screening.revisions.all()
    revision = revisions.first() if number is None else revisions.filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    return revision


def own_attempts(user, attempts: QuerySet) -> QuerySet:
    """The quiz attempts of `attempts` this user may see: their own only."""
    require_library_role(user)
    return attempts.filter(user=user)


def get_attempt_for_read(user, attempts: QuerySet, pk: int):
    return get_object_or_404(own_attempts(user, attempts), pk=pk)
