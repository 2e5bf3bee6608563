"""The record is append-only at the database: triggers refuse UPDATE and DELETE, erasure is the one way through.

Triggers (created by migration 0004, for SQLite and PostgreSQL):
- the audit trail (screening_auditevent): no UPDATE, no DELETE;
- revisions (screening_revision) and acknowledgements (screening_acknowledgement): no UPDATE; DELETE only while
  their screening is being erased.

How erasure gets through, the same on both databases: `erasing()` writes the screening's id into the helper table
threshold_erasure_in_progress inside the erasing transaction and removes it again before that transaction ends,
so the row is never committed and no other connection ever sees it (SQLite has one writer at a time; PostgreSQL
shows no uncommitted row to another transaction). The DELETE triggers check for that row, scoped to the screening:
erasing one screening cannot delete another's revisions. The id 0 (no screening has it) stands for every screening;
only `manage.py flush`, which empties the whole database (tests, development), writes it, and only it lets the audit
trail be emptied. The helper table is not a Django model, so flush leaves it alone.
On PostgreSQL, TRUNCATE fires no row trigger: it stays possible for the table owner, as does dropping a trigger.
Those are administrator acts outside the app; the hash chain (`manage.py audit_verify`) shows any change they make.
"""
from contextlib import contextmanager

from django.db import connections

FLAG_TABLE = "threshold_erasure_in_progress"
EVERY_SCREENING = 0

# (name, table, event) of every trigger; audit_verify checks that all are in place.
TRIGGERS = (
    ("threshold_audit_no_update", "screening_auditevent", "UPDATE"),
    ("threshold_audit_no_delete", "screening_auditevent", "DELETE"),
    ("threshold_revision_no_update", "screening_revision", "UPDATE"),
    ("threshold_revision_no_delete", "screening_revision", "DELETE"),
    ("threshold_ack_no_update", "screening_acknowledgement", "UPDATE"),
    ("threshold_ack_no_delete", "screening_acknowledgement", "DELETE"),
)

_ERASING = {
    "screening_auditevent": f"EXISTS (SELECT 1 FROM {FLAG_TABLE} WHERE screening_id = {EVERY_SCREENING})",
    "screening_revision": f"EXISTS (SELECT 1 FROM {FLAG_TABLE} WHERE screening_id IN ({EVERY_SCREENING}, "
                          "OLD.screening_id))",
    "screening_acknowledgement": f"EXISTS (SELECT 1 FROM {FLAG_TABLE} WHERE screening_id = {EVERY_SCREENING} OR "
                                 "screening_id = (SELECT screening_id FROM screening_revision "
                                 "WHERE id = OLD.revision_id))",
}


def _message(table: str, event: str) -> str:
    return f"threshold: {event} on {table} is refused: the record is append-only (erasure is the one way)"


def _sqlite_sql() -> list[str]:
    sql = [f"CREATE TABLE {FLAG_TABLE} (screening_id bigint NOT NULL)"]
    for name, table, event in TRIGGERS:
        when = f" WHEN NOT {_ERASING[table]}" if event == "DELETE" else ""
        sql.append(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                   f"BEGIN SELECT RAISE(ABORT, '{_message(table, event)}'); END")
    return sql


def _postgresql_sql() -> list[str]:
    sql = [f"CREATE TABLE {FLAG_TABLE} (screening_id bigint NOT NULL)"]
    for name, table, event in TRIGGERS:
        allow = (f"IF {_ERASING[table]} THEN RETURN OLD; END IF; " if event == "DELETE" else "")
        sql.append(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {allow}"
                   f"RAISE EXCEPTION '{_message(table, event)}' USING ERRCODE = 'restrict_violation'; END $$")
        sql.append(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
    return sql


def create_sql(vendor: str) -> list[str]:
    """The statements that create the helper table and the triggers on this database."""
    if vendor == "sqlite":
        return _sqlite_sql()
    if vendor == "postgresql":
        return _postgresql_sql()
    raise NotImplementedError(f"Threshold's append-only triggers exist for SQLite and PostgreSQL, not {vendor}.")


def drop_sql(vendor: str) -> list[str]:
    """The statements that remove them again (the migration's reverse; the tests' tampering)."""
    if vendor == "postgresql":
        sql = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, _ in TRIGGERS]
        sql += [f"DROP FUNCTION IF EXISTS {name}()" for name, _, _ in TRIGGERS]
    else:
        sql = [f"DROP TRIGGER IF EXISTS {name}" for name, _, _ in TRIGGERS]
    return sql + [f"DROP TABLE IF EXISTS {FLAG_TABLE}"]


def missing_triggers(connection) -> list[str]:
    """The names of the triggers that are not in place on this database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return [name for name, _, _ in TRIGGERS if name not in present]


@contextmanager
def erasing(screening_ids, using: str = "default"):
    """Lets the block delete the revisions and acknowledgements of these screenings, inside one transaction."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("Erasure runs inside a transaction, so that its permission is never committed.")
    rows = [(int(pk),) for pk in screening_ids]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {FLAG_TABLE} (screening_id) VALUES (%s)", rows)
    yield
    # On an exception the transaction rolls back, taking the rows with it; on success they go before the commit.
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FLAG_TABLE} WHERE screening_id = %s", rows)
