"""Migrations carry stored rows across: the case library's move to its own app, the per-revision data, clinics."""
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_MOVE = [("screening", "0002_roles")]
AFTER_MOVE = [("library", "0001_initial")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to(transactional_db):
    """Migrates back to the given targets for the test, then forward to the latest schema again."""
    yield migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_cases_and_attempts_move_to_the_library_with_their_rows(back_to):
    old = back_to(BEFORE_MOVE)
    user = old.get_model("auth", "User").objects.create(username="trainee-before-the-move")
    case = old.get_model("screening", "Case").objects.create(
        slug="moved-case", title="A case stored before the move", difficulty="introductory", substances=["mdma"],
        vignette="Text.", intake={"substances": ["mdma"]}, objectives=["o"], teaching_notes={}, expected={})
    old.get_model("screening", "QuizAttempt").objects.create(
        user=user, case=case, answer={"factors": []}, result={"score": 0.5}, score=0.5)

    new = migrate(AFTER_MOVE)

    moved = new.get_model("library", "Case").objects.get(slug="moved-case")
    assert moved.title == "A case stored before the move" and moved.intake == {"substances": ["mdma"]}
    attempt = new.get_model("library", "QuizAttempt").objects.get(case=moved)
    assert attempt.user.username == "trainee-before-the-move" and attempt.score == 0.5
    assert "library_case" in connection.introspection.table_names()
    assert "screening_case" not in connection.introspection.table_names()


def test_existing_revisions_get_their_client_code_and_the_rule_sets_names(back_to):
    from screening.engine import default_ruleset

    old = back_to([("screening", "0002_move_cases_to_library")])
    user = old.get_model("auth", "User").objects.create(username="clinician-before")
    screening = old.get_model("screening", "Screening").objects.create(owner=user, client_code="KEPT-01")
    old.get_model("screening", "Revision").objects.create(
        screening=screening, number=1, intake={"substances": ["mdma"]}, ruleset_version="2026.11.0",
        assessment={"flags": []}, created_by=user)

    new = migrate([("screening", "0003_revision_client_code_labels")])

    revision = new.get_model("screening", "Revision").objects.get(screening_id=screening.pk)
    assert revision.client_code == "KEPT-01"
    assert revision.labels == default_ruleset().labels() and revision.labels["substances"]["mdma"] == "MDMA"


def test_existing_users_and_screenings_move_into_the_default_clinic(back_to):
    from screening.append_only import TRIGGERS

    old = back_to([("screening", "0005_scale_indexes"), ("accounts", "0001_initial")])
    User = old.get_model("auth", "User")
    clinician, admin = User.objects.create(username="clinician-before"), User.objects.create(username="admin-before")
    screenings = [old.get_model("screening", "Screening").objects.create(owner=clinician, client_code=f"KEPT-{i}")
                  for i in range(3)]

    new = migrate([("screening", "0006_clinics")])

    clinic = new.get_model("accounts", "Clinic").objects.get()
    assert (clinic.slug, clinic.name) == ("default", "Default clinic")
    members = new.get_model("accounts", "Membership").objects.values_list("user_id", "clinic_id")
    assert sorted(members) == sorted([(clinician.pk, clinic.pk), (admin.pk, clinic.pk)])
    moved = new.get_model("screening", "Screening").objects.order_by("pk")
    assert [(s.pk, s.client_code, s.clinic_id) for s in moved] == [(s.pk, s.client_code, clinic.pk)
                                                                  for s in screenings]
    # 0006 rebuilds the screening table on SQLite; the append-only triggers, on other tables, are all still there.
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert {name for name, _, _ in TRIGGERS} <= {row[0] for row in cursor.fetchall()}


def test_a_new_installation_gets_the_default_clinic_with_nobody_in_it(back_to):
    back_to([("screening", "0005_scale_indexes"), ("accounts", "0001_initial")])
    new = migrate([("screening", "0006_clinics")])
    assert new.get_model("accounts", "Clinic").objects.get().slug == "default"
    assert not new.get_model("accounts", "Membership").objects.exists()


def test_existing_screenings_get_their_oversight_columns_from_the_latest_revision(back_to):
    from screening.engine import assess, default_ruleset
    from tests.conftest import healthy_intake

    old = back_to([("screening", "0005_scale_indexes")])
    user = old.get_model("auth", "User").objects.create(username="clinician-before-0009")
    screening = old.get_model("screening", "Screening").objects.create(owner=user, client_code="OV-01")
    Revision = old.get_model("screening", "Revision")
    labels = default_ruleset().labels()
    for number, intake in ((1, {"substances": ["mdma"]}), (2, healthy_intake(substances=["mdma"],
                                                                              psychosis_history=True))):
        Revision.objects.create(screening=screening, number=number, client_code="OV-01", intake=intake,
                                ruleset_version="2026.12.0", assessment=assess(intake), labels=labels,
                                created_by=user)

    new = migrate([("screening", "0008_oversight")])

    row = new.get_model("screening", "Screening").objects.get(pk=screening.pk)
    assert (row.highest_severity, row.unanswered_count, row.unacknowledged_critical) == ("critical", 0, 1)
    assert row.answered_count == len(default_ruleset().intake.assessable)
