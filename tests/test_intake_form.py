"""Issue 15: the intake form is quick to fill and is assessed live by the server's engine as the clinician goes."""
import json
import re
import time

import pytest
from django.urls import reverse

from screening.forms import IntakeForm
from screening.models import Revision
from tests.conftest import client_for
from tests.test_screenings import form_data

pytestmark = pytest.mark.django_db


def _valid(**overrides) -> IntakeForm:
    form = IntakeForm(form_data(**overrides))
    assert form.is_valid(), form.errors
    return form


def test_both_blood_pressure_readings_in_the_systolic_box():
    intake = _valid(systolic_bp="150/95", diastolic_bp="").intake()
    assert (intake["systolic_bp"], intake["diastolic_bp"]) == (150, 95)
    assert _valid(systolic_bp=" 150 / 95 ", diastolic_bp="95").intake()["diastolic_bp"] == 95
    assert _valid(systolic_bp="150", diastolic_bp="95").intake()["systolic_bp"] == 150


def test_two_different_diastolic_readings_are_not_guessed_between():
    form = IntakeForm(form_data(systolic_bp="150/95", diastolic_bp="90"))
    assert not form.is_valid()
    assert form.errors["systolic_bp"] == ["Enter a whole number of mmHg between 50 and 300, or both readings as "
                                          "150/95"]


@pytest.mark.parametrize("typed", ["15095", "7O", "seventy", "70.5", "-5"])
def test_a_number_field_names_its_range_in_plain_words_and_keeps_what_was_typed(client, clinician, typed):
    response = client_for(client, clinician).post(reverse("screening_new"), form_data(heart_rate=typed))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a whole number of beats per minute between 20 and 250" in page
    assert f'value="{typed}"' in page  # the entry is shown back exactly as typed
    assert 'type="number"' not in page  # browsers drop letters from number boxes without a word


def test_age_and_the_reason_for_referral_come_first_and_the_reason_is_never_evaluated(client, clinician):
    page = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    order = [page.index(f'name="{name}"') for name in ("client_code", "age", "referral_reason", "substances",
                                                       "psychosis_history")]
    assert order == sorted(order)
    client.post(reverse("screening_new"), form_data(referral_reason="Treatment-resistant depression, via the GP."))
    revision = Revision.objects.get()
    assert revision.answers["referral_reason"] == "Treatment-resistant depression, via the GP."
    assert "referral_reason" not in revision.intake  # not a contract question: the engine never sees it
    initial = IntakeForm.initial_from(revision.client_code, revision.intake, revision.answers)
    assert initial["referral_reason"] == "Treatment-resistant depression, via the GP."


def test_every_section_has_an_anchor_for_the_navigation_and_names_its_no_answers(client, clinician):
    form = IntakeForm()
    sections = form.sections()
    assert sections[0] == ("section-about", "About this screening")
    page = client_for(client, clinician).get(reverse("screening_new")).content.decode()
    for css_id, title in sections:
        assert title and f'id="{css_id}"' in page and f'href="#{css_id}"' in page
    psychiatric = re.search(r'<fieldset id="section-psychiatric"[^>]*data-no-answers="([^"]+)"', page)
    answers = json.loads(psychiatric[1].replace("&quot;", '"'))
    assert answers["psychosis_history"] == "no" and answers["bipolar"] == "none"
    assert "age" not in answers and "medications" not in answers


def _live(client, **data) -> str:
    response = client.post(reverse("live_assessment"), data)
    assert response.status_code == 200
    return response.content.decode()


def test_the_live_panel_shows_a_critical_flag_for_an_maoi_with_mdma_before_saving(client, clinician):
    panel = _live(client_for(client, clinician), substances="mdma", medications="Nardil\nZoloft\nFrobnizol")
    assert "sev-critical" in panel and "MDMA" in panel
    assert "phenelzine" in panel.lower()
    assert "<strong>Frobnizol</strong>: not recognised — check by hand" in panel
    assert re.search(r"<strong>\d+</strong> questions? not assessed yet", panel)
    assert not Revision.objects.exists()


def test_the_live_panel_counts_what_is_still_not_assessed_and_leaves_out_bad_answers(client, clinician):
    client_for(client, clinician)
    first = int(re.search(r"<strong>(\d+)</strong> question", _live(client, substances="mdma"))[1])
    second = _live(client, substances="mdma", psychosis_history="no", heart_rate="abc")
    assert int(re.search(r"<strong>(\d+)</strong> question", second)[1]) == first - 1
    assert "Left out until corrected: Resting heart rate" in second
    nothing = _live(client)
    assert "Choose at least one substance" in nothing and "sev-" not in nothing


def test_the_live_round_trip_is_quick(client, clinician):
    """The whole request in-process (middleware, form, engine, template); the aim is under 30 ms."""
    client_for(client, clinician)
    data = form_data(medications="Nardil\nZoloft\nlithium")
    client.post(reverse("live_assessment"), data)
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        client.post(reverse("live_assessment"), data)
        runs.append(time.perf_counter() - started)
    median = sorted(runs)[len(runs) // 2]
    print(f"live assessment round trip, median of 20: {median * 1000:.1f} ms")
    assert median < 0.1  # a generous ceiling for a shared test machine; the figure is printed
