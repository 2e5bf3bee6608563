"""The catalogue: brand and generic names of each class, matched whatever the case, spacing or salt."""
import pytest

from screening.engine import assess, default_ruleset
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
