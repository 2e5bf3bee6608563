"""The medication catalogue: names a client may use, mapped to a generic and its interaction classes."""
import re
from dataclasses import dataclass

from screening.engine.types import RecognisedMedication

# Words that do not change which medicine is meant: salts, forms and strengths.
NOISE_WORDS = frozenset((
    "hydrochloride hcl hydrobromide hbr carbonate citrate sulfate sulphate sodium potassium maleate succinate "
    "tartrate bitartrate mesylate mesilate besylate besilate fumarate oxalate acetate phosphate dihydrochloride "
    "er xr sr cr la xl cd ir mr dr odt oral tablet tablets tab tabs capsule capsules cap caps mg mcg ug g ml daily"
).split())
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_STRENGTH = re.compile(r"^\d+(?:\.\d+)?(?:mg|mcg|ug|g|ml|iu)?$")


def normalise(name: str) -> str:
    """A name reduced to the words that identify the medicine: 'Lithium Carbonate 400mg' -> 'lithium'."""
    words = _NON_ALNUM.sub(" ", name.lower()).split()
    return " ".join(w for w in words if w not in NOISE_WORDS and not _STRENGTH.match(w))


@dataclass(frozen=True)
class Medication:
    generic: str
    names: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    input: str
    medication: Medication

    def as_dict(self) -> RecognisedMedication:
        return {"input": self.input, "generic": self.medication.generic, "classes": list(self.medication.classes)}


class Catalogue:
    """Looks up names; built once from medications.yaml."""

    def __init__(self, medications: list[Medication], class_names: dict[str, str]):
        self.medications = medications
        self.class_names = class_names
        self._index: dict[str, Medication] = {}
        for med in medications:
            for name in (med.generic, *med.names):
                self._index[normalise(name)] = med

    def index_collisions(self) -> list[tuple[str, str, str]]:
        """(name, first generic, second generic) wherever two entries claim the same normalised name."""
        seen: dict[str, str] = {}
        clashes = []
        for med in self.medications:
            for name in dict.fromkeys(normalise(n) for n in (med.generic, *med.names)):
                if name in seen and seen[name] != med.generic:
                    clashes.append((name, seen[name], med.generic))
                seen.setdefault(name, med.generic)
        return clashes

    def lookup(self, name: str) -> Medication | None:
        return self._index.get(normalise(name))

    def match(self, names: list[str]) -> tuple[list[Match], list[str]]:
        recognised, unrecognised = [], []
        for name in names:
            med = self._index.get(normalise(name))
            if med is None:
                unrecognised.append(name)
            else:
                recognised.append(Match(name, med))
        return recognised, unrecognised
