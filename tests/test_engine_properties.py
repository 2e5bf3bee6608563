"""Properties of the engine over generated intakes: any valid intake gives a well-formed assessment, and any
malformed one a clear IntakeError naming the field, never another exception."""
from hypothesis import example, given, settings
from hypothesis import strategies as st

from screening.engine import SEVERITY_RANK, IntakeError, assess, default_ruleset
from screening.engine.medications import stopped_phrase

RULESET = default_ruleset()
FIELDS = RULESET.intake.fields
SUBSTANCES = [s["code"] for s in RULESET.substances]
KNOWN_NAMES = sorted({n for m in RULESET.catalogue.medications for n in (m.generic, *m.names)})
RANK = SEVERITY_RANK | {"none": 0}


def value_of(spec):
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "choice":
        return st.sampled_from(sorted(spec.choices))
    if spec.type == "int":
        return st.integers(spec.min, spec.max)
    if spec.type == "substances":
        return st.lists(st.sampled_from(SUBSTANCES), min_size=1, max_size=5)
    if spec.type == "medications":
        names = st.sampled_from(KNOWN_NAMES) | st.text(min_size=1, max_size=40).filter(str.strip)
        return st.lists(names, max_size=12)
    if spec.type == "stopped_medications":
        names = st.sampled_from(KNOWN_NAMES) | st.text(min_size=1, max_size=40).filter(str.strip)
        return st.lists(st.fixed_dictionaries({"name": names, "weeks_ago": st.integers(spec.min, spec.max)}),
                        max_size=6)
    return st.text(max_size=300)


@st.composite
def valid_intakes(draw):
    intake = {"substances": draw(value_of(FIELDS["substances"]))}
    for name, spec in FIELDS.items():
        if name != "substances" and draw(st.booleans()):
            intake[name] = draw(st.none() | value_of(spec))
    return intake


@settings(max_examples=300, deadline=None)
@given(intake=valid_intakes())
def test_any_valid_intake_gives_a_well_formed_assessment(intake):
    a = assess(intake)
    chosen = a["substances"]
    assert chosen == [s for s in SUBSTANCES if s in intake["substances"]]
    assert a["ruleset_version"] == RULESET.version
    assert list(a["summary"]) == chosen
    ranks = [(-RANK[f["severity"]], f["factor"], f["rule"]) for f in a["flags"]]
    assert ranks == sorted(ranks)
    for flag in a["flags"]:
        assert flag["substances"] and set(flag["substances"]) <= set(chosen)
        assert flag["evidence"] and all(isinstance(e, str) and e for e in flag["evidence"])
        assert flag["sources"] and all(s["url"].startswith("https://") for s in flag["sources"])
    for substance in chosen:
        highest = max((RANK[f["severity"]] for f in a["flags"] if substance in f["substances"]), default=0)
        assert RANK[a["summary"][substance]] == highest
    answered = {k for k, v in intake.items() if v is not None}
    assert a["not_assessed"] == [n for n in RULESET.intake.assessable if n not in answered]
    meds = a["medications"]
    given_names = {" ".join(m.split()) for m in intake.get("medications") or []}
    stopped = {(" ".join(e["name"].split()), e["weeks_ago"]) for e in intake.get("stopped_medications") or []}
    given_names |= {f"{name} ({stopped_phrase(weeks)})" for name, weeks in stopped}
    read_stopped = {(m["input"], m["weeks_ago"]) for m in meds.get("stopped", [])}
    assert {m["input"] for m in meds["recognised"]} | set(meds["unrecognised"]) | {
        f"{name} ({stopped_phrase(weeks)})" for name, weeks in read_stopped} == given_names
    assert all(set(m["classes_in_window"]) <= set(m["classes"]) for m in meds.get("stopped", []))
    has_unknown_flag = any(f["factor"] == "unrecognised_medication" for f in a["flags"])
    assert has_unknown_flag == bool(meds["unrecognised"])


WRONG = st.one_of(st.text(max_size=10), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                  st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(intake=valid_intakes(), field=st.sampled_from(sorted(FIELDS)), bad=WRONG)
@example(intake={"substances": ["mdma"]}, field="medications", bad=[])  # an unhashable value once broke the check
def test_a_wrong_value_is_refused_naming_its_field(intake, field, bad):
    spec = FIELDS[field]
    intake = dict(intake, **{field: bad})
    try:
        assess(intake)
    except IntakeError as exc:
        assert exc.field == field
        assert "\n" not in str(exc)
    else:
        # Only a value of the right type and range is accepted; each check runs only for its own field type.
        accepted = {"text": lambda: isinstance(bad, str) and len(bad) <= (spec.max_length or 0),
                    "int": lambda: type(bad) is int and spec.min is not None and spec.min <= bad <= spec.max,
                    "choice": lambda: isinstance(bad, str) and bad in spec.choices,
                    "medications": lambda: isinstance(bad, list) and all(isinstance(x, str) for x in bad),
                    "stopped_medications": lambda: bad == [],
                    "substances": lambda: False, "bool": lambda: False}[spec.type]
        assert accepted(), (field, bad)


@settings(max_examples=100, deadline=None)
@given(intake=valid_intakes(), key=st.text(min_size=1, max_size=20).filter(lambda k: k not in FIELDS))
def test_an_unknown_key_is_refused_by_name(intake, key):
    try:
        assess(dict(intake, **{key: True}))
    except IntakeError as exc:
        assert key[:60] == exc.field or repr(key)[:60] == exc.field
    else:
        raise AssertionError("an unknown key was accepted")
