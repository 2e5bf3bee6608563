"""A readable terminal report of an assessment (`manage.py screen --format text`)."""
import textwrap

from screening.engine.loader import Ruleset
from screening.engine.medications import stopped_phrase

DISCLAIMER = ("Educational discussion aid: not a diagnosis, an eligibility decision or dosing advice. "
              "Every caution factor is for discussion with a qualified clinician.")


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def text_report(assessment: dict, ruleset: Ruleset) -> str:
    grades = {g["code"]: g["name"] for g in ruleset.evidence_grades}
    fields = ruleset.intake.fields
    lines = ["Threshold screening summary", _wrap(DISCLAIMER, ""), f"Rule set {assessment['ruleset_version']}", ""]
    lines.append("Highest severity per substance:")
    for code, severity in assessment["summary"].items():
        lines.append(f"  {ruleset.substance_name(code):<24} {severity}")
    lines.append("")
    flags = assessment["flags"]
    lines.append(f"Caution factors ({len(flags)}):" if flags else "No caution factor was raised by the answers given.")
    for flag in flags:
        names = ", ".join(ruleset.substance_name(s) for s in flag["substances"])
        lines.append(f"[{flag['severity'].upper()}] {flag['title']}  ({names}; rule {flag['rule']})")
        lines.append(_wrap(flag["rationale"], "    "))
        lines.append("    Triggered by: " + "; ".join(flag["evidence"]))
        lines.extend(_wrap("Discuss: " + prompt, "    ") for prompt in flag["discuss"])
        lines.append(f"    Evidence: {grades[flag['evidence_grade']]}")
        lines.extend(f"    Source: {s['citation']} {s['url']}" for s in flag["sources"])
        lines.append("")
    meds = assessment["medications"]
    if meds["recognised"]:
        lines.append("Medications recognised: " + "; ".join(
            f"{m['input']} ({m['generic']}: {', '.join(m['classes']) or 'no interaction class'})"
            for m in meds["recognised"]))
    if meds.get("stopped"):
        lines.append("Medications stopped: " + "; ".join(
            f"{m['input']} ({m['generic']}, {stopped_phrase(m['weeks_ago'])}: "
            f"{', '.join(m['classes_in_window']) or 'outside every class window'})" for m in meds["stopped"]))
    if meds["unrecognised"]:
        suggested = {s["input"]: s["suggestion"] for s in meds.get("suggestions", ())}
        lines.append("Medications not recognised (check by hand): " + ", ".join(
            f"{name} (did you mean {suggested[name]}?)" if name in suggested else name
            for name in meds["unrecognised"]))
    if assessment["not_assessed"]:
        lines.append(_wrap("Not assessed (not read as 'no'): "
                           + "; ".join(fields[n].label for n in assessment["not_assessed"]), ""))
    return "\n".join(lines) + "\n"
