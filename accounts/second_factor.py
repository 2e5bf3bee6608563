"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and single-use recovery codes."""
import re
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from screening.roles import CLINICIAN, LEAD, role_of

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Pages a signed-in user reaches before the second factor: enrolment, the code, signing out and the about page.
OPEN_BEFORE_VERIFICATION = {"two_factor_enrol", "two_factor_verify", "logout", "about"}


def needed(user) -> bool:
    """Clinicians, leads and staff need a second factor (unless switched off); anyone who enrolled always does."""
    required_role = role_of(user) in (CLINICIAN, LEAD) or user.is_staff
    return (settings.REQUIRE_2FA and required_role) or enrolled(user)


def enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user) -> TOTPDevice:
    """The authenticator the user is setting up: made once, kept until confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def confirm(device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the pending device with a code from the app; returns fresh recovery codes, or None if it failed."""
    if not device.verify_token(clean(token)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_recovery_codes(device.user)


def new_recovery_codes(user) -> list[str]:
    """Replaces the user's recovery codes with a fresh set; only these are shown, once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def clean(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()


def check(user, token: str):
    """The device that accepts the code (six digits: the app; otherwise a recovery code, used up), or None."""
    token = clean(token)
    model = TOTPDevice if re.fullmatch(r"\d{6}", token) else StaticDevice
    for device in model.objects.filter(user=user, confirmed=True):
        accepted = verify_token(user, device.persistent_id, token)
        if accepted:
            return accepted
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def reset(user) -> None:
    """Removes every second factor of the user: they enrol again at their next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
