"""Severity follows the screening contract: `critical` is a pivotal-trial exclusion, a label contraindication or a
dangerous interaction. A trial-exclusion rule graded lower says why; a label rule says what the label states, and only
a contraindication may be critical."""
import pytest

from screening.engine import default_ruleset
from screening.engine.loader import LABEL_STATEMENTS

RULES = default_ruleset().rules
NOTE_LIMIT = 140


@pytest.mark.parametrize("rule", [r for r in RULES if r.evidence_grade == "trial_exclusion"], ids=lambda r: r.id)
def test_a_trial_exclusion_below_critical_says_why(rule):
    if rule.severity == "critical":
        return
    assert rule.severity_note, f"{rule.id} ({rule.file}) is a trial exclusion graded {rule.severity}: add severity_note"
    assert len(rule.severity_note) <= NOTE_LIMIT and "\n" not in rule.severity_note


@pytest.mark.parametrize("rule", [r for r in RULES if r.evidence_grade == "label"], ids=lambda r: r.id)
def test_a_label_rule_says_what_the_label_states(rule):
    assert rule.label_statement in LABEL_STATEMENTS, f"{rule.id} ({rule.file}) needs label_statement"
    if rule.severity == "critical":
        assert rule.label_statement == "contraindication", f"{rule.id}: a label warning cannot make a rule critical"


def test_notes_and_statements_appear_only_where_they_mean_something():
    for rule in RULES:
        if rule.label_statement:
            assert rule.evidence_grade == "label", rule.id
        if rule.severity_note:
            assert rule.evidence_grade == "trial_exclusion" and rule.severity != "critical", rule.id


def test_the_json_rule_set_exports_notes_and_statements():
    exported = {r["id"]: r for r in default_ruleset().to_json()["rules"]}
    for rule in RULES:
        assert exported[rule.id].get("severity_note") == rule.severity_note
        assert exported[rule.id].get("label_statement") == rule.label_statement
