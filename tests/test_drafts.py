"""Issue 15: nothing typed into the intake form is lost: drafts, an expired session, a stale CSRF token."""
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from screening import drafts
from screening.models import Draft, Revision, Screening
from screening.services import screening_erase
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _form_fields(html: str) -> dict:
    """The hidden fields a rendered intake form carries."""
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', html))


def _post_data(page_html: str, **answers) -> dict:
    hidden = _form_fields(page_html)
    data = {k: v for k, v in hidden.items() if k in ("csrfmiddlewaretoken", "idempotency_key", "draft_key",
                                                    "draft_author", "base_revision", "draft_screening")}
    # Most questions stay unanswered here, so the save confirms it (the form's second button).
    return data | {"client_code": "TH-5150", "substances": ["mdma"], "notes": "Keep every word of this.",
                   "systolic_bp": "150/95", "medications": "Nardil", "confirm_incomplete": "1"} | answers


def test_the_form_carries_a_draft_key_and_an_author_token(client, clinician):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    fields = _form_fields(html)
    assert fields["draft_key"] and drafts.author_from(fields["draft_author"]) == clinician


def test_autosave_keeps_the_form_as_a_draft_only_its_author_sees(client, clinician, clinician2, lead):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    data = _post_data(html)
    answer = client.post(reverse("draft_save"), data)
    assert answer.status_code == 200 and answer.json()["saved"]
    draft = Draft.objects.get(owner=clinician)
    assert draft.data["notes"] == ["Keep every word of this."] and draft.client_code == "TH-5150"
    assert "draft_author" not in draft.data and "csrfmiddlewaretoken" not in draft.data
    client.post(reverse("draft_save"), data | {"notes": "Changed."})
    assert Draft.objects.count() == 1 and Draft.objects.get().data["notes"] == ["Changed."]
    home = client.get(reverse("home")).content.decode()
    assert "Drafts" in home and "TH-5150" in home
    assert "TH-5150" in client.get(reverse("screening_list")).content.decode()
    for other in (clinician2, lead):
        c = client_for(Client(), other)
        assert "TH-5150" not in c.get(reverse("home")).content.decode()
        assert "TH-5150" not in c.get(reverse("screening_list")).content.decode()
        assert c.get(reverse("draft_resume", args=[draft.key])).status_code == 404
        assert c.post(reverse("draft_discard", args=[draft.key])).status_code == 404
    assert not Screening.objects.exists() and not Revision.objects.exists()  # a draft is never a screening


def test_resume_shows_every_entry_as_typed_and_saving_removes_the_draft(client, clinician):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    data = _post_data(html)
    client.post(reverse("draft_save"), data)
    draft = Draft.objects.get()
    resumed = client.get(reverse("draft_resume", args=[draft.key]), follow=True)
    page = resumed.content.decode()
    assert resumed.status_code == 200
    assert "Keep every word of this." in page and 'value="TH-5150"' in page and 'value="150/95"' in page
    assert "Nardil" in page and _form_fields(page)["draft_key"] == str(draft.key)
    assert "error-summary" not in page  # resuming shows the entries; the checks run when it is saved
    saved = client.post(reverse("screening_new"), _post_data(page))
    assert saved.status_code == 302
    assert not drafts.live_drafts(clinician).exists()
    assert Draft.objects.get().data == {}  # closed and emptied
    late = client.post(reverse("draft_save"), data)  # an autosave sent just before the save arrives after it
    assert late.status_code == 409 and not drafts.live_drafts(clinician).exists()
    assert 'id="drafts-heading"' not in client.get(reverse("home")).content.decode()


def test_discard_deletes_the_draft(client, clinician):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    client.post(reverse("draft_save"), _post_data(html))
    key = Draft.objects.get().key
    answer = client.post(reverse("draft_discard", args=[key]), {"next": reverse("screening_list")})
    assert answer.status_code == 302 and answer["Location"] == reverse("screening_list")
    assert not Draft.objects.exists()


def test_drafts_expire_after_the_configured_days(client, clinician, settings):
    settings.DRAFT_DAYS = 3
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    client.post(reverse("draft_save"), _post_data(html))
    Draft.objects.update(updated_at=timezone.now() - timedelta(days=4))
    assert "TH-5150" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("draft_resume", args=[Draft.objects.get().key])).status_code == 404
    assert drafts.purge_expired() == 1 and not Draft.objects.exists()


def test_an_edit_draft_resumes_on_the_edit_form(client, clinician):
    client_for(client, clinician)
    new = client.get(reverse("screening_new")).content.decode()
    client.post(reverse("screening_new"), _post_data(new))
    screening = Screening.objects.get()
    edit = client.get(reverse("screening_edit", args=[screening.pk])).content.decode()
    data = _post_data(edit, notes="A revision in progress.")
    client.post(reverse("draft_save"), data)
    draft = drafts.live_drafts(clinician).get()
    assert draft.screening == screening
    page = client.get(reverse("draft_resume", args=[draft.key]), follow=True)
    assert page.request["PATH_INFO"] == reverse("screening_edit", args=[screening.pk])
    assert "A revision in progress." in page.content.decode()
    client.post(reverse("screening_edit", args=[screening.pk]), data)
    assert screening.revisions.count() == 2 and not drafts.live_drafts(clinician).exists()


def _signed_in_csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    login = client.get(reverse("login"))
    token = login.cookies["csrftoken"].value
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD,
                                   "csrfmiddlewaretoken": token})
    return client


def test_saving_after_the_session_expired_keeps_every_entry_and_saves_after_sign_in(clinician):
    """The whole path with CSRF checks on: the form posted after the session ended, sign-in, restore, save."""
    client = _signed_in_csrf_client(clinician)
    page = client.get(reverse("screening_new")).content.decode()
    data = _post_data(page)
    client.cookies.pop("sessionid")  # the session ended (the CSRF cookie lives on, as in a browser)
    answer = client.post(reverse("screening_new"), data)
    assert answer.status_code == 302  # not a CSRF 403
    login_url = answer["Location"]
    assert login_url.startswith(reverse("login")) and "next=" in login_url
    assert not Screening.objects.exists()
    draft = Draft.objects.get(owner=clinician)
    assert draft.data["notes"] == ["Keep every word of this."]
    sign_in = client.get(login_url)
    assert "Your session had ended" in sign_in.content.decode()
    token = sign_in.cookies.get("csrftoken", client.cookies["csrftoken"]).value
    next_url = login_url.split("next=", 1)[1].replace("%3F", "?").replace("%3D", "=").replace("%2F", "/")
    back = client.post(reverse("login"), {"username": "clinician", "password": PASSWORD, "next": next_url,
                                          "csrfmiddlewaretoken": token}, follow=True)
    html = back.content.decode()
    assert back.request["PATH_INFO"] == reverse("screening_new")
    assert "Every entry is back in the form" in html
    assert "Keep every word of this." in html and 'value="TH-5150"' in html and 'value="150/95"' in html
    # The re-rendered page carries the new session's CSRF token: saving works.
    saved = client.post(reverse("screening_new"), _post_data(html))
    assert saved.status_code == 302, saved.content.decode()[:500]
    revision = Revision.objects.get()
    assert revision.intake["systolic_bp"] == 150 and revision.intake["diastolic_bp"] == 95
    assert not drafts.live_drafts(clinician).exists()


def test_a_stale_csrf_token_keeps_the_entries_instead_of_a_403(clinician):
    client = _signed_in_csrf_client(clinician)
    page = client.get(reverse("screening_new")).content.decode()
    data = _post_data(page) | {"csrfmiddlewaretoken": "x" * 64}
    answer = client.post(reverse("screening_new"), data, follow=True)
    assert answer.status_code == 200
    assert "security check had expired" in answer.content.decode()
    assert "Keep every word of this." in answer.content.decode()
    assert not Screening.objects.exists()


def test_a_post_without_the_forms_author_token_is_refused_as_before(clinician):
    client = _signed_in_csrf_client(clinician)
    page = client.get(reverse("screening_new")).content.decode()
    data = _post_data(page) | {"csrfmiddlewaretoken": "x" * 64, "draft_author": "forged"}
    assert client.post(reverse("screening_new"), data).status_code == 403
    anonymous = Client(enforce_csrf_checks=False)
    answer = anonymous.post(reverse("screening_new"), _post_data(page) | {"draft_author": "forged"})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    assert not Draft.objects.exists()


def test_an_expired_session_autosave_still_keeps_the_draft(client, clinician):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    answer = Client().post(reverse("draft_save"), _post_data(html))
    assert answer.status_code == 200 and answer.json() == {"saved": True, "signed_in": False,
                                                           "at": answer.json()["at"]}
    assert Draft.objects.get().owner == clinician


def test_keep_alive_says_whether_the_user_is_signed_in(client, clinician, settings):
    assert Client().get(reverse("keep_alive")).json() == {"signed_in": False, "expires_in": 0}
    answer = client_for(client, clinician).get(reverse("keep_alive")).json()
    assert answer["signed_in"] and 0 < answer["expires_in"] <= settings.SESSION_COOKIE_AGE


def test_erasure_removes_the_screenings_drafts(client, clinician, lead):
    client_for(client, clinician)
    new = client.get(reverse("screening_new")).content.decode()
    client.post(reverse("screening_new"), _post_data(new))
    screening = Screening.objects.get()
    edit = client.get(reverse("screening_edit", args=[screening.pk])).content.decode()
    client.post(reverse("draft_save"), _post_data(edit))
    assert drafts.live_drafts(clinician).count() == 1
    screening_erase(screening=screening, user=lead, reason="The client withdrew consent.")
    assert not Draft.objects.filter(screening=screening).exists()


def test_purge_drafts_removes_only_expired_ones(client, clinician):
    html = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    client.post(reverse("draft_save"), _post_data(html))
    fresh = client.get(reverse("screening_new")).content.decode()
    client.post(reverse("draft_save"), _post_data(fresh, client_code="TH-7007"))
    Draft.objects.filter(client_code="TH-5150").update(updated_at=timezone.now() - timedelta(days=15))
    out = StringIO()
    call_command("purge_drafts", stdout=out)
    assert out.getvalue().strip() == "1 draft older than 14 days removed."
    assert list(Draft.objects.values_list("client_code", flat=True)) == ["TH-7007"]
