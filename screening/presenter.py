"""The one place a stored revision becomes what its page, its PDF summary and its JSON export show.

It reads only what the revision stored when it was saved: its client code, intake, answers, assessment and the
rule set's names (`labels`). Today's rule set is never consulted, so an old revision reads the same after a
rule-set change or after the screening's client code changes. The pure part (matrix, flags, references, gaps,
medications) is the engine's `present`; this module adds what lives in the Django models.
"""
from screening.engine.present import (
    NOT_ASSESSED_TEXT,
    answer_text,
    completeness,
    flag_differences,
    handout,
    highest_per_substance,
    intake_differences,
    present,
    record_answers,
)
from screening.forms import CONTAINER_ITEMS, CSSRS_ITEMS, MEDICATION_REVIEW, container_to_discuss
from screening.models import Revision


def present_revision(revision: Revision) -> dict:
    """Everything every output of one revision shows, from the revision's stored data alone."""
    return present(revision.assessment, revision.labels) | {
        "client_code": revision.client_code,
        "number": revision.number,
        "saved_at": revision.created_at,
        "notes": revision.intake.get("notes") or "",
        "referral_reason": revision.answers.get("referral_reason") or "",  # shown, never evaluated
        "container_to_discuss": container_to_discuss(revision.answers),
        "completeness": completeness(revision.intake, revision.assessment["not_assessed"], revision.labels),
    }


def revision_summary(revision: Revision) -> list[dict]:
    """The one line a list shows of a revision: each substance with its highest severity, as stored."""
    return highest_per_substance(revision.assessment, revision.labels)


def revision_export(revision: Revision) -> dict:
    """The JSON export of one revision: what was stored, with the names it was shown with."""
    return {"client_code": revision.client_code, "revision": revision.number,
            "saved_at": revision.created_at.isoformat(), "ruleset_version": revision.ruleset_version,
            "intake": revision.intake, "assessment": revision.assessment, "labels": revision.labels}


# For print (screening/pdf.py): the client handout and the clinician record. ---------------------------------------

def present_handout(revision: Revision) -> dict:
    """What the client handout shows: the caution factors in the client's words, from the revision's stored labels;
    the client code and the date the revision was saved. Nothing a clinician wrote is in it."""
    return handout(revision.assessment, revision.labels) | {
        "client_code": revision.client_code, "number": revision.number, "saved_at": revision.created_at,
        "container_to_discuss": container_to_discuss(revision.answers)}


def _tri(value) -> str:
    return {"yes": "Yes", "no": "No", True: "Yes", False: "No"}.get(value, NOT_ASSESSED_TEXT)


def present_record(revision: Revision) -> dict:
    """What the clinician record shows: everything the summary shows, with every answer of the stored form (the
    No answers and the gaps too), the C-SSRS items, the container checklist, the medication review, the stopped
    medicines, and the revision's whole acknowledgement history, oldest first."""
    labels, intake, answers = revision.labels, revision.intake, revision.answers
    titles = {f["rule"]: f["title"] for f in revision.assessment["flags"]}
    cssrs = answers.get("cssrs", {})
    container = answers.get("container")
    review = dict(MEDICATION_REVIEW).get(answers.get("medication_review"), NOT_ASSESSED_TEXT)
    stopped = (answer_text("stopped_medications", intake.get("stopped_medications"), labels)
               if "stopped_medications" in labels.get("questions", {}) else None)
    return present_revision(revision) | {
        "answers": record_answers(intake, labels),
        "cssrs": [{"question": question, "answer": _tri(cssrs.get(name))} for name, _level, question in CSSRS_ITEMS],
        "container": [{"item": label, "answer": NOT_ASSESSED_TEXT if container is None else _tri(container.get(name))}
                      for name, label in CONTAINER_ITEMS],
        "medication_review": review,
        "stopped_medications": stopped,
        "acknowledgements": [{"rule": a.rule_id, "title": titles.get(a.rule_id, a.rule_id), "by": a.user.get_username(),
                              "at": a.created_at, "reason": a.reason}
                             for a in revision.acknowledgements.select_related("user").order_by("created_at", "id")],
    }


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
