"""The audit trail's hash chain: each event's hash covers its fields and the hash of the event before it.

Pure functions, shared by the services that append events, migration 0004 that chained the events already stored,
and `manage.py audit_verify`. Changing, removing or reordering a stored event breaks the chain at that event.
"""
import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64  # the predecessor hash of the first event
FIELDS = ("at", "user_id", "action", "screening_id", "screening_ref", "revision_number", "reason")


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(prev_hash: str, fields: dict) -> str:
    """The hash of one event: SHA-256 of its predecessor's hash and its fields in a fixed, canonical form."""
    body = {name: _stamp(fields[name]) if name == "at" else fields[name] for name in FIELDS}
    canonical = json.dumps([prev_hash, body], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def chain(events, prev_hash: str = GENESIS) -> str:
    """Sets `prev_hash` and `hash` on unsaved events (objects with FIELDS as attributes), in order, continuing the
    chain after `prev_hash`; returns the last hash. For writing many events at once: a data migration, a bulk load."""
    for event in events:
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_hash(prev_hash, {name: getattr(event, name) for name in FIELDS})
    return prev_hash


def first_broken_link(events) -> str | None:
    """Walks events (dicts with FIELDS, id, prev_hash, hash) in id order; describes the first broken link."""
    expected_prev = GENESIS
    previous_id = None
    for event in events:
        if event["prev_hash"] != expected_prev:
            before = f"event #{previous_id}" if previous_id is not None else "the start of the trail"
            return (f"audit event #{event['id']}: its predecessor hash does not match {before} "
                    "(an event was removed, inserted or reordered)")
        if event_hash(event["prev_hash"], event) != event["hash"]:
            return f"audit event #{event['id']}: its content does not match its hash (the event was changed)"
        expected_prev, previous_id = event["hash"], event["id"]
    return None
