"""Small filters for showing assessments: severity words, substance names, dictionary look-ups."""
from django import template

from screening.engine import default_ruleset

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
