"""`manage.py screen PATH|- [--format json|text]`: one intake through the engine, as the screening contract says."""
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from screening.engine import IntakeError, assess, default_ruleset, text_report


class Command(BaseCommand):
    help = "Assess one intake (a JSON file, or - for standard input) and print the assessment."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a JSON intake file, or - to read standard input")
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args, path, format, **options):
        try:
            raw = sys.stdin.read() if path == "-" else _read_file(path)
        except UnicodeDecodeError:
            raise CommandError("input is not UTF-8 text", returncode=2) from None
        try:
            intake = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise CommandError(f"input is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                               returncode=2) from None
        except RecursionError:
            raise CommandError("input is not valid JSON: nested too deeply", returncode=2) from None
        except ValueError:  # Python's guard against numbers of thousands of digits
            raise CommandError("input is not valid JSON: a number has too many digits", returncode=2) from None
        try:
            assessment = assess(intake)
        except IntakeError as exc:
            raise CommandError(f"invalid intake: {exc}", returncode=2) from None
        if format == "text":
            self.stdout.write(text_report(assessment, default_ruleset().labels()), ending="")
        else:
            self.stdout.write(json.dumps(assessment, indent=2, ensure_ascii=False))


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}", returncode=2) from None
