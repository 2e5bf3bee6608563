"""Small filters for pages about today's rule set (the rule set page, the case library, the forms): its names by
code, dictionary look-ups. A stored revision is never shown through these: its outputs read screening/presenter.py."""
from django import template

from screening.engine import default_ruleset
from screening.engine.present import severity

register = template.Library()


@register.filter
def severity_label(code: str) -> dict:
    """A severity code as templates/includes/severity.html shows it, named by today's rule set."""
    return severity(code, default_ruleset().labels())


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
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def halves(items: list) -> list[list]:
    """A list cut in two, the first half the longer, for two columns read top to bottom."""
    middle = (len(items) + 1) // 2
    return [items[:middle], items[middle:]]
