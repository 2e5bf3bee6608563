"""The trainee case library: reads and validates fixtures/cases/*.yaml, reads and scores quiz answers.

No views and no database here; `load_cases` puts the files into the `Case` model, `library.views` shows them.

Score of one attempt (shown on every result page):
    factor part   = hits / (hits + misses + false alarms), or 1 when the case expects nothing and nothing was marked
    severity part = substances whose highest severity was given correctly / substances in the case
    score         = (factor part + severity part) / 2, from 0 to 1
"""
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from screening.engine import IntakeError, Ruleset, assess, default_ruleset

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
DIFFICULTIES = ("introductory", "intermediate", "advanced")
SEVERITIES = ("none", "info", "warning", "critical")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEYS = ("slug", "title", "difficulty", "substances", "vignette", "intake", "objectives", "teaching_notes", "expected")
SCORE_EXPLANATION = (
    "Factor part: hits ÷ (hits + misses + false alarms); 1 when the case has no caution factor and none was marked. "
    "Severity part: substances given the right highest severity ÷ substances in the case. "
    "Score: the mean of the two parts.")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CaseError(Exception):
    """A case file that cannot be used; the message names the file and the key."""

    def __init__(self, file: str, message: str, key: str | None = None):
        self.file, self.key, self.message = file, key, message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


@dataclass(frozen=True)
class CaseFile:
    slug: str
    title: str
    difficulty: str
    substances: list[str]
    vignette: str
    intake: dict
    objectives: list[str]
    teaching_notes: dict[str, str]
    expected: dict

    def as_json(self) -> dict:
        """The case as `manage.py cases --format json` prints it."""
        return {"id": self.slug, "title": self.title, "difficulty": self.difficulty, "substances": self.substances,
                "vignette": self.vignette, "intake": self.intake, "objectives": self.objectives,
                "teaching_notes": self.teaching_notes, "expected": self.expected}


def _text(value, file: str, key: str, limit: int | None = None) -> str:
    if isinstance(value, dict):
        raise CaseError(file, "must be text, but reads as a mapping: quote text that contains `: `", key)
    if not isinstance(value, str) or not value.strip():
        raise CaseError(file, "must be non-empty text", key)
    if limit and len(value) > limit:
        raise CaseError(file, f"is {len(value)} characters; at most {limit}", key)
    return value.strip()


def _codes(value, allowed: list[str], file: str, key: str, what: str, *, empty_ok: bool) -> list[str]:
    if not isinstance(value, list):
        raise CaseError(file, f"must be a list of {what} codes", key)
    if not value and not empty_ok:
        raise CaseError(file, f"must name at least one {what}", key)
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise CaseError(file, f"`{item}` is not a {what} code; expected one of {', '.join(allowed)}", key)
    if len(set(value)) != len(value):
        raise CaseError(file, f"names a {what} twice", key)
    return list(value)


def parse_case(data, file: str, ruleset: Ruleset | None = None) -> CaseFile:
    """Validates one decoded case file; raises CaseError naming the file and the key."""
    ruleset = ruleset or default_ruleset()
    substance_codes = [s["code"] for s in ruleset.substances]
    factor_codes = [f["code"] for f in ruleset.factors]
    if not isinstance(data, dict):
        raise CaseError(file, "expected a mapping of keys")
    for key in data:
        if key not in KEYS:
            raise CaseError(file, f"unknown key; expected only {', '.join(KEYS)}", str(key)[:60])
    for key in KEYS:
        if key not in data:
            raise CaseError(file, "is missing", key)

    slug = _text(data["slug"], file, "slug", 80)
    if not SLUG.match(slug):
        raise CaseError(file, "use lower-case letters, digits and single hyphens", "slug")
    if slug != Path(file).stem:
        raise CaseError(file, f"`{slug}` must equal the file name without .yaml (`{Path(file).stem}`)", "slug")
    title = _text(data["title"], file, "title", 200)
    if data["difficulty"] not in DIFFICULTIES:
        raise CaseError(file, f"must be one of {', '.join(DIFFICULTIES)}", "difficulty")
    substances = _codes(data["substances"], substance_codes, file, "substances", "substance", empty_ok=False)
    substances = [s for s in substance_codes if s in substances]

    vignette = _text(data["vignette"], file, "vignette", 4000)
    paragraphs = [p for p in re.split(r"\n\s*\n", vignette) if p.strip()]
    if not 2 <= len(paragraphs) <= 4:
        raise CaseError(file, f"has {len(paragraphs)} paragraphs; write 2 to 4, separated by blank lines",
                        "vignette")

    intake = data["intake"]
    if not isinstance(intake, dict):
        raise CaseError(file, "must be a mapping in the screening-contract format", "intake")
    try:
        clean = ruleset.intake.validate(intake)
    except IntakeError as exc:
        raise CaseError(file, str(exc), "intake") from None
    if set(clean["substances"]) != set(substances):
        raise CaseError(file, "its substances must equal the case's substances", "intake.substances")

    objectives = data["objectives"]
    if not isinstance(objectives, list) or not 2 <= len(objectives) <= 4:
        raise CaseError(file, "must be a list of 2 to 4 learning objectives", "objectives")
    objectives = [_text(o, file, f"objectives[{i}]", 300) for i, o in enumerate(objectives)]

    expected = data["expected"]
    if not isinstance(expected, dict) or set(expected) != {"factors", "severity"}:
        raise CaseError(file, "must be a mapping with exactly `factors` and `severity`", "expected")
    factors = _codes(expected["factors"], factor_codes, file, "expected.factors", "factor", empty_ok=True)
    severity = expected["severity"]
    if not isinstance(severity, dict) or set(severity) != set(substances):
        raise CaseError(file, f"must give one severity for each substance: {', '.join(substances)}",
                        "expected.severity")
    for substance, value in severity.items():
        if value not in SEVERITIES:
            raise CaseError(file, f"must be one of {', '.join(SEVERITIES)}", f"expected.severity.{substance}")

    notes = data["teaching_notes"]
    if not isinstance(notes, dict):
        raise CaseError(file, "must be a mapping of factor code to a paragraph", "teaching_notes")
    for key, value in notes.items():
        if key != "general" and key not in factor_codes:
            raise CaseError(file, "is neither a factor code nor `general`", f"teaching_notes.{str(key)[:60]}")
        _text(value, file, f"teaching_notes.{key}", 3000)
    for factor in factors:
        if factor not in notes:
            raise CaseError(file, "every expected factor needs a teaching note", f"teaching_notes.{factor}")
    ordered_notes = {f: " ".join(notes[f].split()) for f in factor_codes if f in notes}
    if "general" in notes:
        ordered_notes["general"] = " ".join(notes["general"].split())

    return CaseFile(slug=slug, title=title, difficulty=data["difficulty"], substances=substances,
                    vignette="\n\n".join(" ".join(p.split()) for p in paragraphs), intake=intake,
                    objectives=objectives, teaching_notes=ordered_notes,
                    expected={"factors": [f for f in factor_codes if f in factors],
                              "severity": {s: severity[s] for s in substances}})


def read_case(path: Path, ruleset: Ruleset | None = None) -> CaseFile:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_Loader)
    except OSError as exc:
        raise CaseError(path.name, f"cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CaseError(path.name, f"is not valid YAML: {exc}") from None
    return parse_case(data, path.name, ruleset)


def load_library(directory: Path | str = CASES_DIR, ruleset: Ruleset | None = None) -> list[CaseFile]:
    """Every case file in the directory, validated, introductory first, then by title."""
    directory = Path(directory)
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise CaseError(str(directory), "holds no case files (*.yaml)")
    cases = [read_case(path, ruleset) for path in paths]
    return sorted(cases, key=lambda c: (DIFFICULTIES.index(c.difficulty), c.title.lower()))


def engine_view(intake: dict, ruleset: Ruleset | None = None) -> dict:
    """What the engine says about a case's intake: its factors and highest severity per substance."""
    assessment = assess(intake, ruleset)
    return {"factors": sorted({f["factor"] for f in assessment["flags"]}), "severity": assessment["summary"],
            "assessment": assessment}


def factor_groups(ruleset: Ruleset | None = None) -> list[tuple[str, list[dict]]]:
    """The rule set's factors under the groups its data names, each factor as its rule-set entry."""
    ruleset = ruleset or default_ruleset()
    groups = [(g["name"], [f for f in ruleset.factors if f["group"] == g["code"]]) for g in ruleset.factor_groups]
    return [(title, members) for title, members in groups if members]


def severity_field(substance: str) -> str:
    return f"severity-{substance}"


def read_answer(data: Mapping[str, list[str]], substances: Iterable[str],
                ruleset: Ruleset | None = None) -> tuple[dict, dict[str, str]]:
    """A posted quiz (each field name with all its values) as an answer, and the errors by field name.

    The answer keeps every valid entry, so that a page shown again with errors keeps what the trainee chose.
    """
    ruleset = ruleset or default_ruleset()
    factor_codes = [f["code"] for f in ruleset.factors]
    errors: dict[str, str] = {}
    raw_factors = list(data.get("factors", []))
    unknown = [v for v in raw_factors if v not in factor_codes]
    if unknown:
        one = len(unknown) == 1
        errors["factors"] = (f"{len(unknown)} caution factor{'' if one else 's'} sent {'is' if one else 'are'} not "
                             f"in the rule set and {'was' if one else 'were'} left out. Check the boxes and submit "
                             "again.")
    elif len(set(raw_factors)) != len(raw_factors):
        errors["factors"] = "A caution factor was sent more than once. Check the boxes and submit again."
    chosen = {v for v in raw_factors if v in factor_codes}
    severity: dict[str, str] = {}
    for substance in substances:
        name = severity_field(substance)
        values = list(data.get(name, []))
        label = ruleset.substance_name(substance)
        if not values or values == [""]:
            errors[name] = f"Choose the highest severity you would give for {label}, or “No flag”."
        elif len(values) > 1:
            errors[name] = f"More than one severity was sent for {label}. Choose one."
        elif values[0] not in SEVERITIES:
            errors[name] = f"The severity sent for {label} is not one of the choices. Choose one."
        else:
            severity[substance] = values[0]
    answer = {"factors": [f for f in factor_codes if f in chosen], "severity": severity}
    return answer, errors


def score_answer(answer: dict, expected: dict) -> dict:
    """Compares an answer with a case's expected factors and severities; the result is stored with the attempt."""
    marked, wanted = set(answer["factors"]), set(expected["factors"])
    order = list(expected["factors"]) + [f for f in answer["factors"] if f not in wanted]
    hits = [f for f in order if f in marked and f in wanted]
    misses = [f for f in order if f in wanted and f not in marked]
    false_alarms = [f for f in order if f in marked and f not in wanted]
    judged = len(hits) + len(misses) + len(false_alarms)
    factor_part = len(hits) / judged if judged else 1.0
    severity = {}
    for substance, right_answer in expected["severity"].items():
        given = answer["severity"].get(substance)
        severity[substance] = {"answer": given, "expected": right_answer, "right": given == right_answer}
    severity_part = sum(v["right"] for v in severity.values()) / len(severity) if severity else 1.0
    return {"expected_factors": list(expected["factors"]), "hits": hits, "misses": misses,
            "false_alarms": false_alarms, "severity": severity, "factor_part": round(factor_part, 4),
            "severity_part": round(severity_part, 4), "score": round((factor_part + severity_part) / 2, 4)}


def progress(tallies: Mapping[str, Mapping[str, int]], attempts: int, ruleset: Ruleset | None = None) -> list[dict]:
    """Per-factor accuracy: marked when expected, and marked when not expected.

    `tallies` counts, over `attempts` stored results, the results naming each factor in their "expected_factors",
    "hits" and "false_alarms" (summed by the database: see views_cases.attempt_tallies).
    """
    ruleset = ruleset or default_ruleset()
    rows = []
    for f in ruleset.factors:
        code = f["code"]
        expected = tallies.get("expected_factors", {}).get(code, 0)
        hits = tallies.get("hits", {}).get(code, 0)
        false_alarms = tallies.get("false_alarms", {}).get(code, 0)
        not_expected = attempts - expected
        rows.append({"factor": code, "expected": expected, "hits": hits, "not_expected": not_expected,
                     "false_alarms": false_alarms, "hit_rate": hits / expected if expected else None,
                     "false_alarm_rate": false_alarms / not_expected if not_expected else None})
    return rows
