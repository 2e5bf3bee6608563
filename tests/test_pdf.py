"""The clinician record, the client handout and the blank form: content, faithful reprints, who may print, the
shared cache and the print slots, and sealed rendering."""
import io
import re
import sys
import threading
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import textstat
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from screening import pdf
from screening.engine import DISCLAIMER, default_ruleset
from screening.engine.present import SEVERITY_SYMBOLS as SYMBOLS
from screening.models import AuditEvent, PrintSlot, Revision, Screening
from screening.roles import CLINICIAN
from screening.services import flag_acknowledge, screening_create
from screening.views import blank_form_context
from tests.conftest import client_for, healthy_intake, make_user, stored_as_older_rules_showed

STATIC = Path(settings.STATICFILES_DIRS[0]).resolve()


def typical_intake(**overrides) -> dict:
    """MDMA or psilocybin for a client on an SSRI, an aunt with schizophrenia, and a supplement nobody recognises."""
    intake = {"substances": ["mdma", "psilocybin"], "psychosis_family_history": "second_degree",
              "medications": ["Zoloft", "herbal sleep tonic"], "notes": "Prefers morning sessions."}
    return healthy_intake(**intake | overrides)


def make_screening(owner, client_code="TH-3001", answers=None, **intake):
    return screening_create(owner=owner, client_code=client_code, intake=typical_intake(**intake),
                            answers=answers if answers is not None else {"container": {"preparation_sessions": True}})


def stored_revision(owner, revision, labels: dict):
    """A new screening whose one revision is `revision` stored with other labels, as an older rule set stored it
    (the record is append-only: a revision is written that way, never updated)."""
    screening = Screening.objects.create(owner=owner, client_code="TH-3009")
    Revision.objects.create(screening=screening, number=1, client_code="TH-3009", intake=revision.intake,
                            answers=revision.answers, assessment=revision.assessment, labels=labels,
                            ruleset_version=revision.ruleset_version, created_by=owner)
    return screening


def squash(text: str) -> str:
    """Text without whitespace: line and page wrapping in a PDF may break a phrase anywhere."""
    return re.sub(r"\s+", "", text)


def pages_text(body: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages]


def pdf_text(body: bytes) -> str:
    return "\n".join(pages_text(body))


def get_pdf(client, user, screening, number=1, kind="record"):
    name = "revision_pdf" if kind == "record" else "revision_handout"
    return client_for(client, user).get(reverse(name, args=[screening.pk, number]))


@pytest.fixture(scope="module")
def typical(django_db_setup, django_db_blocker):
    """The typical record and handout, rendered once for this module's read-only checks, and the assessment."""
    with django_db_blocker.unblock(), transaction.atomic():
        owner = make_user("clinician", CLINICIAN)
        revision = make_screening(owner, answers={"container": {"preparation_sessions": True,
                                                                "integration_plan": False},
                                                  "cssrs": {"cssrs_wish_dead": "no", "cssrs_thoughts": "no"}}
                                  ).revisions.first()
        flag_acknowledge(revision=revision, user=owner, rule_id=revision.assessment["flags"][0]["rule"],
                         reason="First look: asked the prescriber.")
        flag_acknowledge(revision=revision, user=owner, rule_id=revision.assessment["flags"][0]["rule"],
                         reason="Discussed with the prescriber; plan agreed.")
        body, handout = pdf.record_pdf(revision, printed_by=owner), pdf.handout_pdf(revision)
        assessment, intake = revision.assessment, revision.intake
        transaction.set_rollback(True)
    return body, assessment, handout, intake


@pytest.mark.django_db
class TestRecordContent:
    def test_it_holds_the_disclaimer_version_client_and_every_flag_with_its_evidence(self, typical):
        body, assessment, _, _ = typical
        text = squash(pdf_text(body))
        assert squash(DISCLAIMER) in text
        assert squash("not a diagnosis, an eligibility decision or dosing advice") in text
        assert squash(f"Rule set {assessment['ruleset_version']}") in text
        assert "TH-3001" in text and "clinician" in text
        assert assessment["flags"], "the typical intake should raise caution factors"
        for flag in assessment["flags"]:
            assert squash(flag["title"]) in text and squash(f"rule {flag['rule']}") in text
            for line in (*flag["evidence"], *flag["discuss"], flag["rationale"]):
                assert squash(line) in text

    def test_it_numbers_every_cited_source_once_at_the_end_and_cites_the_numbers_at_each_flag(self, typical):
        body, assessment = typical[:2]
        flags = assessment["flags"]
        text = squash(pdf_text(body))
        citations = list(dict.fromkeys(s["citation"] for f in flags for s in f["sources"]))
        assert citations
        references = text[text.rindex("References"):]
        for number, citation in enumerate(citations, start=1):
            assert squash(f"[{number}] {citation}") in references
            assert text.count(squash(citation)) == 1
        first = flags[0]
        numbers = sorted({citations.index(s["citation"]) + 1 for s in first["sources"]})
        assert squash(f"{first['title']} [{', '.join(map(str, numbers))}]") in text

    def test_every_question_is_listed_with_its_answer_the_no_answers_too(self, typical):
        body, _, _, intake = typical
        text = squash(pdf_text(body))
        ruleset = default_ruleset()
        for section in ruleset.sections:
            assert squash(section["title"]) in text
        for name, field in ruleset.intake.fields.items():
            if field.type == "text":
                continue
            value = intake.get(name)
            answer = ("Yes" if value else "No") if field.type == "bool" else (
                field.choices[value] if field.type == "choice" else None)
            assert squash(field.label) in text, name
            if answer:
                assert squash(f"{field.label}{answer}") in text, (name, answer)
        assert squash("Personal history of a psychotic disorder or psychotic episodeNo") in text
        assert squash("the client wished they were dead, or wished they could go to sleep and not wake up?No") in text
        assert squash("Preparation sessions are planned before any dosing sessionIn place") in text
        assert squash("Integration sessions are planned after the dosing sessionNot yet in place") in text
        assert squash("Consent about touch and boundaries has been discussed– Not assessed") in text

    def test_a_question_not_answered_reads_not_assessed_never_no(self, client, clinician):
        screening = make_screening(clinician, pregnant=None, heart_rate=None)
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("Pregnant or planning a pregnancy– Not assessed") in text
        assert squash("Resting heart rate– Not assessed") in text
        assert squash("Not assessed (2)") in text

    def test_it_shows_the_matrix_severity_in_words_and_the_medications_as_typed_and_recognised(self, typical):
        text = squash(pdf_text(typical[0]))
        assert squash("By substance") in text and squash("Highest severity") in text
        ruleset = default_ruleset()
        for flag in typical[1]["flags"]:  # the badge in words and shape, then the substances it concerns
            names = ", ".join(ruleset.substance_name(s) for s in flag["substances"])
            assert squash(f"{SYMBOLS[flag['severity']]} {flag['severity'].capitalize()} {names}") in text
        assert squash("ZoloftRecognised as sertraline") in text
        assert squash("herbal sleep tonicNot recognised by the catalogue: check by hand") in text
        assert squash("Stopped medicines") in text
        assert squash("Prefers morning sessions.") in text

    def test_the_whole_acknowledgement_history_is_listed(self, typical):
        text = squash(pdf_text(typical[0]))
        assert squash("Acknowledgement history (2)") in text
        assert squash("First look: asked the prescriber.") in text
        assert squash("Discussed with the prescriber; plan agreed.") in text
        assert text.index(squash("First look")) < text.rindex(squash("Discussed with the prescriber; plan"))

    def test_it_has_page_x_of_y_and_a_signature_and_date_line(self, typical):
        pages = pages_text(typical[0])
        assert 2 <= len(pages) <= 6
        for number, page in enumerate(pages, start=1):
            assert squash(f"Page {number} of {len(pages)}") in squash(page)
        text = squash(pdf_text(typical[0]))
        assert squash("Reviewed by") in text and "Signature" in text and squash("Name and role") in text

    def test_a_screening_without_flags_says_so(self, client, clinician):
        screening = screening_create(owner=clinician, client_code="TH-3002",
                                     intake=healthy_intake(substances=["ketamine"]), answers={})
        assert not screening.revisions.first().assessment["flags"]
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("No caution factor was raised") in text and squash(DISCLAIMER) in text

    def test_the_reprint_shows_the_stored_assessment_and_wording_not_todays(self, client, clinician):
        original = []

        def older(assessment):
            original.append(assessment["flags"][0]["title"])
            assessment["flags"][0]["title"] = "A title stored by an older rule set"
            assessment["ruleset_version"] = "2025.01.7"

        screening = stored_as_older_rules_showed(clinician, typical_intake(), older, client_code="TH-3001")
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("A title stored by an older rule set") in text
        assert squash(original[0]) not in text
        assert squash("Rule set 2025.01.7") in text

    def test_the_question_wording_is_the_one_the_revision_stored(self, client, clinician):
        revision = make_screening(clinician).revisions.first()
        labels = revision.labels
        labels["questions"]["heart_disease"] = "Heart disease, as an older rule set asked it"
        screening = stored_revision(clinician, revision, labels)
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("Heart disease, as an older rule set askeditNo") in text
        assert squash(default_ruleset().intake.fields["heart_disease"].label) not in text

    def test_each_revision_prints_its_own_assessment(self, client, clinician):
        from screening.services import screening_revise

        screening = make_screening(clinician)
        screening_revise(screening=screening, user=clinician, client_code="TH-3001",
                         intake=healthy_intake(substances=["ketamine"]), answers={})
        first = squash(pdf_text(get_pdf(client, clinician, screening, 1).content))
        second = squash(pdf_text(get_pdf(client, clinician, screening, 2).content))
        assert squash("herbal sleep tonic") in first and squash("herbal sleep tonic") not in second

    def test_metadata_holds_title_and_version_and_no_author(self, typical):
        version = typical[1]["ruleset_version"]
        reader = PdfReader(io.BytesIO(typical[0]))
        info = reader.metadata
        assert info.title == "Threshold clinician record – revision 1"
        assert version in (info.get("/Keywords") or "") and version in (info.subject or "")
        assert "/Author" not in info
        assert not any("clinician" in str(value).replace("clinician record", "") or "TH-3001" in str(value)
                       for value in info.values())
        handout = PdfReader(io.BytesIO(typical[2])).metadata
        assert "/Author" not in handout and not any("TH-3001" in str(value) for value in handout.values())

    def test_it_is_a_tagged_pdf_when_the_ua_variant_is_on(self, typical):
        for body in (typical[0], typical[2]):
            root = PdfReader(io.BytesIO(body)).trailer["/Root"]
            if pdf.PDF_VARIANT == "pdf/ua-1":
                assert bool(root["/MarkInfo"]["/Marked"])
                assert "/StructTreeRoot" in root and root["/Lang"]

    def test_it_embeds_the_shipped_font_and_no_system_font(self, typical):
        for body in (typical[0], typical[2]):
            reader = PdfReader(io.BytesIO(body))
            fonts = {str(f["/BaseFont"]).split("+")[-1]: f.get_object() for page in reader.pages
                     for f in (page["/Resources"].get("/Font") or {}).values()}
            assert {"Threshold-Sans", "Threshold-Sans-Bold"} <= set(fonts), fonts
            assert all(name.startswith("Threshold-") for name in fonts), fonts
            descriptor = fonts["Threshold-Sans"]["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
            assert embedded["name"].getDebugName(1) == "Noto Sans"

    def test_both_are_served_inline_with_a_filename_and_audited(self, client, clinician):
        screening = make_screening(clinician)
        for kind in ("record", "handout"):
            response = get_pdf(client, clinician, screening, kind=kind)
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF-")
            assert response["Content-Disposition"] == f'inline; filename="threshold-TH-3001-r1-{kind}.pdf"'
            assert response["Cache-Control"] == "private, no-store"
        assert AuditEvent.objects.filter(action="printed", screening=screening, revision_number=1,
                                         user=clinician).count() == 2
        download = client.get(reverse("revision_handout", args=[screening.pk, 1]), {"download": "1"})
        assert download["Content-Disposition"].startswith("attachment; ")


@pytest.mark.django_db
class TestHandoutContent:
    def test_each_factor_once_with_what_it_means_and_questions_to_ask(self, typical):
        _, assessment, body, _ = typical
        text = squash(pdf_text(body))
        ruleset = default_ruleset()
        rules = {r.id: r for r in ruleset.rules}
        factors = {f["factor"] for f in assessment["flags"]}
        assert len(factors) < len(assessment["flags"])  # serotonergic-mdma and -classic share one factor
        for flag in assessment["flags"]:
            client = rules[flag["rule"]].client
            assert squash(client["means"]) in text and text.count(squash(client["means"])) == 1
            for question in client["ask"]:
                assert squash(question) in text
        assert text.count(squash("What this means")) == len(factors)
        assert squash("Questions you may want to ask") in text
        assert squash("Not found on our list: herbal sleep tonic") in text

    def test_it_speaks_to_you_with_the_phases_the_client_code_date_and_disclaimer(self, typical):
        text = squash(pdf_text(typical[2]))
        assert "TH-3001" in text and squash(DISCLAIMER) in text
        for phase in ("preparation", "The session", "integration"):
            assert squash(phase) in text
        assert squash("This sheet is for you to keep") in text
        assert re.search(r"\d{1,2}(January|February|March|April|May|June|July|August|September|October|November|"
                         r"December)\d{4}", text)

    def test_it_holds_no_rule_id_grade_acknowledgement_note_or_clinician_name(self, typical):
        _, assessment, body, _ = typical
        text = pdf_text(body)
        flat = squash(text)
        for flag in assessment["flags"]:
            assert flag["rule"] not in text and squash(flag["rule"]) not in flat
            assert squash(flag["title"]) not in flat and squash(flag["rationale"]) not in flat
        for grade in default_ruleset().evidence_grades:
            assert squash(grade["name"]) not in flat
        assert squash("Discussed with the prescriber") not in flat and squash("First look") not in flat
        assert "cknowledg" not in flat and squash("Prefers morning sessions.") not in flat
        for jargon in ("Critical", "Warning", "▲", "■", "evidence", "Rule set", "rule set"):
            assert squash(jargon) not in flat, jargon

    def test_it_names_no_clinician(self, client, lead):
        owner = make_user("dr-whitfield", CLINICIAN)
        screening = make_screening(owner)
        revision = screening.revisions.first()
        flag_acknowledge(revision=revision, user=owner, rule_id=revision.assessment["flags"][0]["rule"], reason="Ok.")
        for user in (owner, lead):
            text = pdf_text(get_pdf(client, user, screening, kind="handout").content)
            assert "whitfield" not in text and "lead" not in text.replace("leaves", "")

    def test_it_reads_plainly_as_a_whole(self, typical):
        assert textstat.flesch_reading_ease(pdf_text(typical[2])) >= 60

    def test_a_typical_handout_is_one_or_two_pages_each_with_the_urgent_help_line(self, typical):
        pages = pages_text(typical[2])
        assert 1 <= len(pages) <= 2
        for number, page in enumerate(pages, start=1):
            assert squash(settings.CRISIS_LINE) in squash(page)
            assert squash(f"Page {number} of {len(pages)}") in squash(page)

    def test_the_urgent_help_line_is_configurable(self, client, clinician, settings):
        settings.CRISIS_LINE = "Crisis line: call 0800 000 111, day or night."
        pages = pages_text(get_pdf(client, clinician, make_screening(clinician), kind="handout").content)
        assert all(squash(settings.CRISIS_LINE) in squash(page) for page in pages)

    def test_a_revision_stored_before_client_texts_prints_a_neutral_line(self, client, clinician):
        revision = make_screening(clinician).revisions.first()
        labels = {k: v for k, v in revision.labels.items() if k != "client_texts"}
        text = squash(pdf_text(get_pdf(client, clinician, stored_revision(clinician, revision, labels),
                                       kind="handout").content))
        assert text.count(squash("Ask your clinician about this factor.")) == len(
            {f["factor"] for f in revision.assessment["flags"]})
        assert squash("Questions you may want to ask") not in text

    def test_the_reprint_prints_the_client_text_stored_with_the_revision(self, client, clinician):
        revision = make_screening(clinician).revisions.first()
        labels = revision.labels
        labels["client_texts"][revision.assessment["flags"][0]["rule"]] = {
            "heading": "A heading an older set stored", "means": "You were told this by an older set.",
            "ask": ["Ask this?"]}
        text = squash(pdf_text(get_pdf(client, clinician, stored_revision(clinician, revision, labels),
                                       kind="handout").content))
        assert squash("A heading an older set stored") in text and squash("You were told this by an older set.") in text


@pytest.mark.django_db
class TestCacheAndPrintSlots:
    def renders(self, monkeypatch) -> list[str]:
        calls = []
        real_record, real_handout = pdf.record_pdf, pdf.handout_pdf

        def record(revision, **kwargs):
            calls.append("record")
            return real_record(revision, **kwargs)

        def handout(revision):
            calls.append("handout")
            return real_handout(revision)

        monkeypatch.setattr(pdf, "record_pdf", record)
        monkeypatch.setattr(pdf, "handout_pdf", handout)
        return calls

    def test_a_reprint_comes_from_the_cache_until_an_acknowledgement_changes_it(self, client, clinician,
                                                                               monkeypatch):
        calls = self.renders(monkeypatch)
        screening = make_screening(clinician)
        first = get_pdf(client, clinician, screening).content
        assert get_pdf(client, clinician, screening).content == first and calls == ["record"]
        get_pdf(client, clinician, screening, kind="handout")
        get_pdf(client, clinician, screening, kind="handout")
        assert calls == ["record", "handout"]
        revision = screening.revisions.first()
        flag_acknowledge(revision=revision, user=clinician, rule_id=revision.assessment["flags"][0]["rule"],
                         reason="Seen.")
        assert squash("Seen.") in squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert calls == ["record", "handout", "record"]

    def test_the_record_printed_by_another_user_is_its_own_entry(self, client, clinician, lead, monkeypatch):
        calls = self.renders(monkeypatch)
        screening = make_screening(clinician)
        get_pdf(client, clinician, screening)
        assert "by lead" in pdf_text(get_pdf(client, lead, screening).content)
        assert calls == ["record", "record"]

    def test_a_third_print_at_once_gets_a_clear_429_and_the_slots_are_released(self, client, clinician):
        screening = make_screening(clinician)
        PrintSlot.objects.bulk_create([PrintSlot(user=clinician, slot=n) for n in range(settings.PRINT_SLOTS)])
        response = get_pdf(client, clinician, screening)
        assert response.status_code == 429 and response["Retry-After"]
        page = response.content.decode()
        assert "already printing 2 documents" in page and "try again" in page
        PrintSlot.objects.all().delete()
        assert get_pdf(client, clinician, screening).status_code == 200
        assert not PrintSlot.objects.exists()  # released after the render

    def test_a_stale_slot_is_taken_over_and_another_users_slots_do_not_count(self, client, clinician, lead):
        screening = make_screening(clinician)
        old = timezone.now() - timedelta(seconds=settings.PRINT_SLOT_STALE_SECONDS + 1)
        PrintSlot.objects.bulk_create([PrintSlot(user=clinician, slot=0, acquired_at=old),
                                       PrintSlot(user=clinician, slot=1),
                                       PrintSlot(user=lead, slot=0), PrintSlot(user=lead, slot=1)])
        assert get_pdf(client, clinician, screening).status_code == 200
        assert list(PrintSlot.objects.filter(user=clinician).values_list("slot", flat=True)) == [1]

    def test_a_slot_is_released_when_the_render_fails(self, clinician, monkeypatch):
        from screening.print_slots import print_slot

        with pytest.raises(RuntimeError), print_slot(clinician):
            assert PrintSlot.objects.count() == 1
            raise RuntimeError("render failed")
        assert not PrintSlot.objects.exists()

    def test_the_blank_form_is_cached_and_held_to_the_slots_too(self, client, trainee):
        PrintSlot.objects.bulk_create([PrintSlot(user=trainee, slot=n) for n in range(settings.PRINT_SLOTS)])
        busy = client_for(client, trainee).get(reverse("intake_blank_pdf"))
        assert busy.status_code == 429 and "Back to the blank form" in busy.content.decode()
        PrintSlot.objects.all().delete()
        first = client.get(reverse("intake_blank_pdf"))
        PrintSlot.objects.bulk_create([PrintSlot(user=trainee, slot=n) for n in range(settings.PRINT_SLOTS)])
        again = client.get(reverse("intake_blank_pdf"))  # from the cache: no slot needed
        assert first.status_code == again.status_code == 200 and first.content == again.content

    def test_a_cached_reprint_needs_no_slot(self, client, clinician):
        screening = make_screening(clinician)
        assert get_pdf(client, clinician, screening).status_code == 200
        PrintSlot.objects.bulk_create([PrintSlot(user=clinician, slot=n) for n in range(settings.PRINT_SLOTS)])
        assert get_pdf(client, clinician, screening).status_code == 200

    def test_a_cache_that_cannot_be_reached_is_a_miss_not_an_error(self, client, clinician, settings, monkeypatch):
        calls = self.renders(monkeypatch)
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                       "LOCATION": "no_such_cache_table"}}
        screening = make_screening(clinician)
        assert get_pdf(client, clinician, screening).status_code == 200
        assert get_pdf(client, clinician, screening, kind="handout").status_code == 200
        assert calls == ["record", "handout"] and AuditEvent.objects.filter(action="printed").count() == 2

    def test_erasure_forgets_every_printed_copy(self, client, clinician, lead):
        from screening.services import screening_erase

        screening = make_screening(clinician)
        keep = make_screening(clinician, client_code="TH-3010")
        for s in (screening, keep):
            get_pdf(client, clinician, s)
            get_pdf(client, clinician, s, kind="handout")
        rows = "SELECT cache_key FROM threshold_cache"
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(rows)
            assert len(cursor.fetchall()) == 4
        screening_erase(screening=screening, user=lead, reason="The client withdrew consent.")
        with connection.cursor() as cursor:
            cursor.execute(rows)
            left = [r[0] for r in cursor.fetchall()]
        assert len(left) == 2 and all(f":s{keep.pk}:" in key for key in left)


def long_intake_overrides() -> dict:
    """Every answer that can raise a caution factor, all five substances, many medications."""
    return {
        "substances": ["mdma", "psilocybin", "lsd", "ketamine", "ayahuasca"],
        "age": 17, "pregnant": True, "breastfeeding": True, "psychosis_history": True,
        "psychosis_family_history": "first_degree", "bipolar": "bipolar_i", "bipolar_family_history": "first_degree",
        "personality_disorder": "borderline", "dissociative_disorder": True, "eating_disorder_purging": True,
        "substance_use": "active", "suicidality": "recent_behaviour", "acute_crisis": True,
        "hypertension": "uncontrolled", "systolic_bp": 182, "diastolic_bp": 112, "heart_rate": 118,
        "heart_disease": True, "arrhythmia": True, "long_qt": True, "stroke_or_tia": True, "aneurysm_or_avm": True,
        "intracerebral_hemorrhage": True, "hepatic_impairment": "severe", "seizure_disorder": True,
        "hyperthyroidism_untreated": True, "raised_eye_or_brain_pressure": True,
        "medications": LONG_MEDICATIONS,
    }


LONG_MEDICATIONS = ["Nardil", "lithium carbonate", "sertraline", "venlafaxine", "amitriptyline", "tramadol",
                    "sumatriptan", "methylphenidate", "diazepam", "bupropion", "fluoxetine", "paroxetine",
                    "methadone", "citalopram", "quetiapine", "zolpidem", "St John's wort", "mystery tonic"]


@pytest.mark.django_db
class TestWhoGetsThePDF:
    """Who may print at all is in the access matrix (tests/test_access_matrix.py); here, what they get."""

    def test_a_lead_gets_both(self, client, clinician, lead):
        screening = make_screening(clinician)
        response = get_pdf(client, lead, screening)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert "Printed" in pdf_text(response.content) and "by lead" in pdf_text(response.content)
        assert get_pdf(client, lead, screening, kind="handout").status_code == 200

    def test_a_missing_revision_is_404(self, client, clinician):
        screening = make_screening(clinician)
        assert get_pdf(client, clinician, screening, number=9).status_code == 404
        assert get_pdf(client, clinician, screening, number=9, kind="handout").status_code == 404

    def test_only_get_is_allowed(self, client, clinician):
        screening = make_screening(clinician)
        for name in ("revision_pdf", "revision_handout"):
            assert client_for(client, clinician).post(reverse(name, args=[screening.pk, 1])).status_code == 405


@pytest.mark.django_db
class TestBlankForm:
    def test_it_has_every_question_of_the_web_form(self, client, trainee):
        response = client_for(client, trainee).get(reverse("intake_blank_pdf"))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'inline; filename="threshold-blank-intake-form.pdf"'
        text = squash(pdf_text(response.content))
        sections = blank_form_context()["sections"]
        assert sum(len(s["questions"]) for s in sections) > 30
        for section in sections:
            assert squash(section["title"]) in text
            for question in section["questions"]:
                assert squash(question["label"]) in text, question["label"]
                for choice in question["choices"]:
                    assert squash(choice) in text
        assert squash(DISCLAIMER) in text and "☐" in text
        for name, field in default_ruleset().intake.fields.items():  # the contract's questions, from intake.yaml
            if name not in ("suicidality", "substances"):  # asked as the C-SSRS items; as the substance ticks
                assert squash(field.label) in text, name



# Sealed rendering ---------------------------------------------------------------------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: red; }")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """A local HTTP server on a free port that records every request it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


_AUDIT = {"events": None}


def _audit_hook(event, args, state=_AUDIT):  # bound now: module globals are gone at interpreter exit
    if state["events"] is not None and event in ("open", "socket.connect", "urllib.Request"):
        state["events"].append((event, str(args[1] if event == "socket.connect" else args[0])))


sys.addaudithook(_audit_hook)  # audit hooks cannot be removed: this one records only inside `io_during()`


@contextmanager
def io_during():
    """Every file opened and every connection attempted by Python code in the block."""
    events = []
    _AUDIT["events"] = events
    try:
        yield events
    finally:
        _AUDIT["events"] = None


def hostile(port: int) -> str:
    return (f'<img src="file:///etc/passwd"> <div style="background:url(file:///etc/passwd)">x</div> '
            f'<img src="http://127.0.0.1:{port}/x"> <link rel=stylesheet href="http://127.0.0.1:{port}/s.css"> '
            f"<style>@import url(http://127.0.0.1:{port}/i.css);</style>")


@pytest.mark.django_db
class TestSealedRendering:
    def test_hostile_notes_print_as_text_and_read_nothing(self, client, clinician, http_server):
        port = http_server.server_address[1]
        notes = hostile(port)
        screening = make_screening(clinician, notes=notes,
                                   medications=[f'<img src="http://127.0.0.1:{port}/m.png">'])
        revision = screening.revisions.first()
        flag_acknowledge(revision=revision, user=clinician, rule_id=revision.assessment["flags"][0]["rule"],
                         reason=f'<link rel=stylesheet href="http://127.0.0.1:{port}/a.css"> done')
        with io_during() as events:
            response = get_pdf(client, clinician, screening)
            handout = get_pdf(client, clinician, screening, kind="handout")
        assert response.status_code == 200 and handout.status_code == 200
        assert b"root:" not in handout.content and squash(notes) not in squash(pdf_text(handout.content))
        assert http_server.requests == []
        assert not [e for e in events if e[0] == "socket.connect"], events
        assert not [e for e in events if "passwd" in e[1]], events
        text = pdf_text(response.content)
        assert "root:" not in text and b"root:" not in response.content
        squashed = squash(text)
        assert squash(notes) in squashed
        assert squash(f'<img src="http://127.0.0.1:{port}/m.png">') in squashed
        assert squash(f'<link rel=stylesheet href="http://127.0.0.1:{port}/a.css"> done') in squashed

    def test_even_unescaped_markup_reaches_nothing_outside_static(self, http_server):
        # If escaping ever failed, the fetcher is the second wall: raw markup straight into WeasyPrint.
        port = http_server.server_address[1]
        html = (f'<!doctype html><html lang="en"><head><title>t</title>'
                f'<link rel="stylesheet" href="print/print.css">'
                f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css">'
                f'<link rel="stylesheet" href="../../../../../../etc/passwd"></head><body>'
                f'<p>Still renders</p>{hostile(port)}<img src="data:image/png;base64,iVBORw0KGgo=">'
                f'<object data="file:///etc/passwd"></object><embed src="http://127.0.0.1:{port}/e">'
                f'<svg><image href="http://127.0.0.1:{port}/svg.png"/></svg></body></html>')
        with io_during() as events:
            body = pdf.html_to_pdf(html)
        assert http_server.requests == []
        assert not [e for e in events if e[0] == "socket.connect"], events
        assert not [e for e in events if "passwd" in e[1]], events
        opened = [Path(e[1]).resolve() for e in events if e[0] == "open" and "weasyprint-" not in e[1]]
        assert all(p.is_relative_to(STATIC) or p.suffix in (".py", ".pyc") for p in opened), opened
        assert "Still renders" in pdf_text(body) and b"root:" not in body
        assert STATIC / "print" / "print.css" in opened  # the recorder does see what the fetcher reads

    def test_the_harness_sees_a_request_from_an_unsealed_fetcher(self, http_server):
        # The control for the tests above: WeasyPrint's own fetcher does reach the local server.
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher

        port = http_server.server_address[1]
        html = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/s.css"><p>x</p>'
        with io_during() as events:
            HTML(string=html, url_fetcher=URLFetcher(timeout=5)).write_pdf(font_config=pdf.font_config())
        assert http_server.requests == ["/s.css"]
        assert any(e[0] == "socket.connect" for e in events)

    def test_the_fetcher_refuses_local_files_outside_static(self):
        fetch = pdf.StaticOnlyFetcher()
        for url in ("file:///etc/passwd", STATIC.as_uri() + "/../../../../etc/passwd",
                    STATIC.as_uri() + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "file://otherhost/etc/passwd",
                    (STATIC.parent / "manage.py").as_uri(), (STATIC.parent / "db.sqlite3").as_uri()):
            with pytest.raises(pdf.FetchRefused):
                fetch(url)

    def test_the_fetcher_refuses_the_network_and_other_schemes(self, http_server):
        fetch = pdf.StaticOnlyFetcher()
        port = http_server.server_address[1]
        for url in (f"http://127.0.0.1:{port}/x", f"https://127.0.0.1:{port}/x", f"ftp://127.0.0.1:{port}/x",
                    "data:text/css,body{}", "threshold:print/print.css", "//127.0.0.1/x"):
            with pytest.raises(pdf.FetchRefused):
                fetch(url)
        assert http_server.requests == []

    def test_the_fetcher_refuses_static_files_of_other_kinds(self):
        js = next(STATIC.rglob("*.js"), None)
        assert js is not None
        with pytest.raises(pdf.FetchRefused):
            pdf.StaticOnlyFetcher()(js.as_uri())
        with pytest.raises(pdf.FetchRefused):
            pdf.StaticOnlyFetcher()((STATIC / "fonts" / "OFL.txt").as_uri())

    def test_the_fetcher_serves_the_apps_own_stylesheet_and_font(self):
        fetch = pdf.StaticOnlyFetcher()
        css = fetch(pdf.base_url() + "print/print.css")
        assert css.read() == (STATIC / "print" / "print.css").read_bytes()
        assert css.content_type == "text/css"
        font = fetch(pdf.base_url() + "fonts/NotoSans-Regular.ttf")
        assert font.read() == (STATIC / "fonts" / "NotoSans-Regular.ttf").read_bytes()

    def test_a_symlink_out_of_static_is_refused(self, tmp_path, settings):
        secret = tmp_path / "secret.css"
        secret.write_text("body { color: red }")
        root = tmp_path / "static"
        root.mkdir()
        (root / "ok.css").write_text("p { color: blue }")
        (root / "link.css").symlink_to(secret)
        settings.STATICFILES_DIRS = [root]
        pdf.static_roots.cache_clear()
        try:
            fetch = pdf.StaticOnlyFetcher()
            assert fetch((root / "ok.css").as_uri()).read() == b"p { color: blue }"
            with pytest.raises(pdf.FetchRefused):
                fetch((root / "link.css").as_uri())
        finally:
            pdf.static_roots.cache_clear()
