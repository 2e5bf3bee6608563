"""Who may read or change what: the one module every view asks before it touches a screening, a revision or a
quiz attempt, so that a new view cannot forget a check.

    role                 screenings                      case library
    clinician            reads and changes their own     studies; sees only their own attempts
    clinical lead        reads all, changes none         studies; sees only their own attempts
    trainee              none (403)                      studies; sees only their own attempts
    no role / anonymous  none (403 / sign in)            none (403 / sign in)

A screening, revision or attempt the user may not read is a 404, exactly like one that does not exist, so that
nobody learns which ids are in use. A refused request for a screening (403 or 404) is written to the audit trail
without content: who asked for which number. The case library's models live in the library app, which passes its own
querysets in: nothing here imports it.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from screening.models import Revision, Screening
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


def readable_screenings(user) -> QuerySet:
    """The screenings this user may read: a lead's are all, a clinician's are their own."""
    require_screening_role(user)
    return Screening.objects.all() if is_lead(user) else Screening.objects.filter(owner=user)


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
    return get_object_or_404(Screening, pk=pk, owner=user)


@_audited_refusal
def get_screening_for_erasure(user, pk: int) -> Screening:
    """A screening a clinical lead may erase, or 404; 403 for anyone else; a refusal is audited."""
    if not is_lead(user):
        raise PermissionDenied("Only a clinical lead can erase a screening.")
    return get_object_or_404(Screening, pk=pk)


def can_edit(user, screening: Screening) -> bool:
    return is_clinician(user) and screening.owner_id == user.pk


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
