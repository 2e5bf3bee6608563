"""`manage.py screen` and `ruleset` start without loading WeasyPrint (issue 19): the URLconf that the system checks
import reaches the PDF views, and those import screening.pdf (and WeasyPrint) only when they print."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENV = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "project.settings_test"}


def imported_modules(*args: str, stdin: str = "") -> set[str]:
    """Every module `python -X importtime manage.py ARGS` imported, read from its import-time report."""
    done = subprocess.run([sys.executable, "-X", "importtime", "manage.py", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, env=ENV, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


@pytest.mark.parametrize("args, stdin", [
    (("screen", "-"), json.dumps({"substances": ["mdma"], "medications": ["Nardil"]})),
    (("ruleset",), ""),
])
def test_commands_start_without_weasyprint(args, stdin):
    modules = imported_modules(*args, stdin=stdin)
    assert "screening.views_pdf" in modules  # the system checks did import the URLconf and the PDF views
    assert not {m for m in modules if m == "weasyprint" or m.startswith(("weasyprint.", "screening.pdf"))}

