"""A readable terminal report of an assessment (`manage.py screen --format text`), from the shared presentation."""
import textwrap

from screening.engine.present import present

DISCLAIMER = ("Educational discussion aid: not a diagnosis, an eligibility decision or dosing advice. "
              "Every caution factor is for discussion with a qualified clinician.")


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def text_report(assessment: dict, labels: dict) -> str:
    """The report of one assessment shown with the given names (a `Ruleset.labels()` dictionary)."""
    shown = present(assessment, labels)
    lines = ["Threshold screening summary", _wrap(DISCLAIMER, ""), f"Rule set {shown['ruleset_version']}", ""]
    lines.append("Highest severity per substance:")
    for substance in shown["substances"]:
        lines.append(f"  {substance['name']:<24} {substance['highest']['code']}")
    lines.append("")
    flags = shown["flags"]
    lines.append(f"Caution factors ({len(flags)}):" if flags else "No caution factor was raised by the answers given.")
    for flag in flags:
        lines.append(f"[{flag['severity'].upper()}] {flag['title']}  ({', '.join(flag['substance_names'])}; "
                     f"rule {flag['rule']})")
        lines.append(_wrap(flag["rationale"], "    "))
        lines.append("    Triggered by: " + "; ".join(flag["evidence"]))
        lines.extend(_wrap("Discuss: " + prompt, "    ") for prompt in flag["discuss"])
        lines.append(f"    Evidence: {flag['grade_name']}")
        lines.extend(f"    Source: {s['citation']} {s['url']}" for s in flag["sources"])
        lines.append("")
    meds = shown["medications"]
    if meds["recognised"]:
        lines.append("Medications recognised: " + "; ".join(
            f"{m['input']} ({m['generic']}: {m['classes']})" for m in meds["recognised"]))
    if meds["stopped"]:
        lines.append("Medications stopped: " + "; ".join(
            f"{m['input']} ({m['generic'] + ', ' if m['show_generic'] else ''}{m['when']}: {m['window']})"
            for m in meds["stopped"]))
    if meds["unrecognised"]:
        lines.append("Medications not recognised (check by hand): " + ", ".join(
            f"{m['input']} (did you mean {m['suggestion']}?)" if m["suggestion"] else m["input"]
            for m in meds["unrecognised"]))
    if shown["gaps"]:
        lines.append(_wrap("Not assessed (not read as 'no'): " + "; ".join(g["label"] for g in shown["gaps"]), ""))
    return "\n".join(lines) + "\n"
