"""Personas made once per test: clinician, clinician2, trainee, lead; and intake builders."""
import pytest
from django.contrib.auth.models import Group, User

from screening.roles import CLINICIAN, LEAD, TRAINEE

PASSWORD = "a-long-test-password"


def make_user(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD)
    if role:
        # get_or_create: transactional tests (the browser test) flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def clinician(db):
    return make_user("clinician", CLINICIAN)


@pytest.fixture
def clinician2(db):
    return make_user("clinician2", CLINICIAN)


@pytest.fixture
def trainee(db):
    return make_user("trainee", TRAINEE)


@pytest.fixture
def lead(db):
    return make_user("lead", LEAD)


def client_for(client, user):
    client.force_login(user)
    return client


def healthy_intake(**overrides) -> dict:
    """An intake whose every answer is negative and whose vital signs are normal."""
    intake = {
        "substances": ["mdma", "psilocybin", "lsd", "ketamine", "ayahuasca"],
        "age": 35, "pregnant": False, "breastfeeding": False, "psychosis_history": False,
        "psychosis_family_history": "none", "bipolar": "none", "bipolar_family_history": "none",
        "personality_disorder": "none", "dissociative_disorder": False, "eating_disorder_purging": False,
        "substance_use": "none", "suicidality": "none", "acute_crisis": False, "hypertension": "none",
        "systolic_bp": 118, "diastolic_bp": 76, "heart_rate": 68, "heart_disease": False, "arrhythmia": False,
        "long_qt": False, "stroke_or_tia": False, "aneurysm_or_avm": False, "intracerebral_hemorrhage": False,
        "hepatic_impairment": "none", "seizure_disorder": False, "hyperthyroidism_untreated": False,
        "raised_eye_or_brain_pressure": False, "medications": [],
    }
    intake.update(overrides)
    return intake


def stored_as_older_rules_showed(owner, intake: dict, change, client_code: str = "TH-2001"):
    """A screening whose one revision holds an assessment as an older rule set stored it: today's assessment with
    `change(assessment)` applied. The record is append-only, so the revision is written that way, never updated."""
    from screening.engine import assess
    from screening.models import Revision, Screening

    screening = Screening.objects.create(owner=owner, client_code=client_code)
    assessment = assess(intake)
    change(assessment)
    Revision.objects.create(screening=screening, number=1, intake=intake, answers={}, assessment=assessment,
                            ruleset_version=assessment["ruleset_version"], created_by=owner)
    return screening
