"""The shapes of the screening contract (docs/screening-contract.md) as TypedDicts, checked by mypy in `make lint`.

They describe data, they add no behaviour: an intake is still a plain dict from JSON, an assessment a plain dict
that `json.dumps` prints as it is.
"""
from typing import Literal, NotRequired, TypedDict

Substance = Literal["mdma", "psilocybin", "lsd", "ketamine", "ayahuasca"]
Relative = Literal["none", "second_degree", "first_degree"]
# Codes that come from the rule set's data (validated by the loader), so typed as text: a severity is "info",
# "warning" or "critical" ("none" too in a summary); an evidence grade "label", "trial_exclusion", "guideline",
# "case_reports" or "mechanism".
Severity = str
EvidenceGrade = str


class StoppedMedication(TypedDict):
    name: str
    weeks_ago: int


class Intake(TypedDict, total=False):
    """An intake: `substances` is required; every other key left out (or null) is not assessed."""

    substances: list[Substance]
    age: int | None
    pregnant: bool | None
    breastfeeding: bool | None
    psychosis_history: bool | None
    psychosis_family_history: Relative | None
    bipolar: Literal["none", "bipolar_i", "bipolar_ii", "unspecified"] | None
    bipolar_family_history: Relative | None
    personality_disorder: Literal["none", "borderline", "antisocial", "other"] | None
    dissociative_disorder: bool | None
    eating_disorder_purging: bool | None
    substance_use: Literal["none", "in_remission", "active"] | None
    suicidality: Literal["none", "wish_dead", "ideation", "ideation_with_method", "intent_or_plan",
                         "recent_behaviour"] | None
    acute_crisis: bool | None
    hypertension: Literal["none", "controlled", "uncontrolled"] | None
    systolic_bp: int | None
    diastolic_bp: int | None
    heart_rate: int | None
    heart_disease: bool | None
    arrhythmia: bool | None
    long_qt: bool | None
    stroke_or_tia: bool | None
    aneurysm_or_avm: bool | None
    intracerebral_hemorrhage: bool | None
    hepatic_impairment: Literal["none", "mild", "moderate", "severe"] | None
    seizure_disorder: bool | None
    hyperthyroidism_untreated: bool | None
    raised_eye_or_brain_pressure: bool | None
    medications: list[str] | None
    stopped_medications: list[StoppedMedication] | None
    suicide_attempt_lifetime: bool | None
    harm_to_others: bool | None
    prior_adverse_reaction: bool | None
    weight_kg: int | None
    hyponatraemia_history: bool | None
    notes: str | None


class Source(TypedDict):
    key: str
    citation: str
    url: str


class Flag(TypedDict):
    """One caution factor raised for one or more substances by one rule."""

    rule: str
    factor: str
    severity: Severity
    substances: list[str]
    title: str
    rationale: str
    discuss: list[str]
    evidence: list[str]
    evidence_grade: EvidenceGrade
    sources: list[Source]


class RecognisedMedication(TypedDict):
    """A line the catalogue read; for a stopped medicine, also when and which classes are still inside their
    washout window."""

    input: str
    generic: str
    classes: list[str]
    weeks_ago: NotRequired[int]
    classes_in_window: NotRequired[list[str]]


class Suggestion(TypedDict):
    input: str
    suggestion: str


class MedicationReport(TypedDict):
    recognised: list[RecognisedMedication]
    unrecognised: list[str]  # the lines as typed
    stopped: NotRequired[list[RecognisedMedication]]
    suggestions: NotRequired[list[Suggestion]]


class Assessment(TypedDict):
    ruleset_version: str
    substances: list[str]
    summary: dict[str, Severity]
    flags: list[Flag]
    medications: MedicationReport
    not_assessed: list[str]
