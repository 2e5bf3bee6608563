"""`manage.py screen` and `manage.py ruleset`, exactly as the screening contract says.

The commands run in-process through call_command; one test runs `manage.py` itself, for the exit status and the
one-line message a shell sees."""
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def manage(*args, stdin: str | None = None) -> Result:
    """Runs a command as `manage.py` would, without a new process: a CommandError becomes its exit status."""
    out = io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin or "")):
        try:
            call_command(*args, stdout=out)
        except CommandError as exc:
            return Result(exc.returncode, out.getvalue(), f"CommandError: {exc}\n")
    return Result(0, out.getvalue(), "")


def test_manage_py_exits_2_with_one_line_and_no_traceback():
    result = subprocess.run([sys.executable, "manage.py", "screen", "-"], cwd=ROOT, input="{not json",
                            capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "project.settings_test"})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [result.stderr.strip()] and "input is not valid JSON" in result.stderr


def test_screen_reads_standard_input_and_prints_the_assessment():
    result = manage("screen", "-", stdin=json.dumps({"substances": ["mdma"], "medications": ["Nardil"]}))
    assert result.returncode == 0, result.stderr
    assessment = json.loads(result.stdout)
    assert any(f["factor"] == "maoi" and f["severity"] == "critical" for f in assessment["flags"])
    assert assessment["medications"]["recognised"][0]["generic"] == "phenelzine"


def test_screen_reads_a_file_and_prints_text(tmp_path):
    path = tmp_path / "intake.json"
    path.write_text(json.dumps({"substances": ["psilocybin"], "medications": ["Priadel"]}))
    result = manage("screen", str(path), "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "not a diagnosis" in result.stdout
    assert "[CRITICAL]" in result.stdout and "lithium" in result.stdout.lower()


@pytest.mark.parametrize("stdin, words", [
    ("{not json", "input is not valid JSON"),
    ("", "input is not valid JSON"),
    ("[1, 2]", "intake: expected a JSON object"),
    ('{"substances": []}', "substances: must name at least one"),
    ('{"substances": ["mdma"], "age": "old"}', "age: expected a whole number"),
    ('{"substances": ["mdma"], "colour": 1}', "colour: is not an intake field"),
    ("[" * 100000, "input is not valid JSON"),
])
def test_screen_exits_2_with_one_clear_line_on_bad_input(stdin, words):
    result = manage("screen", "-", stdin=stdin)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_screen_names_a_missing_file():
    result = manage("screen", "/nonexistent/intake.json")
    assert result.returncode == 2
    assert "cannot read /nonexistent/intake.json" in result.stderr


def test_ruleset_prints_the_contract_keys():
    result = manage("ruleset", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"version", "changelog", "substances", "factors", "rules", "medications", "sources"} <= set(data)
    keys = {s["key"] for s in data["sources"]}
    for rule in data["rules"]:
        assert {"id", "factor", "substances", "severity", "title", "rationale", "discuss", "sources",
                "evidence_grade"} <= set(rule)
        assert set(rule["sources"]) <= keys


def test_ruleset_prints_text():
    result = manage("ruleset", "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "rules," in result.stdout and "medications," in result.stdout
