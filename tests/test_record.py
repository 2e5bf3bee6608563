"""A record that is never rewritten (issue 14): append-only acknowledgements, revisions and audit trail, the hash
chain and `audit_verify`, no lost edits, erasure and retention, and the SQLite backup. Runs on SQLite and, through
bench/with_postgres.sh, on PostgreSQL."""
import re
import sqlite3
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models.deletion import ProtectedError
from django.urls import reverse
from django.utils import timezone

from screening.append_only import TRIGGERS, erasing, missing_triggers
from screening.models import Acknowledgement, AuditEvent, Revision, Screening
from screening.services import audit, flag_acknowledge, screening_create, screening_erase, screening_revise
from tests.conftest import client_for, healthy_intake

pytestmark = pytest.mark.django_db


def flagged(owner, code="RC-1001") -> Screening:
    return screening_create(owner=owner, client_code=code, intake=healthy_intake(medications=["Nardil"]),
                            answers={})


def first_rule(screening: Screening) -> str:
    return screening.revisions.first().assessment["flags"][0]["rule"]


def refused(statement):
    """Runs one ORM or SQL statement, expecting the database to refuse it; the test's transaction goes on."""
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        statement()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def drop_triggers():
    """What an administrator with raw SQL could do; the test's transaction rolls it back (DDL is transactional)."""
    for name, table, _ in TRIGGERS:
        raw(f"DROP TRIGGER {name} ON {table}" if connection.vendor == "postgresql" else f"DROP TRIGGER {name}")


def edit_form(**overrides) -> dict:
    data = {"client_code": "RC-1001", "substances": ["mdma"], "psychosis_history": "no", "pregnant": "",
            "medication_review": "reviewed", "medications": "Nardil", "notes": "Tab notes.",
            "confirm_incomplete": "1"}  # most questions unanswered: saved with the form's second button
    data.update(overrides)
    return data


# --- Acknowledgements are append-only -----------------------------------------------------------------------------

class TestAcknowledgements:
    def test_a_second_acknowledgement_adds_a_row_and_the_page_shows_both(self, client, clinician):
        screening = flagged(clinician)
        rule, url = first_rule(screening), reverse("acknowledge", args=[screening.pk, 1])
        signed_in = client_for(client, clinician)
        signed_in.post(url, {"rule": rule, "reason": "First discussion."})
        signed_in.post(url, {"rule": rule, "reason": "Discussed again with the prescriber."})
        assert list(Acknowledgement.objects.values_list("rule_id", "reason")) == [
            (rule, "First discussion."), (rule, "Discussed again with the prescriber.")]
        page = signed_in.get(reverse("screening_detail", args=[screening.pk])).content.decode()
        assert "First discussion." in page and "Discussed again with the prescriber." in page

    def test_a_superseded_revision_refuses_with_a_message(self, client, clinician):
        screening = flagged(clinician)
        rule = first_rule(screening)
        screening_revise(screening=screening, user=clinician, client_code="RC-1001",
                         intake=healthy_intake(medications=["Nardil"]), answers={})
        response = client_for(client, clinician).post(reverse("acknowledge", args=[screening.pk, 1]),
                                                      {"rule": rule, "reason": "Too late."})
        assert response.status_code == 409
        assert "superseded by revision 2" in response.content.decode()
        assert not Acknowledgement.objects.exists()
        with pytest.raises(Exception, match="superseded"):
            flag_acknowledge(revision=screening.revisions.get(number=1), user=clinician, rule_id=rule, reason="x")

    def test_a_new_revision_shows_the_earlier_one_and_confirms_it_again(self, client, clinician):
        screening = flagged(clinician)
        rule = first_rule(screening)
        flag_acknowledge(revision=screening.revisions.first(), user=clinician, rule_id=rule, reason="MAOI plan agreed.")
        screening_revise(screening=screening, user=clinician, client_code="RC-1001",
                         intake=healthy_intake(medications=["Nardil"]), answers={})
        signed_in = client_for(client, clinician)
        page = signed_in.get(reverse("screening_detail", args=[screening.pk])).content.decode()
        card = page[page.index(f'id="flag-{rule}"'):]
        card = card[:card.index("</article>")]
        assert "Acknowledged on revision 1 by clinician" in card and "MAOI plan agreed." in card
        assert "Confirm again for revision 2" in card
        response = signed_in.post(reverse("acknowledge", args=[screening.pk, 2]),
                                  {"rule": rule, "reason": "MAOI plan agreed."})
        assert response.status_code == 302
        assert list(Acknowledgement.objects.values_list("revision__number", "reason")) == [
            (1, "MAOI plan agreed."), (2, "MAOI plan agreed.")]


# --- Append-only at the database -------------------------------------------------------------------------------

class TestTheDatabaseRefusesChanges:
    def test_every_trigger_is_in_place_after_all_migrations(self):
        assert missing_triggers(connection) == []

    def test_the_audit_trail_refuses_update_and_delete_however_asked(self, clinician):
        flagged(clinician)
        refused(lambda: AuditEvent.objects.update(action="viewed"))
        refused(lambda: AuditEvent.objects.all().delete())
        refused(lambda: raw("UPDATE screening_auditevent SET revision_number = 7"))
        refused(lambda: raw("DELETE FROM screening_auditevent"))
        assert AuditEvent.objects.get().action == "created"

    def test_revisions_and_acknowledgements_refuse_update_and_delete(self, clinician):
        screening = flagged(clinician)
        flag_acknowledge(revision=screening.revisions.first(), user=clinician, rule_id=first_rule(screening),
                         reason="Seen.")
        refused(lambda: Revision.objects.update(intake={"substances": ["lsd"]}))
        refused(lambda: raw("UPDATE screening_revision SET ruleset_version = 'x'"))
        refused(lambda: raw("DELETE FROM screening_revision"))
        refused(lambda: Acknowledgement.objects.update(reason="Rewritten."))
        refused(lambda: raw("DELETE FROM screening_acknowledgement"))
        with pytest.raises(ProtectedError):  # the audit trail protects its screening; the triggers its revisions
            screening.delete()
        assert Revision.objects.count() == 1 and Acknowledgement.objects.get().reason == "Seen."

    def test_erasing_one_screening_does_not_open_another(self, clinician):
        kept, erased = flagged(clinician, "RC-1"), flagged(clinician, "RC-2")
        with transaction.atomic(), erasing([erased.pk]):
            refused(lambda: Revision.objects.filter(screening=kept).delete())
            Revision.objects.filter(screening=erased).delete()
        assert list(Revision.objects.values_list("screening__client_code", flat=True)) == ["RC-1"]
        refused(lambda: Revision.objects.filter(screening=kept).delete())  # the permission ended with the block

    def test_an_event_cannot_follow_the_same_predecessor_twice(self, clinician):
        flagged(clinician)
        first = AuditEvent.objects.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.create(user=clinician, action="viewed", prev_hash=first.prev_hash, hash="f" * 64)


class TestHashChain:
    def test_each_event_carries_its_predecessors_hash(self, clinician):
        screening = flagged(clinician)
        audit(clinician, "viewed", screening, 1)
        first, second = AuditEvent.objects.order_by("id")
        assert first.prev_hash == "0" * 64 and second.prev_hash == first.hash and len(second.hash) == 64

    def test_audit_verify_passes_an_intact_trail(self, clinician, capsys):
        screening = flagged(clinician)
        audit(clinician, "viewed", screening, 1)
        call_command("audit_verify")
        assert "intact: 2 events" in capsys.readouterr().out

    def test_audit_verify_names_the_first_changed_event(self, clinician):
        screening = flagged(clinician)
        for _ in range(3):
            audit(clinician, "viewed", screening, 1)
        target = AuditEvent.objects.order_by("id")[1]
        drop_triggers()
        raw("UPDATE screening_auditevent SET action = 'printed' WHERE id = %s", [target.pk])
        with pytest.raises(CommandError, match=rf"event #{target.pk}: its content does not match its hash"):
            call_command("audit_verify")

    def test_audit_verify_names_the_event_after_a_removed_one(self, clinician):
        screening = flagged(clinician)
        for _ in range(3):
            audit(clinician, "viewed", screening, 1)
        events = list(AuditEvent.objects.order_by("id"))
        drop_triggers()
        raw("DELETE FROM screening_auditevent WHERE id = %s", [events[1].pk])
        with pytest.raises(CommandError, match=rf"event #{events[2].pk}: its predecessor hash does not match "
                                               rf"event #{events[0].pk}"):
            call_command("audit_verify")

    def test_audit_verify_reports_dropped_triggers(self, clinician):
        flagged(clinician)
        drop_triggers()
        with pytest.raises(CommandError, match="no longer refuses changes"):
            call_command("audit_verify")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(clinician):
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database is in memory; SQLite's writers queue at BEGIN IMMEDIATE anyway")
    screening = flagged(clinician)
    workers, errors = 6, []
    barrier = threading.Barrier(workers)

    def append():
        try:
            barrier.wait()
            for _ in range(5):
                audit(clinician, "viewed", screening, 1)
        except Exception as exc:  # any failure of a writer fails the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and AuditEvent.objects.count() == 1 + workers * 5
    call_command("audit_verify")


class TestAuditedReads:
    def test_reading_a_revision_in_the_admin_is_audited(self, client, clinician, lead):
        screening = flagged(clinician)
        lead.is_staff = lead.is_superuser = True
        lead.save()
        revision = screening.revisions.first()
        response = client_for(client, lead).get(f"/admin/screening/revision/{revision.pk}/change/")
        assert response.status_code == 200
        event = AuditEvent.objects.order_by("id").last()
        assert (event.user, event.action, event.screening, event.revision_number) == (lead, "admin_viewed",
                                                                                       screening, 1)

    def test_refused_requests_are_audited_without_content(self, client, clinician, clinician2, trainee):
        screening = flagged(clinician)
        assert client_for(client, clinician2).get(reverse("screening_detail", args=[screening.pk])).status_code == 404
        assert client.get(reverse("screening_edit", args=[987654])).status_code == 404
        assert client_for(client, trainee).get(reverse("revision_pdf", args=[screening.pk, 1])).status_code == 403
        events = list(AuditEvent.objects.filter(action="refused").order_by("id").values_list(
            "user__username", "screening_id", "screening_ref", "revision_number", "reason"))
        assert events == [("clinician2", None, screening.pk, None, ""), ("clinician2", None, 987654, None, ""),
                          ("trainee", None, screening.pk, None, "")]


# --- No lost edits -------------------------------------------------------------------------------------------

class TestNoLostEdits:
    def test_the_edit_form_carries_the_revision_it_started_from(self, client, clinician):
        screening = flagged(clinician)
        page = client_for(client, clinician).get(reverse("screening_edit", args=[screening.pk])).content.decode()
        assert re.search(r'<input type="hidden" name="base_revision" value="1">', page)

    def test_the_older_tab_gets_the_differences_and_nothing_is_lost(self, client, clinician):
        screening = flagged(clinician)
        signed_in = client_for(client, clinician)
        url = reverse("screening_edit", args=[screening.pk])
        first = signed_in.post(url, edit_form(pregnant="yes", base_revision="1"))
        assert first.status_code == 302 and screening.revisions.first().intake["pregnant"] is True
        second = signed_in.post(url, edit_form(notes="Second tab's own note.", base_revision="1"))
        assert second.status_code == 409
        assert Revision.objects.filter(screening=screening).count() == 2  # nothing saved
        page = second.content.decode()
        assert "revision 2 was saved since" in page
        row = re.search(r"<th scope=\"row\">([^<]*pregnant[^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>", page, re.I)
        assert row and (row.group(2), row.group(3)) == ("Not assessed", "Yes")
        assert '<input type="hidden" name="notes" value="Second tab&#x27;s own note.">' in page
        assert '<input type="hidden" name="base_revision" value="2">' in page
        entries = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
        assert entries["medications"] == "Nardil" and entries["client_code"] == "RC-1001"
        # "Save mine anyway": the page's form posts every entry again, now on top of revision 2.
        mine = signed_in.post(url, edit_form(notes="Second tab's own note.", base_revision="2"))
        assert mine.status_code == 302
        latest = screening.revisions.first()
        assert latest.number == 3 and latest.intake["notes"] == "Second tab's own note."
        assert "pregnant" not in latest.intake and screening.revisions.get(number=2).intake["pregnant"] is True

    def test_a_new_screening_form_saves_once_however_often_posted(self, client, clinician):
        signed_in = client_for(client, clinician)
        page = signed_in.get(reverse("screening_new")).content.decode()
        key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
        responses = [signed_in.post(reverse("screening_new"), edit_form(idempotency_key=key)) for _ in range(3)]
        screening = Screening.objects.get()
        assert {r.url for r in responses} == {reverse("screening_detail", args=[screening.pk])}
        assert screening.revisions.count() == 1 and AuditEvent.objects.filter(action="created").count() == 1
        other = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"',
                          signed_in.get(reverse("screening_new")).content.decode()).group(1)
        assert other != key

    def test_the_database_holds_one_screening_per_form(self, clinician):
        key = "7f1c8a52-2c89-4d0e-9a55-0d3f6c7e1b11"
        Screening.objects.create(owner=clinician, client_code="RC-9", idempotency_key=key)
        with pytest.raises(IntegrityError), transaction.atomic():
            Screening.objects.create(owner=clinician, client_code="RC-9", idempotency_key=key)

    def test_a_repeated_substance_is_stored_once(self, client, clinician):
        client_for(client, clinician).post(reverse("screening_new"),
                                           edit_form(substances=["mdma", "mdma", "lsd", "mdma"]))
        revision = Revision.objects.get()
        assert revision.intake["substances"] == revision.assessment["substances"] == ["mdma", "lsd"]


# --- Erasure and retention ---------------------------------------------------------------------------------------

class TestErasure:
    def test_a_lead_erases_with_a_reason_and_the_trail_keeps_a_tombstone(self, client, clinician, lead):
        screening = flagged(clinician)
        flag_acknowledge(revision=screening.revisions.first(), user=clinician, rule_id=first_rule(screening),
                         reason="Seen.")
        signed_in = client_for(client, lead)
        assert signed_in.get(reverse("screening_erase", args=[screening.pk])).status_code == 200
        response = signed_in.post(reverse("screening_erase", args=[screening.pk]),
                                  {"reason": "The client withdrew consent."})
        assert response.status_code == 302
        assert not Revision.objects.exists() and not Acknowledgement.objects.exists()
        screening.refresh_from_db()
        assert screening.erased_by == lead and screening.erased_at and screening.client_code == ""
        tombstone = AuditEvent.objects.order_by("id").last()
        assert (tombstone.user, tombstone.action, tombstone.reason) == (lead, "erased",
                                                                       "The client withdrew consent.")
        page = signed_in.get(reverse("screening_detail", args=[screening.pk]))
        assert page.status_code == 410 and "The client withdrew consent." in page.content.decode()
        assert "RC-1001" not in page.content.decode() and "Nardil" not in page.content.decode()
        for name in ("revision_pdf", "revision_export"):  # no printout or export is made of it any more
            assert signed_in.get(reverse(name, args=[screening.pk, 1])).status_code == 404
        listing = signed_in.get(reverse("screening_list")).content.decode()
        assert "(erased)" in listing and "RC-1001" not in listing
        call_command("audit_verify")  # the chain holds across the erasure

    def test_erasure_needs_a_reason_and_a_lead(self, client, clinician, lead):
        screening = flagged(clinician)
        assert client_for(client, lead).post(reverse("screening_erase", args=[screening.pk]),
                                             {"reason": "  "}).status_code == 400
        assert client_for(client, clinician).post(reverse("screening_erase", args=[screening.pk]),
                                                  {"reason": "Mine."}).status_code == 403
        assert Revision.objects.count() == 1

    def test_retention_lists_first_and_erases_only_with_apply(self, clinician, lead, capsys):
        with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=366 * 9)):
            old = flagged(clinician, "RC-OLD1")
        recent = flagged(clinician, "RC-NEW1")
        call_command("retention", "--older-than", "8")
        out = capsys.readouterr().out
        assert f"Would erase screening #{old.pk} (RC-OLD1)" in out and "RC-NEW1" not in out
        assert Revision.objects.count() == 2
        with pytest.raises(CommandError, match="--by"):
            call_command("retention", "--older-than", "8", "--apply")
        call_command("retention", "--older-than", "8", "--apply", "--by", lead.username)
        assert list(Revision.objects.values_list("screening_id", flat=True)) == [recent.pk]
        assert AuditEvent.objects.filter(action="erased", screening=old, user=lead,
                                         reason__startswith="Retention").exists()

    def test_retention_refuses_a_bad_period(self):
        for bad in ("soon", "0", "-3"):
            with pytest.raises(CommandError, match="number of years"):
                call_command("retention", "--older-than", bad)


@pytest.mark.django_db(transaction=True)
def test_the_sqlite_backup_holds_the_records_and_the_triggers(clinician, tmp_path):
    screening = flagged(clinician)
    target = tmp_path / "threshold.sqlite3"
    if connection.vendor != "sqlite":
        with pytest.raises(CommandError, match="pg_dump"):
            call_command("backup", str(target))
        return
    call_command("backup", str(target))
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("SELECT client_code FROM screening_screening").fetchall() == [("RC-1001",)]
        assert copy.execute("SELECT count(*) FROM screening_revision WHERE screening_id = ?",
                            [screening.pk]).fetchone() == (1,)
        names = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert {name for name, _, _ in TRIGGERS} <= names
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            copy.execute("DELETE FROM screening_auditevent")
    finally:
        copy.close()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(target))


def test_erasing_twice_changes_nothing(clinician, lead):
    screening = flagged(clinician)
    screening_erase(screening=screening, user=lead, reason="Consent withdrawn.")
    screening_erase(screening=screening, user=lead, reason="Again.")
    assert AuditEvent.objects.filter(action="erased").count() == 1
