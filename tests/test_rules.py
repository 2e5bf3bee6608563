"""Every rule fires on its example and stays quiet on a near case (tests/rule_examples.yaml)."""
from pathlib import Path

import pytest
import yaml

from screening.engine import assess, default_ruleset
from tests.conftest import healthy_intake

EXAMPLES = yaml.safe_load((Path(__file__).parent / "rule_examples.yaml").read_text())
RULE_IDS = [rule.id for rule in default_ruleset().rules]


def _rules_fired(intake) -> set[str]:
    return {flag["rule"] for flag in assess(intake)["flags"]}


def test_every_rule_has_examples_and_every_example_a_rule():
    assert sorted(EXAMPLES) == sorted(RULE_IDS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_it_fires(rule_id):
    assert rule_id in _rules_fired(EXAMPLES[rule_id]["fires"])


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_it_stays_quiet_on_a_near_case(rule_id):
    # `quiet` is one near intake, or a list of them (a banded rule also stays quiet beside its stronger band)
    near = EXAMPLES[rule_id]["quiet"]
    for intake in near if isinstance(near, list) else [near]:
        assert rule_id not in _rules_fired(intake), intake


def test_one_rule_per_factor_and_substance_fires_for_a_ladder_value():
    # A higher rung of a ladder must not also raise the lower rung's rule for the same substance.
    for intake in ({"substances": ["mdma", "psilocybin", "lsd", "ketamine", "ayahuasca"], "suicidality": level}
                   for level in ("wish_dead", "ideation", "ideation_with_method", "intent_or_plan",
                                 "recent_behaviour")):
        seen = set()
        for flag in assess(intake)["flags"]:
            for substance in flag["substances"]:
                assert (flag["factor"], substance) not in seen, (intake, flag["rule"])
                seen.add((flag["factor"], substance))


def test_the_healthy_intake_drawn_from_intake_yaml_raises_nothing_and_leaves_no_gap():
    assessment = assess(healthy_intake())
    assert assessment["flags"] == [] and assessment["not_assessed"] == []
