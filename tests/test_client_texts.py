"""The client-facing text of every rule (knowledge/client_texts.yaml): present, plain, worded as the product allows."""
import re
import shutil

import pytest
import textstat

from screening.engine import default_ruleset
from screening.engine.errors import RulesetError
from screening.engine.loader import KNOWLEDGE_DIR, load_ruleset

READING_EASE = 60  # Flesch reading ease: 60 and above reads as plain English
FORBIDDEN = re.compile(r"\b(safe|safely|safety|eligible|eligibility|contraindicated|mg|microgram\w*|dose\w*)\b", re.I)


def client_texts() -> list[tuple[str, str]]:
    """Every distinct client text, with the first rule it belongs to: heading, meaning, and each question."""
    seen, out = set(), []
    for rule in default_ruleset().rules:
        if rule.client and id(rule.client) not in seen:
            seen.add(id(rule.client))
            out.append((rule.id, f"{rule.client['means']} {' '.join(rule.client['ask'])}"))
    return out


def test_every_rule_has_a_client_text():
    missing = [r.id for r in default_ruleset().rules if not r.client]
    assert not missing, f"rules without an entry in knowledge/client_texts.yaml: {', '.join(missing)}"


@pytest.mark.parametrize(("rule_id", "text"), client_texts())
def test_every_client_text_reads_plainly(rule_id, text):
    assert textstat.flesch_reading_ease(text) >= READING_EASE, (rule_id, textstat.flesch_reading_ease(text))


@pytest.mark.parametrize(("rule_id", "text"), client_texts())
def test_every_client_text_speaks_to_you_and_gives_no_verdict_or_dose(rule_id, text):
    assert re.search(r"\byou(r)?\b", text, re.I), rule_id
    assert not FORBIDDEN.search(text), (rule_id, FORBIDDEN.search(text))
    assert rule_id not in text


def test_the_measure_can_fail():
    jargon = ("Concomitant administration of monoamine oxidase inhibitors potentiates serotonergic toxicity "
              "through pharmacokinetic and pharmacodynamic mechanisms.")
    assert textstat.flesch_reading_ease(jargon) < READING_EASE


def test_the_json_export_and_the_stored_labels_carry_the_client_text():
    ruleset = default_ruleset()
    rule = ruleset.rules[0]
    exported = next(r for r in ruleset.to_json()["rules"] if r["id"] == rule.id)
    assert exported["client"] == rule.client and set(rule.client) == {"heading", "means", "ask"}
    assert ruleset.labels()["client_texts"][rule.id] == rule.client


def _copy_with(tmp_path, extra: str):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    with (target / "client_texts.yaml").open("a", encoding="utf-8") as fh:
        fh.write(extra)
    return target


def test_an_unknown_rule_id_is_refused(tmp_path):
    target = _copy_with(tmp_path, "\n- rules: [no-such-rule]\n  heading: H\n  means: You m.\n  ask: [Q?]\n")
    with pytest.raises(RulesetError, match="unknown rule id `no-such-rule`"):
        load_ruleset(target)


def test_a_rule_with_two_texts_is_refused(tmp_path):
    target = _copy_with(tmp_path, "\n- rules: [lithium-mdma]\n  heading: H\n  means: You m.\n  ask: [Q?]\n")
    with pytest.raises(RulesetError, match="twice"):
        load_ruleset(target)
