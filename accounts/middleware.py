"""Request hygiene before any view runs, no caching of pages that may show client data, session limits and the
second-factor gate."""
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts import second_factor, sessions
from accounts.uploads import FileUploadRefused

log = logging.getLogger("accounts.requests")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse(request, reason: str):
    """A plain page that says what was wrong, logged as one line without a traceback."""
    log.warning("Refused %s %s: %s", request.method, request.path, reason)
    return render(request, "accounts/bad_request.html", {"reason": reason}, status=400)


def charset_is_utf8(request) -> bool:
    """No charset, or exactly "utf-8" in any case: what Django's form parser accepts."""
    return request.content_params.get("charset", "utf-8").lower() == "utf-8"


class RequestHygieneMiddleware:
    """Refuses oversized bodies, form bodies not in UTF-8 and any file part with a clear 400 page.

    Form bodies are parsed here, once, so that a malformed one is answered plainly instead of failing later
    inside the CSRF check or a view.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self.refusal(request)
        return refusal or self.get_response(request)

    def refusal(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(request, "the request's Content-Length is not a number")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return refuse(request, "the request is larger than this application accepts")
        if request.method not in ("POST", "PUT", "PATCH") or request.content_type not in FORM_TYPES:
            return None
        if not charset_is_utf8(request):
            return refuse(request, "forms must be sent in UTF-8, which every current browser does")
        try:
            request.POST  # noqa: B018 - parse now, so that every failure below is answered here
        except FileUploadRefused:
            return refuse(request, "this application accepts no files")
        except RequestDataTooBig:
            return refuse(request, "the request is larger than this application accepts")
        except (BadRequest, SuspiciousOperation, MultiPartParserError) as exc:
            return refuse(request, f"the form could not be read ({exc.__class__.__name__})")
        return None


class NoStoreMiddleware:
    """Every page the application renders may show client data: browsers and proxies must not keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class SessionLimitsMiddleware:
    """Ends a session that has lasted longer than the absolute limit, or that "sign out everywhere" has ended."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = sessions.why_over(request)
            if reason:
                logout(request)
                messages.info(request, reason)
        return self.get_response(request)


class SecondFactorMiddleware:
    """Sends a signed-in user who needs a second factor to enrol or to enter a code before any other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not second_factor.needed(user):
            return None
        match = request.resolver_match
        if match and match.view_name in second_factor.OPEN_BEFORE_VERIFICATION:
            return None
        target = "two_factor_verify" if second_factor.enrolled(user) else "two_factor_enrol"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
