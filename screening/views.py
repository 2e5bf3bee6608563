"""Pages every signed-in role shares: home, about, the rule set and the blank intake form."""
from crispy_forms.layout import Fieldset
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.engine import default_ruleset
from screening.forms import IntakeForm
from screening.roles import is_lead


@require_GET
def home(request):
    return render(request, "screening/home.html", {"ruleset": default_ruleset()})


@require_GET
@login_not_required
def about(request):
    return render(request, "screening/about.html", {"ruleset": default_ruleset()})


def _matches(rule, ruleset, words: list[str]) -> bool:
    text = " ".join([rule.id, rule.title, rule.rationale, *rule.discuss, ruleset.factor_name(rule.factor),
                     *(ruleset.substance_name(s) for s in rule.substances)]).lower()
    return all(word in text for word in words)


def rule_filters(request, ruleset) -> dict:
    """The rule-set page's GET filters, each checked against the rule set: search words, substance, factor,
    severity; anything unknown is no filter."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    chosen = {"q": query}
    for key, allowed in (("substance", [s["code"] for s in ruleset.substances]),
                         ("factor", [f["code"] for f in ruleset.factors]),
                         ("severity", [s["code"] for s in ruleset.severities])):
        value = request.GET.get(key, "")
        chosen[key] = value if value in allowed else ""
    return chosen


@require_GET
def ruleset_page(request):
    """The whole rule set as a document: factors, rules per substance, medication classes, bibliography; the rules
    searchable and filterable by substance, factor and severity (GET, works without JavaScript). Codes and rule ids
    are shown to clinical leads only."""
    ruleset = default_ruleset()
    chosen = rule_filters(request, ruleset)
    words = chosen["q"].lower().split()

    def wanted(rule) -> bool:
        return ((not chosen["substance"] or chosen["substance"] in rule.substances)
                and (not chosen["factor"] or rule.factor == chosen["factor"])
                and (not chosen["severity"] or rule.severity == chosen["severity"])
                and _matches(rule, ruleset, words))

    filtered = any(chosen.values())
    factors = [(f, [r for r in ruleset.rules if r.factor == f["code"] and wanted(r)]) for f in ruleset.factors]
    if filtered:
        factors = [(f, rules) for f, rules in factors if rules]
    cited = {key for rule in ruleset.rules for key in rule.sources}
    classes = [(ruleset.medication_class(code), sorted(m.generic for m in ruleset.catalogue.medications
                                                       if code in m.classes))
               for code in ruleset.catalogue.class_names]
    return render(request, "screening/ruleset.html", {
        "ruleset": ruleset, "factors": factors, "classes": classes, "chosen": chosen, "filtered": filtered,
        "shown": sum(len(rules) for _, rules in factors), "is_lead": is_lead(request.user),
        "sources": sorted(ruleset.sources.values(), key=lambda s: s["citation"].lower()), "cited": cited})


def blank_form_context() -> dict:
    """The web intake form's own sections and questions, walked in layout order, for the paper fallback."""
    form = IntakeForm()
    sections = []
    for fieldset in form.helper.layout:
        if not isinstance(fieldset, Fieldset):
            continue
        questions = []
        for item in fieldset.fields:
            if "stopped-medications" in (getattr(item, "css_class", None) or ""):  # rows on screen, lines on paper
                spec = form.stopped_spec
                questions.append({"label": spec.label, "help": f"{spec.help} One medicine per line.",
                                  "choices": [], "kind": "write", "lines": 4})
                continue
            for name in getattr(item, "fields", [item]) if not isinstance(item, str) else [item]:
                if not isinstance(name, str):
                    continue
                field = form.fields[name]
                choices = [label for value, label in getattr(field, "choices", [])]
                kind = "tick" if isinstance(field, forms.BooleanField) else (
                    "many" if isinstance(field, forms.MultipleChoiceField) else "one" if choices else "write")
                questions.append({"label": field.label, "help": field.help_text, "choices": choices, "kind": kind,
                                  "lines": 4 if isinstance(field.widget, forms.Textarea) else 1})
        sections.append({"title": fieldset.legend, "questions": questions})
    return {"ruleset": default_ruleset(), "sections": sections}


@require_GET
def intake_blank(request):
    return render(request, "screening/intake_blank.html", blank_form_context())
