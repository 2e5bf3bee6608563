"""Intake drafts: what a clinician typed and has not saved, kept on the server so that nothing typed is lost.

The form page carries two hidden fields: `draft_key`, the form's own random key (one page, one draft), and
`draft_author`, a token signed with the secret key that names the signed-in author. The token is what lets a post
that arrives after the session has ended (or with a stale CSRF token, after signing in again in another tab) be
kept as that author's draft instead of being lost: the draft is written for the user the token names, and only that
user, once signed in again, can open it. A draft is never assessed or shown to anyone else.
"""
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from screening.models import Draft, Screening

AUTHOR_SALT = "threshold.intake.draft-author"
# Fields of the posted form that are not the clinician's entries.
NOT_ENTRIES = ("csrfmiddlewaretoken", "draft_author", "draft_key", "save")
MAX_VALUES = 400  # a real form posts about 90 values; anything far beyond is not the form


def author_token(user) -> str:
    return signing.dumps(user.pk, salt=AUTHOR_SALT)


def author_from(token: str):
    """The user a form's author token names, while it is younger than the drafts' lifetime; else None."""
    try:
        pk = signing.loads(token or "", salt=AUTHOR_SALT, max_age=timedelta(days=settings.DRAFT_DAYS))
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None


def posted_key(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get("draft_key", ""))
    except (ValueError, AttributeError):
        return None


def cutoff():
    return timezone.now() - timedelta(days=settings.DRAFT_DAYS)


def live_drafts(user) -> QuerySet:
    """The user's own open drafts that have not expired, newest first."""
    return Draft.objects.filter(owner=user, closed=False, updated_at__gte=cutoff()).select_related("screening")


def discard(user, key) -> bool:
    """Deletes one of the user's own drafts; False when the user has none with that key."""
    deleted, _ = Draft.objects.filter(owner=user, key=key).delete()
    return bool(deleted)


def purge_expired() -> int:
    """Removes every draft, open or closed, last changed more than DRAFT_DAYS ago; returns how many went."""
    deleted, _ = Draft.objects.filter(updated_at__lt=cutoff()).delete()
    return deleted


def entries(data) -> dict[str, list[str]]:
    """The clinician's entries of a posted form, every value of every field, as JSON can hold them."""
    kept = {}
    for name, values in data.lists():
        if name not in NOT_ENTRIES:
            kept[name] = [str(v) for v in values]
    return kept


def save(user, data, screening_pk: int | None = None) -> Draft | None:
    """Writes the posted form as the user's draft under the form's key; None when the post names no key, holds far
    more than a form, or belongs to a form whose screening was already saved (its draft is closed)."""
    key = posted_key(data)
    kept = entries(data)
    if key is None or sum(len(v) for v in kept.values()) > MAX_VALUES:
        return None
    screening = None
    if screening_pk is not None:
        screening = Screening.objects.filter(pk=screening_pk, owner=user, erased_at__isnull=True).first()
    code = (kept.get("client_code") or [""])[-1].strip()[:32]
    draft, created = Draft.objects.get_or_create(owner=user, key=key, defaults={
        "screening": screening, "data": kept, "client_code": code})
    if created:
        return draft
    if draft.closed:
        return None
    draft.data, draft.client_code = kept, code
    draft.save(update_fields=["data", "client_code", "updated_at"])
    return draft


def close(user, data) -> None:
    """The screening of this form was saved: its draft is emptied and closed, so that a late autosave cannot
    bring it back."""
    key = posted_key(data)
    if key is not None:
        Draft.objects.update_or_create(owner=user, key=key, defaults={"data": {}, "client_code": "", "closed": True})


def as_query_dict(draft: Draft) -> QueryDict:
    """The draft as the form posted it, with its key, to show in the form again."""
    data = QueryDict(mutable=True)
    for name, values in draft.data.items():
        data.setlist(name, values)
    data["draft_key"] = str(draft.key)
    return data
