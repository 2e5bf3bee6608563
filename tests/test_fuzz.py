"""Hostile and random input by hypothesis: the intake, acknowledgement, quiz and search forms, `manage.py screen`.

What must hold whatever arrives: never a 500 or an unhandled exception; a refused intake comes back as a 400 with the
error summary and the entries kept; only valid input is saved (302), and a refusal saves nothing. Wrong types, 100k
character strings, odd unicode (NUL, bidi controls, private use, astral planes; never lone surrogates, which no
browser can send), markup, missing, duplicated and unknown fields, raw bodies that are not forms at all.
See the statistics with: .venv/bin/python -m pytest tests/test_fuzz.py --hypothesis-show-statistics
"""
import io
import json
import re
from unittest import mock
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from screening.engine import default_ruleset
from screening.forms import CLIENT_CODE, AcknowledgeForm, IntakeForm
from screening.models import Acknowledgement, Revision, Screening
from screening.services import screening_create
from tests.conftest import client_for, healthy_intake
from tests.test_screenings import form_data

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=15)

HOSTILE = [
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)", "' OR 1=1 --",
    "{{ 7*7 }}{% debug %}", "${7*7}", "\x00", "a\x00b", "\u202eevil\u202c", "\ufeff", "\u200b", "𝕏𝕐𝕑", "😀" * 50,
    "\ue000", "\U0010fffd", "\r\n\r\n", "\t", " ", "", "-1", "0", "1e9", "99999999999999999999999999", "9" * 5000,
    "NaN", "Infinity", "0x10", " 41 ", "٤١", "４１", "41.0", "True", "None", "null", "[]", "{}", "%00", "%s%n",
    "../../etc/passwd", "x" * 100_000, "TH-1001\x00", "TH 1001", "th-1001", "a" * 33, "A1", "---", "Ω-1001",
]
odd_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
scalar = st.one_of(st.sampled_from(HOSTILE), odd_text, st.integers(), st.floats(), st.booleans())
# What one form field receives: one value, or the same name twice or more (a duplicated field).
posted = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3))


FIELDS = list(IntakeForm().fields)
UNKNOWN = ["colour", "id", "owner", "pk", "csrfmiddlewaretoken", "save", "__proto__", "substances[]", "number"]
field_name = st.one_of(st.sampled_from(FIELDS), st.sampled_from(UNKNOWN), odd_text.filter(bool))


def as_text(value) -> str:
    return value if isinstance(value, str) else str(value)


def encode(data: dict) -> str:
    """The body a browser would send for these fields (application/x-www-form-urlencoded, UTF-8)."""
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, as_text(item)))
    return urlencode(pairs)


def post_form(client, url: str, data: dict):
    return client.post(url, encode(data), content_type="application/x-www-form-urlencoded")


def last(data: dict, name: str):
    value = data.get(name)
    return value[-1] if isinstance(value, list) else value


def kept_visibly(value) -> bool:
    """Whether an entry can be looked for in the page: printable text (line breaks allowed)."""
    text = as_text(value)
    return text.replace("\r", "").replace("\n", "").replace("\t", "").isprintable()


def assert_refused_with_entries_kept(response, data: dict) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page
    for name in ("client_code", "notes"):
        value = last(data, name)
        if value is not None and kept_visibly(value):
            assert escape(as_text(value)) in page, f"{name} not kept on the error page"


def check_intake_post(client, url: str, data: dict, revisions_before: int):
    """Posts an intake, confirmed when most questions are unanswered (the second button of the form); the answer
    must agree with the form's own verdict on the same body."""
    data = {**data, "confirm_incomplete": "1"}
    body = encode(data)
    form = IntakeForm(QueryDict(body))
    valid = form.is_valid()
    screenings_before = Screening.objects.count()
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    if valid:
        assert response.status_code == 302, response.content.decode()[:2000]
        revision = Revision.objects.order_by("-pk").first()
        assert revision.intake == form.intake() and revision.answers == form.answers()
        assert Revision.objects.count() == revisions_before + 1
    else:
        assert_refused_with_entries_kept(response, data)
        assert Screening.objects.count() == screenings_before
        assert Revision.objects.count() == revisions_before
    return response


@pytest.fixture
def signed_in(client, clinician):
    return client_for(client, clinician)


# --- The intake form, new and edit -------------------------------------------------------------------------------

@pytest.mark.django_db
@FUZZ
@given(data=st.dictionaries(field_name, posted, max_size=12))
@example(data={"client_code": ["TH-1001", "TH-2002"], "substances": "mdma"})
@example(data={"client_code": "x" * 100_000, "notes": "x" * 100_000, "substances": ["mdma", "mdma", "lsd"]})
@example(data={"client_code": "TH-1001", "substances": ["mdma"], "age": "9" * 5000, "systolic_bp": "1e3"})
def test_random_fields_never_break_the_new_form(signed_in, data):
    check_intake_post(signed_in, reverse("screening_new"), data, Revision.objects.count())


@pytest.mark.django_db
@FUZZ
@given(name=st.sampled_from(FIELDS), value=posted)
@example(name="notes", value="\x00")
@example(name="client_code", value='"><img src=x onerror=alert(1)>1')
@example(name="medications", value="\n".join(["x" * 121] + ["a"] * 70))
@example(name="substances", value=["mdma", "<script>"])
def test_one_hostile_answer_in_a_valid_form(signed_in, name, value):
    """Every other answer valid, so that the hostile value reaches its own field's checks."""
    check_intake_post(signed_in, reverse("screening_new"), form_data(**{name: value}), Revision.objects.count())


@pytest.mark.django_db
@FUZZ
@given(dropped=st.sets(st.sampled_from(sorted(form_data()))))
def test_missing_fields_are_refused_only_when_required(signed_in, dropped):
    """Only the client code and the substances are required; every other question may be left out."""
    data = {k: v for k, v in form_data().items() if k not in dropped}
    response = check_intake_post(signed_in, reverse("screening_new"), data, Revision.objects.count())
    assert (response.status_code == 302) == ({"client_code", "substances"}.isdisjoint(dropped))


CHOICES = {name: {str(c) for c, _ in field.choices} for name, field in IntakeForm().fields.items()
           if hasattr(field, "choices")}


def _valid_code(text: str) -> bool:
    code = text.strip()
    return bool(CLIENT_CODE.match(code)) and any(c.isdigit() for c in code) and len(code) <= 32


def _int_field(name: str):
    field = IntakeForm().fields[name]
    return st.integers().filter(lambda n: not field.min_value <= n <= field.max_value).map(str)


invalid_answers = st.one_of(
    st.tuples(st.just("client_code"),
              st.one_of(odd_text, st.sampled_from(HOSTILE)).filter(lambda t: not _valid_code(t))),
    st.tuples(st.sampled_from(["age", "systolic_bp", "diastolic_bp", "heart_rate"]),
              st.text(st.characters(categories=["L", "P", "S"]), min_size=1, max_size=20)),
    *[st.tuples(st.just(name), _int_field(name)) for name in ("age", "systolic_bp", "diastolic_bp", "heart_rate")],
    *[st.tuples(st.just(name), odd_text.filter(lambda t, name=name: t not in CHOICES[name]))
      for name in ("pregnant", "hypertension", "bipolar", "cssrs_wish_dead", "medication_review", "substances")],
    st.tuples(st.sampled_from(["notes", "medications"]), odd_text.map(lambda t: t + "\x00")),
    st.tuples(st.just("notes"), st.text(min_size=2001, max_size=2100)),
    st.tuples(st.just("medications"), st.lists(st.text("abcxyz", min_size=1, max_size=8), min_size=61,
                                               max_size=70, unique=True).map("\n".join)),
)


@pytest.mark.django_db
@FUZZ
@given(answer=invalid_answers)
def test_answers_no_field_accepts_are_refused(signed_in, answer):
    """An oracle of its own, not the form's: values these fields can never accept are refused, nothing saved."""
    name, value = answer
    data = form_data(**{name: value})
    response = post_form(signed_in, reverse("screening_new"), data)
    assert_refused_with_entries_kept(response, data)
    assert Screening.objects.count() == 0


valid_client_code = st.from_regex(CLIENT_CODE, fullmatch=True).filter(lambda c: any(ch.isdigit() for ch in c))


@st.composite
def valid_forms(draw):
    """A form every answer of which is one the form offers."""
    form = IntakeForm()
    data = {"client_code": draw(valid_client_code), "confirm_incomplete": "1",
            "substances": draw(st.lists(st.sampled_from([c for c, _ in form.fields["substances"].choices]),
                                        min_size=1, max_size=5, unique=True))}
    for name, field in form.fields.items():
        if name in data or not draw(st.booleans()):
            continue
        if hasattr(field, "choices"):
            data[name] = draw(st.sampled_from([c for c, _ in field.choices]))
        elif isinstance(field, forms.IntegerField):  # the whole-number fields (typed as text)
            data[name] = str(draw(st.integers(field.min_value, field.max_value)))
        elif field.__class__.__name__ == "BooleanField":
            data[name] = "on"
        elif name == "medications":
            data[name] = "\n".join(draw(st.lists(st.text(st.characters(exclude_categories=["Cs", "Cc"]),
                                                         min_size=1, max_size=30), max_size=8)))
        elif name.startswith("stopped_weeks_"):
            continue  # filled together with its name: a row is a name and a number of weeks, or empty
        elif name.startswith("stopped_name_"):
            data[name] = draw(st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1,
                                      max_size=30).filter(str.strip))
            data[name.replace("name", "weeks")] = str(draw(st.integers(0, 26)))
        else:
            data[name] = draw(st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=200))
    return data


@pytest.mark.django_db
@FUZZ
@given(data=valid_forms())
def test_any_valid_form_is_saved_as_posted(signed_in, data):
    response = post_form(signed_in, reverse("screening_new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    screening = Screening.objects.order_by("-pk").first()
    assert response["Location"] == reverse("screening_detail", args=[screening.pk])
    assert screening.client_code == data["client_code"]
    assert set(screening.revisions.first().intake["substances"]) == set(data["substances"])
    assert signed_in.get(response["Location"]).status_code == 200


@pytest.mark.django_db
@FUZZ
@given(data=st.one_of(st.dictionaries(field_name, posted, max_size=10),
                      st.builds(lambda n, v: form_data(**{n: v}), st.sampled_from(FIELDS), posted)))
def test_random_edits_save_a_revision_only_when_valid(signed_in, clinician, data):
    screening = screening_create(owner=clinician, client_code="TH-5005", intake=healthy_intake(), answers={})
    check_intake_post(signed_in, reverse("screening_edit", args=[screening.pk]), data, Revision.objects.count())
    screening.refresh_from_db()
    if screening.revisions.count() == 1:
        assert screening.client_code == "TH-5005"


@pytest.mark.django_db
@FEW
@given(body=st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(lambda t: t.encode("utf-8"))),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
                                     "multipart/form-data", "application/json", "text/plain"]))
@example(body=b"client_code=%FF%FE&substances=mdma&notes=%ED%A0%80", content_type="application/x-www-form-urlencoded")
@example(body=b"--xyz\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\nunterminated",
         content_type="multipart/form-data; boundary=xyz")
@example(body=b"&".join([b"a=1"] * 1200), content_type="application/x-www-form-urlencoded")
def test_raw_bodies_that_are_not_forms(signed_in, clinician, body, content_type):
    screening = screening_create(owner=clinician, client_code="TH-5006", intake=healthy_intake(), answers={})
    for url in (reverse("screening_new"), reverse("screening_edit", args=[screening.pk])):
        response = signed_in.generic("POST", url, body, content_type=content_type)
        assert response.status_code in (302, 400), response.status_code
    assert screening.revisions.count() <= 2


@pytest.mark.django_db
@FEW
@given(params=st.dictionaries(st.sampled_from(["q", "user", "action", "before", "after"]), posted,
                            max_size=5))
@example(params={"q": "\x00", "page": "\x00"})
@example(params={"q": "x" * 100_000, "page": "9" * 5000})
@example(params={"user": "a\x00b", "action": "viewed"})
@example(params={"before": "9" * 40, "after": "-1"})
@example(params={"before": "²", "after": "１"})
def test_search_and_filters_take_any_query(client, clinician, lead, params):
    """The list's search box and the audit trail's filters: a page, never an error."""
    query = encode(params)
    assert client_for(client, clinician).get(f"{reverse('screening_list')}?{query}").status_code == 200
    assert client_for(client, lead).get(f"{reverse('audit_log')}?{query}").status_code == 200


# --- The acknowledgement form ------------------------------------------------------------------------------------

@pytest.fixture
def flagged(clinician):
    """A screening of whose first revision several flags can be acknowledged."""
    return screening_create(owner=clinician, client_code="TH-6006",
                            intake=healthy_intake(medications=["Nardil", "Zoloft"], bipolar="bipolar_i"),
                            answers={})


@pytest.mark.django_db
@FUZZ
@given(rule=st.one_of(st.sampled_from(["valid", "valid-padded", "valid-twice"]), posted),
       reason=st.one_of(posted, st.sampled_from(["Discussed with the client.", "  ", "x" * 500, "x" * 501])),
       extra=st.dictionaries(st.sampled_from(["reason2", "number", "user", "revision", "colour"]), posted,
                             max_size=2))
@example(rule="valid", reason="\x00", extra={})
@example(rule="valid-padded", reason="x" * 501, extra={})
@example(rule="valid", reason='"><img src=x onerror=alert(1)>', extra={})
def test_random_acknowledgements(signed_in, clinician, flagged, rule, reason, extra):
    revision = flagged.revisions.first()
    rules = [f["rule"] for f in revision.assessment["flags"]]
    assert len(rules) >= 2
    rule = {"valid": rules[0], "valid-padded": f" {rules[0]} ", "valid-twice": [rules[1], rules[0]]}.get(
        rule, rule) if isinstance(rule, str) else rule
    data = {**extra, "rule": rule, "reason": reason}
    body = encode(data)
    form = AcknowledgeForm(QueryDict(body), rule_ids=rules)
    valid = form.is_valid()
    before = list(Acknowledgement.objects.values_list("rule_id", "reason"))
    response = signed_in.post(reverse("acknowledge", args=[flagged.pk, revision.number]), body,
                              content_type="application/x-www-form-urlencoded")
    if valid:
        assert response.status_code == 302
        ack = Acknowledgement.objects.filter(revision=revision, rule_id=form.cleaned_data["rule"]).last()
        assert ack.reason == form.cleaned_data["reason"] and ack.user == clinician
        return
    assert response.status_code == 400
    assert list(Acknowledgement.objects.values_list("rule_id", "reason")) == before
    page = response.content.decode()
    assert 'role="alert"' in page and ("not saved" in page or "ack-error-" in page), "no error shown"
    posted_rule, posted_reason = last(data, "rule"), last(data, "reason")
    if posted_rule in rules and kept_visibly(posted_reason):
        assert f'id="ack-error-{posted_rule}"' in page
        assert escape(as_text(posted_reason)) in page, "the reason was not kept"


# --- The quiz form, when there is one ------------------------------------------------------------------------------

@pytest.fixture
def quiz_case(db):
    """The first case of the library, when the quiz has been built (it is being built now); else a skip."""
    try:
        reverse("case_quiz", kwargs={"slug": "x"})
        from library.models import Case

        call_command("load_cases", verbosity=0)
        return Case.objects.order_by("pk").first() or pytest.skip("the case library is empty")
    except (NoReverseMatch, CommandError, ImportError) as exc:
        pytest.skip(f"no quiz to post to yet: {exc}")


@pytest.mark.django_db
@FUZZ
@given(factors=st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(["known", "known2"]), scalar), max_size=4)),
       severities=st.lists(st.one_of(st.none(), st.sampled_from(["none", "info", "warning", "critical"]), posted),
                           min_size=6, max_size=6),
       extra=st.dictionaries(st.one_of(st.sampled_from(["severity-heroin", "answer", "score", "user"]), odd_text),
                             posted, max_size=3))
@example(factors=["known", "known"], severities=["critical"] * 6, extra={})
@example(factors=["<script>alert(1)</script>"], severities=[["none", "critical"]] * 6, extra={})
@example(factors=None, severities=["x" * 100_000] * 6, extra={})
def test_random_quiz_answers(client, trainee, quiz_case, factors, severities, extra):
    """Valid only with known factors, each once, and one of the four severities for every substance of the case."""
    from library.cases import SEVERITIES, severity_field
    from library.models import QuizAttempt

    codes = [f["code"] for f in default_ruleset().factors]
    data = dict(extra)
    if factors is not None:
        data["factors"] = [{"known": codes[0], "known2": codes[-1]}.get(f, f) if isinstance(f, str) else f
                           for f in factors]
    for substance, severity in zip(quiz_case.substances, severities, strict=False):
        if severity is not None:
            data[severity_field(substance)] = severity
    sent = data.get("factors", [])
    posted_factors = [as_text(f) for f in (sent if isinstance(sent, list) else [sent])]
    posted_severity = {s: data.get(severity_field(s)) for s in quiz_case.substances}
    valid = (all(f in codes for f in posted_factors) and len(set(posted_factors)) == len(posted_factors)
             and all(isinstance(v, str) and v in SEVERITIES for v in posted_severity.values()))
    before = QuizAttempt.objects.count()
    response = client_for(client, trainee).post(reverse("case_quiz", kwargs={"slug": quiz_case.slug}), encode(data),
                                                content_type="application/x-www-form-urlencoded")
    if valid:
        assert response.status_code == 302
        attempt = QuizAttempt.objects.get(pk=QuizAttempt.objects.order_by("-pk").first().pk)
        assert set(attempt.answer["factors"]) == set(posted_factors)
        assert attempt.answer["severity"] == posted_severity
        return
    assert response.status_code == 400
    assert QuizAttempt.objects.count() == before
    page = response.content.decode()
    assert 'id="quiz-errors"' in page
    for code in set(posted_factors) & set(codes):  # the valid boxes stay ticked
        assert re.search(rf'value="{re.escape(code)}"[^>]*checked', page), f"{code} not kept"


# --- manage.py screen ----------------------------------------------------------------------------------------------

def screen(raw: bytes, fmt: str = "json") -> str | None:
    """Runs `manage.py screen - --format FMT` with these bytes on a UTF-8 standard input, its output strictly UTF-8
    as on a terminal: the output, or None when it refused the input (a CommandError with status 2, one line)."""
    stdin = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8")
    out = io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    with mock.patch("sys.stdin", stdin):
        try:
            call_command("screen", "-", "--format", fmt, stdout=stdout, stderr=io.StringIO())
        except CommandError as exc:
            assert exc.returncode == 2
            assert str(exc).startswith(("input is not", "invalid intake: ")), str(exc)
            return None
    return out.getvalue().decode("utf-8")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(odd_text, children, max_size=5),
    max_leaves=25)


def field_values(spec, good_only: bool):
    good = {"bool": st.booleans(), "int": st.integers(spec.min or 0, spec.max or 0),
            "choice": st.sampled_from(sorted(spec.choices) or ["x"]),
            "substances": st.lists(st.sampled_from(default_ruleset().intake.substances), min_size=1, max_size=5),
            "medications": st.lists(odd_text, max_size=10), "text": odd_text,
            "stopped_medications": st.lists(st.fixed_dictionaries(
                {"name": odd_text.filter(lambda t: t.strip() and len(t) <= 120),
                 "weeks_ago": st.integers(spec.min or 0, spec.max or 0)}), max_size=4)}[spec.type]
    return good if good_only else st.one_of(good, json_values)


@st.composite
def intake_shaped(draw, good_only: bool = False):
    """A dict of intake fields, each value of its field's type and range, or (unless good_only) of any type, and
    now and then an unknown field."""
    fields = default_ruleset().intake.fields
    names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=len(fields)))
    intake = {name: draw(field_values(fields[name], good_only)) for name in names}
    if good_only or draw(st.booleans()):
        intake["substances"] = draw(field_values(fields["substances"], good_only))
    if not good_only and draw(st.integers(0, 9)) == 0:
        intake[draw(odd_text)] = draw(json_values)
    return intake


@FUZZ
@given(value=st.one_of(json_values, intake_shaped()), fmt=st.sampled_from(["json", "text"]))
@example(value={"substances": ["mdma"], "notes": "<script>alert(1)</script>\x00"}, fmt="text")
@example(value={"substances": ["mdma"], "medications": ["x" * 100_000]}, fmt="json")
@example(value={"substances": ["mdma"], "age": float("nan")}, fmt="json")
@example(value={"substances": ["mdma"] * 1000, "age": 10**100}, fmt="json")
def test_screen_takes_any_json(value, fmt):
    output = screen(json.dumps(value).encode(), fmt)
    if output is not None and fmt == "json":
        assessment = json.loads(output)
        assert assessment["substances"] and set(assessment["substances"]) <= set(value["substances"])


@FUZZ
@given(fmt=st.sampled_from(["json", "text"]), value=intake_shaped(good_only=True))
def test_screen_accepts_every_valid_intake(fmt, value):
    """Intakes whose every value is of its field's type and range are assessed, never refused or broken."""
    if any(len(v) > 2000 for v in value.values() if isinstance(v, str)) or len(value.get("medications", [])) > 60:
        return
    assert screen(json.dumps(value).encode(), fmt) is not None


@FUZZ
@given(raw=st.one_of(st.binary(max_size=2000), odd_text.map(str.encode),
                     st.sampled_from([b"", b"\xff\xfe", b"\x00", b"[" * 100_000, b'{"substances": ["mdma"]' * 3,
                                      b"NaN", b'{"substances": ["mdma"], "substances": ["lsd"]}', b"\xef\xbb\xbf{}",
                                      b'{"substances": ["mdma"], "age": 1e400}', b"1" * 4000])))
def test_screen_takes_any_bytes(raw):
    screen(raw)


# Inputs the fuzzing above once found breaking `manage.py screen`; each must exit 2 with one line.
def test_screen_refuses_an_integer_too_long_to_convert():
    assert screen(b'{"substances": ["mdma"], "age": ' + b"9" * 5000 + b"}") is None


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_screen_refuses_a_lone_surrogate(fmt):
    assert screen(b'{"substances": ["mdma"], "medications": ["\\ud800"]}', fmt) is None


def test_screen_error_stays_on_one_line():
    with pytest.raises(CommandError) as caught, mock.patch("sys.stdin", io.StringIO('{"a\\nb": 1}')):
        call_command("screen", "-", stdout=io.StringIO())
    assert "\n" not in str(caught.value)
