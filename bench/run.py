"""`make bench`: what users feel, each figure beside its floor measured in the same run, in one markdown table.

    .venv/bin/python bench/run.py                     # every part; prints the table, writes bench/results.md
    .venv/bin/python bench/run.py --parts engine,pages --out /tmp/results.md
    .venv/bin/python bench/run.py --profile form_get  # cProfile of one page row (form_get, intake_post, ...)

Each part runs in a fresh interpreter (so that one part's imports and memory do not colour another's) and hands its
rows back as JSON. The whole run keeps to a time budget (--budget, default 540 s): a part that would overrun is
stopped and its rows say so. Every server is started here and stopped by its process id; traffic goes to 127.0.0.1
only, every load run is bounded in time. What each row means and the targets: bench/README.md.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

# The PDF part comes last: its 500-render memory loop is the one part that can stop early and still say something.
PARTS = ("engine", "pages", "load", "pdf")
# Upper bounds of each part's own time, in seconds; the run's budget can cut them shorter.
PART_LIMITS = {"engine": 60, "pages": 150, "load": 260, "pdf": 400}
# What each later part needs at least, kept back when an earlier part is given its time.
PART_RESERVE = {"engine": 15, "pages": 40, "load": 150, "pdf": 150}
# `make bench` as a whole (installs included) must end within 10 minutes; the table is written by this mark.
WHOLE_RUN = 570
SECTIONS = {"engine": "Engine (one core)", "pages": "Pages (in-process, test client)",
            "pdf": "PDF (WeasyPrint, in-process)", "load": "Load (gunicorn, 2 sync workers, wrk)"}
PACKAGES = ("Django", "weasyprint", "django-crispy-forms", "crispy-bootstrap5", "gunicorn", "whitenoise", "pydyf")
MEMORY_FLAT_MB = 10.0
MEMORY_RENDERS = 500


# ------------------------------------------------------------------------------------------------- the parts


def part_engine(args) -> list[dict]:
    """Intakes per second on one core beside a loop calling an empty function with the same intake, interleaved."""
    from engine_bench import HEALTHY, MANY, empty, rate

    from screening.engine import assess, default_ruleset

    with contextlib.suppress(AttributeError, OSError):  # one core, the same one throughout
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    ruleset = default_ruleset()
    rows = []
    for key, label, intake in (("healthy", "healthy intake", HEALTHY), ("many", "intake firing many rules", MANY)):
        flags = len(assess(intake)["flags"])
        runs, floor = [], []
        for _ in range(args.engine_repeats):
            runs.append(rate(assess, intake, args.engine_seconds))
            floor.append(rate(empty, intake, args.engine_seconds / 4))
        med = statistics.median(runs)
        rows.append({"section": "engine", "key": f"engine_{key}",
                     "what": f"{label} ({flags} flag{'' if flags == 1 else 's'})", "unit": "intakes/s",
                     "higher": True, "runs": runs, "floor_runs": floor, "floor_what": "empty function",
                     "target": "≥ 20,000/s", "met": med >= 20000,
                     "detail": f"{1e6 / med:.0f} µs/intake; rule set {ruleset.version}, {len(ruleset.rules)} rules; "
                               f"{args.engine_repeats}×{args.engine_seconds:g} s"})
    return rows


def part_pages(args) -> list[dict]:
    import web_bench

    return web_bench.run_pages(repeats=args.page_repeats)


def part_pdf(args) -> list[dict]:
    """pdf_bench's revisions and timer; the floor is pdf_bench's bare one-page document in the same font."""
    import pdf_bench  # sets project.settings_test up: an in-memory SQLite test database, DEBUG off
    import psutil
    from django.db import connection
    from pypdf import PdfReader
    from weasyprint import HTML

    from screening import pdf
    from screening.views import blank_form_context

    deadline = time.monotonic() + args.time_limit - 20
    connection.creation.create_test_db(verbosity=0)
    typical, long = pdf_bench.build_revisions()
    blank = blank_form_context()

    def floor():
        return HTML(string=pdf_bench.BARE, base_url=pdf.base_url(),
                    url_fetcher=pdf.StaticOnlyFetcher()).write_pdf(font_config=pdf.font_config())

    def timed(render, runs):
        result = pdf_bench.timed(render, runs)  # (wall ms, [cpu ms,] last body)
        return result[0], (result[1] if len(result) == 3 else None), result[-1]

    def pages(body: bytes) -> int:
        return len(PdfReader(io.BytesIO(body)).pages)

    floor_runs, _, _ = timed(floor, 15)
    long_runs, long_cpu, long_body = timed(lambda: pdf.record_pdf(long), args.long_runs)
    handout_runs, handout_cpu, handout_body = timed(lambda: pdf.handout_pdf(typical), 15)
    long_handout_runs, long_handout_cpu, long_handout_body = timed(lambda: pdf.handout_pdf(long), 5)
    blank_runs, blank_cpu, blank_body = timed(lambda: pdf.blank_form_pdf(blank), 5)
    # A reprint: the shared cache (the database cache table, as deployed by default) already holds the bytes.
    pdf.document_pdf("record", typical, printed_by=typical.created_by)
    reprint_runs, reprint_cpu, _ = timed(lambda: pdf.document_pdf("record", typical, printed_by=typical.created_by),
                                         200)
    more_floor, _, _ = timed(floor, 15)
    floor_runs += more_floor

    # Memory and the typical record's timing together: 500 renders in chunks of 50 (pdf_bench.timed renders one
    # untimed, then 49 timed), RSS read after each chunk. The floor: RSS over as many bare one-page renders.
    process = psutil.Process()
    warm, _, typical_body = timed(lambda: pdf.record_pdf(typical), 3)
    rss = [process.memory_info().rss / 2**20]
    typical_runs, typical_cpu, stopped = [], [], False
    chunk = 50 * statistics.median(warm) / 1000  # seconds for 50 renders, updated as they go
    for _ in range(MEMORY_RENDERS // 50):
        floor_left = len(rss) * 50 * statistics.median(floor_runs) / 1000  # the floor's renders still to come
        if time.monotonic() + chunk * 1.2 + floor_left > deadline:
            stopped = True  # keep time for the floor's renders: fewer renders rather than no row
            break
        chunk_start = time.monotonic()
        wall, cpu, _ = timed(lambda: pdf.record_pdf(typical), 49)
        chunk = time.monotonic() - chunk_start
        typical_runs += wall
        typical_cpu += cpu or []
        rss.append(process.memory_info().rss / 2**20)
    renders = (len(rss) - 1) * 50
    floor_rss = [process.memory_info().rss / 2**20]
    for _ in range(renders):
        floor()
    floor_rss.append(process.memory_info().rss / 2**20)

    def cpu_note(cpu):
        return f"; CPU {statistics.median(cpu):.0f} ms" if cpu else ""

    growth, floor_growth = rss[-1] - rss[0], floor_rss[-1] - floor_rss[0]

    def per_page(runs, body):
        return statistics.median(runs) / pages(body)

    def document(key, what, runs, cpu, body, note):
        ms_page = per_page(runs, body)
        return {"section": "pdf", "key": key, "what": f"{what} ({pages(body)} pages)", "unit": "ms",
                "higher": False, "runs": runs, "floor_runs": floor_runs, "floor_what": "bare 1-page doc",
                "target": "≤ 100 ms/page", "met": ms_page <= 100,
                "detail": f"{ms_page:.0f} ms per page; {len(runs)} warm renders{note}{cpu_note(cpu)}"}

    handout_med = statistics.median(handout_runs)
    return [
        document("pdf_typical", "typical clinician record", typical_runs or warm, typical_cpu, typical_body,
                 " (the memory loop's)"),
        document("pdf_long", f"heavy clinician record ({len(long.assessment['flags'])} flags)", long_runs, long_cpu,
                 long_body, ""),
        {"section": "pdf", "key": "pdf_handout", "what": f"typical client handout ({pages(handout_body)} pages)",
         "unit": "ms", "higher": False, "runs": handout_runs, "floor_runs": floor_runs,
         "floor_what": "bare 1-page doc", "target": "≤ 200 ms", "met": handout_med <= 200,
         "detail": f"{per_page(handout_runs, handout_body):.0f} ms per page; {len(handout_runs)} warm renders"
                   f"{cpu_note(handout_cpu)}"},
        document("pdf_long_handout", "heavy client handout", long_handout_runs, long_handout_cpu, long_handout_body,
                 ""),
        {"section": "pdf", "key": "pdf_reprint", "what": "reprint of the typical record from the shared cache",
         "unit": "ms", "higher": False, "runs": reprint_runs, "floor_runs": floor_runs,
         "floor_what": "bare 1-page doc", "target": "≤ 5 ms", "met": statistics.median(reprint_runs) <= 5,
         "detail": f"{len(reprint_runs)} cache hits (database cache: key query, acknowledgement aggregate, read)"
                   f"{cpu_note(reprint_cpu)}"},
        {"section": "pdf", "key": "pdf_blank", "what": f"blank intake form ({pages(blank_body)} pages)", "unit": "ms",
         "higher": False, "runs": blank_runs, "floor_runs": floor_runs, "floor_what": "bare 1-page doc",
         "target": "", "met": None, "detail": f"{len(blank_runs)} warm renders{cpu_note(blank_cpu)}"},
        {"section": "pdf", "key": "pdf_memory", "what": f"RSS growth over {renders} typical renders", "unit": "MB",
         "higher": False, "runs": [growth], "floor_runs": [floor_growth], "floor_what": f"{renders} bare renders",
         "range": f"{rss[0]:.0f} → {rss[-1]:.0f} MB", "ratio": f"{growth - floor_growth:+.1f} MB",
         "target": f"flat: ≤ {MEMORY_FLAT_MB:.0f} MB", "met": (growth <= MEMORY_FLAT_MB) and not stopped,
         "detail": "RSS every 50 renders: " + ", ".join(f"{r:.0f}" for r in rss) + " MB"
                   + (" — stopped early at the time budget" if stopped else "")},
    ]


def part_load(args) -> list[dict]:
    import web_bench

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops gunicorn on a time-out
    return web_bench.run_load(dict(os.environ), Path(os.environ["BENCH_TMP"]), seconds=args.load_seconds,
                              pdf_seconds=args.load_pdf_seconds, repeats=args.load_repeats, time_limit=args.time_limit)


# ------------------------------------------------------------------------------------------------- the run


def web_env(tmp: Path) -> dict:
    """Production-like: DEBUG off, a generated secret key, no HTTPS redirect, SQLite in a temporary file."""
    from concurrent_writers import production_env

    env = production_env(tmp)
    env.pop("DATABASE_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "bench.bench_settings", "DJANGO_SQLITE_PATH": str(tmp / "db.sqlite3"),
                "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "BENCH_TMP": str(tmp)})
    return env


def run_part(name: str, args, env: dict, limit: float) -> tuple[list[dict], str]:
    """Runs one part in a fresh interpreter within `limit` seconds; its rows, or rows saying why there are none."""
    out = Path(env["BENCH_TMP"]) / f"{name}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--part", name, "--json", str(out),
           "--time-limit", f"{limit:.0f}", *args.passthrough]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        log, _ = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.terminate()  # by its PID; the load part stops its gunicorn on SIGTERM
        try:
            log, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            log, _ = proc.communicate()
        return [{"section": name, "key": name, "what": f"{name}: stopped at its time limit ({limit:.0f} s)",
                 "missing": "timed out"}], log
    took = time.monotonic() - start
    if proc.returncode != 0 or not out.exists():
        tail = "\n".join(log.strip().splitlines()[-15:])
        return [{"section": name, "key": name, "what": f"{name}: failed (exit {proc.returncode})",
                 "missing": tail.splitlines()[-1] if tail else "no output"}], log
    rows = json.loads(out.read_text())
    for row in rows:
        row.setdefault("took", took)
    return rows, log


def fmt(value: float, unit: str) -> str:
    if unit in ("intakes/s", "req/s"):
        return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"
    if unit == "MB":
        return f"{value:+.1f}"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def table(rows: list[dict]) -> str:
    lines = ["| section | what | median | min–max | floor (same run) | × floor | target | met | detail |",
             "|---|---|---:|---:|---:|---:|---|:---:|---|"]
    for row in rows:
        section = SECTIONS.get(row["section"], row["section"])
        if "missing" in row:
            lines.append(f"| {section} | {row['what']} | — | — | — | — | {row.get('target', '')} | — | "
                         f"{row['missing']} |")
            continue
        unit, runs, floor = row["unit"], row["runs"], row["floor_runs"]
        med, floor_med = statistics.median(runs), statistics.median(floor)
        if "ratio" in row:
            ratio = row["ratio"]
        elif row["higher"]:
            ratio = f"{floor_med / med:,.1f}×" if med else "∞"
        else:
            ratio = f"{med / floor_med:,.1f}×" if floor_med else "—"
        spread = row.get("range") or f"{fmt(min(runs), unit)}–{fmt(max(runs), unit)}"
        met = {True: "✅ yes", False: "❌ no", None: ""}[row["met"]]
        lines.append(f"| {section} | {row['what']} | {fmt(med, unit)} {unit} | {spread} | "
                     f"{fmt(floor_med, unit)} {unit} ({row['floor_what']}) | {ratio} | {row['target']} | {met} | "
                     f"{row['detail']} |")
    return "\n".join(lines)


def machine() -> list[str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    wrk = shutil.which("wrk")
    wrk_version = "not installed"
    if wrk:
        done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10, check=False)
        first = (done.stdout or done.stderr).strip().splitlines()
        wrk_version = first[0].split(" [")[0] if first else "unknown"
    return [
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {os.cpu_count()} cores, {model.group(1).strip() if model else platform.processor() or '?'}, "
        f"{int(mem.group(1)) / 2**20:.1f} GiB memory; load average at the start {load[0]:.2f}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
        f"{platform.release()}",
        f"- packages: {', '.join(versions)}; {wrk_version}",
    ]


def orchestrate(args) -> int:
    started = time.monotonic()
    budget = args.budget
    if args.started:  # `make bench` passes when it began, so that the installs count against the 10 minutes too
        budget = min(budget, WHOLE_RUN - (time.time() - args.started))
    deadline = started + budget
    tmp = Path(tempfile.mkdtemp(prefix="threshold-bench-"))
    env = web_env(tmp)
    parts = [p for p in args.parts.split(",") if p]
    rows, logs = [], []
    try:
        header = machine()
        for index, name in enumerate(parts):
            reserve = sum(PART_RESERVE[p] for p in parts[index + 1:])
            limit = min(PART_LIMITS[name], deadline - time.monotonic() - reserve)
            if limit < 10:
                rows.append({"section": name, "key": name, "what": name, "missing": "skipped: no time left"})
                continue
            print(f"[{time.monotonic() - started:5.0f} s] {name} (at most {limit:.0f} s)", flush=True)
            part_rows, log = run_part(name, args, env, limit)
            rows += part_rows
            if args.verbose or any("missing" in r and "not present" not in r["missing"] for r in part_rows):
                logs.append(f"--- {name} ---\n{log.strip()[-4000:]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = time.monotonic() - started
    order = {p: i for i, p in enumerate(PARTS)}
    rows.sort(key=lambda r: order.get(r["section"], 99))
    missed = [r for r in rows if r.get("met") is False]
    text = "\n".join([
        "# Threshold benchmarks",
        "",
        *header,
        f"- run: `make bench`, {total:.0f} s in all; parts: {', '.join(parts)}",
        "",
        "Medians over warm runs, min–max beside them; every floor measured in the same run, on the same machine. "
        "× floor: how many times the floor's cost one unit of the row costs (time ÷ floor time, or floor rate ÷ "
        "rate). Read the ratios, not the absolutes: these machines are shared and noisy. See bench/README.md.",
        "",
        table(rows),
        "",
        (f"Missed: {', '.join(r['what'] for r in missed)}." if missed else "Every row with a target meets it."),
        "",
    ])
    for log in logs:
        print(log, file=sys.stderr)
    print(text)
    args.out.write_text(text)
    print(f"written to {args.out} ({total:.0f} s)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    parser.add_argument("--budget", type=float, default=540, help="seconds for the whole run (default %(default)s)")
    parser.add_argument("--started", type=float, help="when `make bench` began (epoch seconds): the budget then "
                        f"ends {WHOLE_RUN} s after it")
    parser.add_argument("--verbose", action="store_true", help="print every part's own output too")
    parser.add_argument("--profile", metavar="ROW", help="cProfile one page row instead (e.g. form_get)")
    tuning = parser.add_argument_group("per part (the defaults keep `make bench` near 6-7 minutes)")
    tuning.add_argument("--engine-seconds", type=float, default=0.5)
    tuning.add_argument("--engine-repeats", type=int, default=7)
    tuning.add_argument("--page-repeats", type=int, default=9)
    tuning.add_argument("--long-runs", type=int, default=3)
    tuning.add_argument("--load-seconds", type=int, default=4)
    tuning.add_argument("--load-pdf-seconds", type=int, default=6)
    tuning.add_argument("--load-repeats", type=int, default=3)
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--time-limit", type=float, default=600, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not (0.05 <= args.engine_seconds <= 5 and 1 <= args.engine_repeats <= 50 and 1 <= args.page_repeats <= 50
            and 1 <= args.long_runs <= 20 and 1 <= args.load_seconds <= 30 and 1 <= args.load_pdf_seconds <= 60
            and 1 <= args.load_repeats <= 10 and 30 <= args.budget <= 3600):
        parser.error("a tuning value is out of bounds")
    args.passthrough = [f"--engine-seconds={args.engine_seconds}", f"--engine-repeats={args.engine_repeats}",
                        f"--page-repeats={args.page_repeats}", f"--long-runs={args.long_runs}",
                        f"--load-seconds={args.load_seconds}", f"--load-pdf-seconds={args.load_pdf_seconds}",
                        f"--load-repeats={args.load_repeats}"]

    if args.profile:
        tmp = Path(tempfile.mkdtemp(prefix="threshold-profile-"))
        try:
            os.environ.update(web_env(tmp))
            import web_bench

            print(web_bench.profile_page(args.profile))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    if args.part:
        if args.part in ("pages", "load") and os.environ.get("DJANGO_SETTINGS_MODULE") != "bench.bench_settings":
            parser.error("the web parts run under bench/run.py, which sets their environment")
        rows = globals()[f"part_{args.part}"](args)
        args.json.write_text(json.dumps(rows))
        return 0
    for part in args.parts.split(","):
        if part not in PARTS:
            parser.error(f"unknown part {part!r}")
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
