"""The clinician workflow through the Django test client: intake, assessment, revisions, acknowledgements, access."""
import html
import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from screening.engine import default_ruleset
from screening.models import Acknowledgement, AuditEvent, Revision, Screening
from screening.services import screening_create
from tests.conftest import client_for, healthy_intake, stored_as_older_rules_showed


def form_data(**overrides) -> dict:
    """A filled intake form as the browser posts it: an SSRI, controlled hypertension, MDMA considered."""
    data = {"client_code": "TH-1001", "substances": ["mdma"], "psychosis_history": "no",
            "hypertension": "controlled", "systolic_bp": "128", "diastolic_bp": "82", "heart_rate": "70",
            "medication_review": "reviewed", "medications": "Zoloft\nsomething unheard of", "age": "41",
            "cssrs_wish_dead": "no", "cssrs_thoughts": "no", "cssrs_behaviour": "no",
            "preparation_sessions": "on", "support_person": "on", "notes": "Prefers morning sessions.",
            "confirm_incomplete": "1"}  # most questions unanswered: the second button (TestIncompleteIntake)
    data.update(overrides)
    return data


def make_screening(owner, **intake) -> Screening:
    return screening_create(owner=owner, client_code="TH-2001", intake=healthy_intake(**intake),
                            answers={"container": {}})


@pytest.mark.django_db
class TestNewScreening:
    def test_it_shows_every_section_with_not_assessed_as_the_start(self, client, clinician):
        page = client_for(client, clinician).get(reverse("screening_new")).content.decode()
        for title in ("About this screening", "Psychiatric history", "Current state", "Cardiovascular and medical",
                      "Medications", "Pregnancy and age", "Notes", "Treatment container"):
            assert title in page
        # "Not assessed" (the empty value) is the starting answer of every yes/no question.
        for name in ("pregnant", "psychosis_history", "long_qt", "cssrs_behaviour"):
            assert re.search(rf'<input[^>]*name="{name}" value=""[^>]*checked', page), name
            assert not re.search(rf'<input[^>]*name="{name}" value="(yes|no)"[^>]*checked', page), name
        assert "Not assessed" in page
        assert 'list="medication-names"' in page and '<option value="Nardil">' in page

    def test_saving_stores_the_intake_version_and_assessment_then_shows_it(self, client, clinician):
        response = client_for(client, clinician).post(reverse("screening_new"), form_data(), follow=True)
        assert response.status_code == 200
        screening = Screening.objects.get()
        revision = screening.revisions.get()
        assert screening.owner == clinician and screening.client_code == "TH-1001"
        assert revision.ruleset_version == default_ruleset().version
        assert revision.intake["medications"] == ["Zoloft", "something unheard of"]
        assert revision.intake["suicidality"] == "none"
        assert revision.intake["hypertension"] == "controlled"
        assert "pregnant" not in revision.intake  # not assessed stays out of the intake
        factors = {f["factor"] for f in revision.assessment["flags"]}
        assert {"serotonergic_medication", "unrecognised_medication"} <= factors
        page = response.content.decode()
        assert "something unheard of" in page and "check these by hand" in page
        assert "Integration sessions are planned" in page  # an unticked container item to discuss
        assert "Prefers morning sessions." in page
        assert AuditEvent.objects.filter(action="created", screening=screening).exists()

    def test_the_contract_v2_questions_are_asked_with_why_and_reach_the_assessment(self, client, clinician):
        page = client_for(client, clinician).get(reverse("screening_new")).content.decode()
        fields = default_ruleset().intake.fields
        for name in ("suicide_attempt_lifetime", "harm_to_others", "prior_adverse_reaction", "weight_kg",
                     "hyponatraemia_history"):
            assert f'name="{name}"' in page, name
            assert fields[name].help in html.unescape(page), name
        assert re.search(r'<input type="text" name="weight_kg"[^>]*inputmode="numeric"', page)
        assert "A whole number of kilograms, 20 to 300." in page
        client_for(client, clinician).post(reverse("screening_new"), form_data(
            substances=["mdma", "psilocybin"], suicide_attempt_lifetime="yes", harm_to_others="no",
            prior_adverse_reaction="yes", weight_kg="46", hyponatraemia_history="yes"))
        revision = Revision.objects.get()
        assert {k: revision.intake[k] for k in ("suicide_attempt_lifetime", "harm_to_others", "prior_adverse_reaction",
                                                "weight_kg", "hyponatraemia_history")} == {
            "suicide_attempt_lifetime": True, "harm_to_others": False, "prior_adverse_reaction": True,
            "weight_kg": 46, "hyponatraemia_history": True}
        factors = {f["factor"] for f in revision.assessment["flags"]}
        assert {"suicide_risk", "prior_adverse_reaction", "body_weight", "hyponatraemia"} <= factors
        assert "harm_to_others" not in factors

    def test_the_cssrs_answers_set_the_ladder(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data(
            cssrs_wish_dead="yes", cssrs_thoughts="yes", cssrs_method="yes", cssrs_intent="no", cssrs_plan="no"))
        assert Revision.objects.get().intake["suicidality"] == "ideation_with_method"

    def test_unanswered_cssrs_questions_leave_suicidality_not_assessed(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data(
            cssrs_wish_dead="", cssrs_thoughts="", cssrs_behaviour=""))
        revision = Revision.objects.get()
        assert "suicidality" not in revision.intake
        assert "suicidality" in revision.assessment["not_assessed"]

    def test_medications_not_reviewed_are_not_assessed(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data(medication_review="", medications=""))
        assert "medications" in Revision.objects.get().assessment["not_assessed"]

    @pytest.mark.parametrize("overrides, field, words", [
        ({"client_code": "Jane Smith"}, "client_code", "not a name"),
        ({"client_code": ""}, "client_code", "required"),
        ({"substances": []}, "substances", "at least one substance"),
        ({"age": "forty"}, "age", "whole number"),
        ({"systolic_bp": "900"}, "systolic_bp", "Enter a whole number of mmHg between 50 and 300"),
        ({"weight_kg": "400"}, "weight_kg", "Enter a whole number of kilograms between 20 and 300"),
        ({"heart_rate": "7O"}, "heart_rate", "Enter a whole number of beats per minute between 20 and 250"),
        ({"pregnant": "perhaps"}, "pregnant", "Select a valid choice"),
        ({"notes": "x" * 2001}, "notes", "at most 2000"),
        ({"medications": "\n".join(f"drug{i}" for i in range(61))}, "medications", "at most 60"),
    ])
    def test_bad_input_is_shown_at_the_field_and_at_the_top_with_entries_kept(self, client, clinician, overrides,
                                                                              field, words):
        response = client_for(client, clinician).post(reverse("screening_new"), form_data(**overrides))
        assert response.status_code == 400
        page = response.content.decode()
        assert 'id="error-summary"' in page and words in page
        assert overrides.get("notes", "Prefers morning sessions.") in page  # entries kept
        assert Screening.objects.count() == 0

    def test_trainees_and_leads_cannot_create(self, client, trainee, lead):
        for user in (trainee, lead):
            assert client_for(client, user).get(reverse("screening_new")).status_code == 403
            assert client.post(reverse("screening_new"), form_data()).status_code == 403
        assert Screening.objects.count() == 0


@pytest.mark.django_db
class TestAssessmentPage:
    def test_it_shows_the_matrix_flags_sources_and_gaps(self, client, clinician):
        screening = make_screening(clinician, substances=["mdma", "psilocybin"], medications=["Nardil"],
                                   long_qt=None)
        page = client_for(client, clinician).get(reverse("screening_detail", args=[screening.pk])).content.decode()
        assert "Highest severity" in page and "MDMA" in page and "Psilocybin" in page
        flag = next(f for f in screening.revisions.first().assessment["flags"] if f["factor"] == "maoi")
        assert flag["title"] in page and flag["sources"][0]["url"] in page
        assert "Known QT or QTc prolongation" in page  # listed as not assessed
        assert f"rule set <strong>{default_ruleset().version}</strong>" in page

    def test_an_old_revision_shows_what_was_shown_then(self, client, clinician):
        def older(assessment):
            assessment["flags"][0]["title"] = "A title from an older rule set"
            assessment["ruleset_version"] = "2025.01.0"

        screening = stored_as_older_rules_showed(clinician, healthy_intake(medications=["Nardil"]), older)
        page = client_for(client, clinician).get(reverse("revision_detail", args=[screening.pk, 1])).content.decode()
        assert "A title from an older rule set" in page
        assert "The current rule set is" in page

    def test_acknowledging_a_flag_stores_who_when_and_why(self, client, clinician):
        screening = make_screening(clinician, medications=["Nardil"])
        rule = screening.revisions.first().assessment["flags"][0]["rule"]
        response = client_for(client, clinician).post(reverse("acknowledge", args=[screening.pk, 1]),
                                                      {"rule": rule, "reason": "Discussed; MAOI to be reviewed."},
                                                      follow=True)
        ack = Acknowledgement.objects.get()
        assert (ack.rule_id, ack.user, ack.reason) == (rule, clinician, "Discussed; MAOI to be reviewed.")
        assert "Acknowledged by clinician" in response.content.decode()

    @pytest.mark.parametrize("data, words", [
        ({"rule": "maoi-mdma", "reason": ""}, "This field is required"),
        ({"rule": "no-such-rule", "reason": "x"}, "not part of this revision"),
        ({"rule": "maoi-mdma", "reason": "x" * 501}, "at most 500"),
    ])
    def test_a_bad_acknowledgement_is_refused_clearly(self, client, clinician, data, words):
        screening = make_screening(clinician, medications=["Nardil"])
        rule = screening.revisions.first().assessment["flags"][0]["rule"]
        data = {**data, "rule": rule if data["rule"] == "maoi-mdma" else data["rule"]}
        response = client_for(client, clinician).post(reverse("acknowledge", args=[screening.pk, 1]), data)
        assert response.status_code == 400
        assert words in response.content.decode()
        assert Acknowledgement.objects.count() == 0

    def test_a_clean_intake_shows_the_empty_state(self, client, clinician):
        screening = make_screening(clinician)
        page = client_for(client, clinician).get(reverse("screening_detail", args=[screening.pk])).content.decode()
        assert "No caution factor was raised" in page

    def test_notes_are_escaped(self, client, clinician):
        screening = make_screening(clinician, notes='<script>alert(1)</script><img src="x">')
        page = client_for(client, clinician).get(reverse("screening_detail", args=[screening.pk])).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_export_gives_the_stored_revision_as_json(self, client, clinician):
        screening = make_screening(clinician, medications=["Nardil"])
        response = client_for(client, clinician).get(reverse("revision_export", args=[screening.pk, 1]))
        body = json.loads(response.content)
        assert body["assessment"] == screening.revisions.first().assessment
        assert AuditEvent.objects.filter(action="exported").count() == 1


@pytest.mark.django_db
class TestRevisions:
    def test_editing_creates_a_new_revision_and_keeps_the_old(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"), form_data())
        screening = Screening.objects.get()
        page = client.get(reverse("screening_edit", args=[screening.pk])).content.decode()
        assert "Zoloft" in page and 'value="TH-1001"' in page  # the form comes back filled
        client.post(reverse("screening_edit", args=[screening.pk]), form_data(medications="Nardil"))
        first, second = screening.revisions.order_by("number")
        assert (first.number, second.number) == (1, 2)
        assert first.intake["medications"] == ["Zoloft", "something unheard of"]
        assert second.intake["medications"] == ["Nardil"]
        assert any(f["factor"] == "maoi" for f in second.assessment["flags"])
        assert not any(f["factor"] == "maoi" for f in first.assessment["flags"])
        history = client.get(reverse("screening_detail", args=[screening.pk])).content.decode()
        assert "Revision 2 (shown)" in history and reverse("revision_detail", args=[screening.pk, 1]) in history

    def test_a_bad_edit_keeps_the_entries_and_saves_nothing(self, client, clinician):
        screening = make_screening(clinician)
        response = client_for(client, clinician).post(reverse("screening_edit", args=[screening.pk]),
                                                      form_data(age="200"))
        assert response.status_code == 400
        assert screening.revisions.count() == 1


@pytest.mark.django_db
class TestMyScreenings:
    def test_it_lists_only_my_screenings_newest_first(self, client, clinician, clinician2):
        make_screening(clinician)
        mine_later = screening_create(owner=clinician, client_code="TH-3003", intake=healthy_intake(), answers={})
        screening_create(owner=clinician2, client_code="OTHER-9", intake=healthy_intake(), answers={})
        page = client_for(client, clinician).get(reverse("screening_list")).content.decode()
        assert "OTHER-9" not in page
        assert page.index(mine_later.client_code) < page.index("TH-2001")

    def test_search_by_client_code_and_pagination(self, client, clinician):
        for i in range(25):
            screening_create(owner=clinician, client_code=f"AB-{i:03d}", intake=healthy_intake(), answers={})
        screening_create(owner=clinician, client_code="ZZ-777", intake=healthy_intake(), answers={})
        client_for(client, clinician)
        found = client.get(reverse("screening_list"), {"q": "zz-7"}).content.decode()
        assert "ZZ-777" in found and "AB-001" not in found
        first = client.get(reverse("screening_list"))
        assert [s.client_code for s in first.context["page"].rows] == ["ZZ-777"] + [f"AB-{i:03d}" for i in
                                                                                  range(24, 5, -1)]
        assert first.context["page"].newer is None
        second = client.get(reverse("screening_list") + first.context["page"].older)
        assert [s.client_code for s in second.context["page"].rows] == [f"AB-{i:03d}" for i in range(5, -1, -1)]
        assert second.context["page"].older is None and ">Newer</a>" in second.content.decode()
        back = client.get(reverse("screening_list") + second.context["page"].newer)
        assert back.context["page"].rows == first.context["page"].rows
        searched = client.get(reverse("screening_list"), {"q": "AB-"})
        anchor = searched.context["page"].rows[-1].pk  # AB-005: the next page keeps the search
        assert f'href="?q=AB-&amp;before={anchor}"' in searched.content.decode()
        assert client.get(reverse("screening_list"), {"before": "banana", "after": "²"}).status_code == 200
        nothing = client.get(reverse("screening_list"), {"q": "nomatch"}).content.decode()
        assert "No screening has a client code" in nothing

    def test_an_empty_list_invites_a_first_screening(self, client, clinician):
        assert "No screenings yet" in client_for(client, clinician).get(reverse("screening_list")).content.decode()


@pytest.mark.django_db
def test_a_lead_sees_every_screening_with_its_clinician(client, clinician, clinician2, lead):
    make_screening(clinician)
    screening_create(owner=clinician2, client_code="OTHER-9", intake=healthy_intake(), answers={})
    page = client_for(client, lead).get(reverse("screening_list")).content.decode()
    assert "TH-2001" in page and "OTHER-9" in page and "clinician2" in page


@pytest.mark.django_db
def test_every_role_reads_the_rule_set_and_the_blank_form(client, clinician, trainee, lead):
    ruleset = default_ruleset()
    for user in (clinician, trainee, lead):
        page = client_for(client, user).get(reverse("ruleset")).content.decode()
        assert ruleset.version in page
        assert all(escape(rule.title) in page for rule in ruleset.rules)
        assert all(s["url"] in page for s in ruleset.sources.values())
        assert all(escape(r.severity_note) in page for r in ruleset.rules if r.severity_note)
        assert "(the label states a contraindication)" in page and "(the label states a warning)" in page
        blank = client.get(reverse("intake_blank")).content.decode()
        for name in ("suicide_attempt_lifetime", "harm_to_others", "prior_adverse_reaction", "weight_kg",
                     "hyponatraemia_history"):
            assert escape(ruleset.intake.fields[name].label) in blank, name
        assert "In the past month, has the client wished they were dead" in blank
        assert "Consent about touch and boundaries has been discussed" in blank
