"""`manage.py cases --format json|text`: the trainee case library, read from its files, for reuse by trainers."""
import json
import textwrap

from django.core.management.base import BaseCommand, CommandError

from library.cases import CASES_DIR, CaseError, load_library
from screening.engine import default_ruleset


class Command(BaseCommand):
    help = "Print the case library: id, title, difficulty, substances, intake, expected factors and severities."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "text"], default="json")
        parser.add_argument("--dir", default=str(CASES_DIR), help="the folder of case files (default: %(default)s)")

    def handle(self, *args, format, dir, **options):
        try:
            library = load_library(dir)
        except CaseError as exc:
            raise CommandError(str(exc), returncode=2) from None
        ruleset = default_ruleset()
        if format == "json":
            body = {"ruleset_version": ruleset.version, "count": len(library),
                    "cases": [case.as_json() for case in library]}
            self.stdout.write(json.dumps(body, indent=2, ensure_ascii=False))
            return
        out = [f"Threshold case library: {len(library)} cases (rule set {ruleset.version})", ""]
        for case in library:
            out.append(f"{case.slug}: {case.title} [{case.difficulty}]")
            out.append("  Substances: " + ", ".join(ruleset.substance_name(s) for s in case.substances))
            factors = ", ".join(case.expected["factors"]) or "none (nothing of concern)"
            out.append(f"  Expected factors: {factors}")
            out.append("  Highest severity: " + ", ".join(
                f"{ruleset.substance_name(s)} {v}" for s, v in case.expected["severity"].items()))
            out.append(textwrap.fill(case.vignette.split("\n\n")[0], 100, initial_indent="  ",
                                     subsequent_indent="  "))
            out.append("")
        self.stdout.write("\n".join(out))
