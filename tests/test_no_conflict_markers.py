"""No file of the repository keeps a merge's conflict markers."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)


def test_no_tracked_file_holds_conflict_markers():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    marked = [name for name in files if (ROOT / name).is_file()
              and MARKER.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))]
    assert marked == []
