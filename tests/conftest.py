"""Personas made once per test: clinician, clinician2, trainee, lead (all in the default clinic); intake builders."""
import pytest
from django.contrib.auth.models import Group, User

from accounts.models import DEFAULT_CLINIC, Clinic, Membership
from screening.engine import default_ruleset
from screening.roles import CLINICIAN, LEAD, TRAINEE

PASSWORD = "a-long-test-password"


def clinic_named(slug: str) -> Clinic:
    """The clinic with this slug, made when first asked for (transactional tests flush the default clinic that
    migration accounts 0002 made)."""
    if slug == DEFAULT_CLINIC["slug"]:
        return Clinic.default()
    return Clinic.objects.get_or_create(slug=slug, defaults={"name": f"Clinic {slug}"})[0]


def make_user(username: str, role: str | None, clinic: Clinic | str | None = DEFAULT_CLINIC["slug"]) -> User:
    """A user with a role in a clinic (a Clinic or its slug); clinic=None makes one in no clinic."""
    user = User.objects.create_user(username=username, password=PASSWORD)
    if role:
        # get_or_create: transactional tests (the browser test) flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    if clinic is not None:
        Membership.objects.create(user=user, clinic=clinic if isinstance(clinic, Clinic) else clinic_named(clinic))
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


def healthy_answer(field, substances: list[str]):
    """The answer of a client with nothing to discuss, read from intake.yaml (knowledge/README.md says how)."""
    if field.healthy is not None:
        return field.healthy
    if field.type == "bool":
        return False
    if field.type == "choice" and "none" in field.choices:
        return "none"
    if field.type in ("medications", "stopped_medications"):
        return []
    if field.type == "substances":
        return list(substances)
    raise ValueError(f"intake.yaml: field `{field.name}` needs a `healthy:` answer for the tests")


def healthy_intake(**overrides) -> dict:
    """An intake whose every answer is the healthy one of intake.yaml (vital signs normal); text fields left out."""
    ruleset = default_ruleset()
    substances = [s["code"] for s in ruleset.substances]
    intake = {name: healthy_answer(field, substances) for name, field in ruleset.intake.fields.items()
              if field.type != "text"}
    intake.update(overrides)
    return intake


def stored_as_older_rules_showed(owner, intake: dict, change, client_code: str = "TH-2001"):
    """A screening whose one revision holds an assessment as an older rule set stored it: today's assessment with
    `change(assessment)` applied. The record is append-only, so the revision is written that way, never updated."""
    from screening.engine import assess, default_ruleset
    from screening.models import Revision, Screening

    screening = Screening.objects.create(owner=owner, client_code=client_code)
    assessment = assess(intake)
    change(assessment)
    Revision.objects.create(screening=screening, number=1, client_code=client_code, intake=intake, answers={},
                            assessment=assessment, labels=default_ruleset().labels(),
                            ruleset_version=assessment["ruleset_version"], created_by=owner)
    return screening
