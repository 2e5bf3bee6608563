"""The catalogue: brand and generic names of each class, matched whatever the case, spacing or salt."""
import pytest

from screening.engine import IntakeError, assess, default_ruleset
from screening.engine.medications import normalise


@pytest.mark.parametrize("raw, expected", [
    ("Lithium Carbonate", "lithium"),
    ("sertraline hydrochloride", "sertraline"),
    ("  SERTRALINE   HCl 50mg ", "sertraline"),
    ("St. John's Wort", "st johns wort"),
    ("Lithium carbonate 400 mg", "lithium"),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("name, generic, cls", [
    ("Zoloft", "sertraline", "ssri"), ("Lustral", "sertraline", "ssri"), ("sertraline", "sertraline", "ssri"),
    ("Seroxat", "paroxetine", "cyp2d6_inhibitor"), ("Paxil", "paroxetine", "ssri"),
    ("Prozac", "fluoxetine", "cyp2d6_inhibitor"), ("Cipralex", "escitalopram", "qt_prolonging"),
    ("Effexor", "venlafaxine", "snri"), ("Efexor", "venlafaxine", "snri"), ("Cymbalta", "duloxetine", "snri"),
    ("amitriptyline", "amitriptyline", "tca"),
    ("Nardil", "phenelzine", "maoi"), ("Parnate", "tranylcypromine", "maoi"), ("Manerix", "moclobemide", "rima"),
    ("moclobemide", "moclobemide", "rima"), ("selegiline", "selegiline", "maoi"), ("Emsam", "selegiline", "maoi"),
    ("Zyvox", "linezolid", "maoi"), ("linezolid", "linezolid", "maoi"),
    ("methylene blue", "methylene blue", "maoi"),
    ("Priadel", "lithium", "lithium"), ("lithium citrate", "lithium", "lithium"), ("Lithobid", "lithium", "lithium"),
    ("Imigran", "sumatriptan", "triptan"), ("sumatriptan", "sumatriptan", "triptan"),
    ("Ultram", "tramadol", "serotonergic_opioid"), ("Zydol", "tramadol", "seizure_threshold"),
    ("Palexia", "tapentadol", "serotonergic_opioid"), ("fentanyl", "fentanyl", "serotonergic_opioid"),
    ("methadone", "methadone", "qt_prolonging"), ("oxycodone", "oxycodone", "opioid"),
    ("Adderall", "amphetamine", "stimulant"), ("Ritalin", "methylphenidate", "stimulant"),
    ("Elvanse", "lisdexamfetamine", "stimulant"),
    ("Xanax", "alprazolam", "benzodiazepine"), ("Valium", "diazepam", "sedative"), ("zolpidem", "zolpidem", "sedative"),
    ("Seroquel", "quetiapine", "antipsychotic"), ("Haldol", "haloperidol", "qt_prolonging"),
    ("Lamictal", "lamotrigine", "lamotrigine"), ("Tegretol", "carbamazepine", "anticonvulsant"),
    ("Wellbutrin", "bupropion", "cyp2d6_inhibitor"), ("Zyban", "bupropion", "seizure_threshold"),
    ("St John's wort", "st john's wort", "serotonergic"), ("dextromethorphan", "dextromethorphan", "serotonergic"),
    ("tryptophan", "tryptophan", "serotonergic"),
])
def test_it_knows_brand_and_generic_names_of_each_class(name, generic, cls):
    med = default_ruleset().catalogue.lookup(name)
    assert med is not None, name
    assert generic in med.generic.lower()
    assert cls in med.classes


def test_every_class_has_members():
    catalogue = default_ruleset().catalogue
    used = {c for m in catalogue.medications for c in m.classes}
    assert set(catalogue.class_names) == used


def test_a_brand_name_is_shown_with_its_generic_in_the_evidence():
    flag = next(f for f in assess({"substances": ["mdma"], "medications": ["NARDIL 15mg"]})["flags"]
                if f["factor"] == "maoi")
    assert "phenelzine" in flag["evidence"][0] and "NARDIL" in flag["evidence"][0]


def test_a_known_medicine_of_no_interaction_class_is_recognised_and_raises_nothing():
    assessment = assess({"substances": ["mdma", "ketamine"], "medications": ["Tylenol", "metformin 500 mg"]})
    assert [m["generic"] for m in assessment["medications"]["recognised"]] == ["paracetamol", "metformin"]
    assert assessment["medications"]["unrecognised"] == []
    assert assessment["flags"] == []


# --- every class is used by a rule or explained ----------------------------------------------------------------------

def test_every_class_is_used_by_a_rule_or_says_why_none_needs_it():
    ruleset = default_ruleset()
    catalogue = ruleset.catalogue
    used = {c for rule in ruleset.rules for c in rule.classes}
    for code in catalogue.class_names:
        assert (code in used) != (code in catalogue.unused), code
        if code in catalogue.unused:
            assert "\n" not in catalogue.unused[code] and len(catalogue.unused[code]) < 300


def test_the_ruleset_export_shows_for_each_class_its_rules_or_why_it_has_none():
    exported = {c["code"]: c for c in default_ruleset().to_json()["medication_classes"]}
    assert "Nayak 2021" in exported["lamotrigine"]["no_rule"] and exported["lamotrigine"]["rules"] == []
    assert exported["triptan"]["rules"] == ["triptan-maoi", "triptan-ayahuasca"]
    assert exported["ssri"]["washout_days"] == 14 and "14 days" in exported["ssri"]["washout_basis"]
    assert all(c["rules"] or c.get("no_rule") for c in exported.values())


def test_the_no_class_list_holds_no_medicine_with_a_relevant_label_warning():
    empty = {m.generic for m in default_ruleset().catalogue.medications if not m.classes}
    for generic in ("levothyroxine", "bendroflumethiazide", "salbutamol", "caffeine", "cimetidine", "cannabis",
                    "yohimbine", "melatonin", "theophylline"):
        assert generic not in empty, generic
    assert "paracetamol" in empty


@pytest.mark.parametrize("name, rule", [
    ("lithium 300 mg bd", "lithium-mdma"), ("ondansetron", "setron-serotonergic"), ("Nardil", "maoi-mdma"),
])
def test_lithium_ondansetron_and_maois_do_not_get_the_ssri_blunting_wording(name, rule):
    flags = assess({"substances": ["mdma"], "medications": [name]})["flags"]
    assert rule in {f["rule"] for f in flags}
    assert "serotonergic-mdma" not in {f["rule"] for f in flags}


def test_harmala_is_said_to_strengthen_a_tryptamine_not_to_blunt_it():
    (flag,) = [f for f in assess({"substances": ["psilocybin"], "medications": ["Syrian rue"]})["flags"]
               if f["factor"] == "maoi"]
    assert flag["rule"] == "rima-classic" and "not the blunting" in flag["rationale"]


# --- stopped medicines -----------------------------------------------------------------------------------------------

def _stopped(name, weeks, substances=("mdma",)):
    return assess({"substances": list(substances), "stopped_medications": [{"name": name, "weeks_ago": weeks}]})


@pytest.mark.parametrize("name, weeks, substance, rule", [
    ("fluoxetine", 3, "mdma", "serotonergic-mdma"),
    ("Prozac 20mg", 5, "ayahuasca", "serotonergic-ayahuasca"),
    ("phenelzine", 2, "mdma", "maoi-mdma"),
    ("Parnate", 1, "ayahuasca", "maoi-ayahuasca"),
    ("moclobemide", 0, "mdma", "maoi-mdma"),
    ("sertraline 100 mg", 2, "ayahuasca", "serotonergic-ayahuasca"),
    ("venlafaxine XL", 1, "mdma", "serotonergic-mdma"),
    ("lithium carbonate", 4, "psilocybin", "lithium-classic"),
    ("quetiapine", 2, "lsd", "antipsychotic-classic"),
])
def test_a_medicine_stopped_inside_its_window_raises_its_class(name, weeks, substance, rule):
    flags = {f["rule"]: f for f in _stopped(name, weeks, [substance])["flags"]}
    assert rule in flags
    assert any("stopped" in e and ("week" in e) for e in flags[rule]["evidence"])
    assert "not advice on tapering" in flags[rule]["rationale"]


@pytest.mark.parametrize("name, weeks, substance", [
    ("fluoxetine", 6, "mdma"), ("phenelzine", 3, "mdma"), ("moclobemide", 1, "mdma"),
    ("sertraline", 3, "ayahuasca"), ("venlafaxine", 2, "mdma"), ("lithium", 5, "psilocybin"),
    ("quetiapine", 3, "lsd"), ("Paxlovid", 0, "mdma"), ("sumatriptan", 0, "ayahuasca"),
])
def test_outside_its_window_or_without_one_a_stopped_medicine_raises_nothing(name, weeks, substance):
    assessment = _stopped(name, weeks, [substance])
    assert assessment["flags"] == []
    (entry,) = assessment["medications"]["stopped"]
    assert entry["weeks_ago"] == weeks and entry["classes_in_window"] == []


def test_the_evidence_names_the_class_and_when_it_was_stopped():
    flag = next(f for f in _stopped("fluoxetine", 3)["flags"] if f["rule"] == "serotonergic-mdma")
    assert flag["evidence"] == ["fluoxetine (SSRI), stopped 3 weeks ago"]
    flag = next(f for f in _stopped("Nardil", 0)["flags"] if f["rule"] == "maoi-mdma")
    assert flag["evidence"] == ["Nardil = phenelzine (MAO inhibitor), stopped less than a week ago"]


def test_a_current_medicine_keeps_the_rule_rationale_unchanged():
    rule = next(r for r in default_ruleset().rules if r.id == "serotonergic-mdma")
    flag = next(f for f in assess({"substances": ["mdma"], "medications": ["fluoxetine"]})["flags"]
                if f["rule"] == "serotonergic-mdma")
    assert flag["rationale"] == rule.rationale


def test_an_unknown_stopped_name_raises_the_unrecognised_flag_with_when_it_was_stopped():
    assessment = _stopped("Qwertazine", 2)
    assert assessment["medications"]["unrecognised"] == ["Qwertazine (stopped 2 weeks ago)"]
    assert [f["rule"] for f in assessment["flags"]] == ["unrecognised-medication"]


def test_the_windows_live_in_the_knowledge_data():
    catalogue = default_ruleset().catalogue
    assert catalogue.windows == {"ssri": 14, "snri": 14, "tca": 14, "maoi": 14, "rima": 3, "lithium": 30,
                                 "antipsychotic": 14}
    assert catalogue.lookup("fluoxetine").washout_days == 35
    assert all(catalogue.window_basis[c] for c in catalogue.windows)


@pytest.mark.parametrize("entries, message", [
    ("fluoxetine", "stopped_medications: expected a list"),
    (["fluoxetine"], 'entry 1: expected an object with "name" and "weeks_ago", got text'),
    ([{"name": "fluoxetine"}], 'entry 1: "weeks_ago" expected a whole number of weeks from 0 to 26, got null'),
    ([{"name": "fluoxetine", "weeks_ago": 27}], '"weeks_ago" expected a whole number of weeks from 0 to 26, got 27'),
    ([{"name": "fluoxetine", "weeks_ago": -1}], "from 0 to 26, got -1"),
    ([{"name": "fluoxetine", "weeks_ago": "3"}], "got text"),
    ([{"name": "fluoxetine", "weeks_ago": 2.5}], "got a decimal number"),
    ([{"name": "fluoxetine", "weeks_ago": True}], "got true/false"),
    ([{"weeks_ago": 3}], 'entry 1: "name" is required'),
    ([{"name": "  ", "weeks_ago": 3}], '"name" is required as the medicine\'s name, got empty text'),
    ([{"name": 5, "weeks_ago": 3}], '"name" is required as the medicine\'s name, got a number'),
    ([{"name": "x" * 121, "weeks_ago": 3}], '"name" is longer than 120 characters'),
    ([{"name": "a", "weeks_ago": 1}, {"name": "b", "weeks": 1}], 'entry 2: unknown key "weeks"'),
])
def test_a_malformed_stopped_entry_is_refused_naming_the_key(entries, message):
    with pytest.raises(IntakeError) as caught:
        assess({"substances": ["mdma"], "stopped_medications": entries})
    assert caught.value.field == "stopped_medications"
    assert message in str(caught.value)


def test_medication_rules_say_what_the_label_says_and_why_a_trial_exclusion_is_not_critical():
    for rule in (r for r in default_ruleset().rules if r.file == "rules/medications.yaml"):
        if rule.evidence_grade == "label":
            assert rule.label_statement in ("contraindication", "warning"), rule.id
            assert rule.severity != "critical" or rule.label_statement == "contraindication", rule.id
        if rule.evidence_grade == "trial_exclusion" and rule.severity != "critical":
            assert rule.severity_note, rule.id
