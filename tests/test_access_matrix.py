"""Every URL of the project, for every persona: anonymous, trainee, clinician (owner), clinician2, lead of the
first clinic, and lead2, clinician3 of a second clinic.

A URL pattern with no entry in MATRIX fails the test, so a new page cannot ship without its access rules.
Expectations: a status code, or LOGIN (a redirect to the sign-in page). An entry that does not name lead2 or
clinician3 expects for them what it expects for lead and clinician2 (another clinician of the first clinic).
The second clinic's personas never see the first clinic's screening, whatever the status.
"""
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from library.models import Case
from library.views import quiz_attempt_create
from screening.models import Acknowledgement, AuditEvent, Draft, Revision
from screening.services import screening_create
from tests.conftest import healthy_intake, make_user

LOGIN = "login"
PERSONAS = ("anonymous", "trainee", "clinician", "clinician2", "lead", "lead2", "clinician3")
OTHER_CLINIC = ("lead2", "clinician3")
SCREENING = {"anonymous": LOGIN, "trainee": 403, "clinician": 200, "clinician2": 404, "lead": 200, "lead2": 404}
SCREENING_EDIT = {"anonymous": LOGIN, "trainee": 403, "clinician": 200, "clinician2": 404, "lead": 403}
EVERY_ROLE = {"anonymous": LOGIN, "trainee": 200, "clinician": 200, "clinician2": 200, "lead": 200}
PUBLIC = dict.fromkeys(PERSONAS, 200)
LEAD_ONLY = {"anonymous": LOGIN, "trainee": 403, "clinician": 403, "clinician2": 403, "lead": 200}
SIGNED_IN_REDIRECT = {**EVERY_ROLE, "trainee": 302, "clinician": 302, "clinician2": 302, "lead": 302}

# name: (method, arguments, expected per persona). Arguments name objects made in `world`.
MATRIX = {
    "login": ("get", (), {"anonymous": 200, "trainee": 302, "clinician": 302, "clinician2": 302, "lead": 302}),
    "logout": ("post", (), dict.fromkeys(PERSONAS, 302)),
    "about": ("get", (), PUBLIC),
    "home": ("get", (), EVERY_ROLE),
    "ruleset": ("get", (), EVERY_ROLE),
    "intake_blank": ("get", (), EVERY_ROLE),
    "intake_blank_pdf": ("get", (), EVERY_ROLE),
    "screening_list": ("get", (), {"anonymous": LOGIN, "trainee": 403, "clinician": 200, "clinician2": 200,
                                   "lead": 200}),
    "screening_new": ("get", (), {"anonymous": LOGIN, "trainee": 403, "clinician": 200, "clinician2": 200,
                                  "lead": 403}),
    "screening_detail": ("get", ("screening",), SCREENING),
    "revision_detail": ("get", ("screening", 1), SCREENING),
    "revision_export": ("get", ("screening", 1), SCREENING),
    "revision_pdf": ("get", ("screening", 1), SCREENING),
    "revision_handout": ("get", ("screening", 1), SCREENING),
    "revision_diff": ("get", ("screening",), SCREENING),
    "audit_export": ("get", (), LEAD_ONLY),
    "ruleset_impact": ("get", (), LEAD_ONLY),
    "screening_edit": ("get", ("screening",), SCREENING_EDIT),
    "acknowledge": ("post", ("screening", 1), {**SCREENING_EDIT, "clinician": 302}),
    # The erasure form (GET): only a clinical lead; erasing itself is tested in test_record.py.
    "screening_erase": ("get", ("screening",), {"anonymous": LOGIN, "trainee": 403, "clinician": 403,
                                                "clinician2": 403, "lead": 200, "lead2": 404}),
    # Intake drafts, keep-alive and the live panel (issue 15). A draft is its author's alone; the autosave of a
    # post that is not a form (no key) is refused with 409, or 403 without a clinician's author.
    "draft_resume": ("get", ("draft",), {"anonymous": LOGIN, "trainee": 404, "clinician": 302, "clinician2": 404,
                                         "lead": 404}),
    "draft_discard": ("post", ("draft",), {"anonymous": LOGIN, "trainee": 404, "clinician": 302, "clinician2": 404,
                                           "lead": 404}),
    "draft_save": ("post", (), {"anonymous": 403, "trainee": 403, "clinician": 409, "clinician2": 409, "lead": 403}),
    "keep_alive": ("get", (), PUBLIC),
    "live_assessment": ("post", (), {"anonymous": LOGIN, "trainee": 403, "clinician": 200, "clinician2": 200,
                                     "lead": 403}),
    "audit_log": ("get", (), {"anonymous": LOGIN, "trainee": 403, "clinician": 403, "clinician2": 403,
                              "lead": 200}),
    "case_list": ("get", (), EVERY_ROLE),
    "case_detail": ("get", ("case",), EVERY_ROLE),
    "case_quiz": ("get", ("case",), EVERY_ROLE),
    "case_progress": ("get", (), EVERY_ROLE),
    # An attempt is private to the user who made it (the trainee's, in `world`).
    "case_attempt": ("get", ("case", "attempt"), {"anonymous": LOGIN, "trainee": 200, "clinician": 404,
                                                 "clinician2": 404, "lead": 404}),
    # Accounts. "member" is the trainee (first clinic): the second clinic's lead gets 404 for every page of it.
    # "uid"/"token" make a reset link that does not work.
    "account": ("get", (), EVERY_ROLE),
    "password_change": ("get", (), EVERY_ROLE),
    "two_factor_enrol": ("get", (), EVERY_ROLE),
    "two_factor_verify": ("get", (), SIGNED_IN_REDIRECT),
    "account_recovery_codes": ("post", (), SIGNED_IN_REDIRECT),
    "account_sign_out_everywhere": ("post", (), SIGNED_IN_REDIRECT),
    "password_reset": ("get", (), PUBLIC),
    "password_reset_done": ("get", (), PUBLIC),
    "password_reset_confirm": ("get", ("uid", "token"), PUBLIC),
    "password_reset_complete": ("get", (), PUBLIC),
    "team": ("get", (), LEAD_ONLY),
    "team_member_new": ("get", (), LEAD_ONLY),
    "team_member": ("get", ("member",), {**LEAD_ONLY, "lead2": 404}),
    "team_member_role": ("post", ("member",), {**LEAD_ONLY, "lead": 302, "lead2": 404}),
    "team_member_active": ("post", ("member",), {**LEAD_ONLY, "lead": 302, "lead2": 404}),
    "team_member_second_factor": ("post", ("member",), {**LEAD_ONLY, "lead": 302, "lead2": 404}),
    "team_member_invite": ("post", ("member",), {**LEAD_ONLY, "lead": 302, "lead2": 404}),
    "team_member_sign_out": ("post", ("member",), {**LEAD_ONLY, "lead": 302, "lead2": 404}),
}
for _method, _arguments, _expected in MATRIX.values():
    _expected.setdefault("lead2", _expected["lead"])
    _expected.setdefault("clinician3", _expected["clinician2"])


def project_url_names() -> list[str]:
    """Every named URL pattern outside the admin, walked from the root resolver."""
    names = []

    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, p.namespace)
            elif isinstance(p, URLPattern):
                assert p.name, f"URL pattern {p.pattern} has no name, so it cannot be in the access matrix"
                names.append(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_pattern_has_an_entry():
    missing = sorted(set(project_url_names()) - set(MATRIX))
    assert not missing, f"add these URLs to the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(project_url_names()))
    assert not stale, f"the matrix names URLs that no longer exist: {stale}"


@pytest.fixture
def world(db):
    users = {name: make_user(name, role) for name, role in (
        ("trainee", "Trainee"), ("clinician", "Clinician"), ("clinician2", "Clinician"), ("lead", "Clinical lead"))}
    users.update({name: make_user(name, role, clinic="second") for name, role in (
        ("lead2", "Clinical lead"), ("clinician3", "Clinician"))})
    screening = screening_create(owner=users["clinician"], client_code="MX-1",
                                 intake=healthy_intake(medications=["Nardil"]), answers={})
    case = Case.objects.create(slug="matrix-case", title="Matrix case", difficulty="introductory",
                               substances=["mdma"], vignette="A vignette.", intake={"substances": ["mdma"]},
                               objectives=["An objective."], teaching_notes={}, expected={"factors": [],
                                                                                         "severity": {"mdma": "none"}})
    attempt = quiz_attempt_create(user=users["trainee"], case=case,
                                  answer={"factors": [], "severity": {"mdma": "none"}})
    draft = Draft.objects.create(owner=users["clinician"], key=uuid.uuid4(), data={"client_code": ["MX-1"]},
                                 client_code="MX-1")
    return {"users": users, "member": users["trainee"].pk, "draft": draft.key, "uid": "MQ", "token": "not-a-token",
            "screening": screening.pk, "case": case.slug, "attempt": attempt.pk,
            "rule": screening.revisions.get().assessment["flags"][0]["rule"]}


def _data(name, world):
    if name == "acknowledge":
        return {"rule": world["rule"], "reason": "Discussed."}
    return {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_persona_gets_what_it_should(client, world, name, persona):
    method, arguments, expected = MATRIX[name]
    args = [world[a] if isinstance(a, str) else a for a in arguments]
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    url = reverse(name, args=args)
    response = getattr(client, method)(url, _data(name, world))
    want = expected[persona]
    if want == LOGIN:
        assert response.status_code == 302 and response.url.startswith(reverse("login")), response
    else:
        assert response.status_code == want, (url, persona, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if persona in OTHER_CLINIC:  # lists, the audit trail and every other page: nothing of the first clinic's
        assert b"MX-1" not in body, (url, persona)
    if want in (LOGIN, 403, 404):
        # A refused request shows nothing of the screening and writes nothing of it: no revision, no acknowledgement;
        # a refused request for a screening leaves one audit event that names the number asked for, without content.
        assert b"MX-1" not in body and not body.startswith(b"%PDF")
        assert Revision.objects.count() == 1 and not Acknowledgement.objects.exists()
        refused = list(AuditEvent.objects.exclude(action="created").values("action", "screening_id", "screening_ref",
                                                                             "revision_number"))
        assert AuditEvent.objects.filter(action="created").count() == 1
        assert refused in ([], [{"action": "refused", "screening_id": None, "screening_ref": world["screening"],
                                 "revision_number": None}])


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_turns_away_everyone_but_staff(client, world, persona):
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    for url in ("/admin/", "/admin/screening/screening/", "/admin/screening/auditevent/", "/admin/auth/user/"):
        response = client.get(url)
        # Signed-in non-staff meet the admin's sign-in; anonymous visitors that or the site's own.
        logins = ("/admin/login/", reverse("login")) if persona == "anonymous" else ("/admin/login/",)
        assert response.status_code == 302 and response.url.startswith(logins), (url, persona)
    assert User.objects.filter(is_staff=True).count() == 0
