"""The README's Configuration table and the settings read the same environment variables."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = re.compile(r"""(?:env_bool|env_int|env_list|os\.environ\.get|environ\.get)\(\s*["']([A-Z_0-9]+)["']""")


def _read_by_settings() -> set[str]:
    names = set()
    for path in (ROOT / "project").glob("*.py"):
        if path.name == "settings_test.py":
            continue
        names |= set(READERS.findall(path.read_text(encoding="utf-8")))
    return names


def _documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| variable |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `([A-Z_0-9]+)` \|", table, flags=re.MULTILINE))


def test_every_variable_the_settings_read_is_in_the_readme_table():
    assert _read_by_settings() - _documented() == set()


def test_the_readme_table_lists_no_variable_the_settings_ignore():
    assert _documented() - _read_by_settings() == set()


def test_the_checker_finds_variables_at_all():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_SESSION_MINUTES"} <= _read_by_settings()
