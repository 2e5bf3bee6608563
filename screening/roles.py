"""The three roles, as Django groups, and the questions views ask about them."""
from django.contrib.auth.models import AbstractBaseUser

CLINICIAN = "Clinician"
TRAINEE = "Trainee"
LEAD = "Clinical lead"
ROLES = (LEAD, CLINICIAN, TRAINEE)  # a user in several role groups has the first of them


def role_of(user: AbstractBaseUser) -> str | None:
    """The user's role name, or None for a user in no role group."""
    if not user.is_authenticated:
        return None
    names = set(user.groups.values_list("name", flat=True))
    return next((r for r in ROLES if r in names), None)


def is_clinician(user) -> bool:
    return role_of(user) == CLINICIAN


def is_lead(user) -> bool:
    return role_of(user) == LEAD
