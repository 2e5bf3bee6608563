"""The knowledge files load, every source resolves, and a malformed file fails loudly, naming file and rule."""
import shutil

import pytest
import yaml

from screening.engine import RulesetError, default_ruleset, load_ruleset
from screening.engine.loader import KNOWLEDGE_DIR


def test_the_shipped_rule_set_loads_and_every_source_key_resolves():
    ruleset = load_ruleset()
    assert ruleset.rules
    for rule in ruleset.rules:
        assert rule.sources and all(key in ruleset.sources for key in rule.sources)
        assert len(rule.title) < 140
        assert rule.discuss
    assert not any("feduccia" in key.lower() or "feduccia" in s["citation"].lower()
                   for key, s in ruleset.sources.items())


def test_every_factor_of_the_contract_has_a_rule():
    ruleset = default_ruleset()
    covered = {rule.factor for rule in ruleset.rules}
    assert {f["code"] for f in ruleset.factors} <= covered


def test_the_catalogue_holds_at_least_150_medications():
    assert len(default_ruleset().catalogue.medications) >= 150


def test_the_first_changelog_entry_is_the_current_version():
    ruleset = default_ruleset()
    assert ruleset.changelog[0]["version"] == ruleset.version


@pytest.fixture
def knowledge(tmp_path):
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, target)
    return target


def _edit_first_rule(knowledge, change):
    path = sorted((knowledge / "rules").glob("*.yaml"))[0]
    rules = yaml.safe_load(path.read_text())
    change(rules[0])
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    return path.name, rules[0]["id"]


@pytest.mark.parametrize("change, message", [
    (lambda r: r.pop("sources"), "missing key `sources`"),
    (lambda r: r.update(sources=["nobody1999"]), "unknown: ['nobody1999']"),
    (lambda r: r.update(severity="severe"), "severity must be one of"),
    (lambda r: r.update(factor="vibes"), "unknown factor `vibes`"),
    (lambda r: r.update(substances=["mescaline"]), "substances must be"),
    (lambda r: r.update(title="x" * 140), "keep it under 140"),
    (lambda r: r.update(when={"bipolar": "bipolar_iii"}), "cannot take the value"),
    (lambda r: r.update(when={"shoe_size": 9}), "`shoe_size` is not an intake field"),
    (lambda r: r.update(when={"medication_class": "vitamins"}), "unknown classes"),
    (lambda r: r.update(when={"age": {"about": 3}}), "comparisons must be"),
    (lambda r: r.update(when={"not": {"psychosis_history": True}}), "`not` must stand beside"),
    (lambda r: r.update(when={"any": [{"age": {"lt": 18}}, {"not": {"pregnant": True}}]}), "`not` must stand beside"),
    (lambda r: r.update(extra="x"), "unknown key `extra`"),
])
def test_a_malformed_rule_fails_naming_the_file_and_the_rule(knowledge, change, message):
    file, rule_id = _edit_first_rule(knowledge, change)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(knowledge)
    text = str(caught.value)
    assert f"rules/{file}" in text and f"rule `{rule_id}`" in text and message in text


def test_a_duplicate_rule_id_fails(knowledge):
    path = sorted((knowledge / "rules").glob("*.yaml"))[0]
    rules = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump(rules + [rules[0]], sort_keys=False))
    with pytest.raises(RulesetError, match="duplicate id"):
        load_ruleset(knowledge)


def test_broken_yaml_fails_naming_the_file(knowledge):
    (knowledge / "sources.yaml").write_text("- key: [unclosed\n")
    with pytest.raises(RulesetError, match=r"^sources.yaml: is not valid YAML"):
        load_ruleset(knowledge)


def test_a_retracted_source_is_refused(knowledge):
    path = knowledge / "sources.yaml"
    sources = yaml.safe_load(path.read_text())
    sources.append({"key": "feduccia2021", "citation": "Feduccia AA et al. 2021", "url": "https://doi.org/x"})
    path.write_text(yaml.safe_dump(sources))
    with pytest.raises(RulesetError, match="retracted"):
        load_ruleset(knowledge)


def test_a_medication_name_claimed_twice_fails(knowledge):
    path = knowledge / "medications.yaml"
    data = yaml.safe_load(path.read_text())
    data["medications"].append({"generic": "fakeoxetine", "names": ["Prozac"], "classes": ["ssri"]})
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RulesetError, match="belongs to both"):
        load_ruleset(knowledge)


def test_a_healthy_answer_the_field_refuses_fails_naming_the_field(knowledge):
    path = knowledge / "intake.yaml"
    path.write_text(path.read_text().replace("healthy: 118", "healthy: 999"))
    with pytest.raises(RulesetError, match=r"field `systolic_bp`.*`healthy` is not an answer"):
        load_ruleset(knowledge)
