"""The printable summary and blank form: content, faithful reprints, who may print, and sealed rendering."""
import io
import re
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from screening import pdf
from screening.engine import DISCLAIMER, default_ruleset
from screening.engine.present import SEVERITY_SYMBOLS as SYMBOLS
from screening.models import AuditEvent
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


def squash(text: str) -> str:
    """Text without whitespace: line and page wrapping in a PDF may break a phrase anywhere."""
    return re.sub(r"\s+", "", text)


def pages_text(body: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages]


def pdf_text(body: bytes) -> str:
    return "\n".join(pages_text(body))


def get_pdf(client, user, screening, number=1):
    return client_for(client, user).get(reverse("revision_pdf", args=[screening.pk, number]))


@pytest.fixture(scope="module")
def typical(django_db_setup, django_db_blocker):
    """The typical summary, rendered once for this module's read-only checks: its PDF and its stored assessment."""
    with django_db_blocker.unblock(), transaction.atomic():
        owner = make_user("clinician", CLINICIAN)
        revision = make_screening(owner).revisions.first()
        body, assessment = pdf.summary_pdf(revision, printed_by=owner), revision.assessment
        transaction.set_rollback(True)
    return body, assessment


@pytest.mark.django_db
class TestSummaryContent:
    def test_it_holds_the_disclaimer_version_client_and_every_flag_title(self, typical):
        body, assessment = typical
        text = squash(pdf_text(body))
        assert squash(DISCLAIMER) in text
        assert squash("not a diagnosis, an eligibility decision or dosing advice") in text
        assert squash(f"Rule set {assessment['ruleset_version']}") in text
        assert "TH-3001" in text and "clinician" in text
        assert assessment["flags"], "the typical intake should raise caution factors"
        for flag in assessment["flags"]:
            assert squash(flag["title"]) in text
            for line in (*flag["evidence"], *flag["discuss"], flag["rationale"]):
                assert squash(line) in text

    def test_it_numbers_every_cited_source_and_cites_the_numbers_at_each_flag(self, typical):
        body, assessment = typical
        flags = assessment["flags"]
        text = squash(pdf_text(body))
        citations = list(dict.fromkeys(s["citation"] for f in flags for s in f["sources"]))
        assert citations
        references = text[text.rindex("References"):]
        for number, citation in enumerate(citations, start=1):
            assert squash(f"[{number}] {citation}") in references
        first = flags[0]
        numbers = sorted({citations.index(s["citation"]) + 1 for s in first["sources"]})
        assert squash(f"{first['title']} [{', '.join(map(str, numbers))}]") in text

    def test_it_shows_severity_in_words_the_matrix_and_the_lists_to_discuss(self, client, clinician):
        screening = make_screening(clinician, pregnant=None, heart_rate=None)
        assessment = screening.revisions.first().assessment
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("By substance") in text and squash("Highest severity") in text
        ruleset = default_ruleset()
        for flag in assessment["flags"]:  # the badge in words and shape, then the substances it concerns
            names = ", ".join(ruleset.substance_name(s) for s in flag["substances"])
            assert squash(f"{SYMBOLS[flag['severity']]} {flag['severity'].capitalize()} {names}") in text
        assert squash("herbal sleep tonic") in text and squash("check these by hand") in text
        assert squash("Pregnant or planning a pregnancy") in text  # not assessed, by its label
        assert squash("Resting heart rate") in text
        assert squash("Integration sessions are planned after the dosing session") in text  # container: unticked
        assert squash("Preparation sessions are planned") not in text  # ticked, so not listed
        for phase in ("Preparation", "Session", "Integration"):
            assert phase in text
        assert squash("Prefers morning sessions.") in text

    def test_a_typical_summary_has_a_sane_page_count_with_page_x_of_y(self, typical):
        pages = pages_text(typical[0])
        assert 1 <= len(pages) <= 4
        for number, page in enumerate(pages, start=1):
            assert squash(f"Page {number} of {len(pages)}") in squash(page)

    def test_no_flag_is_split_across_pages(self, client, clinician):
        screening = make_screening(clinician, **long_intake_overrides())
        flags = screening.revisions.first().assessment["flags"]
        pages = [squash(p) for p in pages_text(get_pdf(client, clinician, screening).content)]
        assert len(pages) > 2
        for flag in flags:
            first, last = squash(flag["title"]), squash(flag["discuss"][-1])
            assert any(first in page and last in page for page in pages), flag["rule"]

    def test_the_acknowledgement_shows_who_when_and_why(self, client, clinician):
        screening = make_screening(clinician)
        revision = screening.revisions.first()
        flag_acknowledge(revision=revision, user=clinician, rule_id=revision.assessment["flags"][0]["rule"],
                         reason="Discussed with the prescriber; plan agreed.")
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("Acknowledged by clinician on") in text
        assert squash("Discussed with the prescriber; plan agreed.") in text

    def test_a_screening_without_flags_says_so(self, client, clinician):
        screening = screening_create(owner=clinician, client_code="TH-3002",
                                     intake=healthy_intake(substances=["ketamine"]), answers={})
        assert not screening.revisions.first().assessment["flags"]
        text = squash(pdf_text(get_pdf(client, clinician, screening).content))
        assert squash("No caution factor was raised") in text and squash(DISCLAIMER) in text

    def test_the_reprint_shows_the_stored_assessment_not_todays_rules(self, client, clinician):
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
        assert info.title == "Threshold screening summary – revision 1"
        assert version in (info.get("/Keywords") or "") and version in (info.subject or "")
        assert "/Author" not in info
        assert not any("clinician" in str(value) or "TH-3001" in str(value) for value in info.values())

    def test_it_is_a_tagged_pdf_when_the_ua_variant_is_on(self, typical):
        reader = PdfReader(io.BytesIO(typical[0]))
        root = reader.trailer["/Root"]
        if pdf.PDF_VARIANT == "pdf/ua-1":
            assert bool(root["/MarkInfo"]["/Marked"])
            assert "/StructTreeRoot" in root and root["/Lang"]

    def test_it_embeds_the_shipped_font_and_no_system_font(self, typical):
        reader = PdfReader(io.BytesIO(typical[0]))
        fonts = {str(f["/BaseFont"]).split("+")[-1]: f.get_object() for page in reader.pages
                 for f in (page["/Resources"].get("/Font") or {}).values()}
        assert {"Threshold-Sans", "Threshold-Sans-Bold"} <= set(fonts), fonts
        assert all(name.startswith("Threshold-") for name in fonts), fonts
        descriptor = fonts["Threshold-Sans"]["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        embedded = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        assert embedded["name"].getDebugName(1) == "Noto Sans"

    def test_it_is_served_inline_with_a_filename_and_audited(self, client, clinician):
        screening = make_screening(clinician)
        response = get_pdf(client, clinician, screening)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert response["Content-Disposition"] == 'inline; filename="threshold-TH-3001-r1.pdf"'
        assert response["Cache-Control"] == "private, no-store"
        assert AuditEvent.objects.filter(action="printed", screening=screening, revision_number=1,
                                         user=clinician).count() == 1
        download = client.get(reverse("revision_pdf", args=[screening.pk, 1]), {"download": "1"})
        assert download["Content-Disposition"].startswith("attachment; ")


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

    def test_a_lead_gets_the_pdf(self, client, clinician, lead):
        response = get_pdf(client, lead, make_screening(clinician))
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert "Printed" in pdf_text(response.content) and "by lead" in pdf_text(response.content)

    def test_a_missing_revision_is_404(self, client, clinician):
        assert get_pdf(client, clinician, make_screening(clinician), number=9).status_code == 404

    def test_only_get_is_allowed(self, client, clinician):
        screening = make_screening(clinician)
        assert client_for(client, clinician).post(reverse("revision_pdf", args=[screening.pk, 1])).status_code == 405


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
        assert response.status_code == 200
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
