"""Intake in, assessment out: deterministic, no I/O, the rule set loaded once."""
from functools import lru_cache

from screening.engine.conditions import Context, number_test, triggers
from screening.engine.loader import SEVERITY_RANK, Rule, Ruleset, load_ruleset
from screening.engine.types import Assessment, Flag, MedicationReport, Source, Suggestion


@lru_cache(maxsize=1)
def default_ruleset() -> Ruleset:
    """The rule set shipped in knowledge/, loaded and validated on first use."""
    return load_ruleset()


class _Index:
    """For one set of substances: which rules each answer could make fire, and which numbers matter at all."""

    def __init__(self, ruleset: Ruleset, chosen: frozenset):
        self.rules = [r for r in ruleset.rules if chosen.intersection(r.substances)]
        positions: dict[tuple, set[int]] = {}
        gates: dict[str, list] = {}
        for position, rule in enumerate(self.rules):
            for key in triggers(rule.when, ruleset.intake.fields):
                positions.setdefault(key, set()).add(position)
            _collect_number_tests(rule.when, gates)
        self.positions = {key: frozenset(p) for key, p in positions.items()}
        self.gates = gates

    def candidates(self, ctx: Context) -> list[Rule]:
        found: set[int] = set()
        positions, gates = self.positions, self.gates
        for name, value in ctx.intake.items():
            if value.__class__ is int:
                if not any(test(value) for test in gates.get(name, ())):
                    continue
                value = "*"
            elif value.__class__ is list:
                continue
            hit = positions.get((name, value))
            if hit:
                found |= hit
        for match in ctx.recognised:
            for code in match.classes:
                hit = positions.get(("class", code))
                if hit:
                    found |= hit
        if ctx.unrecognised:
            found |= positions.get(("unrecognised",), frozenset())
        return [self.rules[p] for p in sorted(found)]


def _collect_number_tests(when: dict, gates: dict[str, list]) -> None:
    for key, value in when.items():
        if key == "not":
            continue
        if key == "any":
            for branch in value:
                _collect_number_tests(branch, gates)
        elif isinstance(value, dict):
            gates.setdefault(key, []).append(number_test(value))


def _medications(recognised, unrecognised, stopped, stopped_unknown) -> MedicationReport:
    """The assessment's medication lists. `unrecognised` stays a list of the names as typed (a stopped one says
    when it was stopped); `suggestions` pairs each close misspelling with the catalogue name it is close to."""
    unknown = unrecognised + stopped_unknown
    out: MedicationReport = {"recognised": [m.as_dict() for m in recognised],
                             "unrecognised": [u.input for u in unknown]}
    if stopped:
        out["stopped"] = [m.as_dict() for m in stopped]
    suggestions = [Suggestion(input=u.input, suggestion=u.suggestion) for u in unknown if u.suggestion]
    if suggestions:
        out["suggestions"] = suggestions
    return out


@lru_cache(maxsize=64)
def _index(ruleset: Ruleset, chosen: frozenset) -> _Index:
    return _Index(ruleset, chosen)


def _flag(rule: Rule, substances: list[str], evidence: list[str], ruleset: Ruleset, stopped: bool) -> Flag:
    rationale = rule.rationale
    if stopped:  # some of the evidence is a medicine already stopped: say what its window is and is not
        rationale = f"{rationale} {ruleset.catalogue.stopped_note}"
    return {
        "rule": rule.id,
        "factor": rule.factor,
        "severity": rule.severity,
        "substances": substances,
        "title": rule.title,
        "rationale": rationale,
        "discuss": list(rule.discuss),
        "evidence": evidence,
        "evidence_grade": rule.evidence_grade,
        "sources": [Source(**ruleset.sources[key]) for key in rule.sources],
    }


def assess(raw_intake, ruleset: Ruleset | None = None) -> Assessment:
    """The assessment of the screening contract for one intake; raises IntakeError on bad input."""
    ruleset = ruleset or default_ruleset()
    intake = ruleset.intake.validate(raw_intake)
    chosen = intake["substances"]
    catalogue = ruleset.catalogue
    recognised, unrecognised = catalogue.match(intake.get("medications", ()))
    stopped, stopped_unknown = catalogue.match_stopped(intake.get("stopped_medications", ()))
    ctx = Context(intake, recognised + stopped, unrecognised + stopped_unknown)
    flags = []
    for rule in _index(ruleset, frozenset(chosen)).candidates(ctx):
        evidence = rule.check(ctx)
        if evidence is not None:
            from_stopped = any(set(m.classes) & set(rule.classes) for m in stopped)
            flags.append(_flag(rule, [s for s in rule.substances if s in chosen], evidence, ruleset, from_stopped))
    flags.sort(key=lambda f: (-SEVERITY_RANK[f["severity"]], f["factor"], f["rule"]))
    summary = {}
    for substance in chosen:
        ranks = [SEVERITY_RANK[f["severity"]] for f in flags if substance in f["substances"]]
        summary[substance] = max(ranks, default=0)
    names = {rank: name for name, rank in SEVERITY_RANK.items()} | {0: "none"}
    return {
        "ruleset_version": ruleset.version,
        "substances": chosen,
        "summary": {s: names[rank] for s, rank in summary.items()},
        "flags": flags,
        "medications": _medications(recognised, unrecognised, stopped, stopped_unknown),
        "not_assessed": [name for name in ruleset.intake.assessable if name not in intake],
    }
