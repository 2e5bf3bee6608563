"""What every output of an assessment shows, computed once from the assessment and the names it is shown with.

`present(assessment, labels)` turns a stored assessment and a `Ruleset.labels()` dictionary into plain data: the
per-substance matrix, the flags (each with its names and reference numbers) grouped by severity and by factor, the
numbered references, the gaps, the medications. It reads nothing else, so the same stored assessment and labels
always give the same result, whatever the rule set says today. Pure Python: the text report uses it directly, the
Django presenter (screening/presenter.py) builds the screen, the PDF and the JSON export on it.
"""
from screening.engine.loader import SEVERITY_RANK
from screening.engine.medications import stopped_phrase

SEVERITY_SYMBOLS = {"critical": "▲", "warning": "■", "info": "●", "none": "○"}
NO_CLASS = "no interaction class the rules use"


def _name(labels: dict, kind: str, code: str) -> str:
    return labels.get(kind, {}).get(code, code)


def severity(code: str, labels: dict) -> dict:
    """A severity as shown: its code (for the colour), its symbol and its name."""
    name = "No flag" if code == "none" else _name(labels, "severities", code)
    return {"code": code, "symbol": SEVERITY_SYMBOLS.get(code, ""), "name": name}


def source_key(source: dict):
    return source.get("key") or (source.get("citation"), source.get("url"))


def references(flags: list[dict]) -> tuple[list[dict], dict]:
    """Every source cited, once, numbered in order of first use; and the number of each source by its key."""
    listed: list[dict] = []
    numbers: dict = {}
    for flag in flags:
        for source in flag["sources"]:
            key = source_key(source)
            if key not in numbers:
                numbers[key] = len(listed) + 1
                listed.append(source | {"number": numbers[key]})
    return listed, numbers


def highest_per_substance(assessment: dict, labels: dict) -> list[dict]:
    """Each substance considered, named, with its highest severity."""
    return [{"code": s, "name": _name(labels, "substances", s),
             "highest": severity(assessment["summary"].get(s, "none"), labels)} for s in assessment["substances"]]


def present(assessment: dict, labels: dict) -> dict:
    """The shown form of one assessment; see the module's docstring."""
    refs, numbers = references(assessment["flags"])
    flags = [flag | {"sev": severity(flag["severity"], labels),
                     "factor_name": _name(labels, "factors", flag["factor"]),
                     "substance_names": [_name(labels, "substances", s) for s in flag["substances"]],
                     "grade_name": _name(labels, "evidence_grades", flag["evidence_grade"]),
                     "refs": sorted({numbers[source_key(s)] for s in flag["sources"]})}
             for flag in assessment["flags"]]
    substances = highest_per_substance(assessment, labels)
    factors = list(dict.fromkeys(f["factor"] for f in flags))
    matrix = [{"factor": factor, "name": _name(labels, "factors", factor),
               "cells": [next((f["sev"] for f in flags if f["factor"] == factor and s["code"] in f["substances"]),
                              None) for s in substances]}
              for factor in factors]
    ranked = sorted(SEVERITY_RANK, key=lambda code: SEVERITY_RANK[code], reverse=True)
    by_severity = [{"severity": severity(code, labels), "flags": [f for f in flags if f["severity"] == code]}
                   for code in ranked]
    by_factor = [{"factor": factor, "name": _name(labels, "factors", factor),
                  "flags": [f for f in flags if f["factor"] == factor]} for factor in factors]
    descriptions = labels.get("severity_descriptions", {})
    legend = [severity(code, labels) | {"description": descriptions.get(code, "")}
              for code in ranked if code in labels.get("severities", {})]
    medications = assessment["medications"]
    classes = labels.get("classes", {})
    recognised = [{"input": m["input"], "generic": m["generic"],
                   "show_generic": m["input"].lower() != m["generic"].lower(),
                   "classes": ", ".join(classes.get(c, c) for c in m["classes"]) or NO_CLASS}
                  for m in medications["recognised"]]
    stopped = [{"input": m["input"], "generic": m["generic"], "when": stopped_phrase(m["weeks_ago"]),
                "show_generic": m["input"].lower() != m["generic"].lower(),
                "classes": ", ".join(classes.get(c, c) for c in m["classes"]) or NO_CLASS,
                "window": ("still inside the window for " + ", ".join(classes.get(c, c) for c in m["classes_in_window"])
                           if m["classes_in_window"] else "outside every class window, so it raises no flag")}
               for m in medications.get("stopped", ())]
    suggested = {s["input"]: s["suggestion"] for s in medications.get("suggestions", ())}
    unrecognised = [{"input": name, "suggestion": suggested.get(name)} for name in medications["unrecognised"]]
    return {
        "ruleset_version": assessment["ruleset_version"],
        "substances": substances,
        "matrix": matrix,
        "flags": flags,
        "by_severity": [group for group in by_severity if group["flags"]],
        "by_factor": by_factor,
        "references": refs,
        "legend": legend,
        "gaps": [{"field": n, "label": _name(labels, "questions", n)} for n in assessment["not_assessed"]],
        "medications": {"assessed": "medications" not in assessment["not_assessed"], "recognised": recognised,
                        "stopped": stopped, "unrecognised": unrecognised},
    }
