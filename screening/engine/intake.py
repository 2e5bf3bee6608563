"""The intake of the screening contract: field definitions and validation."""
from dataclasses import dataclass, field

from screening.engine.errors import IntakeError

MAX_MEDICATIONS = 60
MAX_MEDICATION_NAME = 120


@dataclass(frozen=True)
class Field:
    """One intake question, as defined in intake.yaml."""

    name: str
    type: str  # bool | choice | int | substances | medications | stopped_medications | text
    label: str
    help: str
    section: str
    choices: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    healthy: object = None  # the answer of a client with nothing to discuss, when the type does not imply it

    @property
    def assessable(self) -> bool:
        """Whether leaving it empty is a gap worth listing as not assessed."""
        return self.type not in ("substances", "text")

    def describe(self, value) -> str:
        """A value as a clinician reads it: 'yes', 'Bipolar I', '172 mmHg'."""
        if self.type == "bool":
            return "yes" if value else "no"
        if self.type == "choice":
            return self.choices.get(value, str(value))
        if self.type == "int":
            return f"{value} {self.unit}".strip()
        if self.type == "stopped_medications":
            return "; ".join(f"{e['name']}, {e['weeks_ago']} weeks ago" for e in value) or "none"
        return str(value)


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a decimal number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _require_unicode(field: str, text: str) -> None:
    """Text must be storable and printable: a lone surrogate (from a JSON \\ud800 escape) is not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise IntakeError(field, "contains a character that is not valid Unicode") from None


def _quick_test(spec: Field):
    """A cheap test that accepts a value exactly when the full check would return it unchanged."""
    if spec.type == "bool":
        return lambda v: v is True or v is False
    if spec.type == "choice":
        choices = frozenset(spec.choices)
        return lambda v: v.__class__ is str and v in choices
    if spec.type == "int" and spec.min is not None and spec.max is not None:
        low, high = spec.min, spec.max
        return lambda v: v.__class__ is int and low <= v <= high
    return None


class IntakeSchema:
    """Validates a raw intake (a dict decoded from JSON) into a clean dict, or raises IntakeError."""

    def __init__(self, fields: list[Field], substances: list[str]):
        self.fields = {f.name: f for f in fields}
        self.substances = substances
        self.assessable = [f.name for f in fields if f.assessable]
        # The common answers pass a quick test; anything else goes to the full check, which explains the error.
        self._checks = [(f.name, f, getattr(self, "_" + f.type), _quick_test(f)) for f in fields]

    def validate(self, raw) -> dict:
        if type(raw) is not dict:
            raise IntakeError("intake", f"expected a JSON object, got {_type_name(raw)}")
        if not raw.keys() <= self.fields.keys():
            key = str(next(k for k in raw if k not in self.fields))
            shown = key if key.isprintable() else repr(key)
            raise IntakeError(shown[:60], "is not an intake field of the screening contract")
        clean = {}
        for name, spec, check, quick in self._checks:
            value = raw.get(name)
            if value is None:
                if spec.type == "substances":
                    raise IntakeError(name, f"is required: a list of one or more of {', '.join(self.substances)}")
                continue
            value = value if quick is not None and quick(value) else check(spec, value)
            if value is not None:  # a check may find nothing that answers the question (blank medication lines)
                clean[name] = value
        return clean

    def _bool(self, spec: Field, value):
        if not isinstance(value, bool):
            raise IntakeError(spec.name, f"expected true, false or null, got {_type_name(value)}")
        return value

    def _choice(self, spec: Field, value):
        if not isinstance(value, str) or value not in spec.choices:
            shown = repr(value)[:40] if isinstance(value, str) else _type_name(value)
            raise IntakeError(spec.name, f"expected one of {', '.join(spec.choices)} or null, got {shown}")
        return value

    def _int(self, spec: Field, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise IntakeError(spec.name, f"expected a whole number from {spec.min} to {spec.max}, "
                                         f"got {_type_name(value)}")
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            raise IntakeError(spec.name, f"expected a whole number from {spec.min} to {spec.max}, got {value}")
        return value

    def _substances(self, spec: Field, value):
        if not isinstance(value, list):
            raise IntakeError(spec.name, f"expected a list of substances, got {_type_name(value)}")
        if not value:
            raise IntakeError(spec.name, f"must name at least one of {', '.join(self.substances)}")
        chosen = []
        for item in value:
            if not isinstance(item, str) or item not in self.substances:
                shown = repr(item)[:40] if isinstance(item, str) else _type_name(item)
                raise IntakeError(spec.name, f"expected each of {', '.join(self.substances)}, got {shown}")
            if item not in chosen:
                chosen.append(item)
        return [s for s in self.substances if s in chosen]

    def _medications(self, spec: Field, value):
        if not isinstance(value, list):
            raise IntakeError(spec.name, f"expected a list of medication names, got {_type_name(value)}")
        if len(value) > MAX_MEDICATIONS:
            raise IntakeError(spec.name, f"lists {len(value)} names; at most {MAX_MEDICATIONS} are accepted")
        names = []
        for item in value:
            if not isinstance(item, str):
                raise IntakeError(spec.name, f"expected each medication as text, got {_type_name(item)}")
            item = " ".join(item.split())
            _require_unicode(spec.name, item)
            if len(item) > MAX_MEDICATION_NAME:
                raise IntakeError(spec.name, f"a name is longer than {MAX_MEDICATION_NAME} characters")
            if item and item not in names:
                names.append(item)
        if value and not names:
            return None  # only blank lines: no medicine was named, so the list was not assessed (unlike [])
        return names

    def _stopped_medications(self, spec: Field, value):
        """A list of {"name": text, "weeks_ago": whole number}; each fault is named by entry and key."""
        if not isinstance(value, list):
            raise IntakeError(spec.name, f'expected a list of {{"name": ..., "weeks_ago": ...}} objects, '
                                         f"got {_type_name(value)}")
        if len(value) > MAX_MEDICATIONS:
            raise IntakeError(spec.name, f"lists {len(value)} medicines; at most {MAX_MEDICATIONS} are accepted")
        entries = []
        for number, item in enumerate(value, start=1):
            where = f"entry {number}"
            if not isinstance(item, dict):
                raise IntakeError(spec.name, f'{where}: expected an object with "name" and "weeks_ago", '
                                             f"got {_type_name(item)}")
            extra = [k for k in item if k not in ("name", "weeks_ago")]
            if extra:
                key = str(extra[0])
                shown = key[:40] if key.isprintable() else repr(key)[:40]
                raise IntakeError(spec.name, f'{where}: unknown key "{shown}"; only "name" and "weeks_ago" are '
                                             "accepted")
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                got = "empty text" if isinstance(name, str) else _type_name(name)
                raise IntakeError(spec.name, f'{where}: "name" is required as the medicine\'s name, got {got}')
            name = " ".join(name.split())
            _require_unicode(spec.name, name)
            if len(name) > MAX_MEDICATION_NAME:
                raise IntakeError(spec.name, f'{where}: "name" is longer than {MAX_MEDICATION_NAME} characters')
            weeks = item.get("weeks_ago")
            low, high = spec.min or 0, spec.max if spec.max is not None else 26
            if isinstance(weeks, bool) or not isinstance(weeks, int) or not low <= weeks <= high:
                got = str(weeks) if isinstance(weeks, int) and not isinstance(weeks, bool) else _type_name(weeks)
                raise IntakeError(spec.name, f'{where}: "weeks_ago" expected a whole number of weeks from '
                                             f"{spec.min} to {spec.max}, got {got}")
            entry = {"name": name, "weeks_ago": weeks}
            if entry not in entries:
                entries.append(entry)
        return entries

    def _text(self, spec: Field, value):
        if not isinstance(value, str):
            raise IntakeError(spec.name, f"expected text, got {_type_name(value)}")
        if spec.max_length is not None and len(value) > spec.max_length:
            raise IntakeError(spec.name, f"is {len(value)} characters long; at most {spec.max_length} are accepted")
        _require_unicode(spec.name, value)
        return value
