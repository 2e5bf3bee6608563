"""The engine: pure, deterministic, contract-shaped, and strict about bad input."""
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from screening.engine import IntakeError, assess, default_ruleset, text_report
from screening.engine.present import present
from tests.conftest import healthy_intake

ROOT = Path(__file__).resolve().parent.parent


def test_it_never_imports_django():
    code = ("import sys; import screening.engine as e; "
            "e.assess({'substances': ['mdma'], 'medications': ['Nardil']}); "
            "print('django' in sys.modules or any(m.startswith('django.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}, check=True)
    assert out.stdout.strip() == "False"


def test_it_raises_no_flag_for_a_healthy_intake():
    assessment = assess(healthy_intake())
    assert assessment["flags"] == []
    assert set(assessment["summary"].values()) == {"none"}
    assert assessment["not_assessed"] == []


@pytest.mark.parametrize("lines", [[""], ["   ", "\t"], ["\n"]])
def test_blank_medication_lines_are_not_an_answer(lines):
    assessment = assess({"substances": ["mdma"], "medications": lines})
    assert "medications" in assessment["not_assessed"]
    assert assessment["flags"] == []


def test_an_empty_medication_list_is_an_answer_and_blank_lines_beside_a_name_are_dropped():
    assert "medications" not in assess({"substances": ["mdma"], "medications": []})["not_assessed"]
    assessment = assess({"substances": ["mdma"], "medications": ["  ", "Nardil"]})
    assert [m["input"] for m in assessment["medications"]["recognised"]] == ["Nardil"]
    assert "medications" not in assessment["not_assessed"]


def test_it_lists_every_unanswered_field_as_not_assessed():
    assessment = assess({"substances": ["lsd"]})
    assert "long_qt" in assessment["not_assessed"]
    assert "medications" in assessment["not_assessed"]
    assert "notes" not in assessment["not_assessed"]
    assert "substances" not in assessment["not_assessed"]
    assert assessment["flags"] == []


def test_not_assessed_is_not_no():
    # An unanswered question raises nothing by itself, and an answered "no" is not listed as a gap.
    assessment = assess({"substances": ["mdma"], "long_qt": False})
    assert "long_qt" not in assessment["not_assessed"]
    assert "arrhythmia" in assessment["not_assessed"]


def test_it_is_deterministic_and_does_not_change_its_input():
    intake = healthy_intake(medications=["Nardil", "Prozac", "mystery pill"], psychosis_history=True)
    before = copy.deepcopy(intake)
    first = assess(intake)
    assert assess(intake) == first
    assert intake == before
    assert json.loads(json.dumps(first)) == first


def test_flags_are_ordered_by_severity_then_factor():
    assessment = assess(healthy_intake(medications=["Nardil", "lithium", "unknownium"], psychosis_history=True,
                                       suicidality="wish_dead"))
    ranks = {"critical": 3, "warning": 2, "info": 1}
    keys = [(-ranks[f["severity"]], f["factor"], f["rule"]) for f in assessment["flags"]]
    assert keys == sorted(keys)
    for substance, severity in assessment["summary"].items():
        highest = max((ranks[f["severity"]] for f in assessment["flags"] if substance in f["substances"]),
                      default=0)
        assert ranks.get(severity, 0) == highest


def test_flags_only_name_substances_considered():
    assessment = assess(healthy_intake(substances=["ketamine"], psychosis_history=True, medications=["lithium"]))
    assert assessment["flags"]
    assert all(f["substances"] == ["ketamine"] for f in assessment["flags"])


def test_an_unrecognised_medication_is_listed_and_flagged_for_every_substance():
    assessment = assess(healthy_intake(substances=["mdma", "lsd"], medications=["Zzyzxol"]))
    assert assessment["medications"]["unrecognised"] == ["Zzyzxol"]
    flag = next(f for f in assessment["flags"] if f["factor"] == "unrecognised_medication")
    assert flag["severity"] == "info"
    assert flag["substances"] == ["mdma", "lsd"]
    assert flag["evidence"] == ["Zzyzxol"]


def test_flags_carry_the_contract_keys():
    assessment = assess(healthy_intake(medications=["Nardil"]))
    keys = {"rule", "factor", "severity", "substances", "title", "rationale", "discuss", "evidence",
            "evidence_grade", "sources"}
    for flag in assessment["flags"]:
        assert set(flag) == keys
        assert flag["sources"] and all({"key", "citation", "url"} <= set(s) for s in flag["sources"])
    assert set(assessment) == {"ruleset_version", "substances", "summary", "flags", "medications",
                               "not_assessed"}
    assert assessment["ruleset_version"] == default_ruleset().version


@pytest.mark.parametrize("intake, field", [
    ([], "intake"),
    ("text", "intake"),
    ({}, "substances"),
    ({"substances": []}, "substances"),
    ({"substances": "mdma"}, "substances"),
    ({"substances": ["mescaline"]}, "substances"),
    ({"substances": ["mdma"], "favourite_colour": "blue"}, "favourite_colour"),
    ({"substances": ["mdma"], "age": "35"}, "age"),
    ({"substances": ["mdma"], "age": 121}, "age"),
    ({"substances": ["mdma"], "age": -1}, "age"),
    ({"substances": ["mdma"], "age": 35.5}, "age"),
    ({"substances": ["mdma"], "age": True}, "age"),
    ({"substances": ["mdma"], "pregnant": "yes"}, "pregnant"),
    ({"substances": ["mdma"], "pregnant": 1}, "pregnant"),
    ({"substances": ["mdma"], "bipolar": "bipolar_iii"}, "bipolar"),
    ({"substances": ["mdma"], "suicidality": True}, "suicidality"),
    ({"substances": ["mdma"], "systolic_bp": 400}, "systolic_bp"),
    ({"substances": ["mdma"], "medications": "Nardil"}, "medications"),
    ({"substances": ["mdma"], "medications": [42]}, "medications"),
    ({"substances": ["mdma"], "notes": "x" * 2001}, "notes"),
    ({"substances": ["mdma"], "notes": ["a"]}, "notes"),
])
def test_it_rejects_bad_input_naming_the_field(intake, field):
    with pytest.raises(IntakeError) as caught:
        assess(intake)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_null_means_not_assessed():
    assessment = assess({"substances": ["mdma"], "pregnant": None, "medications": None})
    assert {"pregnant", "medications"} <= set(assessment["not_assessed"])


def test_duplicate_substances_are_merged_in_contract_order():
    assert assess({"substances": ["lsd", "mdma", "lsd"]})["substances"] == ["mdma", "lsd"]


def test_the_presentation_numbers_each_source_once_in_order_of_first_use_and_fills_the_matrix():


    ruleset = default_ruleset()
    assessment = assess({"substances": ["mdma", "ketamine"], "bipolar": "bipolar_i", "systolic_bp": 170,
                         "medications": ["sertraline", "no such medicine"]})
    shown = present(assessment, ruleset.labels())
    cited = [s for f in assessment["flags"] for s in f["sources"]]
    keys = list(dict.fromkeys(s["key"] for s in cited))
    assert [r["key"] for r in shown["references"]] == keys
    assert [r["number"] for r in shown["references"]] == list(range(1, len(keys) + 1))
    for flag in shown["flags"]:
        assert flag["refs"] == sorted({keys.index(s["key"]) + 1 for s in flag["sources"]})
        assert flag["substance_names"] == [ruleset.substance_name(s) for s in flag["substances"]]
    assert [s["name"] for s in shown["substances"]] == [ruleset.substance_name("mdma"),
                                                       ruleset.substance_name("ketamine")]
    for row in shown["matrix"]:
        for substance, cell in zip(assessment["substances"], row["cells"], strict=True):
            raised = [f for f in assessment["flags"] if f["factor"] == row["factor"] and substance in f["substances"]]
            assert (cell["code"] if cell else None) == (raised[0]["severity"] if raised else None)
    assert [g["severity"]["code"] for g in shown["by_severity"]] == sorted(
        {f["severity"] for f in assessment["flags"]}, key=["critical", "warning", "info"].index)
    assert shown["medications"]["unrecognised"] == [{"input": "no such medicine", "suggestion": None}]
    assert shown["medications"]["recognised"][0]["classes"].startswith("SSRI")
    assert {g["field"] for g in shown["gaps"]} == set(assessment["not_assessed"])


def test_the_presentation_falls_back_to_codes_for_names_it_was_not_given():


    shown = present(assess({"substances": ["mdma"], "bipolar": "bipolar_i"}), {})
    assert shown["substances"][0]["name"] == "mdma" and shown["flags"][0]["sev"]["name"] == "critical"


def test_the_presentation_shows_stopped_medicines_and_suggestions_from_the_stored_assessment():
    ruleset = default_ruleset()
    assessment = assess({"substances": ["mdma"], "medications": ["sertralin"],
                         "stopped_medications": [{"name": "fluoxetine", "weeks_ago": 3},
                                                 {"name": "Parnate", "weeks_ago": 20}]}, ruleset)
    shown = present(assessment, ruleset.labels())
    assert shown["medications"]["unrecognised"] == [{"input": "sertralin", "suggestion": "sertraline"}]
    stopped = {m["generic"]: m for m in shown["medications"]["stopped"]}
    assert stopped["fluoxetine"]["when"] == "stopped 3 weeks ago"
    assert stopped["fluoxetine"]["window"].startswith("still inside the window for SSRI")
    assert stopped["tranylcypromine"]["window"] == "outside every class window, so it raises no flag"
    report = text_report(assessment, ruleset.labels())
    assert "sertralin (did you mean sertraline?)" in report and "fluoxetine (fluoxetine" not in report
    assert "Parnate (tranylcypromine, stopped 20 weeks ago: outside every class window" in report
