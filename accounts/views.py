"""Two-factor sign-in and the signed-in person's own account: password, recovery codes, sign out everywhere."""
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import second_factor, sessions
from accounts.forms import CodeForm, EnrolForm
from accounts.models import record
from screening.roles import role_of


def next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def verified(request, device) -> None:
    """The second factor passed: the session now counts as verified, under a new key."""
    otp_login(request, device)
    request.session.cycle_key()


@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    if user.is_verified() or not second_factor.enrolled(user):
        return redirect(next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.check(user, form.cleaned_data["code"])
        if device is not None:
            verified(request, device)
            if isinstance(device, StaticDevice):
                left = second_factor.recovery_codes_left(user)
                messages.warning(request, f"You signed in with a recovery code; {left} left. "
                                          "Make new ones from your account page if you are running short.")
            return redirect(next_url(request))
        form.add_error("code", "That code did not match. App codes change every 30 seconds and each works once; "
                               "after several wrong codes there is a growing wait before the next try.")
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url(request)})


@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Sets up an authenticator app: on first sign-in, or later to replace the app of a verified user."""
    user = request.user
    if second_factor.enrolled(user) and not user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': next_url(request)})}")
    device = second_factor.pending_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm(device, form.cleaned_data["code"])
        if codes is not None:
            verified(request, device)
            record(user, "second_factor_enrolled", user)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url(request)})
        form.add_error("code", "That code did not match. Check that the app shows Threshold and that this "
                               "device's clock is right, then type the code it shows now.")
    return render(request, "accounts/two_factor_enrol.html", {
        "form": form, "next": next_url(request), "qr": second_factor.qr_data_uri(device),
        "secret": second_factor.secret_text(device), "uri": device.config_url,
        "required": second_factor.needed(user) and not second_factor.enrolled(user),
    })


@require_GET
def account(request):
    user = request.user
    return render(request, "accounts/account.html", {
        "role": role_of(user), "enrolled": second_factor.enrolled(user),
        "codes_left": second_factor.recovery_codes_left(user), "max_hours": settings.SESSION_MAX_HOURS,
    })


@require_POST
def recovery_codes(request):
    user = request.user
    if not (second_factor.enrolled(user) and user.is_verified()):
        messages.error(request, "Set up an authenticator app first; recovery codes come with it.")
        return redirect("account")
    codes = second_factor.new_recovery_codes(user)
    record(user, "recovery_codes_renewed", user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("account")})


@require_POST
def sign_out_everywhere(request):
    user = request.user
    sessions.end_everywhere(user)
    record(user, "signed_out_everywhere", user)
    logout(request)
    messages.info(request, "You are signed out on every device, this one included.")
    return redirect("login")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Other sessions end with the old password (Django's session hash); this one stays signed in."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(self.request.user, "password_changed", self.request.user)
        messages.success(self.request, "Your password is changed. Sessions on other devices have ended.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Answers the same whether or not the address has an account; Django logs a mail server failure."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(self.user, "password_reset", self.user)
        return response
