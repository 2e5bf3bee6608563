"""Small filters for showing assessments: severity words, substance names, dictionary look-ups."""
from django import template

from screening.engine import default_ruleset
from screening.engine.medications import stopped_phrase

register = template.Library()
SYMBOLS = {"critical": "▲", "warning": "■", "info": "●", "none": "○"}


@register.filter
def severity_name(code: str) -> str:
    names = {s["code"]: s["name"] for s in default_ruleset().severities}
    return names.get(code, "No flag" if code == "none" else code)


@register.filter
def severity_symbol(code: str) -> str:
    return SYMBOLS.get(code, "")


@register.filter
def substance_name(code: str) -> str:
    try:
        return default_ruleset().substance_name(code)
    except StopIteration:
        return code


@register.filter
def factor_name(code: str) -> str:
    try:
        return default_ruleset().factor_name(code)
    except StopIteration:
        return code


@register.filter
def grade_name(code: str) -> str:
    return {g["code"]: g["name"] for g in default_ruleset().evidence_grades}.get(code, code)


@register.filter
def field_label(name: str) -> str:
    spec = default_ruleset().intake.fields.get(name)
    return spec.label if spec else name


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def class_names(codes: list[str]) -> str:
    """Medication class codes as words: ['ssri', 'serotonergic'] -> 'SSRI, Serotonergic'."""
    names = default_ruleset().catalogue.class_names
    return ", ".join(names.get(c, c) for c in codes) or "no interaction class the rules use"


@register.filter
def halves(items: list) -> list[list]:
    """A list cut in two, the first half the longer, for two columns read top to bottom."""
    middle = (len(items) + 1) // 2
    return [items[:middle], items[middle:]]


@register.filter
def unrecognised_lines(medications: dict) -> list[str]:
    """The unrecognised names, each with the catalogue's suggestion when it offered one."""
    suggested = {s["input"]: s["suggestion"] for s in medications.get("suggestions", ())}
    return [f"{name} (did you mean {suggested[name]}?)" if name in suggested else name
            for name in medications.get("unrecognised", ())]


@register.filter
def stopped_line(match: dict) -> str:
    """A stopped medicine as read: 'fluoxetine, stopped 3 weeks ago: still inside the window for SSRI'."""
    shown = match["input"] if match["input"].lower() == match["generic"].lower() else \
        f"{match['input']} ({match['generic']})"
    when = stopped_phrase(match["weeks_ago"])
    if match["classes_in_window"]:
        return f"{shown}, {when}: still inside the window for {class_names(match['classes_in_window'])}"
    return f"{shown}, {when}: outside every class window, so it raises no flag"
