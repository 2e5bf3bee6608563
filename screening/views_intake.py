"""What keeps the intake form's entries and answers it as the clinician goes: drafts, keep-alive and the live panel.

A post to the form or to its draft endpoint is accepted in two ways: from the signed-in user with a valid CSRF
token, as usual; or, when the session has ended or the page's CSRF token went stale (signing in again in another tab
rotates it), as a draft for the author the form's signed token names (screening/drafts.py). The second way only
ever writes a draft, never a screening; the clinician signs in and finds everything in the form again.
"""
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.sessions import SIGNED_IN_AT
from screening import drafts
from screening.access import require_clinician
from screening.engine import IntakeError, assess, default_ruleset
from screening.engine.present import present
from screening.forms import IntakeForm
from screening.models import Draft

EXPIRED_MESSAGE = ("Your session had ended before this form was saved, so nothing was saved yet. Every entry is "
                   "kept: sign in again to go back to the form.")
RESTORED_MESSAGE = ("Your session had ended before this form was saved. Every entry is back in the form as you "
                    "left it: check it and save again.")
STALE_MESSAGE = ("This page's security check had expired (signing in again in another tab does that), so nothing "
                 "was saved yet. Every entry is back in the form as you left it: save again.")


def _no_view():
    """A stand-in view for the CSRF check: the real views are exempt so that they can keep what was posted."""


def csrf_ok(request) -> bool:
    return CsrfViewMiddleware(lambda r: None).process_view(request, _no_view, (), {}) is None


def form_url(draft: Draft) -> str:
    base = (reverse("screening_edit", args=[draft.screening_id]) if draft.screening_id
            else reverse("screening_new"))
    return f"{base}?draft={draft.key}"


def keep_post(request, screening_pk: int | None = None):
    """For a post to the intake form: None when it may be saved as usual, else the response that keeps it.

    Signed in with a valid CSRF token: None. Otherwise, when the form's author token names the poster (or anybody,
    once signed out), the entries become that author's draft: signed out, the answer is the sign-in page with the
    form to come back to; signed in with a stale token, the form again with every entry. Without a usable author
    token the post is refused as before (sign-in page or CSRF failure): it does not come from the form.
    """
    signed_in = request.user.is_authenticated
    if signed_in and csrf_ok(request):
        return None
    author = drafts.author_from(request.POST.get("draft_author", ""))
    if author is None or (signed_in and author != request.user):
        if signed_in:
            return CsrfViewMiddleware(lambda r: None).process_view(request, _no_view, (), {})
        return redirect_to_login(request.get_full_path())
    draft = drafts.save(author, request.POST, screening_pk)
    if draft is None:
        return HttpResponseBadRequest("This form's entries could not be kept: it was already saved.")
    if signed_in:
        messages.warning(request, STALE_MESSAGE)
        return redirect(form_url(draft))
    messages.info(request, EXPIRED_MESSAGE)
    request.session["threshold_restore_draft"] = str(draft.key)
    return redirect_to_login(form_url(draft))


def resumed_draft(request, screening_pk: int | None) -> Draft | None:
    """The draft named by ?draft= on a form page: the user's own, for this screening (or a new one); else None.

    Coming back after an expired session (keep_post noted it in the session, which sign-in keeps), it says why."""
    key = drafts.posted_key({"draft_key": request.GET.get("draft", "")})
    if key is None:
        return None
    draft = drafts.live_drafts(request.user).filter(key=key, screening_id=screening_pk).first()
    if draft is not None and request.session.pop("threshold_restore_draft", None) == str(draft.key):
        messages.info(request, RESTORED_MESSAGE)
    return draft


@csrf_exempt
@login_not_required
@require_POST
def draft_save(request):
    """The form's autosave (fetch on change, sendBeacon when the page is left): JSON saying what was kept."""
    if request.user.is_authenticated and csrf_ok(request):
        author = request.user
    else:
        author = drafts.author_from(request.POST.get("draft_author", ""))
        if author is None or (request.user.is_authenticated and author != request.user):
            return JsonResponse({"saved": False, "reason": "This page cannot save drafts; reload it."}, status=403)
    require_clinician(author)
    try:
        screening_pk = int(request.POST.get("draft_screening", "")) if request.POST.get("draft_screening") else None
    except ValueError:
        screening_pk = None
    draft = drafts.save(author, request.POST, screening_pk)
    if draft is None:
        return JsonResponse({"saved": False, "reason": "This form was already saved or is not a form."}, status=409)
    return JsonResponse({"saved": True, "signed_in": request.user.is_authenticated,
                         "at": draft.updated_at.strftime("%H:%M")})


@require_POST
def draft_discard(request, key):
    """Deletes one of the user's own drafts; the next page is where the list was (home or My screenings)."""
    if not drafts.discard(request.user, key):
        raise Http404("No such draft.")
    messages.success(request, "The draft was discarded.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)


@require_GET
def draft_resume(request, key):
    draft = drafts.live_drafts(request.user).filter(key=key).first()
    if draft is None:
        raise Http404("No such draft: it was saved, discarded or has expired.")
    return redirect(form_url(draft))


@login_not_required
@require_GET
def keep_alive(request):
    """The form's activity ping (every request renews the session): whether the user is still signed in, and how
    many seconds of inactivity are left."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "expires_in": 0})
    started = request.session.get(SIGNED_IN_AT) or time.time()
    absolute = settings.SESSION_MAX_HOURS * 3600 - (time.time() - started)
    return JsonResponse({"signed_in": True, "expires_in": int(max(0, min(settings.SESSION_COOKIE_AGE, absolute)))})


def live_context(data) -> dict:
    """What the live panel shows for a partly filled form: the engine's assessment of the answers given so far.

    Answers that do not pass the form's checks are left out (not assessed); with no substance chosen there is no
    assessment, only the medications as the catalogue reads them."""
    form = IntakeForm(data)
    form.is_valid()
    intake = form.intake()
    ruleset = default_ruleset()
    labels = ruleset.labels()
    invalid = [str(form.fields[n].label) for n in form.errors if n in form.fields and n in form.field_specs]
    context = {"intake": intake, "invalid": invalid}
    substances = intake["substances"] or [s["code"] for s in ruleset.substances]
    try:
        assessment = assess(intake | {"substances": substances}, ruleset)
    except IntakeError as error:
        return context | {"error": str(error)}
    shown = present(assessment, labels)
    if not intake["substances"]:  # the medications and the gaps only: no substance, no caution factor yet
        shown = {"medications": shown["medications"]}
    return context | {"shown": shown, "chosen": bool(intake["substances"]),
                      "unrecognised": [(m["input"], m["suggestion"]) for m in shown["medications"]["unrecognised"]],
                      "not_assessed": len(assessment["not_assessed"])}


@require_POST
def live_assessment(request):
    """The live panel beside the form, as an HTML fragment: nothing is stored, audited or shown to anyone else."""
    require_clinician(request.user)
    return render(request, "screening/_live_panel.html", live_context(request.POST))
