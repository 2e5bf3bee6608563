"""Concurrent writers: gunicorn with several workers, 50 clients saving and revising screenings, then a count.

Starts gunicorn (sync workers, production-like settings) on 127.0.0.1 and a free port, creates clinician accounts,
then runs the clients at once, each in its own thread with its own cookie jar: sign in, then for each round open the
new-screening form, save a screening, follow to its assessment, and revise it R times (form, save, assessment).
With --shared (the default) each client also revises, once a round, a screening shared by every client signed in as
the same clinician, so that revisions of ONE screening race each other. Then it reads the database and checks that
every save is there exactly once: screenings == clients x rounds, each with revisions numbered 1..1+R holding the
notes of the save that made them, the shared screenings with one revision per shared save and no number twice, the
audit trail with one event per save; and that no request got a 5xx or any unexpected status. It prints a table and
exits 1 on FAIL.

Database: without DATABASE_URL, a fresh SQLite file in a temporary directory (DJANGO_SQLITE_PATH), migrated first and
deleted afterwards: the developer's db.sqlite3 is never touched. With DATABASE_URL, that PostgreSQL database: it is
migrated and the run's accounts and screenings are ADDED to it (names carry a run id; nothing is deleted), so point it
at a throwaway database, e.g.  bench/with_postgres.sh .venv/bin/python bench/concurrent_writers.py

Only loopback traffic; every client stops at --max-seconds, every request times out after 60 s.
Run: .venv/bin/python bench/concurrent_writers.py [--clients 50] [--rounds 3] [--revisions 2] [--users 10]
     [--workers 4] [--max-seconds 300] [--no-shared]
"""
import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SCREENING_URL = re.compile(r"^/screenings/(\d+)/$")
WEAK_KEY_MARKERS = ("insecure", "change-me", "changeme", "dev-only", "secret")


class ClientFailed(Exception):
    """A client met a status it did not expect (or no answer) and stops there."""


class TimeUp(Exception):
    """The run's time bound was reached."""


class Recorder:
    """Every request's kind, status and latency, from all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[str, str, float]] = []
        self.failures: list[str] = []

    def add(self, kind: str, status: str, seconds: float) -> None:
        with self.lock:
            self.rows.append((kind, status, seconds))

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


class Browser:
    """One client: a cookie jar and plain HTTP/1.1 requests to the server on the loopback address."""

    def __init__(self, port: int, deadline: float, recorder: Recorder):
        self.port, self.deadline, self.recorder = port, deadline, recorder
        self.cookies: dict[str, str] = {}

    def request(self, kind: str, method: str, path: str, form: dict | None = None, expect: int = 200):
        if time.monotonic() > self.deadline:
            raise TimeUp(kind)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        start = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.recorder.add(kind, "no answer", time.perf_counter() - start)
            raise ClientFailed(f"{kind} {method} {path}: {type(exc).__name__}: {exc}") from None
        finally:
            conn.close()
        self.recorder.add(kind, str(response.status), time.perf_counter() - start)
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if response.status != expect:
            raise ClientFailed(f"{kind} {method} {path}: {response.status}, expected {expect}")
        return text, response.headers.get("Location", "")


def csrf_token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    if not match:
        raise ClientFailed("no CSRF token in the form")
    return match.group(1)


def intake_post(token: str, client_code: str, notes: str, save: int) -> dict:
    """A filled intake form as a browser posts it; the vital signs vary from save to save."""
    return {"csrfmiddlewaretoken": token, "client_code": client_code, "substances": ["mdma", "psilocybin"],
            "psychosis_history": "no", "hypertension": "controlled", "systolic_bp": str(120 + save % 40),
            "diastolic_bp": "80", "heart_rate": "70", "medication_review": "reviewed", "medications": "Zoloft",
            "age": "41", "cssrs_wish_dead": "no", "cssrs_thoughts": "no", "cssrs_behaviour": "no",
            "preparation_sessions": "on", "support_person": "on", "notes": notes}


class Plan:
    """Who signs in as whom, and the client codes and notes that each save writes, so that they can be counted."""

    def __init__(self, args, run_id: str):
        self.args, self.run_id = args, run_id
        self.usernames = [f"bench-{run_id}-{u:03d}" for u in range(args.users)]
        self.password = secrets.token_urlsafe(24)
        self.shared_pk: dict[int, int] = {}

    def user_of(self, client: int) -> int:
        return client % self.args.users

    def code(self, client: int, round_: int) -> str:
        return f"B{self.run_id}-C{client:03d}-R{round_:02d}"

    def shared_code(self, user: int) -> str:
        return f"B{self.run_id}-U{user:02d}-SHARED"

    def note(self, client: int, round_: int, save: int) -> str:
        return f"bench {self.run_id} client {client} round {round_} save {save}"

    def shared_note(self, client: int, round_: int) -> str:
        return f"bench {self.run_id} client {client} round {round_} shared"


def run_client(client: int, plan: Plan, port: int, deadline: float, recorder: Recorder) -> None:
    browser = Browser(port, deadline, recorder)
    args = plan.args
    try:
        html, _ = browser.request("sign-in form", "GET", "/accounts/login/")
        _, location = browser.request("sign in", "POST", "/accounts/login/", {
            "csrfmiddlewaretoken": csrf_token(html), "username": plan.usernames[plan.user_of(client)],
            "password": plan.password, "next": ""}, expect=302)
        if "login" in location:
            raise ClientFailed(f"sign in sent back to {location}")
        for round_ in range(args.rounds):
            html, _ = browser.request("new form", "GET", "/screenings/new/")
            code = plan.code(client, round_)
            _, location = browser.request("save new", "POST", "/screenings/new/",
                                          intake_post(csrf_token(html), code, plan.note(client, round_, 1), 1),
                                          expect=302)
            match = SCREENING_URL.match(location)
            if not match:
                raise ClientFailed(f"saving a new screening sent to {location!r}")
            pk = int(match.group(1))
            browser.request("assessment", "GET", location)
            for save in range(2, args.revisions + 2):
                html, _ = browser.request("edit form", "GET", f"/screenings/{pk}/edit/")
                browser.request("save revision", "POST", f"/screenings/{pk}/edit/",
                                intake_post(csrf_token(html), code, plan.note(client, round_, save), save),
                                expect=302)
                browser.request("assessment", "GET", location)
            if args.shared:
                user = plan.user_of(client)
                shared = plan.shared_pk[user]
                html, _ = browser.request("edit form", "GET", f"/screenings/{shared}/edit/")
                browser.request("save shared revision", "POST", f"/screenings/{shared}/edit/",
                                intake_post(csrf_token(html), plan.shared_code(user),
                                            plan.shared_note(client, round_), round_), expect=302)
                browser.request("assessment", "GET", f"/screenings/{shared}/")
    except ClientFailed as exc:
        recorder.fail(f"client {client}: {exc}")
    except TimeUp as exc:
        recorder.fail(f"client {client}: stopped at the time bound ({args.max_seconds} s) before {exc}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp: Path) -> dict:
    key = secrets.token_urlsafe(48)  # 64 characters
    while any(marker in key.lower() for marker in WEAK_KEY_MARKERS):
        key = secrets.token_urlsafe(48)
    env = os.environ.copy()
    # Production settings but for the second factor: the benches time pages and prints, not the sign-in, and their
    # clients sign in with a password only (the two-factor sign-in is tested in tests/test_accounts.py).
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings", "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": key,
                "DJANGO_HTTPS": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1", "DJANGO_REQUIRE_2FA": "0"})
    if not env.get("DATABASE_URL", "").strip():
        env["DJANGO_SQLITE_PATH"] = str(tmp / "db.sqlite3")
    return env


def setup_database(plan: Plan) -> str:
    """Migrates, creates the clinicians and the shared screenings; returns a description of the database."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import Clinic, join
    from screening.roles import CLINICIAN
    from screening.services import screening_create

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        described = f"SQLite (temporary file {db['NAME']})"
    else:
        described = f"PostgreSQL (database {db['NAME']!r} on {db['HOST'] or 'localhost'})"
    call_command("migrate", interactive=False, verbosity=0)
    hashed = make_password(plan.password)  # once: the hasher is slow on purpose
    User.objects.bulk_create([User(username=name, password=hashed) for name in plan.usernames])
    by_name = {user.username: user for user in User.objects.filter(username__in=plan.usernames)}
    users = [by_name[name] for name in plan.usernames]
    Group.objects.get_or_create(name=CLINICIAN)[0].user_set.add(*users)
    join(Clinic.default(), users)
    if plan.args.shared:
        for index, user in enumerate(users):
            screening = screening_create(owner=user, client_code=plan.shared_code(index),
                                         intake={"substances": ["mdma"], "notes": "shared start"}, answers={})
            plan.shared_pk[index] = screening.pk
    connections.close_all()
    return described


def start_gunicorn(env: dict, port: int, workers: int, log_path: Path, niceness: int = 0) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port; with `niceness`, at that lower CPU priority (nice execs gunicorn: same PID)."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    if not gunicorn.exists():
        gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [*(["nice", "-n", str(niceness)] if niceness else []),
             str(gunicorn), "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "10", "--error-logfile", "-",
             "--no-control-socket"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_ready(proc: subprocess.Popen, port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {proc.returncode} while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/accounts/login/", headers={"Host": f"127.0.0.1:{port}"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on 127.0.0.1:{port} within {seconds:.0f} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # gunicorn's graceful shutdown: the master stops its workers
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def check_database(plan: Plan) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows of (what, found, expected) and the problems found."""
    from django.db import connections

    from screening.models import AuditEvent, Revision, Screening

    args, problems = plan.args, []
    prefix = f"B{plan.run_id}-"
    expected_codes = {plan.code(c, r) for c in range(args.clients) for r in range(args.rounds)}
    screenings = list(Screening.objects.filter(client_code__startswith=prefix).values_list("pk", "client_code"))
    own = [(pk, code) for pk, code in screenings if "-C" in code]
    shared = {code: pk for pk, code in screenings if code.endswith("-SHARED")}
    by_code = Counter(code for _, code in own)
    doubled = sorted(code for code, n in by_code.items() if n > 1)
    missing = sorted(expected_codes - set(by_code))
    stray = sorted(set(by_code) - expected_codes)
    if doubled:
        problems.append(f"{len(doubled)} screenings saved more than once, e.g. {doubled[:3]}")
    if missing:
        problems.append(f"{len(missing)} screenings missing, e.g. {missing[:3]}")
    if stray:
        problems.append(f"{len(stray)} screenings not saved by any client, e.g. {stray[:3]}")

    revisions = defaultdict(list)  # pk -> [(number, notes)]
    for pk, number, intake in Revision.objects.filter(screening__client_code__startswith=prefix).values_list(
            "screening_id", "number", "intake"):
        revisions[pk].append((number, intake.get("notes", "")))
    own_revisions, bad_numbering, wrong_content = 0, [], []
    for pk, code in own:
        rows = sorted(revisions[pk])
        own_revisions += len(rows)
        if [n for n, _ in rows] != list(range(1, args.revisions + 2)):
            bad_numbering.append(f"{code}: {[n for n, _ in rows]}")
            continue
        match = re.fullmatch(rf"B{plan.run_id}-C(\d+)-R(\d+)", code)
        client, round_ = int(match.group(1)), int(match.group(2))
        if [note for _, note in rows] != [plan.note(client, round_, n) for n, _ in rows]:
            wrong_content.append(code)
    if bad_numbering:
        problems.append(f"{len(bad_numbering)} screenings without revisions 1..{args.revisions + 1}, "
                        f"e.g. {bad_numbering[:3]}")
    if wrong_content:
        problems.append(f"{len(wrong_content)} screenings whose revisions hold another save's notes, "
                        f"e.g. {wrong_content[:3]}")

    rows = [("screenings saved by the clients", str(len(own)), str(len(expected_codes))),
            ("their revisions", str(own_revisions), str(len(expected_codes) * (args.revisions + 1)))]
    shared_saves = 0
    if args.shared:
        shared_found = 0
        for user in range(args.users):
            pk = shared.get(plan.shared_code(user))
            clients = [c for c in range(args.clients) if plan.user_of(c) == user]
            want = Counter(plan.shared_note(c, r) for c in clients for r in range(args.rounds))
            shared_saves += sum(want.values())
            got = sorted(revisions.get(pk, []))
            shared_found += len(got)
            numbers = [n for n, _ in got]
            if numbers != list(range(1, len(want) + 2)):
                problems.append(f"shared screening of user {user}: revision numbers {numbers[:5]}..., "
                                f"expected 1..{len(want) + 1}")
            notes = Counter(note for _, note in got[1:])
            if notes != want:
                lost, extra = want - notes, notes - want
                problems.append(f"shared screening of user {user}: {sum(lost.values())} saves lost, "
                                f"{sum(extra.values())} doubled or stray")
        rows.append(("revisions of the shared screenings", str(shared_found), str(shared_saves + args.users)))

    events = Counter(AuditEvent.objects.filter(screening__client_code__startswith=prefix)
                     .exclude(action="viewed").values_list("action", flat=True))
    want_created = len(expected_codes) + (args.users if args.shared else 0)
    want_revised = len(expected_codes) * args.revisions + shared_saves
    rows.append(("audit events 'created'", str(events["created"]), str(want_created)))
    rows.append(("audit events 'revised'", str(events["revised"]), str(want_revised)))
    if events["created"] != want_created or events["revised"] != want_revised:
        problems.append(f"audit trail: {events['created']} created / {events['revised']} revised events, "
                        f"expected {want_created} / {want_revised}")
    connections.close_all()
    return rows, problems


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] if ordered else float("nan")


def print_table(title: str, header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--revisions", type=int, default=2, help="revisions after each new screening (R)")
    parser.add_argument("--users", type=int, default=10, help="clinician accounts the clients sign in as")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--max-seconds", type=float, default=300, help="the clients stop at this bound")
    parser.add_argument("--no-shared", dest="shared", action="store_false",
                        help="leave out the revisions of one screening shared by several clients")
    args = parser.parse_args()
    if not (1 <= args.clients <= 200 and 1 <= args.rounds <= 50 and 0 <= args.revisions <= 50
            and 1 <= args.users <= args.clients and 1 <= args.workers <= 16 and 0 < args.max_seconds <= 3600):
        parser.error("out of bounds: 1-200 clients, 1-50 rounds, 0-50 revisions, 1..clients users, 1-16 workers, "
                     "at most 3600 s")

    run_id = secrets.token_hex(3)
    plan = Plan(args, run_id)
    tmp = Path(tempfile.mkdtemp(prefix="threshold-writers-"))
    env = production_env(tmp)
    os.environ.update(env)
    proc = None
    recorder = Recorder()
    log_path = tmp / "gunicorn.log"
    try:
        described = setup_database(plan)
        port = free_port()
        proc = start_gunicorn(env, port, args.workers, log_path)
        wait_ready(proc, port)
        start = time.monotonic()
        deadline = start + args.max_seconds
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            for client in range(args.clients):
                pool.submit(run_client, client, plan, port, deadline, recorder)
        wall = time.monotonic() - start
        stop(proc)
        db_rows, problems = check_database(plan)
        log_text = log_path.read_text(errors="replace")
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    statuses = Counter(status for _, status, _ in recorder.rows)
    server_errors = sum(n for s, n in statuses.items() if s.startswith("5"))
    unexpected = len(recorder.failures)
    latencies = [seconds for _, _, seconds in recorder.rows]
    saves = args.clients * args.rounds * (args.revisions + 1 + (1 if args.shared else 0))
    print(f"Concurrent writers: {described}; gunicorn {args.workers} sync workers on 127.0.0.1:{port}; "
          f"{args.clients} clients signed in as {args.users} clinicians; {args.rounds} rounds of a new screening "
          f"and {args.revisions} revisions{' plus one revision of a shared screening' if args.shared else ''}; "
          f"run {run_id}")
    print_table("Requests", ("measure", "value"), [
        ("requests", len(recorder.rows)),
        *[(f"status {s}", n) for s, n in sorted(statuses.items())],
        ("5xx", server_errors),
        ("clients stopped by an unexpected answer", unexpected),
        ("saves (POSTs that write a revision)", saves),
        ("wall time", f"{wall:.1f} s"),
        ("requests per second", f"{len(recorder.rows) / wall:.1f}"),
        ("latency p50", f"{percentile(latencies, 0.50) * 1000:.0f} ms"),
        ("latency p99", f"{percentile(latencies, 0.99) * 1000:.0f} ms"),
    ])
    kinds = defaultdict(list)
    for kind, _, seconds in recorder.rows:
        kinds[kind].append(seconds)
    print_table("Latency by request", ("request", "count", "p50 ms", "p99 ms", "max ms"), [
        (kind, len(v), f"{percentile(v, 0.5) * 1000:.0f}", f"{percentile(v, 0.99) * 1000:.0f}",
         f"{max(v) * 1000:.0f}") for kind, v in kinds.items()])
    print_table("Database", ("what", "found", "expected"), db_rows)

    problems = ([f"{server_errors} responses with a 5xx status"] if server_errors else []) + problems
    problems += recorder.failures[:10]
    if len(recorder.failures) > 10:
        problems.append(f"... and {len(recorder.failures) - 10} more clients stopped")
    if problems:
        print("\nFAIL")
        for problem in problems:
            print(f"  - {problem}")
        first = min((i for i in (log_text.find("Internal Server Error"), log_text.find("Traceback")) if i >= 0),
                    default=-1)
        if first >= 0:
            print("\nServer log, first error:\n" + log_text[first:first + 4000])
        return 1
    print("\nPASS: every save present exactly once, no revision lost or doubled, no 5xx")
    return 0


if __name__ == "__main__":
    sys.exit(main())
