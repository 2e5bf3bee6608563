"""One answer, one flag per factor and substance: for any intake, the rules that read only intake answers (no
medication class) raise at most one flag for each factor and substance, so a milder band never sits beside a
stronger one (knowledge/README.md, "Bands")."""
import shutil

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.engine import assess, default_ruleset
from screening.engine.loader import KNOWLEDGE_DIR, load_ruleset

RULESET = default_ruleset()
SUBSTANCES = [s["code"] for s in RULESET.substances]
ANSWERS = {n: f for n, f in RULESET.intake.fields.items() if f.type in ("bool", "choice", "int")}
MEDICATION_KEYS = {"medication_class", "unrecognised_medication"}


def reads_medications(when) -> bool:
    if isinstance(when, dict):
        return bool(MEDICATION_KEYS & when.keys()) or any(reads_medications(v) for v in when.values())
    if isinstance(when, list):
        return any(reads_medications(v) for v in when)
    return False


ANSWER_RULES = {r.id for r in RULESET.rules if not reads_medications(r.when)}


def answer(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(sorted(spec.choices))
    # numbers near the band edges most of the time, anywhere in range otherwise
    edges = [v for v in (18, 20, 21, 48, 50, 65, 66, 90, 99, 100, 139, 140, 159, 160) if spec.min <= v <= spec.max]
    return st.sampled_from(edges) | st.integers(spec.min, spec.max)


@st.composite
def intakes(draw):
    intake = {"substances": SUBSTANCES}
    for name, spec in ANSWERS.items():
        if draw(st.booleans()):
            intake[name] = draw(answer(spec))
    return intake


def doubled(intake, ruleset=RULESET) -> list[tuple]:
    seen: dict[tuple, str] = {}
    clashes = []
    for flag in assess(intake, ruleset)["flags"]:
        if flag["rule"] not in ANSWER_RULES:
            continue
        for substance in flag["substances"]:
            key = (flag["factor"], substance)
            if key in seen:
                clashes.append((key, seen[key], flag["rule"]))
            seen[key] = flag["rule"]
    return clashes


@settings(max_examples=400, deadline=None)
@given(intake=intakes())
@example({"substances": SUBSTANCES, "hypertension": "controlled", "systolic_bp": 170})
@example({"substances": SUBSTANCES, "hypertension": "controlled", "systolic_bp": 150, "diastolic_bp": 105})
@example({"substances": SUBSTANCES, "heart_disease": True, "heart_rate": 120})
@example({"substances": SUBSTANCES, "suicidality": "wish_dead", "suicide_attempt_lifetime": True})
@example({"substances": SUBSTANCES, "suicidality": "ideation", "suicide_attempt_lifetime": True})
def test_answer_rules_raise_at_most_one_flag_per_factor_and_substance(intake):
    assert doubled(intake) == []


def test_without_its_not_the_milder_band_fires_beside_the_stronger(tmp_path):
    # The check can fail: drop the `not` from the MDMA warning band and treated hypertension at 170 mmHg raises both.
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    path = knowledge / "rules" / "medical.yaml"
    rules = yaml.safe_load(path.read_text())
    next(r for r in rules if r["id"] == "hypertension-mdma")["when"].pop("not")
    path.write_text(yaml.safe_dump(rules, sort_keys=False))
    intake = {"substances": ["mdma"], "hypertension": "controlled", "systolic_bp": 170}
    assert doubled(intake, load_ruleset(knowledge)) == [(("hypertension", "mdma"), "hypertension-severe-mdma",
                                                         "hypertension-mdma")]
    assert doubled(intake) == []


def test_a_milder_band_still_fires_on_its_own():
    flags = assess({"substances": ["mdma", "psilocybin"], "hypertension": "controlled", "systolic_bp": 130})["flags"]
    assert {f["rule"] for f in flags} == {"hypertension-mdma", "hypertension-controlled-classic"}


def test_an_unanswered_field_inside_not_lets_the_milder_band_fire():
    flags = assess({"substances": ["mdma"], "heart_rate": 120})["flags"]
    assert [f["rule"] for f in flags] == ["heart-rate-mdma"]
    assert flags[0]["evidence"] == ["Resting heart rate: 120 beats/min"]
    flags = assess({"substances": ["mdma"], "heart_rate": 120, "heart_disease": True})["flags"]
    assert [f["rule"] for f in flags] == ["heart-disease-mdma"]
