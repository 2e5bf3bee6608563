"""The pages that list or sum stored rows run as many queries on a larger data set as on a small one (issue 19).

Each test builds a small data set, counts the page's queries, makes the data set several times larger (more
screenings, events, attempts, revisions) and asserts the same maximum with `django_assert_max_num_queries`.
Timings are bench/scale.py's business; here only the count, which must not grow with the data.
"""
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from library.cases import score_answer
from library.models import Case, QuizAttempt
from screening.audit_chain import GENESIS, chain
from screening.engine import assess, default_ruleset
from screening.models import AuditEvent, Revision, Screening
from tests.conftest import client_for, healthy_intake

AUDIT_MARKER = "nobody can change or delete it"


def add_screenings(owner, count: int, revisions: int = 1) -> list[Screening]:
    """`count` screenings of `owner`, each with `revisions` revisions and two audit events, in bulk."""
    intake = healthy_intake(medications=["Zoloft"])
    assessment = assess(intake)
    base = Screening.objects.count()
    made = Screening.objects.bulk_create([Screening(owner=owner, clinic_id=owner.membership.clinic_id,
                                                    client_code=f"TH-{base + i:05d}")
                                          for i in range(count)])
    Revision.objects.bulk_create([
        Revision(screening=s, number=n, client_code=s.client_code, intake=intake, answers={},
                 ruleset_version=assessment["ruleset_version"], assessment=assessment,
                 labels=default_ruleset().labels(), created_by=owner)
        for s in made for n in range(1, revisions + 1)])
    events = [AuditEvent(user=owner, action=action, screening=s, screening_ref=s.pk, revision_number=1)
              for s in made for action in ("created", "viewed")]
    chain(events, AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS)
    AuditEvent.objects.bulk_create(events)
    return made


def add_attempts(user, count: int) -> None:
    cases = list(Case.objects.all())
    attempts = []
    for i in range(count):
        case = cases[i % len(cases)]
        answer = {"factors": list(case.expected["factors"][:1]), "severity": dict.fromkeys(case.substances, "none")}
        result = score_answer(answer, case.expected)
        attempts.append(QuizAttempt(user=user, case=case, answer=answer, result=result, score=result["score"]))
    QuizAttempt.objects.bulk_create(attempts)


def queries_of(client, url: str, marker: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200 and marker in response.content.decode()
    return len(context)


def assert_constant(client, url: str, marker: str, grow, django_assert_max_num_queries) -> None:
    """The page's queries on the data as it is, then no more after `grow()` made the data larger."""
    small = queries_of(client, url, marker)
    grow()
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200 and marker in response.content.decode()


def older_page(client, url: str) -> str:
    return url.split("?")[0] + client.get(url).context["page"].older


@pytest.mark.django_db
def test_my_screenings_first_and_later_pages(client, clinician, django_assert_max_num_queries):
    add_screenings(clinician, 45)
    client_for(client, clinician)
    assert_constant(client, "/screenings/", "My screenings",
                    lambda: add_screenings(clinician, 200, revisions=3), django_assert_max_num_queries)
    assert_constant(client, older_page(client, "/screenings/?q=TH"), "My screenings",
                    lambda: add_screenings(clinician, 100, revisions=2), django_assert_max_num_queries)


@pytest.mark.django_db
def test_leads_list(client, clinician, clinician2, lead, django_assert_max_num_queries):
    add_screenings(clinician, 30)
    add_screenings(clinician2, 30)
    client_for(client, lead)
    assert_constant(client, older_page(client, "/screenings/"), "Clinic screenings",
                    lambda: add_screenings(clinician2, 200, revisions=3), django_assert_max_num_queries)


@pytest.mark.django_db
def test_audit_trail_pages_and_filters(client, clinician, lead, django_assert_max_num_queries):
    add_screenings(clinician, 60)
    client_for(client, lead)
    for url in ("/audit/", "/audit/?action=viewed", "/audit/?user=clinician"):
        assert_constant(client, url, AUDIT_MARKER, lambda: add_screenings(clinician, 150),
                        django_assert_max_num_queries)
    older = client.get("/audit/").context["page"].older
    assert_constant(client, f"/audit/{older}", AUDIT_MARKER, lambda: add_screenings(clinician, 150),
                    django_assert_max_num_queries)


@pytest.mark.django_db
def test_case_progress(client, trainee, django_assert_max_num_queries):
    call_command("load_cases", verbosity=0)
    add_attempts(trainee, 8)
    client_for(client, trainee)
    assert_constant(client, "/cases/progress/", "My progress", lambda: add_attempts(trainee, 150),
                    django_assert_max_num_queries)


@pytest.mark.django_db
def test_assessment_page_with_many_revisions(client, clinician, django_assert_max_num_queries):
    few = add_screenings(clinician, 1, revisions=2)[0]
    many = add_screenings(clinician, 1, revisions=25)[0]
    client_for(client, clinician)
    small = queries_of(client, f"/screenings/{few.pk}/", "Revision 2 of 2")
    with django_assert_max_num_queries(small):
        response = client.get(f"/screenings/{many.pk}/")
    assert "Revision 25 of 25" in response.content.decode()


@pytest.mark.django_db
def test_audit_keyset_pages_show_every_event_once_and_keep_the_filter(client, clinician, lead):
    add_screenings(clinician, 70)  # 140 events, 70 of them "viewed"
    client_for(client, lead)
    seen, url = [], "/audit/?action=viewed"
    while url:
        response = client.get(url if url.startswith("/") else f"/audit/{url}")
        assert AUDIT_MARKER in response.content.decode()
        seen += [e.pk for e in response.context["page"].rows]
        assert {e.action for e in response.context["page"].rows} == {"viewed"}
        url = response.context["page"].older
    viewed = list(AuditEvent.objects.filter(action="viewed").order_by("-id").values_list("pk", flat=True))
    assert seen == viewed
    last = client.get(f"/audit/?action=viewed&before={viewed[-1] + 1}")
    back = client.get(f"/audit/{last.context['page'].newer}")
    assert [e.pk for e in back.context["page"].rows] == viewed[-51:-1]
    assert ">Older</a>" in back.content.decode() and ">Newer</a>" in back.content.decode()
