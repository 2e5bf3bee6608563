"""Pages every signed-in role shares: home, about, the rule set and the blank intake form."""
from crispy_forms.layout import Fieldset
from django import forms
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.engine import default_ruleset
from screening.forms import IntakeForm


@require_GET
def home(request):
    return render(request, "screening/home.html", {"ruleset": default_ruleset()})


@require_GET
@login_not_required
def about(request):
    return render(request, "screening/about.html", {"ruleset": default_ruleset()})


@require_GET
def ruleset_page(request):
    """The whole rule set as a document: factors, rules per substance, medication classes, bibliography."""
    ruleset = default_ruleset()
    factors = [(f, [r for r in ruleset.rules if r.factor == f["code"]]) for f in ruleset.factors]
    cited = {key for rule in ruleset.rules for key in rule.sources}
    classes = [(ruleset.medication_class(code), sorted(m.generic for m in ruleset.catalogue.medications
                                                       if code in m.classes))
               for code in ruleset.catalogue.class_names]
    return render(request, "screening/ruleset.html", {
        "ruleset": ruleset, "factors": factors, "classes": classes,
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
