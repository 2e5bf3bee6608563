"""Accounts: lockout behind a proxy, sessions, two-factor sign-in, self-service and account management."""
import hashlib
import hmac
import re
import smtplib
import time
from base64 import b32decode

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from accounts import second_factor, sessions
from accounts.models import AccountEvent, Membership, record
from project.env import forwarded_address_settings
from screening.roles import CLINICIAN, TRAINEE, role_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"  # the reverse proxy: every request reaches the app from this address


@pytest.fixture
def behind_one_proxy(settings):
    settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER = forwarded_address_settings(1)


def sign_in(client, username, password, address, spoofed=""):
    """A sign-in through the proxy, which appends the address it saw to whatever the client sent."""
    forwarded = f"{spoofed}, {address}" if spoofed else address
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def test_made_up_usernames_lock_only_the_address_that_tried_them(client, behind_one_proxy, clinician, clinician2):
    for i in range(5):
        assert sign_in(client, f"nobody{i}", "wrong", "203.0.113.9").status_code in (200, 429)
    assert sign_in(client, "clinician", PASSWORD, "203.0.113.9").status_code == 429
    client.logout()
    assert sign_in(client, "clinician", PASSWORD, "198.51.100.4").status_code == 302
    client.logout()
    assert sign_in(client, "clinician2", PASSWORD, "198.51.100.5").status_code == 302


def test_guessing_at_a_known_username_does_not_lock_its_owner_out_elsewhere(client, behind_one_proxy, clinician):
    for _ in range(5):
        sign_in(client, "clinician", "wrong", "203.0.113.9")
    assert sign_in(client, "clinician", PASSWORD, "203.0.113.9").status_code == 429
    assert sign_in(client, "clinician", PASSWORD, "198.51.100.4").status_code == 302


def test_an_address_a_client_forges_in_the_header_is_not_believed(client, behind_one_proxy, clinician):
    for i in range(5):
        sign_in(client, f"nobody{i}", "wrong", "203.0.113.9", spoofed=f"192.0.2.{i}")
    assert sign_in(client, "clinician", PASSWORD, "203.0.113.9", spoofed="192.0.2.77").status_code == 429


def test_without_a_proxy_the_forwarded_header_is_ignored(client, clinician):
    for i in range(5):
        client.post(reverse("login"), {"username": f"nobody{i}", "password": "wrong"},
                    REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    locked = client.post(reverse("login"), {"username": "clinician", "password": PASSWORD},
                         REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert locked.status_code == 429


def test_proxy_count_settings():
    assert forwarded_address_settings(0) == (None, ["REMOTE_ADDR"])
    assert forwarded_address_settings(2) == (1, ["HTTP_X_FORWARDED_FOR"])
    with pytest.raises(ImproperlyConfigured):
        forwarded_address_settings(-1)


# ---- sessions ----------------------------------------------------------------------------------------------------

def password_sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]
    return response


def test_a_session_ends_at_its_absolute_limit_however_active(client, clinician, settings):
    assert settings.SESSION_MAX_HOURS == 12
    password_sign_in(client, clinician)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[sessions.SIGNED_IN_AT] -= 12 * 3600 + 1
    session.save()
    response = client.get(reverse("screening_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert "at most 12 hours" in client.get(response.url).content.decode()


def test_sign_out_everywhere_ends_every_session_of_that_user_only(clinician, clinician2):
    here, elsewhere, colleague = Client(), Client(), Client()
    for c, user in ((here, clinician), (elsewhere, clinician), (colleague, clinician2)):
        password_sign_in(c, user)
    response = here.post(reverse("account_sign_out_everywhere"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert elsewhere.get(reverse("home")).status_code == 302
    assert colleague.get(reverse("home")).status_code == 200
    password_sign_in(elsewhere, clinician)
    assert elsewhere.get(reverse("home")).status_code == 200
    assert AccountEvent.objects.filter(action="signed_out_everywhere", subject=clinician).count() == 1


def test_a_password_change_ends_the_other_sessions_and_is_recorded(clinician):
    here, elsewhere = Client(), Client()
    password_sign_in(here, clinician)
    password_sign_in(elsewhere, clinician)
    new = "another-long-password-42"
    response = here.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert elsewhere.get(reverse("home")).status_code == 302
    assert AccountEvent.objects.filter(action="password_changed", subject=clinician).exists()


def test_a_weak_new_password_is_refused_with_the_reason(client, clinician):
    password_sign_in(client, clinician)
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200 and "too common" in response.content.decode()


# ---- two-factor sign-in ------------------------------------------------------------------------------------------

def totp_code(secret: bytes, at: float) -> str:
    """RFC 6238 with the defaults authenticator apps use: SHA-1, 30-second steps, six digits."""
    mac = hmac.new(secret, int(at // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[offset:offset + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


def enrol(client) -> tuple[bytes, list[str]]:
    """Sets up the app on the enrolment page, as a person would; returns the key and the recovery codes."""
    page = client.get(reverse("two_factor_enrol")).content.decode()
    secret = b32decode(re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", ""))
    assert 'src="data:image/svg+xml' in page and "otpauth://totp/Threshold" in page
    done = client.post(reverse("two_factor_enrol"), {"code": totp_code(secret, time.time()), "next": "/"})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10
    return secret, codes


def wrong_code(secret: bytes) -> str:
    now = {totp_code(secret, time.time() + step * 30) for step in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in now)


@pytest.fixture
def two_factor_on(settings):
    """Second factor required; no wait after a wrong code (tested on its own below), so that tests run at once."""
    settings.REQUIRE_2FA = True
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_a_wrong_code_is_refused_and_makes_the_next_try_wait(client, clinician, settings):
    settings.REQUIRE_2FA = True
    password_sign_in(client, clinician)
    page = client.get(reverse("two_factor_enrol")).content.decode()
    secret = b32decode(re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", ""))
    wrong = client.post(reverse("two_factor_enrol"), {"code": wrong_code(secret)})
    assert wrong.status_code == 200 and "did not match" in wrong.content.decode()
    right_too_soon = client.post(reverse("two_factor_enrol"), {"code": totp_code(secret, time.time())})
    assert right_too_soon.status_code == 200 and not second_factor.enrolled(clinician)


def test_a_clinician_enrols_at_first_sign_in_then_signs_in_with_a_code(client, clinician, two_factor_on):
    password_sign_in(client, clinician)
    response = client.get(reverse("screening_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_enrol"))
    secret, codes = enrol(client)
    assert client.get(reverse("screening_list")).status_code == 200
    assert AccountEvent.objects.filter(action="second_factor_enrolled", subject=clinician).exists()

    client.post(reverse("logout"))
    password_sign_in(client, clinician)
    response = client.get(reverse("screening_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("two_factor_verify"))
    assert client.get(reverse("home")).status_code == 302  # no page before the second step
    used_at_enrolment = totp_code(secret, time.time())
    response = client.post(reverse("two_factor_verify"), {"code": used_at_enrolment, "next": "/screenings/"})
    if response.status_code == 200:  # the same code never works twice; the next one does
        assert "did not match" in response.content.decode()
        response = client.post(reverse("two_factor_verify"), {"code": totp_code(secret, time.time() + 30),
                                                              "next": "/screenings/"})
    assert response.status_code == 302 and response.url == "/screenings/"
    assert client.get(reverse("screening_list")).status_code == 200


def test_a_recovery_code_works_once(client, clinician, two_factor_on):
    password_sign_in(client, clinician)
    _, codes = enrol(client)
    for attempt in range(2):
        client.post(reverse("logout"))
        password_sign_in(client, clinician)
        response = client.post(reverse("two_factor_verify"), {"code": codes[0].upper(), "next": "/"})
        if attempt == 0:
            assert response.status_code == 302 and client.get(reverse("home")).status_code == 200
        else:
            assert response.status_code == 200 and "did not match" in response.content.decode()
            assert client.get(reverse("home")).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, clinician, two_factor_on):
    password_sign_in(client, clinician)
    _, old = enrol(client)
    page = client.post(reverse("account_recovery_codes")).content.decode()
    new = re.findall(r"<li>([a-z2-7]{8})</li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post(reverse("logout"))
    password_sign_in(client, clinician)
    assert client.post(reverse("two_factor_verify"), {"code": old[1]}).status_code == 200
    assert client.post(reverse("two_factor_verify"), {"code": new[1]}).status_code == 302


def test_who_needs_a_second_factor(client, clinician, lead, trainee, settings, two_factor_on):
    for user, needed in ((clinician, True), (lead, True), (trainee, False)):
        c = Client()
        password_sign_in(c, user)
        assert (c.get(reverse("home")).status_code == 302) is needed
    settings.REQUIRE_2FA = False
    c = Client()
    password_sign_in(c, lead)
    assert c.get(reverse("home")).status_code == 200


def test_a_garbled_code_is_an_error_not_a_500(client, clinician, two_factor_on):
    password_sign_in(client, clinician)
    enrol(client)
    client.post(reverse("logout"))
    password_sign_in(client, clinician)
    for code in ("", "x" * 30, "12 34 5é", "<script>"):
        assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 200


# ---- password reset and account management -----------------------------------------------------------------------

def can_sign_in(username: str, password: str) -> bool:
    return Client().post(reverse("login"), {"username": username, "password": password}).status_code == 302


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def choose_password(client, link: str, password: str):
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a password" in form.content.decode()
    return client.post(form.redirect_chain[-1][0] if form.redirect_chain else link,
                       {"new_password1": password, "new_password2": password})


def test_password_reset_by_email(client, clinician, mailoutbox):
    clinician.email = "clinician@example.org"
    clinician.save()
    response = client.post(reverse("password_reset"), {"email": "clinician@example.org"})
    assert response.status_code == 302 and len(mailoutbox) == 1
    assert choose_password(client, link_in(mailoutbox[0]), "a-brand-new-password-7").status_code == 302
    assert can_sign_in("clinician", "a-brand-new-password-7")
    assert AccountEvent.objects.filter(action="password_reset", subject=clinician).exists()


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the test's mail server is down")


def test_a_mail_server_that_fails_gets_a_message_not_a_500(client, clinician, lead, settings):
    settings.EMAIL_BACKEND = "tests.test_accounts.RefusingBackend"
    clinician.email = "clinician@example.org"
    clinician.save()
    response = client.post(reverse("password_reset"), {"email": "clinician@example.org"})
    assert response.status_code == 302  # the same answer as for an unknown address; the failure is logged
    client.force_login(lead)
    response = client.post(reverse("team_member_new"), {"username": "newbie", "email": "n@example.org",
                                                         "role": CLINICIAN}, follow=True)
    assert response.status_code == 200 and "could not be sent" in response.content.decode()
    assert User.objects.filter(username="newbie").exists()


def test_a_lead_creates_and_invites_an_account(client, lead, mailoutbox):
    client.force_login(lead)
    response = client.post(reverse("team_member_new"), {"username": "newbie", "email": "n@example.org",
                                                         "role": CLINICIAN})
    member = User.objects.get(username="newbie")
    assert response.status_code == 302 and response.url == reverse("team_member", args=[member.pk])
    assert role_of(member) == CLINICIAN and not member.has_usable_password()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["n@example.org"]
    newcomer = Client()
    assert choose_password(newcomer, link_in(mailoutbox[0]), "newbies-own-password-9").status_code == 302
    assert can_sign_in("newbie", "newbies-own-password-9")
    actions = set(AccountEvent.objects.filter(subject=member).values_list("action", flat=True))
    assert actions == {"created", "invited", "password_reset"}


def test_a_lead_re_roles_deactivates_and_reactivates(client, lead, clinician):
    elsewhere = Client()
    password_sign_in(elsewhere, clinician)
    client.force_login(lead)
    client.post(reverse("team_member_role", args=[clinician.pk]), {"role": TRAINEE})
    assert role_of(User.objects.get(pk=clinician.pk)) == TRAINEE
    assert AccountEvent.objects.get(action="role_changed").detail == f"{CLINICIAN} → {TRAINEE}"
    client.post(reverse("team_member_active", args=[clinician.pk]), {"active": "0"})
    assert elsewhere.get(reverse("home")).status_code == 302
    assert not can_sign_in("clinician", PASSWORD)
    client.post(reverse("team_member_active", args=[clinician.pk]), {"active": "1"})
    assert can_sign_in("clinician", PASSWORD)
    actions = list(AccountEvent.objects.filter(subject=clinician).values_list("action", flat=True))
    assert actions == ["reactivated", "deactivated", "role_changed"]


def test_a_lead_resets_a_members_second_factor(client, lead, clinician, settings):
    member = Client()
    password_sign_in(member, clinician)
    enrol(member)  # set up by choice here; once set up, it is always asked for
    client.force_login(lead)
    assert client.post(reverse("team_member_second_factor", args=[clinician.pk])).status_code == 302
    assert not second_factor.enrolled(clinician) and second_factor.recovery_codes_left(clinician) == 0
    response = member.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    settings.REQUIRE_2FA = True
    password_sign_in(member, clinician)
    assert member.get(reverse("home")).url.startswith(reverse("two_factor_enrol"))
    assert AccountEvent.objects.filter(action="second_factor_reset", subject=clinician, actor=lead).exists()


@pytest.mark.parametrize("name", ["team", "team_member_new"])
def test_only_leads_manage_accounts(client, clinician, trainee, name):
    for user in (clinician, trainee):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("team_member_active", args=[clinician.pk]), {"active": "0"}).status_code == 403


def test_a_lead_cannot_lock_themselves_out_nor_touch_administrators(client, lead):
    admin = User.objects.create_user("admin", password=PASSWORD, is_staff=True)
    Membership.objects.create(user=admin, clinic=lead.membership.clinic)  # in the lead's clinic, still not theirs
    client.force_login(lead)
    assert client.post(reverse("team_member_active", args=[lead.pk]), {"active": "0"}).status_code == 403
    assert client.post(reverse("team_member_role", args=[lead.pk]), {"role": TRAINEE}).status_code == 403
    assert client.get(reverse("team_member", args=[admin.pk])).status_code == 403
    assert client.get(reverse("team_member", args=[99999])).status_code == 404
    assert User.objects.get(pk=lead.pk).is_active


def test_a_bad_role_or_duplicate_username_is_a_message(client, lead, clinician):
    client.force_login(lead)
    response = client.post(reverse("team_member_role", args=[clinician.pk]), {"role": "Superuser"}, follow=True)
    assert "Choose one of the roles" in response.content.decode() and role_of(clinician) == CLINICIAN
    response = client.post(reverse("team_member_new"), {"username": "Clinician", "email": "x@example.org",
                                                         "role": TRAINEE})
    assert response.status_code == 200 and "exists already" in response.content.decode()
    assert 'value="x@example.org"' in response.content.decode()


def test_account_events_are_append_only(lead, clinician):
    event = record(lead, "created", clinician)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


@pytest.mark.parametrize("name", ["account", "password_change", "two_factor_enrol", "team"])
def test_account_pages_render_for_a_lead(client, lead, name):
    client.force_login(lead)
    response = client.get(reverse(name))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("name", ["account", "password_change", "two_factor_enrol", "two_factor_verify", "team",
                                  "team_member_new"])
def test_account_pages_send_anonymous_visitors_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
def test_password_reset_pages_are_open_to_anonymous_visitors(client, name):
    assert client.get(reverse(name)).status_code == 200


def test_a_used_or_forged_reset_link_says_so(client, clinician):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "set-password"]), follow=True)
    assert response.status_code == 200 and "does not work any more" in response.content.decode()


def test_staff_read_account_events_in_the_admin_and_cannot_change_them(client, lead, clinician):
    staff = User.objects.create_user("staffer", password=PASSWORD, is_staff=True, is_superuser=True)
    event = record(lead, "deactivated", clinician)
    client.force_login(staff)
    listing = client.get("/admin/accounts/accountevent/")
    assert listing.status_code == 200 and "deactivated" in listing.content.decode()
    assert client.post(f"/admin/accounts/accountevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AccountEvent.objects.filter(pk=event.pk).exists()
