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


# For print (screening/pdf.py): the client handout and the clinician record. ---------------------------------------

# What the handout says of a factor whose revision stored no client text (saved before client_texts.yaml existed).
CLIENT_FALLBACK = {"means": "Ask your clinician about this factor.", "ask": []}
NOT_ASSESSED_TEXT = "Not assessed"


def handout(assessment: dict, labels: dict) -> dict:
    """The client handout's content: one entry per caution factor (never per rule and substance), the most serious
    first, each with the stored client texts of its flags, said once; the substances it concerns; and how many
    questions are still open. No rule id, grade, note or acknowledgement is in it."""
    shown = present(assessment, labels)
    texts = labels.get("client_texts", {})
    order = [s["code"] for s in shown["substances"]]
    factors = []
    for group in shown["by_factor"]:
        entries, heading = [], None
        for flag in group["flags"]:
            text = texts.get(flag["rule"])
            if text:
                heading = heading or text.get("heading")
                entry = {"means": text["means"], "ask": list(text["ask"])}
                if entry not in entries:
                    entries.append(entry)
        concerned = {s for flag in group["flags"] for s in flag["substances"]}
        factors.append({"factor": group["factor"], "heading": heading or group["name"],
                        "texts": entries or [CLIENT_FALLBACK],
                        "substances": [_name(labels, "substances", s) for s in order if s in concerned],
                        "rank": max(SEVERITY_RANK.get(f["severity"], 0) for f in group["flags"])})
    factors.sort(key=lambda f: -f["rank"])
    return {"factors": factors, "substances": [s["name"] for s in shown["substances"]],
            "open_questions": len(shown["gaps"]),
            "unrecognised": [m["input"] for m in shown["medications"]["unrecognised"]]}


def _listed(value) -> str:
    """A list answer in words: each item, a mapping's values joined; an empty list is "None listed"."""
    items = []
    for item in value:
        if isinstance(item, dict):
            item = ", ".join(str(v) for v in item.values() if v not in (None, "", []))
        items.append(str(item))
    return "; ".join(items) if items else "None listed"


def answer_text(name: str, value, labels: dict, unit: str | None = None) -> str:
    """One intake answer as the record prints it: Yes, No, the choice's wording, a number with its unit, a list;
    an absent or empty answer is "Not assessed", never "No"."""
    if value is None or value == "":
        return NOT_ASSESSED_TEXT
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "substances":
        return ", ".join(_name(labels, "substances", s) for s in value) or "None"
    if isinstance(value, list):
        return _listed(value)
    choices = labels.get("choices", {}).get(name)
    if choices and isinstance(value, str):
        return choices.get(value, value)
    return f"{value} {unit}" if unit else str(value)


def record_answers(intake: dict, labels: dict) -> list[dict]:
    """Every question of the stored form with its answer, grouped by the stored sections in order. Free text
    (the notes) is left to its own part of the record. A revision stored before sections were kept lists every
    question it has wording for, under one heading."""
    sections = labels.get("sections") or [
        {"title": "Answers", "fields": [{"name": n, "type": None} for n in labels.get("questions", {})]}]
    out = []
    for section in sections:
        rows = [{"name": f["name"], "question": _name(labels, "questions", f["name"]),
                 "answer": answer_text(f["name"], intake.get(f["name"]), labels, f.get("unit")),
                 "assessed": intake.get(f["name"]) not in (None, "")}
                for f in section["fields"] if f.get("type") != "text"]
        if rows:
            out.append({"title": section["title"], "rows": rows})
    return out
