"""The case library: cases agree with the engine, cover the rule set, load, export, and teach in the browser."""
import json
import os
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from library.cases import (
    CASES_DIR,
    CaseError,
    engine_view,
    load_library,
    progress,
    read_answer,
    score_answer,
)
from library.models import Case, QuizAttempt
from screening.engine import default_ruleset
from tests.conftest import PASSWORD, client_for, healthy_answer, make_user

LIBRARY = load_library()
BY_SLUG = {c.slug: c for c in LIBRARY}
RULESET = default_ruleset()
FACTORS = [f["code"] for f in RULESET.factors]
SUBSTANCES = [s["code"] for s in RULESET.substances]


def differences(case) -> list[str]:
    """How the engine's view of a case differs from what the case expects; empty when they agree."""
    engine = engine_view(case.intake)
    out = []
    extra = set(engine["factors"]) - set(case.expected["factors"])
    missing = set(case.expected["factors"]) - set(engine["factors"])
    if extra:
        out.append(f"the engine also raises {sorted(extra)}")
    if missing:
        out.append(f"the engine does not raise {sorted(missing)}")
    for substance, severity in case.expected["severity"].items():
        if engine["severity"][substance] != severity:
            out.append(f"{substance}: the case expects {severity}, the engine gives {engine['severity'][substance]}")
    return out


def classes_of(case) -> set[str]:
    recognised, _ = RULESET.catalogue.match(case.intake.get("medications", []))
    return {c for m in recognised for c in m.medication.classes}


# --- drift: the library and the rule set never drift apart ------------------------------------------------------------

@pytest.mark.parametrize("case", LIBRARY, ids=[c.slug for c in LIBRARY])
def test_the_engine_raises_exactly_what_the_case_expects(case):
    assert differences(case) == [], f"{case.slug}.yaml has drifted from the rule set"


def test_the_drift_check_notices_a_changed_expectation():
    case = BY_SLUG["ssri-controlled-hypertension-mdma"]
    wrong = type(case)(**{**case.__dict__, "expected": {"factors": ["hypertension"], "severity": {"mdma": "info"}}})
    assert differences(wrong) == ["the engine also raises ['hyponatraemia', 'serotonergic_medication']",
                                  "mdma: the case expects info, the engine gives warning"]


# --- coverage ---------------------------------------------------------------------------------------------------------

class TestCoverage:
    def test_there_are_at_least_24_cases_one_file_each(self):
        assert len(LIBRARY) >= 24
        assert len(list(CASES_DIR.glob("*.yaml"))) == len(LIBRARY)

    def test_every_factor_of_the_rule_set_is_expected_somewhere(self):
        expected = {f for c in LIBRARY for f in c.expected["factors"]}
        assert set(FACTORS) - expected == set()
        assert "unrecognised_medication" in expected

    def test_every_substance_appears_in_at_least_four_cases(self):
        counts = {s: sum(s in c.substances for c in LIBRARY) for s in SUBSTANCES}
        assert min(counts.values()) >= 4, counts

    def test_every_difficulty_is_used(self):
        assert {c.difficulty for c in LIBRARY} == {"introductory", "intermediate", "advanced"}

    def test_at_least_three_cases_have_nothing_of_concern(self):
        # Every answer a clean case gives is the healthy one of intake.yaml; a question added to the intake after the
        # case was written is shown as not assessed, which is not a flag.
        def clean(case):
            fields = RULESET.intake.fields
            answers = {name: value for name, value in case.intake.items() if name in fields}
            healthy = all(value == healthy_answer(fields[name], case.substances) for name, value in answers.items()
                          if fields[name].type in ("bool", "choice", "medications"))
            vitals = (case.intake["systolic_bp"] < 140 and case.intake["diastolic_bp"] < 90
                      and case.intake["heart_rate"] < 100 and 21 <= case.intake["age"] <= 64)
            return healthy and vitals

        clean_cases = [c for c in LIBRARY if not c.expected["factors"]]
        assert len(clean_cases) >= 3
        for case in clean_cases:
            assert clean(case), case.slug
            assert set(case.expected["severity"].values()) == {"none"}
            assert engine_view(case.intake)["assessment"]["flags"] == []

    def test_several_cases_combine_factors(self):
        assert sum(len(c.expected["factors"]) >= 2 for c in LIBRARY) >= 10

    def test_an_ssri_with_controlled_hypertension_considering_mdma(self):
        assert any("mdma" in c.substances and c.intake.get("hypertension") == "controlled" and "ssri" in classes_of(c)
                   for c in LIBRARY)

    def test_lithium_with_psilocybin(self):
        assert any("psilocybin" in c.substances and "lithium" in classes_of(c)
                   and c.expected["severity"]["psilocybin"] == "critical" for c in LIBRARY)

    def test_a_family_history_of_psychosis_with_lsd(self):
        assert any("lsd" in c.substances
                   and c.intake.get("psychosis_family_history") in ("first_degree", "second_degree") for c in LIBRARY)

    def test_ketamine_with_a_past_aneurysm(self):
        assert any("ketamine" in c.substances and c.intake.get("aneurysm_or_avm") is True for c in LIBRARY)

    def test_some_intakes_use_brand_names(self):
        brands = [c.slug for c in LIBRARY
                  if any(m.input.lower() != m.medication.generic.lower() for m in RULESET.catalogue.match(
                      c.intake.get("medications", []))[0])]
        assert len(brands) >= 5

    def test_every_expected_factor_has_a_teaching_note(self):
        for case in LIBRARY:
            assert set(case.expected["factors"]) <= set(case.teaching_notes), case.slug

    def test_the_wording_stays_a_discussion_aid(self):
        forbidden = re.compile(r"\b(in)?eligib|\bsafe\b|contraindicated for this|\d\s*(mg|µg|mcg|g)\b|microdos",
                               re.IGNORECASE)
        for path in CASES_DIR.glob("*.yaml"):
            text = path.read_text(encoding="utf-8")
            assert not forbidden.search(text), f"{path.name}: {forbidden.search(text).group(0)}"


# --- reading and validating the files --------------------------------------------------------------------------------

class TestCaseFiles:
    def _library_with(self, tmp_path, **changes) -> Path:
        """A folder holding one copy of clean-mdma-ptsd.yaml with keys changed (None removes a key)."""
        data = yaml.safe_load((CASES_DIR / "clean-mdma-ptsd.yaml").read_text(encoding="utf-8"))
        for key, value in changes.items():
            if value is None:
                data.pop(key)
            else:
                data[key] = value
        (tmp_path / "clean-mdma-ptsd.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return tmp_path

    @pytest.mark.parametrize("changes, key, words", [
        ({"difficulty": "expert"}, "difficulty", "must be one of introductory"),
        ({"title": None}, "title", "is missing"),
        ({"slug": "another-name"}, "slug", "must equal the file name"),
        ({"colour": "blue"}, "colour", "unknown key"),
        ({"substances": ["mdma", "cannabis"]}, "substances", "`cannabis` is not a substance code"),
        ({"intake": {"substances": ["mdma"], "age": "forty"}}, "intake", "age: expected a whole number"),
        ({"intake": {"substances": ["lsd"]}}, "intake.substances", "must equal the case's substances"),
        ({"objectives": ["Only one."]}, "objectives", "2 to 4 learning objectives"),
        ({"vignette": "One paragraph only."}, "vignette", "write 2 to 4"),
        ({"expected": {"factors": ["maoi"], "severity": {"mdma": "critical"}}}, "teaching_notes.maoi",
         "every expected factor needs a teaching note"),
        ({"expected": {"factors": [], "severity": {}}}, "expected.severity", "one severity for each substance"),
        ({"expected": {"factors": ["nope"], "severity": {"mdma": "none"}}}, "expected.factors", "not a factor code"),
        ({"expected": {"factors": [], "severity": {"mdma": "severe"}}}, "expected.severity.mdma", "must be one of"),
    ])
    def test_a_malformed_case_names_the_file_and_the_key(self, tmp_path, changes, key, words):
        with pytest.raises(CaseError) as caught:
            load_library(self._library_with(tmp_path, **changes))
        message = str(caught.value)
        assert message.startswith(f"clean-mdma-ptsd.yaml: {key}: "), message
        assert words in message

    def test_broken_yaml_is_named(self, tmp_path):
        (tmp_path / "broken.yaml").write_text("slug: [unclosed\n", encoding="utf-8")
        with pytest.raises(CaseError, match=r"^broken\.yaml: is not valid YAML"):
            load_library(tmp_path)

    def test_an_unquoted_colon_gets_a_hint(self, tmp_path):
        with pytest.raises(CaseError, match=r"objectives\[0\]: must be text, but reads as a mapping"):
            load_library(self._library_with(tmp_path, objectives=[{"Read this": "and that"}, "Two."]))


# --- scoring ----------------------------------------------------------------------------------------------------------

class TestScoring:
    expected = {"factors": ["hypertension", "serotonergic_medication"], "severity": {"mdma": "warning"}}

    def test_a_perfect_answer_scores_one(self):
        result = score_answer({"factors": ["serotonergic_medication", "hypertension"],
                               "severity": {"mdma": "warning"}}, self.expected)
        assert result["score"] == 1.0
        assert result["hits"] == ["hypertension", "serotonergic_medication"]
        assert result["misses"] == result["false_alarms"] == []

    def test_a_partial_answer_counts_hits_misses_and_false_alarms(self):
        result = score_answer({"factors": ["hypertension", "maoi"], "severity": {"mdma": "critical"}}, self.expected)
        assert (result["hits"], result["misses"], result["false_alarms"]) == (
            ["hypertension"], ["serotonergic_medication"], ["maoi"])
        assert result["factor_part"] == pytest.approx(1 / 3, abs=1e-4)
        assert result["severity_part"] == 0
        assert result["score"] == pytest.approx(1 / 6, abs=1e-4)
        assert result["severity"]["mdma"] == {"answer": "critical", "expected": "warning", "right": False}

    def test_an_empty_answer_scores_zero_on_a_case_with_factors(self):
        result = score_answer({"factors": [], "severity": {"mdma": "none"}}, self.expected)
        assert result["score"] == 0
        assert result["misses"] == ["hypertension", "serotonergic_medication"]

    def test_an_empty_answer_scores_one_on_a_case_with_nothing_of_concern(self):
        result = score_answer({"factors": [], "severity": {"mdma": "none"}},
                              {"factors": [], "severity": {"mdma": "none"}})
        assert result["score"] == 1.0

    def test_reading_a_post_keeps_valid_entries_and_names_the_problems(self):
        posted = {"factors": ["maoi", "x" * 5000, "lithium"], "severity-mdma": ["info", "critical"]}
        answer, errors = read_answer(posted, ["mdma", "lsd"])
        assert answer == {"factors": ["maoi", "lithium"], "severity": {}}
        assert set(errors) == {"factors", "severity-mdma", "severity-lsd"}
        assert "1 caution factor sent is not in the rule set" in errors["factors"]
        assert "x" * 50 not in errors["factors"]
        assert "More than one severity was sent for MDMA" in errors["severity-mdma"]
        assert "Choose the highest severity you would give for LSD" in errors["severity-lsd"]

    def test_progress_counts_hits_when_expected_and_false_alarms_when_not(self):
        # two results: both expected and hit hypertension, both expected serotonergic medication and missed it,
        # one marked maoi though it was not expected
        tallies = {"expected_factors": {"hypertension": 2, "serotonergic_medication": 2},
                   "hits": {"hypertension": 2}, "false_alarms": {"maoi": 1}}
        rows = {r["factor"]: r for r in progress(tallies, 2)}
        assert (rows["hypertension"]["hits"], rows["hypertension"]["expected"]) == (2, 2)
        assert (rows["serotonergic_medication"]["hits"], rows["serotonergic_medication"]["hit_rate"]) == (0, 0)
        assert (rows["maoi"]["false_alarms"], rows["maoi"]["not_expected"], rows["maoi"]["false_alarm_rate"]) == (
            1, 2, 0.5)
        assert rows["lithium"]["hit_rate"] is None


# --- commands ---------------------------------------------------------------------------------------------------------

def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestCommands:
    def test_cases_prints_the_library_as_json(self):
        body = json.loads(run("cases", "--format", "json"))
        assert body["count"] == len(body["cases"]) == len(LIBRARY)
        assert body["ruleset_version"] == RULESET.version
        first = body["cases"][0]
        assert {"id", "title", "difficulty", "substances", "intake", "expected"} <= set(first)
        assert set(first["expected"]) == {"factors", "severity"}
        ids = [c["id"] for c in body["cases"]]
        assert len(set(ids)) == len(ids) and "lithium-augmentation-psilocybin" in ids
        for case in body["cases"]:
            assert case["intake"]["substances"] and set(case["expected"]["severity"]) == set(case["substances"])

    def test_cases_prints_text(self):
        text = run("cases", "--format", "text")
        assert text.startswith(f"Threshold case library: {len(LIBRARY)} cases")
        assert "coiled-aneurysm-esketamine: A treated brain aneurysm" in text
        assert "Expected factors: none (nothing of concern)" in text

    def test_cases_names_a_broken_file(self, tmp_path):
        (tmp_path / "broken.yaml").write_text("- a list\n", encoding="utf-8")
        with pytest.raises(CommandError, match="broken.yaml: expected a mapping of keys"):
            run("cases", "--dir", str(tmp_path))

    @pytest.mark.django_db
    def test_load_cases_is_idempotent(self):
        first = run("load_cases")
        n = len(LIBRARY)
        assert f"{n} cases in the library: {n} created, 0 updated, 0 unchanged, 0 removed." in first
        second = run("load_cases")
        assert f"0 created, 0 updated, {len(LIBRARY)} unchanged, 0 removed." in second
        assert Case.objects.count() == len(LIBRARY)
        case = Case.objects.get(slug="clean-mdma-ptsd")
        assert case.expected == {"factors": [], "severity": {"mdma": "none"}}
        assert case.vignette.startswith("Corvin is 41")

    @pytest.mark.django_db
    def test_load_cases_updates_and_removes_only_unattempted_cases(self, trainee):
        run("load_cases")
        Case.objects.filter(slug="clean-mdma-ptsd").update(title="Edited by hand")
        kept = Case.objects.create(slug="gone-but-attempted", title="Old", difficulty="advanced", substances=["mdma"],
                                   vignette="v", intake={}, objectives=[], teaching_notes={}, expected={})
        Case.objects.create(slug="gone-unattempted", title="Old", difficulty="advanced", substances=["mdma"],
                            vignette="v", intake={}, objectives=[], teaching_notes={}, expected={})
        QuizAttempt.objects.create(user=trainee, case=kept, answer={}, result={}, score=0)
        out = run("load_cases")
        assert "0 created, 1 updated" in out and "1 removed." in out
        assert "Kept gone-but-attempted" in out
        assert Case.objects.get(slug="clean-mdma-ptsd").title == BY_SLUG["clean-mdma-ptsd"].title
        assert not Case.objects.filter(slug="gone-unattempted").exists()
        assert Case.objects.filter(slug="gone-but-attempted").exists()

    @pytest.mark.django_db
    def test_load_cases_changes_nothing_when_a_file_is_broken(self, tmp_path):
        for path in list(CASES_DIR.glob("*.yaml"))[:3]:
            shutil.copy(path, tmp_path)
        (tmp_path / "zz-bad.yaml").write_text("slug: zz-bad\n", encoding="utf-8")
        with pytest.raises(CommandError, match="no case was loaded: zz-bad.yaml: title: is missing"):
            run("load_cases", "--dir", str(tmp_path))
        assert Case.objects.count() == 0


# --- pages ------------------------------------------------------------------------------------------------------------

@pytest.fixture
def library(db):
    run("load_cases")


def page_of(response) -> str:
    return response.content.decode()


def quiz(client, slug, factors=(), **severity):
    data = {"factors": list(factors)} | {f"severity-{s}": v for s, v in severity.items()}
    return client.post(reverse("case_quiz", args=[slug]), data)


@pytest.mark.django_db
class TestAccess:
    def test_a_user_with_no_role_is_refused(self, client, library):
        user = User.objects.create_user("norole", password=PASSWORD)
        assert client_for(client, user).get(reverse("case_list")).status_code == 403
        assert client.get(reverse("case_detail", args=["clean-mdma-ptsd"])).status_code == 403

    @pytest.mark.parametrize("persona", ["trainee", "clinician", "lead"])
    def test_every_role_may_study_and_take_a_quiz(self, client, library, persona, request):
        client = client_for(client, request.getfixturevalue(persona))
        assert client.get(reverse("case_list")).status_code == 200
        response = quiz(client, "clean-mdma-ptsd", mdma="none")
        assert response.status_code == 302
        assert QuizAttempt.objects.get().score == 1.0


@pytest.mark.django_db

def case_links(page: str) -> set[str]:
    """The distinct case pages a page links to (the nav's library and progress links are not cases)."""
    return set(re.findall(r'href="/cases/([a-z0-9-]+)/"', page)) - {"progress"}

class TestCaseList:
    def test_it_lists_twenty_cases_a_page(self, client, library, trainee):
        client = client_for(client, trainee)
        first = page_of(client.get(reverse("case_list")))
        assert len(case_links(first)) == 20
        assert f"{len(LIBRARY)} of {len(LIBRARY)} cases" in first and "Page 1 of 2" in first
        second = page_of(client.get(reverse("case_list"), {"page": 2}))
        assert len(case_links(second)) == len(LIBRARY) - 20

    @pytest.mark.parametrize("params, expected", [
        ({"substance": "ayahuasca"}, lambda c: "ayahuasca" in c.substances),
        ({"factor": "lithium"}, lambda c: "lithium" in c.expected["factors"]),
        ({"difficulty": "advanced"}, lambda c: c.difficulty == "advanced"),
        ({"substance": "ketamine", "difficulty": "introductory"},
         lambda c: "ketamine" in c.substances and c.difficulty == "introductory"),
    ])
    def test_it_filters(self, client, library, trainee, params, expected):
        page = page_of(client_for(client, trainee).get(reverse("case_list"), params))
        wanted = [c for c in LIBRARY if expected(c)]
        assert 0 < len(wanted) <= 20
        for case in LIBRARY:
            link = f'href="{reverse("case_detail", args=[case.slug])}"'
            assert (link in page) == (case in wanted), case.slug
        assert f"{len(wanted)} of {len(LIBRARY)} cases match the filter" in page

    def test_the_filter_form_has_labels(self, client, library, trainee):
        page = page_of(client_for(client, trainee).get(reverse("case_list")))
        for name in ("substance", "factor", "difficulty"):
            assert f'<label class="form-label" for="filter-{name}">' in page and f'id="filter-{name}"' in page

    def test_a_filter_that_matches_nothing_says_so(self, client, library, trainee):
        response = client_for(client, trainee).get(reverse("case_list"), {"substance": "lsd", "factor": "maoi"})
        assert response.status_code == 200
        assert "No case matches this filter." in page_of(response)

    def test_an_unknown_filter_value_is_ignored(self, client, library, trainee):
        params = {"substance": "<script>", "factor": "x" * 9000}
        response = client_for(client, trainee).get(reverse("case_list"), params)
        assert response.status_code == 200
        assert f"{len(LIBRARY)} of {len(LIBRARY)} cases" in page_of(response)

    def test_the_empty_library_has_an_empty_state(self, client, trainee):
        assert "The case library is empty." in page_of(client_for(client, trainee).get(reverse("case_list")))


@pytest.mark.django_db
class TestCasePage:
    def test_it_shows_the_vignette_and_the_intake_readably(self, client, library, trainee):
        url = reverse("case_detail", args=["ssri-controlled-hypertension-mdma"])
        page = page_of(client_for(client, trainee).get(url))
        assert "Marlo is 52" in page
        assert "High blood pressure</th><td>Yes, controlled</td>" in page
        assert "Resting systolic blood pressure</th><td>134 mmHg</td>" in page
        assert "<li>Zoloft</li>" in page
        assert "Recognise an SSRI as a serotonergic medication" in page
        assert "Take the quiz" in page
        assert "Claims that a recent taper" not in page  # teaching notes wait for the first attempt

    def test_questions_left_out_are_shown_as_not_assessed(self, client, library, trainee):
        page = page_of(client_for(client, trainee).get(
            reverse("case_detail", args=["coronary-disease-tia-medications-pending"])))
        assert "Known QT or QTc prolongation</th><td><em>Not assessed</em></td>" in page
        assert "Medications, herbal products and supplements</h3>\n  <p><em>Not assessed</em></p>" in page

    def test_an_unknown_case_is_404(self, client, library, trainee):
        assert client_for(client, trainee).get(reverse("case_detail", args=["no-such-case"])).status_code == 404


@pytest.mark.django_db
class TestQuiz:
    slug = "ssri-controlled-hypertension-mdma"

    def test_the_quiz_offers_every_factor_in_labelled_groups_and_a_severity_per_substance(self, client, library,
                                                                                          trainee):
        url = reverse("case_quiz", args=["bipolar-ii-lithium-psilocybin-or-esketamine"])
        page = page_of(client_for(client, trainee).get(url))
        for code in FACTORS:
            assert f'id="factor-{code}"' in page and f'<label class="form-check-label" for="factor-{code}">' in page
        assert page.count("<fieldset") == 1 + 3 + 2 and page.count("<legend") == 6
        assert "Psilocybin: the highest severity you would give</legend>" in page
        for substance in ("psilocybin", "ketamine"):
            for severity in ("none", "info", "warning", "critical"):
                assert f'id="severity-{substance}-{severity}"' in page
        assert "▲ Critical" in page and "○ No flag" in page

    def test_a_perfect_answer_scores_one_and_shows_only_hits(self, client, library, trainee):
        client = client_for(client, trainee)
        response = quiz(client, self.slug, ["hypertension", "serotonergic_medication", "hyponatraemia"],
                        mdma="warning")
        attempt = QuizAttempt.objects.get()
        assert response["Location"] == reverse("case_attempt", args=[self.slug, attempt.pk])
        assert attempt.score == 1.0 and attempt.user == trainee
        assert attempt.answer == {"factors": ["hypertension", "hyponatraemia", "serotonergic_medication"],
                                  "severity": {"mdma": "warning"}}
        page = page_of(client.get(response["Location"]))
        assert '<span id="score-value">100%</span>' in page
        assert '<span class="h3 mb-0 d-block" id="count-hits">3</span>' in page
        assert '<span class="h3 mb-0 d-block" id="count-misses">0</span>' in page
        assert '<span class="h3 mb-0 d-block" id="count-false-alarms">0</span>' in page
        assert "✓ Right" in page and "✗ Wrong" not in page
        # The engine's flags beside the answer, and the teaching notes.
        assert "Treated high blood pressure" in page
        assert "Claims that a recent taper lowers MDMA&#x27;s benefit" in page

    def test_a_partial_answer_shows_hits_misses_and_false_alarms(self, client, library, trainee):
        client = client_for(client, trainee)
        response = quiz(client, self.slug, ["hypertension", "maoi"], mdma="critical")
        attempt = QuizAttempt.objects.get()
        assert attempt.score == pytest.approx(1 / 8, abs=1e-4)
        assert attempt.result["hits"] == ["hypertension"]
        assert attempt.result["misses"] == ["hyponatraemia", "serotonergic_medication"]
        assert attempt.result["false_alarms"] == ["maoi"]
        page = page_of(client.get(response["Location"]))
        assert '<span id="score-value">12%</span>' in page
        for row, outcome in (("hypertension", "✓ Hit"), ("serotonergic_medication", "✗ Miss"),
                             ("maoi", "! False alarm")):
            start = page.index(f'<tr id="row-{row}">')
            assert outcome in page[start:page.index("</tr>", start)]
        assert "1 hit ÷ (1 hit + 2 misses + 1 false alarm) = <strong>25%</strong>" in page
        assert "0 of 1 substance right = <strong>0%</strong>" in page
        assert "✗ Wrong" in page

    def test_an_empty_answer_scores_zero(self, client, library, trainee):
        client = client_for(client, trainee)
        response = quiz(client, self.slug, mdma="none")
        attempt = QuizAttempt.objects.get()
        assert attempt.score == 0 and attempt.result["misses"] == ["hypertension", "hyponatraemia",
                                                                   "serotonergic_medication"]
        page = page_of(client.get(response["Location"]))
        assert '<span class="h3 mb-0 d-block" id="count-misses">3</span>' in page
        assert '<span id="score-value">0%</span>' in page

    def test_an_empty_answer_on_a_clean_case_is_right(self, client, library, trainee):
        client = client_for(client, trainee)
        page = page_of(client.get(quiz(client, "clean-lsd-or-ayahuasca", lsd="none", ayahuasca="none")["Location"]))
        assert QuizAttempt.objects.get().score == 1.0
        assert "a correct “no flag”" in page

    @pytest.mark.parametrize("data, words", [
        ({"factors": ["hypertension", "not-a-factor"], "severity-mdma": "warning"},
         "1 caution factor sent is not in the rule set"),
        ({"factors": ["hypertension"]}, "Choose the highest severity you would give for MDMA"),
        ({"factors": ["hypertension"], "severity-mdma": ["info", "warning"]}, "More than one severity was sent"),
        ({"factors": ["hypertension", "hypertension"], "severity-mdma": "info"}, "sent more than once"),
        ({"factors": ["hypertension"], "severity-mdma": "x" * 100_000}, "not one of the choices"),
        ({"factors": ["hypertension", "x" * 500_000], "severity-mdma": "info"}, "not in the rule set"),
    ])
    def test_a_bad_post_is_refused_with_a_message_and_entries_kept(self, client, library, trainee, data, words):
        response = client_for(client, trainee).post(reverse("case_quiz", args=[self.slug]), data)
        assert response.status_code == 400
        page = page_of(response)
        assert words in page
        assert 'role="alert"' in page and 'aria-describedby="error-' in page
        assert re.search(r'value="hypertension" id="factor-hypertension"\s+aria-describedby="[^"]+" checked', page)
        assert "x" * 100 not in page
        assert QuizAttempt.objects.count() == 0

    @pytest.mark.parametrize("data", [
        {"factors": "x" * 3_000_000, "severity-mdma": "info"},  # beyond Django's upload limit
        {f"field{i}": "1" for i in range(1200)},  # beyond Django's field-count limit
    ])
    def test_an_oversized_post_is_a_400_not_a_500(self, client, library, trainee, data):
        response = client_for(client, trainee).post(reverse("case_quiz", args=[self.slug]), data)
        assert response.status_code == 400
        assert QuizAttempt.objects.count() == 0

    def test_a_kept_severity_stays_chosen(self, client, library, trainee):
        response = client_for(client, trainee).post(reverse("case_quiz", args=["clean-lsd-or-ayahuasca"]),
                                                    {"severity-lsd": "info"})
        page = page_of(response)
        assert re.search(r'id="severity-lsd-info"\s+aria-describedby="[^"]+" checked', page)
        assert 'aria-describedby="error-severity-ayahuasca"' in page


@pytest.mark.django_db
class TestProgress:
    def test_no_attempts_yet(self, client, library, trainee):
        assert "No attempts yet." in page_of(client_for(client, trainee).get(reverse("case_progress")))

    def test_it_shows_accuracy_per_factor_and_recent_attempts(self, client, library, trainee, clinician):
        client_for(client, clinician)
        quiz(client, "clean-mdma-ptsd", ["maoi"], mdma="none")  # someone else's attempt is not counted
        client_for(client, trainee)
        quiz(client, "ssri-controlled-hypertension-mdma", ["hypertension"], mdma="warning")
        quiz(client, "ssri-controlled-hypertension-mdma", ["hypertension", "serotonergic_medication", "maoi"],
             mdma="warning")
        quiz(client, "clean-mdma-ptsd", ["lithium"], mdma="none")
        page = page_of(client.get(reverse("case_progress")))

        def row(code):
            start = page.index(f'<tr id="factor-{code}">')
            return page[start:page.index("</tr>", start)]

        assert '<span class="h3 mb-0 d-block" id="attempt-count">3</span>' in page
        assert '<span class="h3 mb-0 d-block" id="cases-tried">2</span>' in page
        assert "2 of 2 (100%)" in row("hypertension") and "0 of 1 (0%)" in row("hypertension")
        assert "1 of 2 (50%)" in row("serotonergic_medication")
        assert "Not met yet" in row("maoi") and "1 of 3 (33%)" in row("maoi")
        assert "1 of 3 (33%)" in row("lithium")
        assert "Not met yet" in row("bipolar") and "0 of 3 (0%)" in row("bipolar")
        assert '<tr id="substance-mdma"><th scope="row" class="fw-normal">MDMA</th><td>3 of 3</td></tr>' in page
        assert page.count("/attempts/") == 3
        mean = sum(QuizAttempt.objects.filter(user=trainee).values_list("score", flat=True)) / 3
        assert f'id="mean-score">{round(mean * 100)}%</span>' in page


# --- the quiz in a real browser ---------------------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_trainee_takes_a_quiz_in_the_browser(live_server):
    from tests.test_browser import CHROMIUM, serious_violations, shot, sign_in

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    run("load_cases")
    make_user("trainee", "Trainee")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        sign_in(page, live_server, "trainee")
        page.goto(f"{live_server.url}/cases/")
        page.get_by_label("Substance", exact=True).select_option("mdma")
        page.get_by_label("Difficulty", exact=True).select_option("intermediate")
        page.get_by_role("button", name="Filter").click()
        # The list names the case by number and difficulty only; its teaching title comes with the result.
        case = Case.objects.get(slug="ssri-controlled-hypertension-mdma")
        assert "On sertraline" not in page.inner_text("main")
        page.get_by_role("link", name=case.display_title).click()
        assert serious_violations(page) == []
        page.get_by_role("link", name="Take the quiz").first.click()

        # Submitting without a severity keeps the ticks and names the missing answer.
        page.get_by_label("Blood pressure", exact=True).check()
        page.get_by_role("button", name="Submit and compare").click()
        page.wait_for_selector("#quiz-errors")
        assert "Choose the highest severity you would give for MDMA" in page.inner_text("#quiz-errors")
        assert page.get_by_label("Blood pressure", exact=True).is_checked()
        assert serious_violations(page) == []

        page.get_by_label("Serotonergic medication", exact=True).check()
        page.get_by_label("Low blood sodium", exact=True).check()
        page.locator("#severity-mdma-warning").press("Space")  # keyboard use
        shot(page, "case-quiz")
        page.get_by_role("button", name="Submit and compare").click()
        page.wait_for_selector("#score-value")
        assert page.inner_text("#score-value") == "100%"
        assert page.inner_text("#count-hits") == "3"
        assert "Teaching notes" in page.inner_text("main")
        assert "On sertraline with treated blood pressure" in page.inner_text("main")
        assert serious_violations(page) == []
        shot(page, "case-result")

        page.get_by_role("link", name="My progress").first.click()
        assert "1 of 1 (100%)" in page.inner_text("#factor-hypertension")
        assert serious_violations(page) == []
        browser.close()
