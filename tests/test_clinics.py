"""Clinics: a lead reads, erases and oversees their own clinic only; a clinician never sees another clinic's
screening; the team pages list and manage one clinic; an account in no clinic is refused every screening.

The access matrix (test_access_matrix.py) checks every URL for the second clinic's personas; here the lists, the
audit trail and the team pages from both sides, with a control that the first clinic does see its own.
"""
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, clinic_id_of
from screening.models import NoClinic, Revision, Screening
from screening.roles import CLINICIAN, LEAD
from screening.services import screening_create
from tests.conftest import client_for, healthy_intake, make_user


def screening_of(owner, code):
    return screening_create(owner=owner, client_code=code, intake=healthy_intake(), answers={})


@pytest.fixture
def two_clinics(db, clinician, lead):
    lead2, clinician3 = make_user("lead2", LEAD, clinic="second"), make_user("clinician3", CLINICIAN, clinic="second")
    return {"lead": lead, "clinician": clinician, "lead2": lead2, "clinician3": clinician3,
            "a": screening_of(clinician, "CL-AAA"), "b": screening_of(clinician3, "CL-BBB")}


def page(client, user, name, *args, **query):
    return client_for(client, user).get(reverse(name, args=args), query).content.decode()


@pytest.mark.parametrize(("viewer", "own", "other"), [("lead", "CL-AAA", "CL-BBB"), ("lead2", "CL-BBB", "CL-AAA")])
def test_a_leads_list_and_audit_trail_hold_their_clinic_only(client, two_clinics, viewer, own, other):
    user = two_clinics[viewer]
    for name in ("screening_list", "audit_log"):
        shown = page(client, user, name)
        assert own in shown and other not in shown, (viewer, name)
    assert other not in page(client, user, "screening_list", q="CL-")


def test_a_screening_belongs_to_its_owners_clinic_and_stays_there(client, two_clinics):
    a, b = two_clinics["a"], two_clinics["b"]
    assert a.clinic_id == clinic_id_of(two_clinics["clinician"]) != b.clinic_id == clinic_id_of(two_clinics["lead2"])
    # The owner moves to the second clinic: the screening stays in the first, so neither they nor lead2 read it.
    Membership.objects.filter(user=two_clinics["clinician"]).update(clinic_id=b.clinic_id)
    mover = User.objects.get(pk=two_clinics["clinician"].pk)
    assert client_for(client, mover).get(reverse("screening_detail", args=[a.pk])).status_code == 404
    assert client_for(client, two_clinics["lead"]).get(reverse("screening_detail", args=[a.pk])).status_code == 200


def test_refusals_are_in_the_trail_of_the_clinic_of_who_asked(client, two_clinics):
    a = two_clinics["a"]
    assert client_for(client, two_clinics["clinician3"]).get(
        reverse("screening_detail", args=[a.pk])).status_code == 404
    assert "clinician3" in page(client, two_clinics["lead2"], "audit_log", action="refused")
    assert "clinician3" not in page(client, two_clinics["lead"], "audit_log", action="refused")
    assert "clinician3" not in page(client, two_clinics["lead"], "audit_log")


def test_a_lead_erases_within_their_clinic_only(client, two_clinics):
    a = two_clinics["a"]
    signed_in = client_for(client, two_clinics["lead2"])
    assert signed_in.post(reverse("screening_erase", args=[a.pk]), {"reason": "Not ours."}).status_code == 404
    assert Revision.objects.filter(screening=a).exists()
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=366 * 9)):
        old_a, old_b = screening_of(two_clinics["clinician"], "CL-OLDA"), screening_of(two_clinics["clinician3"],
                                                                                      "CL-OLDB")
    call_command("retention", "--older-than", "8", "--apply", "--by", "lead2")
    assert Revision.objects.filter(screening=old_a).exists() and not Revision.objects.filter(screening=old_b).exists()


def test_the_team_pages_list_and_manage_one_clinic(client, two_clinics, trainee, mailoutbox):
    def listed(user):
        client.force_login(user)
        return {row["user"].username for row in client.get(reverse("team")).context["rows"]}

    assert listed(two_clinics["lead"]) == {"clinician", "lead", "trainee"}
    assert listed(two_clinics["lead2"]) == {"lead2", "clinician3"}
    client.force_login(two_clinics["lead2"])
    assert client.post(reverse("team_member_active", args=[trainee.pk]), {"active": "0"}).status_code == 404
    assert User.objects.get(pk=trainee.pk).is_active
    client.post(reverse("team_member_new"), {"username": "newcomer", "email": "n@example.org", "role": CLINICIAN})
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.membership.clinic_id == clinic_id_of(two_clinics["lead2"])
    client.force_login(two_clinics["lead"])
    assert client.get(reverse("team_member", args=[newcomer.pk])).status_code == 404
    assert "newcomer" not in client.get(reverse("team")).content.decode()  # nor in its recent account changes


def test_an_account_in_no_clinic_is_refused_every_screening_with_the_reason(client, two_clinics):
    lost_lead, lost_clinician = make_user("lost-lead", LEAD, clinic=None), make_user("lost", CLINICIAN, clinic=None)
    for user, name in ((lost_lead, "screening_list"), (lost_lead, "audit_log"), (lost_lead, "team"),
                       (lost_clinician, "screening_list"), (lost_clinician, "screening_new")):
        response = client_for(client, user).get(reverse(name))
        assert response.status_code == 403 and "belongs to no clinic" in response.content.decode(), (user, name)
    response = client_for(client, lost_lead).get(reverse("screening_detail", args=[two_clinics["a"].pk]))
    assert response.status_code == 403 and "CL-AAA" not in response.content.decode()
    with pytest.raises(NoClinic):
        screening_of(lost_clinician, "CL-NONE")
    assert not Screening.objects.filter(owner=lost_clinician).exists()
    superuser = User.objects.create_superuser("root", password="a-long-test-password")
    assert client_for(client, superuser).get(reverse("screening_list")).status_code == 403


def test_an_administrator_gives_an_account_its_clinic_in_the_admin(client, two_clinics):
    root = User.objects.create_superuser("root", password="a-long-test-password")
    client.force_login(root)
    listing = client.get("/admin/auth/user/", {"membership__clinic__id__exact": clinic_id_of(two_clinics["lead2"])})
    assert listing.status_code == 200
    assert {u.username for u in listing.context["cl"].result_list} == {"lead2", "clinician3"}
    change = client.get(f"/admin/auth/user/{root.pk}/change/")
    assert change.status_code == 200 and 'name="membership-0-clinic"' in change.content.decode()
