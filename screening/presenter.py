"""The one place a stored revision becomes what its page, its PDF summary and its JSON export show.

It reads only what the revision stored when it was saved: its client code, intake, answers, assessment and the
rule set's names (`labels`). Today's rule set is never consulted, so an old revision reads the same after a
rule-set change or after the screening's client code changes. The pure part (matrix, flags, references, gaps,
medications) is the engine's `present`; this module adds what lives in the Django models.
"""
from screening.engine.present import (
    completeness,
    flag_differences,
    highest_per_substance,
    intake_differences,
    present,
)
from screening.forms import CONTAINER_ITEMS, CSSRS_ITEMS, container_to_discuss
from screening.models import Revision


def present_revision(revision: Revision) -> dict:
    """Everything every output of one revision shows, from the revision's stored data alone."""
    return present(revision.assessment, revision.labels) | {
        "client_code": revision.client_code,
        "number": revision.number,
        "saved_at": revision.created_at,
        "notes": revision.intake.get("notes") or "",
        "container_to_discuss": container_to_discuss(revision.answers),
        "completeness": completeness(revision.intake, revision.assessment, revision.labels),
    }


def revision_summary(revision: Revision) -> list[dict]:
    """The one line a list shows of a revision: each substance with its highest severity, as stored."""
    return highest_per_substance(revision.assessment, revision.labels)


def revision_export(revision: Revision) -> dict:
    """The JSON export of one revision: what was stored, with the names it was shown with."""
    return {"client_code": revision.client_code, "revision": revision.number,
            "saved_at": revision.created_at.isoformat(), "ruleset_version": revision.ruleset_version,
            "intake": revision.intake, "assessment": revision.assessment, "labels": revision.labels}


def _answer_rows(answers: dict) -> list[tuple[str, str, str]]:
    """The form's answers beyond the intake (C-SSRS items, container checklist) as (key, question, answer)."""
    cssrs, container = answers.get("cssrs", {}), answers.get("container", {})
    rows = [(name, question, {"yes": "yes", "no": "no"}.get(cssrs.get(name), "not assessed"))
            for name, _, question in CSSRS_ITEMS]
    rows += [(name, label, "in place" if container.get(name) else "to discuss") for name, label in CONTAINER_ITEMS]
    return rows


def revision_diff(old: Revision, new: Revision) -> dict:
    """Two revisions side by side: each changed answer (old → new, in each revision's stored wording) and how the
    assessment changed (flags added, removed, severity changed)."""
    fields = intake_differences(old.intake, old.labels, new.intake, new.labels)
    before = {key: answer for key, _, answer in _answer_rows(old.answers)}
    fields += [{"field": key, "question": question, "old": before[key], "new": answer}
               for key, question, answer in _answer_rows(new.answers) if before[key] != answer]
    if old.client_code != new.client_code:
        fields.insert(0, {"field": "client_code", "question": "Client reference code", "old": old.client_code,
                          "new": new.client_code})
    return {"fields": fields, "flags": flag_differences(old.assessment, old.labels, new.assessment, new.labels)}
