"""Reads the knowledge files, validates them and builds the Ruleset, once. A broken file fails loudly here."""
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from screening.engine.conditions import Check, ConditionError, classes_in, compile_condition
from screening.engine.errors import IntakeError, RulesetError
from screening.engine.intake import Field, IntakeSchema
from screening.engine.medications import Catalogue, Medication
from screening.engine.types import Source

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"
SEVERITY_RANK = {"info": 1, "warning": 2, "critical": 3}
TITLE_LIMIT = 140
# What a drug label says, for a rule graded `label`: only a contraindication may make the rule critical.
LABEL_STATEMENTS = ("contraindication", "warning")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Texts(list):
    """Marks a key whose value must be a list of non-empty strings."""


@dataclass(frozen=True)
class Rule:
    id: str
    factor: str
    substances: tuple[str, ...]
    severity: str
    evidence_grade: str
    title: str
    when: dict
    rationale: str
    discuss: tuple[str, ...]
    sources: tuple[str, ...]
    file: str
    check: Check
    severity_note: str | None = None
    label_statement: str | None = None
    classes: tuple[str, ...] = ()  # the medication classes its condition names
    client: dict | None = None  # from client_texts.yaml: heading, means, ask

    def as_dict(self) -> dict:
        out = {"id": self.id, "factor": self.factor, "substances": list(self.substances),
               "severity": self.severity, "title": self.title, "rationale": self.rationale,
               "discuss": list(self.discuss), "sources": list(self.sources),
               "evidence_grade": self.evidence_grade, "when": self.when}
        if self.severity_note:
            out["severity_note"] = self.severity_note
        if self.label_statement:
            out["label_statement"] = self.label_statement
        if self.client:
            out["client"] = self.client
        return out


@dataclass(frozen=True, eq=False)
class Ruleset:
    version: str
    changelog: list[dict]
    substances: list[dict]
    factor_groups: list[dict]
    factors: list[dict]
    severities: list[dict]
    evidence_grades: list[dict]
    sections: list[dict]
    intake: IntakeSchema
    rules: list[Rule]
    catalogue: Catalogue
    sources: dict[str, Source]

    def substance_name(self, code: str) -> str:
        return next(s["name"] for s in self.substances if s["code"] == code)

    def factor_name(self, code: str) -> str:
        return next(f["name"] for f in self.factors if f["code"] == code)

    def labels(self) -> dict[str, Any]:
        """Every name shown beside an intake or an assessment, by kind and code: what a revision stores so that it
        reads the same under a later rule set (substances, severities and what each means, factors, evidence
        grades, medication classes, factor groups, question wording by intake field and the wording of each choice
        by field and value, the form's sections in order, and the client handout's text of each rule)."""
        return {
            "substances": {s["code"]: s["name"] for s in self.substances},
            "severities": {s["code"]: s["name"] for s in self.severities},
            "severity_descriptions": {s["code"]: s["description"] for s in self.severities},
            "factors": {f["code"]: f["name"] for f in self.factors},
            "factor_groups": {g["code"]: g["name"] for g in self.factor_groups},
            "evidence_grades": {g["code"]: g["name"] for g in self.evidence_grades},
            "classes": dict(self.catalogue.class_names),
            "questions": {name: field.label for name, field in self.intake.fields.items()},
            "choices": {name: dict(field.choices) for name, field in self.intake.fields.items() if field.choices},
            "sections": [{"code": s["code"], "title": s["title"],
                          "fields": [{"name": f.name, "type": f.type, "unit": f.unit} for f in s["fields"]]}
                         for s in self.sections],
            "client_texts": {r.id: r.client for r in self.rules if r.client},
        }

    def to_json(self) -> dict:
        """The whole rule set, as `manage.py ruleset --format json` prints it."""
        return {
            "version": self.version,
            "changelog": self.changelog,
            "substances": [{"code": s["code"], "name": s["name"], "description": s["description"]}
                           for s in self.substances],
            "factor_groups": self.factor_groups,
            "factors": self.factors,
            "severities": self.severities,
            "evidence_grades": self.evidence_grades,
            "rules": [r.as_dict() for r in self.rules],
            "medication_classes": [self.medication_class(c) for c in self.catalogue.class_names],
            "stopped_medications_note": self.catalogue.stopped_note,
            "medications": [self._medication_json(m) for m in self.catalogue.medications],
            "sources": list(self.sources.values()),
        }


    def medication_class(self, code: str) -> dict:
        """A medication class as exported: its rules, or why none needs it, and its window after stopping."""
        catalogue = self.catalogue
        out: dict = {"code": code, "name": catalogue.class_names[code],
                     "rules": [r.id for r in self.rules if code in r.classes]}
        if code in catalogue.unused:
            out["no_rule"] = catalogue.unused[code]
        if code in catalogue.windows:
            out["washout_days"] = catalogue.windows[code]
            out["washout_basis"] = catalogue.window_basis[code]
        return out

    @staticmethod
    def _medication_json(med) -> dict:
        out = {"generic": med.generic, "names": list(med.names), "classes": list(med.classes)}
        if med.ingredients:
            out["ingredients"] = list(med.ingredients)
        if med.washout_days is not None:
            out["washout_days"] = med.washout_days
        return out


def _read(path: Path):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)
    except OSError as exc:
        raise RulesetError(path.name, f"cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RulesetError(path.name, f"is not valid YAML: {exc}") from None


def _shape(obj, keys: dict[str, type], file: str, item: str | None, optional: tuple[str, ...] = ()) -> dict:
    """Checks that obj is a mapping with exactly these keys (some optional) of these types."""
    if not isinstance(obj, dict):
        raise RulesetError(file, "expected a mapping", item)
    for key in obj:
        if key not in keys:
            raise RulesetError(file, f"unknown key `{key}`", item)
    for key, kind in keys.items():
        if key not in obj:
            if key in optional:
                continue
            raise RulesetError(file, f"missing key `{key}`", item)
        value = obj[key]
        if kind is str and not (isinstance(value, str) and value.strip()):
            raise RulesetError(file, f"`{key}` must be non-empty text", item)
        if kind in (list, Texts) and not isinstance(value, list):
            raise RulesetError(file, f"`{key}` must be a list", item)
        if kind is Texts and any(not (isinstance(v, str) and v.strip()) for v in value):
            raise RulesetError(file, f"every item of `{key}` must be non-empty text", item)
        if kind not in (str, list, Texts) and not isinstance(value, kind):
            raise RulesetError(file, f"`{key}` must be a {kind.__name__}", item)
    return obj


def _coded(items, file: str, what: str, extra: dict[str, type]) -> list[dict]:
    if not isinstance(items, list) or not items:
        raise RulesetError(file, f"`{what}` must be a non-empty list")
    seen = set()
    out = []
    for i, item in enumerate(items):
        label = f"{what}[{i}]" if not isinstance(item, dict) else f"{what} `{item.get('code', i)}`"
        _shape(item, {"code": str, **extra}, file, label,
               optional=("description", "washout_days", "washout_basis", "no_rule"))
        if item["code"] in seen:
            raise RulesetError(file, "duplicate code", label)
        seen.add(item["code"])
        out.append(dict(item))
    return out


def _load_header(directory: Path) -> dict:
    file = "ruleset.yaml"
    data = _shape(_read(directory / file), {"version": str, "changelog": list, "substances": list,
                                             "severities": list, "evidence_grades": list, "factor_groups": list,
                                             "factors": list},
                  file, None)
    changelog = []
    for i, entry in enumerate(data["changelog"]):
        entry = _shape(entry, {"version": str, "date": object, "changes": Texts}, file, f"changelog[{i}]")
        changelog.append({"version": entry["version"], "date": str(entry["date"]), "changes": entry["changes"]})
    if not changelog or changelog[0]["version"] != data["version"]:
        raise RulesetError(file, "the first changelog entry must describe the current version")
    groups = _coded(data["factor_groups"], file, "factor_groups", {"name": str})
    factors = _coded(data["factors"], file, "factors", {"group": str, "name": str, "description": str})
    group_codes = {g["code"] for g in groups}
    for factor in factors:
        if factor["group"] not in group_codes:
            raise RulesetError(file, f"unknown group `{factor['group']}`; the groups are listed under `factor_groups`",
                               f"factors `{factor['code']}`")
    return {
        "version": data["version"],
        "changelog": changelog,
        "substances": _coded(data["substances"], file, "substances", {"name": str, "description": str}),
        "severities": _coded(data["severities"], file, "severities", {"name": str, "description": str}),
        "evidence_grades": _coded(data["evidence_grades"], file, "evidence_grades", {"name": str}),
        "factor_groups": groups,
        "factors": factors,
    }


def _load_intake(directory: Path, substances: list[str]) -> tuple[list[dict], IntakeSchema]:
    file = "intake.yaml"
    data = _shape(_read(directory / file), {"sections": list}, file, None)
    sections, fields = [], []
    types = {"bool", "choice", "int", "substances", "medications", "stopped_medications", "text"}
    for sec in data["sections"]:
        sec = _shape(sec, {"code": str, "title": str, "fields": list}, file, "section")
        members = []
        for raw in sec["fields"]:
            name = raw.get("name", "?") if isinstance(raw, dict) else "?"
            _shape(raw, {"name": str, "type": str, "label": str, "help": str, "choices": dict, "unit": str,
                         "min": int, "max": int, "max_length": int, "healthy": object}, file, f"field `{name}`",
                   optional=("choices", "unit", "min", "max", "max_length", "healthy"))
            if raw["type"] not in types:
                raise RulesetError(file, f"type must be one of {sorted(types)}", f"field `{name}`")
            if raw["type"] == "choice" and not raw.get("choices"):
                raise RulesetError(file, "a choice field needs `choices`", f"field `{name}`")
            if raw["type"] in ("int", "stopped_medications") and ("min" not in raw or "max" not in raw):
                raise RulesetError(file, "a number field needs `min` and `max`", f"field `{name}`")
            if raw["type"] == "text" and "max_length" not in raw:
                raise RulesetError(file, "a text field needs `max_length`", f"field `{name}`")
            field = Field(section=sec["code"], **raw)
            members.append(field)
            fields.append(field)
        sections.append({"code": sec["code"], "title": sec["title"], "fields": members})
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise RulesetError(file, "a field name appears twice")
    schema = IntakeSchema(fields, substances)
    for field in fields:
        if field.healthy is not None:
            try:
                schema.validate({"substances": substances[:1], field.name: field.healthy})
            except IntakeError as exc:
                raise RulesetError(file, f"`healthy` is not an answer the field accepts: {exc}",
                                   f"field `{field.name}`") from None
    return sections, schema


def _load_catalogue(directory: Path) -> Catalogue:
    file = "medications.yaml"
    data = _shape(_read(directory / file), {"classes": list, "stopped_note": str, "medications": list}, file, None)
    classes = _coded(data["classes"], file, "classes", {"name": str, "description": str, "washout_days": int,
                                                        "washout_basis": str, "no_rule": str})
    windows, basis, unused = {}, {}, {}
    for cls in classes:
        label = f"classes `{cls['code']}`"
        if ("washout_days" in cls) != ("washout_basis" in cls):
            raise RulesetError(file, "a class with `washout_days` needs `washout_basis`, and the other way round",
                               label)
        if "washout_days" in cls:
            if not 0 <= cls["washout_days"] <= 200:
                raise RulesetError(file, "`washout_days` must be from 0 to 200", label)
            windows[cls["code"]] = cls["washout_days"]
            basis[cls["code"]] = " ".join(cls["washout_basis"].split())
        if "no_rule" in cls:
            unused[cls["code"]] = " ".join(cls["no_rule"].split())
    class_names = {c["code"]: c["name"] for c in classes}
    meds: list[Medication] = []
    by_generic: dict[str, Medication] = {}
    for raw in data["medications"]:
        label = f"medication `{raw.get('generic', '?')}`" if isinstance(raw, dict) else "medication"
        _shape(raw, {"generic": str, "names": Texts, "classes": Texts, "ingredients": Texts, "washout_days": int},
               file, label, optional=("ingredients", "washout_days"))
        unknown = [c for c in raw["classes"] if c not in class_names]
        if unknown:
            raise RulesetError(file, f"classes must be defined codes, got {unknown}", label)
        ingredients = tuple(raw.get("ingredients", ()))
        missing = [g for g in ingredients if g not in by_generic]
        if missing:
            raise RulesetError(file, f"ingredients must be generics listed above this entry, got {missing}", label)
        # A combination product carries every class of every ingredient, and its own.
        inherited = [c for g in ingredients for c in by_generic[g].classes]
        med = Medication(raw["generic"], tuple(raw["names"]), tuple(dict.fromkeys([*raw["classes"], *inherited])),
                         ingredients, raw.get("washout_days"))
        meds.append(med)
        by_generic[med.generic] = med
    catalogue = Catalogue(meds, class_names, windows, unused, " ".join(data["stopped_note"].split()), basis)
    clashes = catalogue.index_collisions()
    if clashes:
        name, first, second = clashes[0]
        raise RulesetError(file, f"the name `{name}` belongs to both `{first}` and `{second}`")
    return catalogue


def _load_sources(directory: Path) -> dict[str, Source]:
    file = "sources.yaml"
    data = _read(directory / file)
    if not isinstance(data, list) or not data:
        raise RulesetError(file, "expected a non-empty list of sources")
    sources: dict[str, Source] = {}
    for raw in data:
        label = f"source `{raw.get('key', '?')}`" if isinstance(raw, dict) else "source"
        _shape(raw, {"key": str, "citation": str, "url": str}, file, label)
        if not raw["url"].startswith("https://"):
            raise RulesetError(file, "url must start with https://", label)
        if "feduccia" in raw["key"].lower():
            raise RulesetError(file, "Feduccia et al. 2021 was retracted in 2024 and may not be cited", label)
        if raw["key"] in sources:
            raise RulesetError(file, "duplicate key", label)
        sources[raw["key"]] = {"key": raw["key"], "citation": raw["citation"], "url": raw["url"]}
    return sources


def _load_rules(directory: Path, header: dict, fields: dict[str, Field], catalogue: Catalogue,
                sources: dict[str, Source]) -> list[Rule]:
    factor_codes = {f["code"] for f in header["factors"]}
    substance_codes = [s["code"] for s in header["substances"]]
    grades = {g["code"] for g in header["evidence_grades"]}
    keys = {"id": str, "factor": str, "substances": Texts, "severity": str, "evidence_grade": str, "title": str,
            "when": dict, "rationale": str, "discuss": Texts, "sources": Texts}
    rules: dict[str, Rule] = {}
    files = sorted((directory / "rules").glob("*.yaml"))
    if not files:
        raise RulesetError("rules/", "holds no rule files")
    for path in files:
        file = f"rules/{path.name}"
        data = _read(path)
        if not isinstance(data, list) or not data:
            raise RulesetError(file, "expected a non-empty list of rules")
        for raw in data:
            label = f"rule `{raw.get('id', '?')}`" if isinstance(raw, dict) else "rule"
            _shape(raw, {**keys, "severity_note": str, "label_statement": str}, file, label,
                   optional=("severity_note", "label_statement"))

            def fail(message, label=label, file=file):
                raise RulesetError(file, message, label)

            if raw["id"] in rules:
                fail(f"duplicate id (also in {rules[raw['id']].file})")
            if raw["factor"] not in factor_codes:
                fail(f"unknown factor `{raw['factor']}`")
            if not raw["substances"] or any(s not in substance_codes for s in raw["substances"]):
                fail(f"substances must be a non-empty list of {substance_codes}")
            if raw["severity"] not in SEVERITY_RANK:
                fail(f"severity must be one of {list(SEVERITY_RANK)}")
            if raw["evidence_grade"] not in grades:
                fail(f"evidence_grade must be one of {sorted(grades)}")
            if raw.get("label_statement") not in (None, *LABEL_STATEMENTS):
                fail(f"label_statement must be one of {list(LABEL_STATEMENTS)}")
            if len(raw["title"]) >= TITLE_LIMIT:
                fail(f"title is {len(raw['title'])} characters; keep it under {TITLE_LIMIT}")
            if not raw["discuss"]:
                fail("needs at least one discussion prompt")
            missing = [k for k in raw["sources"] if k not in sources]
            if not raw["sources"] or missing:
                fail(f"every rule needs sources from sources.yaml; unknown: {missing or 'none given'}")
            try:
                check = compile_condition(raw["when"], fields, catalogue.class_names)
            except ConditionError as exc:
                fail(f"when: {exc}")
            ordered = tuple(s for s in substance_codes if s in raw["substances"])
            rules[raw["id"]] = Rule(
                id=raw["id"], factor=raw["factor"], substances=ordered, severity=raw["severity"],
                evidence_grade=raw["evidence_grade"], title=raw["title"].strip(), when=raw["when"],
                rationale=" ".join(raw["rationale"].split()), discuss=tuple(raw["discuss"]),
                sources=tuple(raw["sources"]), file=file, check=check,
                severity_note=" ".join(raw["severity_note"].split()) if "severity_note" in raw else None,
                label_statement=raw.get("label_statement"), classes=classes_in(raw["when"]))
    return list(rules.values())


def _load_client_texts(directory: Path, rules: list[Rule]) -> list[Rule]:
    """Adds to each rule its client-facing text. A rule without one is allowed here (the tests name it); an entry
    naming an unknown rule, or a rule named twice, is refused."""
    file = "client_texts.yaml"
    data = _read(directory / file)
    if not isinstance(data, list) or not data:
        raise RulesetError(file, "expected a non-empty list of client texts")
    known = {r.id for r in rules}
    texts: dict[str, dict] = {}
    for i, raw in enumerate(data):
        label = f"entry {i + 1}"
        _shape(raw, {"rules": Texts, "heading": str, "means": str, "ask": Texts}, file, label)
        if not raw["rules"] or not raw["ask"]:
            raise RulesetError(file, "needs at least one rule and one question", label)
        text = {"heading": raw["heading"].strip(), "means": " ".join(raw["means"].split()),
                "ask": [" ".join(q.split()) for q in raw["ask"]]}
        for rule_id in raw["rules"]:
            if rule_id not in known:
                raise RulesetError(file, f"unknown rule id `{rule_id}`", label)
            if rule_id in texts:
                raise RulesetError(file, f"rule `{rule_id}` has a client text twice", label)
            texts[rule_id] = text
    return [replace(r, client=texts[r.id]) if r.id in texts else r for r in rules]


def load_ruleset(directory: Path | str = KNOWLEDGE_DIR) -> Ruleset:
    """Reads and validates every knowledge file in `directory`; raises RulesetError naming what is wrong."""
    directory = Path(directory)
    header = _load_header(directory)
    substance_codes = [s["code"] for s in header["substances"]]
    sections, intake = _load_intake(directory, substance_codes)
    catalogue = _load_catalogue(directory)
    sources = _load_sources(directory)
    rules = _load_client_texts(directory, _load_rules(directory, header, intake.fields, catalogue, sources))
    return Ruleset(version=header["version"], changelog=header["changelog"], substances=header["substances"],
                   factor_groups=header["factor_groups"], factors=header["factors"], severities=header["severities"],
                   evidence_grades=header["evidence_grades"], sections=sections, intake=intake, rules=rules,
                   catalogue=catalogue, sources=sources)
