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
        "raised_eye_or_brain_pressure": False, "medications": [], "stopped_medications": [],
    }
    intake.update(overrides)
    return intake
