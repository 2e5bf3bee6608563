"""Sign-in hardening, security headers, session expiry and the append-only audit trail."""
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from screening.models import AuditEvent
from screening.services import screening_create
from tests.conftest import PASSWORD, client_for, healthy_intake

pytestmark = pytest.mark.django_db


def attempt(client, password, ip="10.9.8.7", username="clinician"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_repeated_failures_lock_the_account_out_from_that_address(client, clinician):
    for _ in range(4):
        assert attempt(client, "wrong").status_code == 200
    assert attempt(client, "wrong").status_code == 429  # the fifth failure locks
    locked = attempt(client, PASSWORD)  # even the right password, from the same address
    assert locked.status_code == 429
    assert "Sign-in is locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address_out(client, clinician, clinician2):
    for i in range(5):
        attempt(client, "wrong", username=f"nobody{i}")
    assert attempt(client, PASSWORD, username="clinician2").status_code == 429


def test_a_success_before_the_limit_resets_the_count(client, clinician):
    for _ in range(4):
        attempt(client, "wrong")
    assert attempt(client, PASSWORD).status_code == 302


def test_security_headers_on_every_page(client):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy.replace("'self'", "")


def test_https_settings_redirect_and_send_hsts(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get(reverse("login")).status_code == 301
    secure = client.get(reverse("login"), secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_idle_session_expires(client, clinician, settings):
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE == 30 * 60
    client_for(client, clinician)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("home")).status_code == 302


def test_the_admin_is_for_staff_only(client, lead):
    client_for(client, lead)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
    lead.is_staff = True
    lead.save()
    assert client.get("/admin/").status_code == 200


def test_passwords_are_checked_by_django_validators():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "12345678901234", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak)


class TestAuditTrail:
    def test_it_records_who_did_what_without_intake_content(self, client, clinician, lead):
        screening = screening_create(owner=clinician, client_code="AU-1", intake=healthy_intake(notes="secret note"),
                                     answers={})
        client_for(client, clinician).get(reverse("screening_detail", args=[screening.pk]))
        client.get(reverse("revision_export", args=[screening.pk, 1]))
        actions = list(AuditEvent.objects.order_by("id").values_list("user__username", "action", "revision_number"))
        assert actions == [("clinician", "created", 1), ("clinician", "viewed", 1), ("clinician", "exported", 1)]
        page = client_for(client, lead).get(reverse("audit_log")).content.decode()
        assert "exported" in page and "AU-1" in page and "secret note" not in page

    def test_it_cannot_be_changed_or_deleted(self, clinician):
        screening = screening_create(owner=clinician, client_code="AU-2", intake=healthy_intake(), answers={})
        event = AuditEvent.objects.get()
        event.action = "viewed"
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()
        assert AuditEvent.objects.get().action == "created"
        assert screening.audit_events.count() == 1

    def test_the_admin_offers_no_change_or_delete(self, client, lead):
        lead.is_staff = lead.is_superuser = True
        lead.save()
        screening = screening_create(owner=lead, client_code="AU-3", intake=healthy_intake(), answers={})
        event = screening.audit_events.get()
        client_for(client, lead)
        assert client.get(f"/admin/screening/auditevent/{event.pk}/delete/").status_code == 403
        assert client.post(f"/admin/screening/auditevent/{event.pk}/change/", {"action": "viewed"}).status_code == 403
        assert AuditEvent.objects.get(pk=event.pk).action == "created"
