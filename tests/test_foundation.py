"""Settings from the environment, sign-in with roles, the demo accounts and the permanent disclaimer."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Clinic
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(64), "DJANGO_DEBUG": "0",
              "DJANGO_ALLOWED_HOSTS": "threshold.example.org"}


def run_manage(*args, env):
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "project.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base | env, capture_output=True,
                          text=True)


def test_check_deploy_is_silent_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "x" * 60, "a" * 64])
def test_production_refuses_to_start_without_a_real_secret_key(key):
    result = run_manage("check", env=PRODUCTION | {"DJANGO_SECRET_KEY": key})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a real secret" in result.stderr


def test_a_bad_boolean_setting_is_named():
    result = run_manage("check", env=PRODUCTION | {"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_a_non_postgres_database_url_is_refused():
    result = run_manage("check", env=PRODUCTION | {"DATABASE_URL": "mysql://u:p@localhost/x"})
    assert result.returncode != 0
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_sqlite_waits_for_concurrent_writers(settings):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("SQLite settings only")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


@pytest.mark.django_db
def test_the_three_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {"Clinician", "Trainee", "Clinical lead"}


@pytest.mark.django_db
def test_seed_demo_creates_two_clinics_and_their_accounts_and_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DJANGO_DEBUG=1"):
        call_command("seed_demo")
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # resetting is safe
    roles = {u.username: (u.groups.get().name, u.membership.clinic.slug) for u in User.objects.all()}
    assert roles == {"clinician": ("Clinician", "default"), "clinician2": ("Clinician", "default"),
                     "trainee": ("Trainee", "default"), "lead": ("Clinical lead", "default"),
                     "lead2": ("Clinical lead", "second"), "clinician3": ("Clinician", "second")}
    assert all(u.check_password("threshold-demo") for u in User.objects.all())
    assert Clinic.objects.count() == 2


@pytest.mark.django_db
def test_login_and_about_are_public_and_carry_the_disclaimer(client):
    for name in ("login", "about"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "not a diagnosis, an eligibility" in response.content.decode()


@pytest.mark.django_db
def test_signing_in_shows_the_user_and_role(client, clinician):
    response = client.post(reverse("login"), {"username": "clinician", "password": "a-long-test-password"},
                           follow=True, REMOTE_ADDR="127.0.0.1")
    page = response.content.decode()
    assert "Signed in as <strong>clinician</strong> · Clinician" in page
    assert "educational discussion aid" in page


@pytest.mark.django_db
def test_a_wrong_password_shows_a_clear_message_and_keeps_the_username(client, clinician):
    response = client.post(reverse("login"), {"username": "clinician", "password": "nope"},
                           REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "did not match" in page and 'value="clinician"' in page


@pytest.mark.django_db
def test_sign_out_ends_the_session(client, clinician):
    client_for(client, clinician)
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
