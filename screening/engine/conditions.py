"""Compiles a rule's `when` condition (see knowledge/README.md) into a function, once, at load time.

A compiled check takes the evaluation context and returns the evidence that satisfied it (a non-empty list of
strings a clinician can read), or None. A field that was not assessed never satisfies anything. Inside a mapping,
`not: {...}` holds when its condition does not (so an unanswered field inside it lets it hold) and adds no evidence;
it is how a band of a ladder stays quiet when a stronger band of the same answer fires.
"""
from collections.abc import Callable

from screening.engine.intake import Field
from screening.engine.medications import Match, Unmatched, stopped_phrase

Check = Callable[["Context"], list[str] | None]
COMPARATORS = {
    "gt": lambda v, limit: v > limit,
    "gte": lambda v, limit: v >= limit,
    "lt": lambda v, limit: v < limit,
    "lte": lambda v, limit: v <= limit,
}
SPECIAL_KEYS = ("any", "not", "medication_class", "unrecognised_medication")


class Context:
    """What a rule may look at: the clean intake and the medications matched against the catalogue, current and
    stopped (a stopped medicine's match carries only the classes whose window it is still inside)."""

    __slots__ = ("classes", "intake", "recognised", "unrecognised")

    def __init__(self, intake: dict, recognised: list[Match], unrecognised: list[Unmatched]):
        self.intake = intake
        self.recognised = recognised
        self.unrecognised = unrecognised
        self.classes = {c for match in recognised for c in match.classes}


class ConditionError(ValueError):
    """A `when` that does not fit the condition language; the loader adds the file and rule."""


def compile_condition(when, fields: dict[str, Field], class_names: dict[str, str]) -> Check:
    if not isinstance(when, dict) or not when:
        raise ConditionError("`when` must be a non-empty mapping")
    if set(when) == {"not"}:
        # An answer must make a rule fire: absence alone (or only what is absent) never does.
        raise ConditionError("`not` must stand beside at least one condition that has to hold")
    checks = [_compile_entry(key, value, fields, class_names) for key, value in when.items()]
    if len(checks) == 1:
        return checks[0]

    def all_of(ctx: Context):
        evidence = []
        for check in checks:
            found = check(ctx)
            if found is None:
                return None
            evidence.extend(found)
        return evidence

    return all_of


def _compile_entry(key, value, fields, class_names) -> Check:
    if key == "any":
        if not isinstance(value, list) or len(value) < 2:
            raise ConditionError("`any` takes a list of at least two conditions")
        branches = [compile_condition(v, fields, class_names) for v in value]

        def any_of(ctx: Context):
            evidence = []
            for branch in branches:
                found = branch(ctx)
                if found is not None:
                    evidence.extend(found)
            return evidence or None

        return any_of
    if key == "not":
        excluded = compile_condition(value, fields, class_names)

        def none_of(ctx: Context):
            return None if excluded(ctx) is not None else []

        return none_of
    if key == "medication_class":
        wanted = frozenset(value if isinstance(value, list) else [value])
        unknown = sorted(c for c in wanted if c not in class_names)
        if not wanted or unknown:
            raise ConditionError(f"medication_class names unknown classes: {unknown or 'none given'}")
        return _medication_check(wanted, class_names)
    if key == "unrecognised_medication":
        if value is not True:
            raise ConditionError("unrecognised_medication takes only `true`")
        return lambda ctx: [_unmatched_evidence(u) for u in ctx.unrecognised] or None
    if key not in fields:
        raise ConditionError(f"`{key}` is not an intake field (nor one of {', '.join(SPECIAL_KEYS)})")
    return _field_check(fields[key], value)


def _medication_check(wanted: frozenset, class_names: dict[str, str]) -> Check:
    def check(ctx: Context):
        if wanted.isdisjoint(ctx.classes):
            return None
        evidence = []
        for match in ctx.recognised:
            hits = [c for c in match.classes if c in wanted]
            if hits:
                med = match.medication
                named = ", ".join(class_names[c] for c in hits)
                shown = med.generic if match.input.lower() == med.generic else f"{match.input} = {med.generic}"
                stopped = "" if match.weeks_ago is None else f", {stopped_phrase(match.weeks_ago)}"
                evidence.append(f"{shown} ({named}){stopped}")
        return evidence or None

    return check


def _unmatched_evidence(unmatched: Unmatched) -> str:
    if unmatched.suggestion is None:
        return unmatched.input
    return f"{unmatched.input} (did you mean {unmatched.suggestion}?)"


def classes_in(when: dict) -> tuple[str, ...]:
    """The medication classes a condition names, in order, each once."""
    found: list[str] = []
    for key, value in when.items():
        if key == "any":
            for branch in value:
                found.extend(classes_in(branch))
        elif key == "medication_class":
            found.extend(value if isinstance(value, list) else [value])
    return tuple(dict.fromkeys(found))


def _field_check(spec: Field, value) -> Check:
    name = spec.name
    if isinstance(value, dict):
        if spec.type != "int":
            raise ConditionError(f"`{name}` is not a number, so it takes no comparison")
        bad = [op for op in value if op not in COMPARATORS]
        if bad or not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
            raise ConditionError(f"`{name}` comparisons must be gt/gte/lt/lte with whole numbers")
        test = number_test(value)
    else:
        allowed = value if isinstance(value, list) else [value]
        if not allowed:
            raise ConditionError(f"`{name}` lists no values")
        for v in allowed:
            _check_value(spec, v)
        accepted = frozenset(allowed)

        def test(v):
            return v in accepted

    def check(ctx: Context):
        v = ctx.intake.get(name)
        if v is None or not test(v):
            return None
        return [f"{spec.label}: {spec.describe(v)}"]

    return check


def number_test(ops: dict[str, int]) -> Callable[[int], bool]:
    """One function for a mapping of comparisons such as {gte: 140} or {gte: 18, lte: 20}."""
    tests = [(COMPARATORS[op], limit) for op, limit in ops.items()]
    if len(tests) == 1:
        (compare, limit), = tests
        return lambda v: compare(v, limit)
    return lambda v: all(compare(v, limit) for compare, limit in tests)


def _check_value(spec: Field, v) -> None:
    ok = {
        "bool": lambda: isinstance(v, bool),
        "choice": lambda: isinstance(v, str) and v in spec.choices,
        "int": lambda: isinstance(v, int) and not isinstance(v, bool),
    }.get(spec.type)
    if ok is None or not ok():
        raise ConditionError(f"`{spec.name}` cannot take the value {v!r}")


def triggers(when: dict, fields: dict[str, Field]) -> set[tuple]:
    """The answers that could satisfy at least one leaf of a condition, as index keys.

    A condition holds only if some leaf outside a `not` holds (a mapping is never `not` alone), so a rule need be
    checked only when the intake has one of these:
    (field, value) for yes/no and choice answers, (field, "*") for a number that passes some comparison on that
    field, ("class", code) for a medication class, ("unrecognised",) for an unknown medication name.
    """
    keys = set()
    for key, value in when.items():
        if key == "not":
            continue  # a `not` never makes a rule fire; the entries beside it do
        if key == "any":
            for branch in value:
                keys |= triggers(branch, fields)
        elif key == "medication_class":
            keys |= {("class", c) for c in (value if isinstance(value, list) else [value])}
        elif key == "unrecognised_medication":
            keys.add(("unrecognised",))
        elif isinstance(value, dict):
            keys.add((key, "*"))
        else:
            keys |= {(key, v) for v in (value if isinstance(value, list) else [value])}
    return keys

