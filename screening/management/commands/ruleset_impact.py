"""`manage.py ruleset_impact [--knowledge DIR] [--limit N]`: which screenings a rule set would assess differently.

Re-assesses the latest revision of every screening with the current rule set (or the one in DIR, e.g. a scratch
copy of screening/engine/knowledge/ with a rule changed) and prints each that would change and how. Nothing is
written: stored assessments stay exactly as they were shown.
"""
from django.core.management.base import BaseCommand, CommandError

from screening.engine import RulesetError, default_ruleset, load_ruleset
from screening.impact import ruleset_impact
from screening.models import Screening


def describe(impact) -> list[str]:
    if impact.diff is None:
        return [f"  cannot be re-assessed: {impact.error}"]
    diff, lines = impact.diff, []
    lines += [f"  {s['name']}: {s['old']['name'] if s['old'] else 'not considered'} → "
              f"{s['new']['name'] if s['new'] else 'not considered'}" for s in diff["summary"]]
    lines += [f"  + {f['sev']['name']} {f['rule']}: {f['title']} ({', '.join(f['substance_names'])})"
              for f in diff["added"]]
    lines += [f"  - {f['sev']['name']} {f['rule']}: {f['title']} ({', '.join(f['substance_names'])})"
              for f in diff["removed"]]
    lines += [f"  ~ {c['new']['rule']}: {c['old']['sev']['name']} ({', '.join(c['old']['substance_names'])}) → "
              f"{c['new']['sev']['name']} ({', '.join(c['new']['substance_names'])})" for c in diff["changed"]]
    return lines


class Command(BaseCommand):
    help = "List the screenings whose latest revision the current (or a given) rule set would assess differently."

    def add_arguments(self, parser):
        parser.add_argument("--knowledge", help="a directory holding a rule set (default: the installed one)")
        parser.add_argument("--limit", type=int, help="only the N most recently saved screenings")

    def handle(self, *args, knowledge=None, limit=None, **options):
        try:
            ruleset = load_ruleset(knowledge) if knowledge else default_ruleset()
        except (RulesetError, OSError) as error:
            raise CommandError(f"The rule set in {knowledge} cannot be loaded: {error}") from None
        changed = 0
        for impact in ruleset_impact(Screening.objects.all(), ruleset, limit):
            changed += 1
            self.stdout.write(f"{impact.client_code} (screening #{impact.screening_id}, {impact.owner}), revision "
                              f"{impact.revision}, assessed by {impact.stored_version}:")
            self.stdout.write("\n".join(describe(impact)))
        self.stdout.write(f"{changed} screening{'s' if changed != 1 else ''} would be assessed differently by rule "
                          f"set {ruleset.version}; nothing was changed.")
