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


def severity(code: str, labels: dict, *, complete: bool = True) -> dict:
    """A severity as shown: its code (for the colour), its symbol and its name. No flag with questions left
    unanswered is not a reassurance: it is shown in the neutral "incomplete" style, never in the success colour."""
    if code == "none" and not complete:
        return {"code": "incomplete", "symbol": "◌", "name": "No flag from the answers given"}
    name = "No flag" if code == "none" else _name(labels, "severities", code)
    return {"code": code, "symbol": SEVERITY_SYMBOLS.get(code, ""), "name": name}


def answered_questions(intake: dict, labels: dict) -> list[str]:
    """The assessable questions the stored intake answers: every question but the substances and free text (a
    string that is no choice), read from the intake and its labels alone."""
    questions, choices = labels.get("questions", {}), labels.get("choices", {})
    return [name for name, value in intake.items() if name in questions and name != "substances"
            and (not isinstance(value, str) or name in choices)]


def completeness(intake: dict, not_assessed: list[str], labels: dict) -> dict:
    """How many assessable questions were answered and how many were left unanswered (`not_assessed`, as an
    assessment lists them)."""
    answered = len(answered_questions(intake, labels))
    unanswered = len(not_assessed)
    return {"answered": answered, "unanswered": unanswered, "total": answered + unanswered,
            "complete": unanswered == 0, "mostly_unanswered": unanswered > answered}


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
    """Each substance considered, named, with its highest severity (neutral when questions were left unanswered)."""
    complete = not assessment["not_assessed"]
    return [{"code": s, "name": _name(labels, "substances", s),
             "highest": severity(assessment["summary"].get(s, "none"), labels, complete=complete)}
            for s in assessment["substances"]]


def highest_overall(assessment: dict) -> str:
    """The highest severity of the whole assessment, by code ("none" when no flag was raised)."""
    return max(assessment["summary"].values(), key=lambda code: SEVERITY_RANK.get(code, 0), default="none")


def unacknowledged_critical(assessment: dict, acknowledged: set) -> list[str]:
    """The rule ids of the critical flags no acknowledgement of this revision answers yet."""
    return [f["rule"] for f in assessment["flags"] if f["severity"] == "critical" and f["rule"] not in acknowledged]


def _unique(items) -> list:
    return list(dict.fromkeys(items))


def _factor_card(group: dict, substances: list[dict]) -> dict:
    """One caution factor as one card: its severity for each substance, what raised it and what to discuss, once,
    and the flags (rules) it gathers, each with its own rationale, sources and acknowledgement."""
    flags = group["flags"]
    cells = [{"name": s["name"], "sev": next((f["sev"] for f in flags if s["code"] in f["substances"]), None)}
             for s in substances]
    return {"factor": group["factor"], "name": group["name"], "severity": flags[0]["sev"],
            "cells": [c for c in cells if c["sev"] is not None],
            "evidence": _unique(e for f in flags for e in f["evidence"]),
            "discuss": _unique(d for f in flags for d in f["discuss"]),
            "flags": flags}


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
    factor_cards = [_factor_card(group, substances) for group in by_factor]
    counts = {code: sum(1 for card in factor_cards if card["severity"]["code"] == code) for code in ranked}
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
        "factor_cards": factor_cards,
        "counts": [{"severity": severity(code, labels), "count": counts[code]} for code in ranked],
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


def describe_answer(name: str, value, labels: dict) -> str:
    """A stored answer in the words its revision showed: a choice's wording, yes/no, a list joined, or "not
    assessed" when the question was left unanswered."""
    if value is None:
        return "not assessed"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if name == "substances":
            return ", ".join(_name(labels, "substances", v) for v in value)
        return ", ".join(str(v) for v in value) or "none"
    return str(labels.get("choices", {}).get(name, {}).get(value, value))


def intake_differences(old: dict, old_labels: dict, new: dict, new_labels: dict) -> list[dict]:
    """The questions whose answer differs between two stored intakes, each in its own revision's wording."""
    names = list(dict.fromkeys([*new_labels.get("questions", {}), *old_labels.get("questions", {}), *old, *new]))
    rows = []
    for name in names:
        if old.get(name) == new.get(name):
            continue
        question = new_labels.get("questions", {}).get(name) or _name(old_labels, "questions", name)
        rows.append({"field": name, "question": question, "old": describe_answer(name, old.get(name), old_labels),
                     "new": describe_answer(name, new.get(name), new_labels)})
    return rows


def flag_differences(old: dict, old_labels: dict, new: dict, new_labels: dict) -> dict:
    """How two assessments differ: each substance's highest severity, and flags added, removed or changed
    (severity or substances), by rule."""
    before, after = {f["rule"]: f for f in old["flags"]}, {f["rule"]: f for f in new["flags"]}

    def shown(flag, labels):
        return {"rule": flag["rule"], "title": flag["title"], "factor_name": _name(labels, "factors", flag["factor"]),
                "sev": severity(flag["severity"], labels),
                "substance_names": [_name(labels, "substances", s) for s in flag["substances"]]}

    changed = [{"old": shown(before[r], old_labels), "new": shown(after[r], new_labels)} for r in after
               if r in before and (before[r]["severity"], before[r]["substances"])
               != (after[r]["severity"], after[r]["substances"])]
    substances = list(dict.fromkeys([*new["substances"], *old["substances"]]))
    summary = [{"name": _name(new_labels, "substances", s) if s in new["substances"] else
                _name(old_labels, "substances", s),
                "old": severity(old["summary"][s], old_labels) if s in old["summary"] else None,
                "new": severity(new["summary"][s], new_labels) if s in new["summary"] else None}
               for s in substances if old["summary"].get(s) != new["summary"].get(s)]
    return {"added": [shown(f, new_labels) for r, f in after.items() if r not in before],
            "removed": [shown(f, old_labels) for r, f in before.items() if r not in after],
            "changed": changed, "summary": summary,
            "any": bool(changed or summary or set(before) ^ set(after))}
