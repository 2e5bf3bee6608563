"""The intake form, drawn from the engine's intake definition so that the web form and paper form never drift."""
import json
import re

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.conf import settings
from django.forms.utils import ErrorDict
from django.http import QueryDict

from screening.engine import default_ruleset

NOT_ASSESSED = ""
TRI_STATE = [("yes", "Yes"), ("no", "No"), (NOT_ASSESSED, "Not assessed")]
CLIENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$")

# The C-SSRS screener's questions, in our words; the highest "yes" sets the contract's suicidality level.
CSSRS_ITEMS = [
    ("cssrs_wish_dead", "wish_dead", "In the past month, has the client wished they were dead, or wished they "
                                     "could go to sleep and not wake up?"),
    ("cssrs_thoughts", "ideation", "In the past month, has the client actually had thoughts of killing themself?"),
    ("cssrs_method", "ideation_with_method", "In the past month, has the client thought about how they might do "
                                             "this?"),
    ("cssrs_intent", "intent_or_plan", "In the past month, has the client had these thoughts with some "
                                       "intention of acting on them?"),
    ("cssrs_plan", "intent_or_plan", "In the past month, has the client started to work out, or worked out, the "
                                     "details of how to kill themself, and did they intend to carry out this plan?"),
    ("cssrs_behaviour", "recent_behaviour", "In the past 3 months, has the client done anything, started to do "
                                            "anything or prepared to do anything to end their life?"),
]
CSSRS_HELP = ("The C-SSRS screener's questions. Trials excluded serious current suicide risk; the answers set how "
              "much support a plan would need. If the second question is answered No, the next three may be "
              "left unassessed.")

# The treatment container of the three phases: each unchecked item is something to discuss, not a caution factor.
CONTAINER_ITEMS = [
    ("preparation_sessions", "Preparation sessions are planned before any dosing session"),
    ("facilitator_team", "A trained facilitator team (at least two people) will be present throughout"),
    ("support_person", "A support person is named and available after the session"),
    ("integration_plan", "Integration sessions are planned after the dosing session"),
    ("touch_consent", "Consent about touch and boundaries has been discussed"),
]

STOPPED_ROWS = 4  # empty rows offered for stopped medicines; a revision with more stored shows them all plus one
STOPPED_NAME, STOPPED_WEEKS = "stopped_name_{}", "stopped_weeks_{}"

# Asked at the top, where the conversation starts; the intake keeps each question in its contract section.
AT_THE_TOP = ("age",)
REFERRAL_REASON_HELP = ("Optional, in a few words (for example: treatment-resistant depression, referred by the GP). "
                        "Kept with the screening and printed; never evaluated. Write no names.")
# Units as a sentence says them, for the number fields' hints and messages.
UNIT_WORDS = {"beats/min": "beats per minute", "kg": "kilograms", "mmHg": "mmHg", "years": "years"}
# Both blood pressure readings typed into the systolic box, as clinicians write them: "150/95".
BOTH_READINGS = re.compile(r"^\s*(\d{1,3})\s*/\s*(\d{1,3})\s*$")

MEDICATION_REVIEW = [("reviewed", "Reviewed: the current and stopped lists below are complete (empty means none)"),
                     (NOT_ASSESSED, "Not assessed")]


def _short(choices: dict) -> bool:
    """Whether a question's answers fit side by side on one line (with Not assessed), as yes/no questions do."""
    return len(choices) <= 3 and sum(len(label) for label in choices.values()) <= 40


def _yes_no(value) -> str:
    return NOT_ASSESSED if value is None else ("yes" if value else "no")


class WholeNumberField(forms.IntegerField):
    """A whole number typed as text: nothing the clinician types is dropped by the browser (as type=number does
    with letters), and any entry outside the expected range gets the same plain message naming it."""

    def __init__(self, spec, **kwargs):
        words = UNIT_WORDS.get(spec.unit, spec.unit)
        message = f"Enter a whole number of {words} between {spec.min} and {spec.max}"
        if spec.name == "systolic_bp":
            message += ", or both readings as 150/95"
        errors = {"invalid": message, "min_value": message, "max_value": message}
        attrs = {"inputmode": "text" if spec.name == "systolic_bp" else "numeric", "autocomplete": "off",
                 "class": "number-input"}
        super().__init__(min_value=spec.min, max_value=spec.max, error_messages=errors,
                         widget=forms.TextInput(attrs=attrs), **kwargs)


class _IntakeHelper(FormHelper):
    """Renders the empty new-screening form's layout once per rule set and reuses that HTML.

    An unbound form without initial values renders the same HTML for every request (no request or user data is in
    the layout; the CSRF token is outside it), and that render was most of the intake page's time (bench/README.md).
    Bound forms (errors to show) and edit forms (initial values) render as usual; so does everything in DEBUG, so
    that template edits show at once.
    """

    _rendered: dict = {}  # (id of the rule set, version, template pack) -> (the rule set, kept alive; the HTML)

    def render_layout(self, form, context, template_pack=TEMPLATE_PACK):
        if form.is_bound or form.initial or form.prefix or settings.DEBUG:
            return super().render_layout(form, context, template_pack=template_pack)
        key = (id(form.ruleset), form.ruleset.version, template_pack)
        if key not in self._rendered:
            self._rendered[key] = (form.ruleset, super().render_layout(form, context, template_pack=template_pack))
        return self._rendered[key][1]


class IntakeForm(forms.Form):
    """One page in the contract's sections, every question with Yes / No / Not assessed, help saying why."""

    client_code = forms.CharField(
        label="Client reference code", max_length=32,
        help_text="A code from your own records, never a name: 3 to 32 letters, digits, dots, dashes or "
                  "underscores, with at least one digit.")
    referral_reason = forms.CharField(label="Reason for referral", max_length=500, required=False,
                                      help_text=REFERRAL_REASON_HELP, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ruleset = default_ruleset()
        self.field_specs = {}
        top = ["client_code", *AT_THE_TOP, "referral_reason", "substances"]
        layout = [Fieldset("About this screening", *top, css_class="intake-section", css_id="section-about")]
        for section in self.ruleset.sections:
            names = []
            for spec in section["fields"]:
                if spec.name == "suicidality":
                    names.extend(self._add_cssrs())
                    continue
                self.fields[spec.name] = self._field_for(spec)
                self.field_specs[spec.name] = spec
                if spec.type == "stopped_medications":
                    names.append(self._add_stopped_rows(spec))
                    continue
                if spec.name in AT_THE_TOP:
                    continue
                if spec.name == "medications":
                    self.fields["medication_review"] = forms.ChoiceField(
                        label="Medication review", choices=MEDICATION_REVIEW, required=False,
                        widget=forms.RadioSelect, initial=NOT_ASSESSED,
                        help_text="Say whether medications were asked about, so that an empty list is not "
                                  "mistaken for none.")
                    names.extend(["medication_review", spec.name])
                    continue
                if spec.type == "bool" or (spec.type == "choice" and _short(spec.choices)):
                    names.append(InlineRadios(spec.name))
                elif spec.name != "substances":
                    names.append(spec.name)
            if section["code"] != "about" and names:
                layout.append(self._section(section["title"], names, f"section-{section['code']}"))
        for name, label in CONTAINER_ITEMS:
            self.fields[name] = forms.BooleanField(label=label, required=False)
        layout.insert(-1, Fieldset(
            "Treatment container (preparation, session, integration)",
            HTML('<p class="form-text">Tick what is already in place. Anything unticked is listed as something to '
                 'discuss; it is not a caution factor.</p>'),
            *[name for name, _ in CONTAINER_ITEMS], css_class="intake-section", css_id="section-container"))
        self.helper = _IntakeHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*layout, Div(Submit("save", "Save and see the assessment"), css_class="mb-5"))

    def _stopped_row_count(self) -> int:
        """Enough rows for what is stored (editing) or was sent (a form shown again), and never fewer than 4."""
        stored = len(self.initial.get("stopped_medications") or ())
        sent = [int(key.rsplit("_", 1)[1]) for key in self.data if key.startswith("stopped_name_")
                and key.rsplit("_", 1)[1].isdigit() and int(key.rsplit("_", 1)[1]) < 60]
        return max(STOPPED_ROWS, stored + 1, max(sent, default=-1) + 1)

    def _add_stopped_rows(self, spec) -> Div:
        """Name + weeks-ago rows for the medicines stopped in the past six months."""
        rows = []
        for i in range(self._stopped_row_count()):
            name, weeks = STOPPED_NAME.format(i), STOPPED_WEEKS.format(i)
            self.fields[name] = forms.CharField(
                label=f"Stopped medicine {i + 1}", max_length=120, required=False,
                widget=forms.TextInput(attrs={"list": "medication-names", "autocomplete": "off"}))
            self.fields[weeks] = forms.CharField(
                label=f"Weeks ago ({spec.min} to {spec.max})", max_length=10, required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
            rows.append(Div(Div(name, css_class="col-sm-8"), Div(weeks, css_class="col-sm-4"), css_class="row"))
        stored = self.initial.get("stopped_medications") or ()
        for i, entry in enumerate(stored):
            self.initial.setdefault(STOPPED_NAME.format(i), entry["name"])
            self.initial.setdefault(STOPPED_WEEKS.format(i), str(entry["weeks_ago"]))
        self.stopped_spec = spec
        return Div(HTML(f'<p class="form-label mb-1">{spec.label}</p><p class="form-text">{spec.help}</p>'),
                   *rows, css_class="stopped-medications mb-3")

    def clean(self):
        cleaned = super().clean()
        spec = getattr(self, "stopped_spec", None)
        if spec is None:
            return cleaned
        entries = []
        for i in range(self._stopped_row_count()):
            name_key, weeks_key = STOPPED_NAME.format(i), STOPPED_WEEKS.format(i)
            name = " ".join((cleaned.get(name_key) or "").split())
            weeks = (cleaned.get(weeks_key) or "").strip()
            if not name and not weeks:
                continue
            if not name:
                self.add_error(name_key, f"Name the medicine stopped {weeks} weeks ago, or clear the weeks.")
                continue
            if not (weeks.isascii() and weeks.isdigit()) or not spec.min <= int(weeks) <= spec.max:
                ask = (f"roughly how many weeks ago {name} was stopped, as a whole number from {spec.min} (this "
                       f"week) to {spec.max}.")
                self.add_error(weeks_key, f"“{weeks}” is not a number of weeks: give {ask}" if weeks else
                               f"Give {ask}")
                continue
            entry = {"name": name, "weeks_ago": int(weeks)}
            if entry not in entries:
                entries.append(entry)
        cleaned["stopped_medications"] = entries
        return cleaned

    def _section(self, title: str, names: list, css_id: str) -> Fieldset:
        """One section; it names the "No" answer of each of its yes/no and none-or-some questions, for the
        "answer No to the rest of this section" button (static/js/intake.js), which fills only unanswered ones."""
        no_answers = {}
        for item in names:
            name = getattr(item, "fields", [item])[0] if not isinstance(item, str) else item
            field = self.fields.get(name) if isinstance(name, str) else None
            values = [value for value, _ in getattr(field, "choices", [])] if field is not None else []
            if NOT_ASSESSED in values and ("no" in values or "none" in values):
                no_answers[name] = "no" if "no" in values else "none"
        attrs = {"data-no-answers": json.dumps(no_answers)} if no_answers else {}
        return Fieldset(title, *names, css_class="intake-section", css_id=css_id, **attrs)

    def sections(self) -> list[tuple[str, str]]:
        """(element id, title) of every section, in order, for the section navigation."""
        return [(item.css_id, item.legend) for item in self.helper.layout if isinstance(item, Fieldset)]

    def full_clean(self):
        if self.is_bound:
            self.data = self._both_readings(self.data)
        super().full_clean()

    @staticmethod
    def _both_readings(data):
        """"150/95" in the systolic box is both readings, when the diastolic box is empty or says the same."""
        found = BOTH_READINGS.match(data.get("systolic_bp", "") or "")
        if not found or (data.get("diastolic_bp") or "").strip() not in ("", found[2]):
            return data
        data = data.copy()
        data["systolic_bp"], data["diastolic_bp"] = found[1], found[2]
        return data

    @classmethod
    def resumed(cls, data: QueryDict) -> "IntakeForm":
        """The form showing a draft's entries exactly as they were typed, without judging them yet: the checks
        run, with their messages, when it is saved."""
        form = cls(data)
        form._errors = ErrorDict()
        return form

    def _add_cssrs(self) -> list[str]:
        for name, _level, question in CSSRS_ITEMS:
            self.fields[name] = forms.ChoiceField(label=question, choices=TRI_STATE, required=False,
                                                  widget=forms.RadioSelect, initial=NOT_ASSESSED)
        self.fields["cssrs_wish_dead"].help_text = CSSRS_HELP
        return [InlineRadios(name) for name, _, _ in CSSRS_ITEMS]

    @staticmethod
    def _field_for(spec) -> forms.Field:
        common = {"label": spec.label, "help_text": spec.help, "required": False}
        if spec.type == "substances":
            ruleset = default_ruleset()
            return forms.MultipleChoiceField(
                choices=[(s["code"], s["name"]) for s in ruleset.substances], widget=forms.CheckboxSelectMultiple,
                **common | {"required": True},
                error_messages={"required": "Choose at least one substance being considered."})
        if spec.type == "bool":
            return forms.ChoiceField(choices=TRI_STATE, widget=forms.RadioSelect, initial=NOT_ASSESSED, **common)
        if spec.type == "choice":
            choices = [*spec.choices.items(), (NOT_ASSESSED, "Not assessed")]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, initial=NOT_ASSESSED, **common)
        if spec.type == "int":
            words = UNIT_WORDS.get(spec.unit, spec.unit)
            expects = f"A whole number of {words}, {spec.min} to {spec.max}"
            expects += ", or both readings as 150/95. " if spec.name == "systolic_bp" else ". "
            return WholeNumberField(spec, **common | {"label": f"{spec.label} ({spec.unit})",
                                                      "help_text": expects + spec.help})
        if spec.type == "medications":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "list": "medication-names"}), **common)
        return forms.CharField(max_length=spec.max_length, widget=forms.Textarea(attrs={"rows": 3}), **common)

    def error_links(self) -> list[tuple[str, str, str]]:
        """(element id, label, message) for the error summary; a choice group links to its first option."""
        links = []
        for name, errors in self.errors.items():
            if name == "__all__":
                continue
            field = self[name]
            grouped = isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            anchor = f"{field.auto_id}_0" if grouped else field.auto_id
            links.extend((anchor, field.label, message) for message in errors)
        return links

    def clean_client_code(self):
        code = self.cleaned_data["client_code"].strip()
        if not CLIENT_CODE.match(code) or not any(c.isdigit() for c in code):
            raise forms.ValidationError(
                "Use a reference code, not a name: 3 to 32 letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit and containing at least one digit (for example TH-2041).")
        return code

    def clean_medications(self):
        lines = [" ".join(line.split()) for line in self.cleaned_data.get("medications", "").splitlines()]
        names = list(dict.fromkeys(line for line in lines if line))
        if len(names) > 60:
            raise forms.ValidationError(f"{len(names)} medications were listed; at most 60 are accepted.")
        too_long = [n for n in names if len(n) > 120]
        if too_long:
            raise forms.ValidationError("A medication name is longer than 120 characters; put one name per line.")
        return names

    def intake(self) -> dict:
        """The contract intake from the cleaned form; unanswered questions are left out (not assessed). On a form
        that failed its checks (the live panel's), the answers that failed are left out too."""
        data = self.cleaned_data
        intake = {"substances": data.get("substances", [])}
        for name, spec in self.field_specs.items():
            value = data.get(name)
            if spec.type == "bool" and value:
                intake[name] = value == "yes"
            elif spec.type == "int" and value is not None:
                intake[name] = value
            elif spec.type in ("choice", "text") and value and value.strip():
                intake[name] = value
        if data.get("medications") or data.get("medication_review") == "reviewed":
            intake["medications"] = data.get("medications", [])
        if data.get("stopped_medications") or data.get("medication_review") == "reviewed":
            intake["stopped_medications"] = data.get("stopped_medications", [])
        level = self._suicidality()
        if level is not None:
            intake["suicidality"] = level
        return intake

    def _suicidality(self) -> str | None:
        answers = {name: self.cleaned_data.get(name) for name, _, _ in CSSRS_ITEMS}
        for name, level, _ in reversed(CSSRS_ITEMS):
            if answers[name] == "yes":
                return level
        if all(answers[n] == "no" for n in ("cssrs_wish_dead", "cssrs_thoughts", "cssrs_behaviour")):
            return "none"
        return None

    def answers(self) -> dict:
        """What the form holds beyond the contract intake: the C-SSRS items and the container checklist."""
        data = self.cleaned_data
        return {
            "cssrs": {name: data.get(name, NOT_ASSESSED) for name, _, _ in CSSRS_ITEMS},
            "container": {name: bool(data.get(name)) for name, _ in CONTAINER_ITEMS},
            "medication_review": data.get("medication_review", NOT_ASSESSED),
            "referral_reason": (data.get("referral_reason") or "").strip(),
        }

    @classmethod
    def initial_from(cls, client_code: str, intake: dict, answers: dict) -> dict:
        """Initial values that show a stored revision in the form again, for editing."""
        initial = {"client_code": client_code, "substances": intake["substances"]}
        for spec in (f for s in default_ruleset().sections for f in s["fields"]):
            value = intake.get(spec.name)
            if spec.type == "bool":
                initial[spec.name] = _yes_no(value)
            elif spec.type == "medications":
                initial[spec.name] = "\n".join(value or [])
            elif spec.type == "stopped_medications":
                initial[spec.name] = list(value or [])
            elif spec.name != "suicidality" and value is not None:
                initial[spec.name] = value
        initial.update(answers.get("cssrs", {}))
        initial.update(answers.get("container", {}))
        initial["medication_review"] = answers.get("medication_review", NOT_ASSESSED)
        initial["referral_reason"] = answers.get("referral_reason", "")
        return initial


def container_to_discuss(answers: dict) -> list[str]:
    """The treatment-container items not yet in place."""
    done = answers.get("container", {})
    return [label for name, label in CONTAINER_ITEMS if not done.get(name)]


class AcknowledgeForm(forms.Form):
    rule = forms.CharField(max_length=80, widget=forms.HiddenInput, strip=False)  # the flag's exact id
    reason = forms.CharField(
        label="Reason", max_length=500, strip=True,
        help_text="A short note: what was discussed or what plan answers this flag (up to 500 characters).",
        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, rule_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_ids = set(rule_ids)

    def clean_rule(self):
        rule = self.cleaned_data["rule"]
        if rule not in self.rule_ids:
            raise forms.ValidationError("That flag is not part of this revision.")
        return rule


def _shown(field, value) -> str:
    """A form value as the clinician reads it on the conflict page."""
    if value in (None, "", []):
        return "Not assessed" if isinstance(field, forms.ChoiceField) else "(empty)"
    if isinstance(field, forms.BooleanField):
        return "Ticked" if value else "Not ticked"
    if isinstance(field, forms.ChoiceField):
        names = dict(field.choices)
        values = value if isinstance(value, list | tuple) else [value]
        return ", ".join(str(names.get(v, v)) for v in values)
    return str(value)


def form_differences(form: "IntakeForm", theirs: dict) -> list[tuple[str, str, str]]:
    """(question, mine, theirs) for every answer of a valid posted form that differs from a stored revision's."""
    mine = IntakeForm.initial_from(form.cleaned_data["client_code"], form.intake(), form.answers())
    rows = []
    for name, field in form.fields.items():
        a, b = mine.get(name), theirs.get(name)
        if (a in (None, "", [], False)) and (b in (None, "", [], False)) or a == b:
            continue
        rows.append((str(field.label or name), _shown(field, a), _shown(field, b)))
    return rows


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label="Why this screening is erased", max_length=500, strip=True,
        help_text="Kept in the audit trail with your name and the time; write no clinical content here "
                  "(for example: the client withdrew consent, or the retention period has passed).",
        widget=forms.Textarea(attrs={"rows": 2}))
