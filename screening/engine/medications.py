"""The medication catalogue, and the matcher that reads a medication line as a clinician writes it.

A line such as "Nardil 15 mg tid", "fluoxetine (Prozac)" or "buprenorphine/naloxone 8/2 mg SL" is cut into words.
The matcher walks the words, taking at each point the longest run that is a name in the catalogue; the words left
over must all say nothing about which medicine is meant (strengths, units, frequencies, forms, release types, salts,
"and"/"with"). Every part of a combination must be known: one unknown word leaves the whole line unrecognised, and a
close misspelling gets a suggestion, never a silent match.
"""
import difflib
import re
from dataclasses import dataclass

from screening.engine.types import RecognisedMedication

# Words that do not change which medicine is meant. Grouped only for reading; they are used as one set.
_SALTS = (
    "hydrochloride hcl dihydrochloride hydrobromide hbr hyclate carbonate citrate sulfate sulphate sodium potassium "
    "calcium magnesium maleate dimaleate succinate tartrate bitartrate mesylate mesilate dimesylate besylate besilate "
    "fumarate hemifumarate oxalate acetate phosphate saccharate aspartate napsylate napadisilate embonate pamoate "
    "decanoate enanthate palmitate lauroxil monohydrate anhydrous base salt salts"
)
_FORMS = (
    "tablet tablets tab tabs capsule capsules cap caps caplet caplets pill pills patch patches transdermal "
    "injection injections inj injectable depot im iv sc subcut drops drop cream gel ointment spray nasal inhaler "
    "inhaled puffer nebuliser nebulizer solution liquid syrup suspension elixir lozenge lozenges granules sachet "
    "sachets powder film strip buccal sublingual sl orodispersible dispersible melt melts chewable soluble "
    "effervescent oral po pr suppository suppositories pessary topical eye ear rectal vaginal puff puffs hfa mdi"
)
_RELEASE = (
    "er xr sr cr la xl cd ir mr dr ec pr odt xt es ds extended modified sustained controlled prolonged delayed "
    "immediate slow release released retard continus enteric coated long acting short"
)
_HERBAL = ("extract extracts tea teas tincture tinctures herb herbal root leaf leaves dried standardised standardized "
           "oil supplement supplements")
_FREQUENCY = (
    "od bd bid tds tid qds qid qd qhs hs qam qpm om on mane nocte prn stat once twice thrice three four times "
    "daily day days a per each every night nightly morning mornings evening evenings bedtime weekly week weeks "
    "fortnightly monthly month months hourly hours hour hrly at in the as needed required when necessary "
    "occasionally x infusion drip boosted cough"
)
_UNITS = ("mg mgs milligram milligrams mcg ug microgram micrograms g gram grams ml millilitre milliliter iu units unit "
          "mmol h hr")
_JOINERS = "and with plus w"
NOISE_WORDS = frozenset(" ".join((_SALTS, _FORMS, _RELEASE, _HERBAL, _FREQUENCY, _UNITS, _JOINERS)).split())
# The words a catalogue name may lose and still name the same medicine ("divalproex" for "divalproex sodium"); a
# time of day, a joiner or a number may not ("Night Nurse" is not "nurse", "Pro Plus" is not "pro").
_DROPPABLE = frozenset(" ".join((_SALTS, _FORMS, _RELEASE, _HERBAL, _UNITS)).split())
# A strength, count or product number: "50", "0", "5mg", "24h", "2x", "no4". A number can still be part of a name
# ("Tylenol No. 3", "Theo-24"): the matcher tries names first and skips a number only when no name takes it.
# Also "q4h", "q12h" (every 4 or 12 hours) and "x5" (for 5 days).
_NUMBER = re.compile(r"^(?:\d+(?:mgs?|mcg|ug|g|ml|iu|h|hr|hrs|x|mmol|units?|micrograms?|milligrams?|puffs?|tabs?|"
                     r"caps?)?|no\d|q\d+[hdw]?|x\d+)$")
_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019`]")
_NUMBERED = re.compile(r"(?:#|\bno\.?\s*)(\d)")  # "Tylenol #3", "Tylenol No. 3" -> "tylenol no3"
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,4}")  # "b.i.d.", "q.d.", "p.r.n." -> "bid", "qd", "prn"
SUGGESTION_CUTOFF = 0.8
SUGGESTION_CACHE = 4096  # unknown words already compared with the catalogue (the comparison is the slow part)


def words(name: str) -> tuple[str, ...]:
    """A name as the words the matcher compares: lower case, apostrophes dropped, punctuation a space."""
    text = _APOSTROPHES.sub("", name.lower())
    text = _DOTTED.sub(lambda m: m.group().replace(".", ""), text)
    text = _NUMBERED.sub(r" no\1", text)
    return tuple(_WORD.findall(text))


def is_noise(word: str) -> bool:
    return word in NOISE_WORDS or bool(_NUMBER.match(word))


def normalise(name: str) -> str:
    """A name reduced to the words that identify the medicine: 'Lithium Carbonate 400mg' -> 'lithium'."""
    return " ".join(w for w in words(name) if not is_noise(w))


@dataclass(frozen=True)
class Medication:
    generic: str
    names: tuple[str, ...]
    classes: tuple[str, ...]
    ingredients: tuple[str, ...] = ()
    washout_days: int | None = None  # overrides the class windows for a stopped medicine (fluoxetine: 35)


@dataclass(frozen=True)
class Match:
    """A medicine found in a line. For a stopped medicine, `classes` keeps only the classes whose window covers the
    time since stopping, and `weeks_ago` says when it was stopped; for a current medicine they are all its classes."""

    input: str
    medication: Medication
    classes: tuple[str, ...]
    weeks_ago: int | None = None

    def as_dict(self) -> RecognisedMedication:
        out: RecognisedMedication = {"input": self.input, "generic": self.medication.generic,
                                     "classes": list(self.medication.classes)}
        if self.weeks_ago is not None:
            out["weeks_ago"] = self.weeks_ago
            out["classes_in_window"] = list(self.classes)
        return out


@dataclass(frozen=True)
class Unmatched:
    """A line the catalogue could not read, with the closest catalogue name when one is close enough."""

    input: str
    suggestion: str | None = None


def stopped_phrase(weeks_ago: int) -> str:
    if weeks_ago == 0:
        return "stopped less than a week ago"
    return f"stopped {weeks_ago} week{'s' if weeks_ago != 1 else ''} ago"


class Catalogue:
    """Looks up names; built once from medications.yaml."""

    def __init__(self, medications: list[Medication], class_names: dict[str, str],
                 windows: dict[str, int] | None = None, unused: dict[str, str] | None = None, note: str = "",
                 window_basis: dict[str, str] | None = None):
        self.medications = medications
        self.class_names = class_names
        self.windows = windows or {}  # class -> days a stopped medicine still counts
        self.unused = unused or {}  # class -> why no rule needs it
        self.window_basis = window_basis or {}  # class -> the label or protocol figure its window comes from
        self.stopped_note = note
        self._exact: dict[tuple[str, ...], Medication] = {}
        stripped: dict[tuple[str, ...], set[str]] = {}
        by_generic = {m.generic: m for m in medications}
        self._display: dict[str, str] = {}
        for med in medications:
            for name in (med.generic, *med.names):
                for key in self._keys(name):
                    self._exact.setdefault(key, med)
                core = tuple(w for w in words(name) if w not in _DROPPABLE)
                if core:
                    stripped.setdefault(core, set()).add(med.generic)
                self._display.setdefault(" ".join(core or words(name)), name)
        # A name without its salt or form words ("divalproex" for "divalproex sodium") is a second way in, unless
        # two medicines would share it.
        self._core = {key: by_generic[next(iter(g))] for key, g in stripped.items() if len(g) == 1}
        self._longest = max(len(k) for k in (*self._exact, *self._core)) if medications else 1
        self._suggested: dict[tuple[str, ...], str | None] = {}
        self._choices: dict[int, list[str]] = {}  # written names by how many words they have, for suggestions
        for shown in sorted(self._display):
            self._choices.setdefault(len(shown.split()), []).append(shown)

    @staticmethod
    def _keys(name: str) -> list[tuple[str, ...]]:
        key = words(name)
        keys = [key]
        if "-" in name and len(key) > 1:  # "co-codamol" is also written "cocodamol"
            keys.append(("".join(key),))
        return keys

    def index_collisions(self) -> list[tuple[str, str, str]]:
        """(name, first generic, second generic) wherever two entries claim the same written name."""
        seen: dict[tuple[str, ...], str] = {}
        clashes = []
        for med in self.medications:
            for key in dict.fromkeys(k for n in (med.generic, *med.names) for k in self._keys(n)):
                if key in seen and seen[key] != med.generic:
                    clashes.append((" ".join(key), seen[key], med.generic))
                seen.setdefault(key, med.generic)
        return clashes

    def _walk(self, tokens: tuple[str, ...], index: dict) -> tuple[list[Medication], int | None]:
        """The medicines named in `tokens`, and the position of the first word that is neither a name nor noise."""
        found: list[Medication] = []
        i, n = 0, len(tokens)
        while i < n:
            for j in range(min(n, i + self._longest), i, -1):
                med = index.get(tokens[i:j])
                if med is not None:
                    if med not in found:
                        found.append(med)
                    i = j
                    break
            else:
                if not is_noise(tokens[i]):
                    return found, i
                i += 1
        return found, None

    def read(self, line: str) -> list[Medication] | Unmatched:
        """The medicines a line names, or why it could not be read."""
        tokens = words(line)
        found, stuck = self._walk(tokens, self._exact)
        if stuck is not None or not found:
            core = tuple(w for w in tokens if not is_noise(w))
            found, stuck = self._walk(core, self._core)
            if stuck is not None or not found:
                return Unmatched(line, self.suggest(core, stuck))
        return found

    def suggest(self, core: tuple[str, ...], stuck: int | None) -> str | None:
        """The catalogue name closest to the unknown part of a line, if it is close: first the unknown word and the
        words after it, then the unknown word alone, each compared with names of as many words."""
        start = stuck or 0
        tried = [core[start:], core[start:start + 1]] if core else []
        for run in dict.fromkeys(tried):
            if run not in self._suggested:
                if len(self._suggested) >= SUGGESTION_CACHE:
                    self._suggested.clear()
                choices = self._choices.get(len(run), ())
                close = difflib.get_close_matches(" ".join(run), choices, n=1, cutoff=SUGGESTION_CUTOFF)
                self._suggested[run] = self._display[close[0]] if close else None
            if self._suggested[run]:
                return self._suggested[run]
        return None

    def lookup(self, name: str) -> Medication | None:
        """The single medicine a line names, or None when it names none or several."""
        read = self.read(name)
        return read[0] if isinstance(read, list) and len(read) == 1 else None

    def match(self, names) -> tuple[list[Match], list[Unmatched]]:
        recognised: list[Match] = []
        unrecognised: list[Unmatched] = []
        for name in names:
            read = self.read(name)
            if isinstance(read, Unmatched):
                unrecognised.append(read)
            else:
                recognised.extend(Match(name, med, med.classes) for med in read)
        return recognised, unrecognised

    def window_days(self, med: Medication, code: str) -> int | None:
        """How long after stopping a medicine its class still counts; None when the class has no window."""
        if code not in self.windows:
            return None
        return med.washout_days if med.washout_days is not None else self.windows[code]

    def match_stopped(self, entries) -> tuple[list[Match], list[Unmatched]]:
        """Stopped medicines ({name, weeks_ago}): each keeps the classes whose window covers the weeks since."""
        recognised, unrecognised = [], []
        for entry in entries:
            name, weeks = entry["name"], entry["weeks_ago"]
            read = self.read(name)
            if isinstance(read, Unmatched):
                unrecognised.append(Unmatched(f"{name} ({stopped_phrase(weeks)})", read.suggestion))
                continue
            for med in read:
                live = tuple(c for c in med.classes
                             if (days := self.window_days(med, c)) is not None and weeks * 7 <= days)
                recognised.append(Match(name, med, live, weeks))
        return recognised, unrecognised
