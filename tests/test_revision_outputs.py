"""An old revision's page, PDF and JSON export read what the revision stored: a later rule set with other names,
or a new client code on the screening, changes none of them."""
import io
import json
import re
import shutil

import pytest
import yaml
from django.urls import reverse
from pypdf import PdfReader

from screening.engine import default_ruleset, evaluate, load_ruleset
from screening.engine.loader import KNOWLEDGE_DIR
from screening.models import Revision
from screening.presenter import present_record
from screening.services import screening_create, screening_revise
from tests.conftest import client_for, healthy_intake

RENAMED = " (renamed)"


def renamed_knowledge(target):
    """A copy of the shipped knowledge files in which every name an assessment is shown with is changed."""
    shutil.copytree(KNOWLEDGE_DIR, target)
    header_path, intake_path, meds_path = target / "ruleset.yaml", target / "intake.yaml", target / "medications.yaml"
    header = yaml.safe_load(header_path.read_text(encoding="utf-8"))
    for kind in ("substances", "severities", "factors", "evidence_grades", "factor_groups"):
        for entry in header[kind]:
            entry["name"] += RENAMED
    header_path.write_text(yaml.safe_dump(header, allow_unicode=True, sort_keys=False), encoding="utf-8")
    intake = yaml.safe_load(intake_path.read_text(encoding="utf-8"))
    for section in intake["sections"]:
        for field in section["fields"]:
            field["label"] += RENAMED
    intake_path.write_text(yaml.safe_dump(intake, allow_unicode=True, sort_keys=False), encoding="utf-8")
    meds = yaml.safe_load(meds_path.read_text(encoding="utf-8"))
    for entry in meds["classes"]:
        entry["name"] += RENAMED
    meds_path.write_text(yaml.safe_dump(meds, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture
def swap_ruleset(tmp_path, monkeypatch):
    """Call it to make a rule set with renamed labels the default, as if it had been deployed."""
    def swap():
        renamed = load_ruleset(renamed_knowledge(tmp_path / "knowledge"))
        default_ruleset.cache_clear()
        monkeypatch.setattr(evaluate, "load_ruleset", lambda: renamed)
        assert default_ruleset() is renamed
    yield swap
    default_ruleset.cache_clear()


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"'):html.index("</main>")]


def pdf_text(response) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages)
    return re.sub(r"Printed\s.*", "", text)  # the print date line is the one part made at print time


def outputs(client, screening, number):
    args = {"pk": screening.pk, "number": number}
    return (main_of(client.get(reverse("revision_detail", kwargs=args))),
            pdf_text(client.get(reverse("revision_pdf", kwargs=args))),
            json.loads(client.get(reverse("revision_export", kwargs=args)).content),
            pdf_text(client.get(reverse("revision_handout", kwargs=args))))


INTAKE = healthy_intake(substances=["mdma", "ketamine"], bipolar="bipolar_i", systolic_bp=None,
                        medications=["sertraline", "not-a-known-medicine"])


def test_a_new_rule_set_with_other_names_leaves_an_old_revision_unchanged(client, clinician, lead, swap_ruleset):
    screening = screening_create(owner=clinician, client_code="OLD-NAMES", intake=INTAKE, answers={})
    client_for(client, lead)
    before = outputs(client, screening, 1)
    assert "MDMA" in before[0] and RENAMED not in before[0] + before[1] + before[3]

    swap_ruleset()
    after = outputs(client, screening, 1)

    assert after == before
    # The swap did take: a revision saved now is shown with the new names.
    screening_revise(screening=screening, user=clinician, client_code="OLD-NAMES", intake=INTAKE, answers={})
    page, pdf, export, handout = outputs(client, screening, 2)
    assert f"MDMA{RENAMED}" in handout
    assert f"MDMA{RENAMED}" in page and RENAMED in pdf and export["labels"]["substances"]["mdma"] == f"MDMA{RENAMED}"


def test_a_new_client_code_leaves_revision_one_as_it_was(client, clinician):
    screening = screening_create(owner=clinician, client_code="FIRST-CODE", intake=INTAKE, answers={})
    client_for(client, clinician)
    screening_revise(screening=screening, user=clinician, client_code="SECOND-CODE", intake=INTAKE, answers={})

    page, pdf, export, handout = outputs(client, screening, 1)
    assert "FIRST-CODE" in handout and "SECOND-CODE" not in handout
    assert "Screening FIRST-CODE" in page and "SECOND-CODE" not in page
    assert "FIRST-CODE" in pdf and "SECOND-CODE" not in pdf
    assert export["client_code"] == "FIRST-CODE"
    page, pdf, export, handout = outputs(client, screening, 2)
    assert "Screening SECOND-CODE" in page and "SECOND-CODE" in pdf and export["client_code"] == "SECOND-CODE"
    assert list(Revision.objects.filter(screening=screening).order_by("number").values_list(
        "client_code", flat=True)) == ["FIRST-CODE", "SECOND-CODE"]


@pytest.mark.django_db
def test_the_reason_for_referral_is_shown_on_the_page_and_the_record_and_never_assessed(client, clinician):
    screening = screening_create(owner=clinician, client_code="TH-7171", intake=healthy_intake(),
                                 answers={"referral_reason": "Treatment-resistant depression, from the GP"})
    revision = screening.revisions.get()
    assert "referral_reason" not in revision.intake and "referral_reason" not in json.dumps(revision.assessment)
    page = client_for(client, clinician).get(reverse("screening_detail", args=[screening.pk])).content.decode()
    assert "Treatment-resistant depression, from the GP" in page
    assert present_record(revision)["referral_reason"] == "Treatment-resistant depression, from the GP"
