"""Absolute session lifetime and "sign out everywhere": what a session records at sign-in and checks later."""
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.models import SessionGeneration

SIGNED_IN_AT = "threshold_signed_in_at"
GENERATION = "threshold_session_generation"


@receiver(user_logged_in, dispatch_uid="accounts.sessions.stamp")
def stamp(sender, request, user, **kwargs):
    request.session[SIGNED_IN_AT] = int(time.time())
    request.session[GENERATION] = SessionGeneration.current(user)


def why_over(request) -> str | None:
    """Why the signed-in session must end now, or None while it may go on."""
    started = request.session.get(SIGNED_IN_AT)
    hours = settings.SESSION_MAX_HOURS
    if started is None or time.time() - started > hours * 3600:
        return f"Sessions last at most {hours} hours. Please sign in again."
    if request.session.get(GENERATION) != SessionGeneration.current(request.user):
        return "This account was signed out everywhere. Please sign in again."
    return None


def end_everywhere(user) -> None:
    """Every session of the user, on every device, ends at its next request."""
    SessionGeneration.advance(user)
