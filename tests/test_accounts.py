"""Accounts: lockout behind a proxy, sessions, two-factor sign-in, self-service and account management."""
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from project.env import forwarded_address_settings
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
