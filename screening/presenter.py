"""The one place a stored revision becomes what its page, its PDF summary and its JSON export show.

It reads only what the revision stored when it was saved: its client code, intake, answers, assessment and the
rule set's names (`labels`). Today's rule set is never consulted, so an old revision reads the same after a
rule-set change or after the screening's client code changes. The pure part (matrix, flags, references, gaps,
medications) is the engine's `present`; this module adds what lives in the Django models.
"""
from screening.engine.present import highest_per_substance, present
from screening.forms import container_to_discuss
from screening.models import Revision


def present_revision(revision: Revision) -> dict:
    """Everything every output of one revision shows, from the revision's stored data alone."""
    return present(revision.assessment, revision.labels) | {
        "client_code": revision.client_code,
        "number": revision.number,
        "saved_at": revision.created_at,
        "notes": revision.intake.get("notes") or "",
        "container_to_discuss": container_to_discuss(revision.answers),
    }


def revision_summary(revision: Revision) -> list[dict]:
    """The one line a list shows of a revision: each substance with its highest severity, as stored."""
    return highest_per_substance(revision.assessment, revision.labels)


def revision_export(revision: Revision) -> dict:
    """The JSON export of one revision: what was stored, with the names it was shown with."""
    return {"client_code": revision.client_code, "revision": revision.number,
            "saved_at": revision.created_at.isoformat(), "ruleset_version": revision.ruleset_version,
            "intake": revision.intake, "assessment": revision.assessment, "labels": revision.labels}
