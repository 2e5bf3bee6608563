"""`manage.py ruleset --format json|text`: the whole rule set, as the screening contract says."""
import json
import textwrap

from django.core.management.base import BaseCommand

from screening.engine import default_ruleset


class Command(BaseCommand):
    help = "Print the whole rule set: version, changelog, factors, rules, medications and sources."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, format, **options):
        ruleset = default_ruleset()
        if format == "json":
            self.stdout.write(json.dumps(ruleset.to_json(), indent=2, ensure_ascii=False))
            return
        out = [f"Threshold rule set {ruleset.version}", ""]
        for factor in ruleset.factors:
            rules = [r for r in ruleset.rules if r.factor == factor["code"]]
            out.append(f"{factor['code']}: {factor['description']}")
            for rule in rules:
                names = ", ".join(ruleset.substance_name(s) for s in rule.substances)
                out.append(f"  [{rule.severity}] {rule.id}: {rule.title} ({names})")
                out.append(textwrap.fill(rule.rationale, 100, initial_indent="      ", subsequent_indent="      "))
                out.append("      Sources: " + ", ".join(rule.sources))
            out.append("")
        out.append(f"{len(ruleset.rules)} rules, {len(ruleset.catalogue.medications)} medications, "
                   f"{len(ruleset.sources)} sources.")
        self.stdout.write("\n".join(out))
