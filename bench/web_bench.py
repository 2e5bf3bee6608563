"""The web rows of `make bench`: pages in-process with Django's test client, and gunicorn under wrk on 127.0.0.1.

Not run on its own: bench/run.py starts it in a fresh interpreter (`--part pages` or `--part load`) with the
environment it needs: DJANGO_SETTINGS_MODULE=bench.bench_settings (the app's URLs plus the bare floor view), DEBUG off,
a generated secret key, DJANGO_HTTPS=0 and DJANGO_SQLITE_PATH pointing at a temporary file. Both parts migrate that
file and add what they need to it; nothing else is touched.

    .venv/bin/python bench/run.py --profile form_get      # cProfile of one page row, top entries
"""
import cProfile
import http.client
import io
import pstats
import re
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

from concurrent_writers import Browser, ClientFailed, Recorder, csrf_token, free_port, start_gunicorn, stop, wait_ready

BARE_URL = "/bench/bare/"
FORM_URL = "/screenings/new/"
# What each page's body must contain under load (bench/check.lua): the sign-in page or an error page has none of them.
BARE_MARKER = "A bare view in the base layout."
FORM_MARKER = 'name="client_code"'
PDF_MARKER = "%PDF-"
MIX_RESERVE = 60  # seconds the load part keeps for its first round of print mixes (print_mixes)
PASSWORD_LENGTH = 24


# ---------------------------------------------------------------------------------------------------------- data


def setup_database() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def make_user(username: str, role: str, password: str | None = None):
    from django.contrib.auth.models import Group, User

    from accounts.models import Clinic, join

    user, _ = User.objects.get_or_create(username=username)
    if password:
        user.set_password(password)  # the production hasher: slow on purpose, so only for the one load sign-in
    else:
        user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    join(Clinic.default(), [user])
    return user


def has_case_library() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("case_list")
        reverse("case_quiz", kwargs={"slug": "x"})
    except NoReverseMatch:
        return False
    return True


def typical_screening(owner):
    """The same typical screening as pdf_bench's: an SSRI, a second-degree relative with psychosis, one acknowledged."""
    from screening.services import flag_acknowledge, screening_create
    from tests.test_pdf import typical_intake

    revision = screening_create(owner=owner, client_code="TH-4001", intake=typical_intake(),
                                answers={"container": {"preparation_sessions": True}}).revisions.first()
    flag_acknowledge(revision=revision, user=owner, rule_id=revision.assessment["flags"][0]["rule"],
                     reason="Discussed with the prescriber; a plan is agreed.")
    return revision


def many_screenings(owner, count: int) -> None:
    """`count` screenings owned by one clinician, with varied intakes, through the same service the form uses."""
    from django.db import transaction

    from screening.services import screening_create
    from tests.conftest import healthy_intake

    meds = [[], ["Zoloft"], ["paracetamol", "Priadel"], ["herbal sleep tonic"], ["Wellbutrin", "Xanax"]]
    with transaction.atomic():
        for i in range(count):
            intake = healthy_intake(age=20 + i % 50, medications=meds[i % len(meds)],
                                    substances=["mdma", "psilocybin", "ketamine"][: 1 + i % 3])
            screening_create(owner=owner, client_code=f"TH-{6000 + i}", intake=intake, answers={"container": {}})


# ---------------------------------------------------------------------------------------------------------- pages


def page_cases(list_screenings: int = 500) -> tuple[list, dict]:
    """The page rows as (key, label, expected status, request function), their data made and their clients signed in."""
    setup_database()
    from django.test import Client

    from library.models import Case
    from screening.models import Screening
    from screening.roles import CLINICIAN, TRAINEE
    from tests.test_screenings import form_data

    clinician = make_user("bench-clinician", CLINICIAN)
    lister = make_user("bench-lister", CLINICIAN)
    trainee = make_user("bench-trainee", TRAINEE)
    if Screening.objects.filter(owner=lister).count() < list_screenings:
        many_screenings(lister, list_screenings - Screening.objects.filter(owner=lister).count())

    clinician_client, lister_client, trainee_client = Client(), Client(), Client()
    clinician_client.force_login(clinician)
    lister_client.force_login(lister)
    trainee_client.force_login(trainee)

    response = clinician_client.post("/screenings/new/", urlencode(form_data(), doseq=True),
                                     content_type="application/x-www-form-urlencoded")
    if response.status_code != 302:
        raise RuntimeError(f"the intake POST answered {response.status_code}, not a redirect to the assessment")
    assessment_url = response["Location"]

    def post(client, url, data):  # as a browser posts a form with no file: urlencoded, not multipart
        return client.post(url, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")

    cases = [
        ("bare", "floor: bare view in the base layout", 200, lambda: clinician_client.get(BARE_URL)),
        ("form_get", "intake form GET", 200, lambda: clinician_client.get("/screenings/new/")),
        ("intake_post", "intake POST → redirect to assessment", 302,
         lambda: post(clinician_client, "/screenings/new/", form_data())),
        ("live_post", "live assessment POST (the panel beside the form)", 200,
         lambda: post(clinician_client, "/screenings/live/", form_data(medications="Nardil\nZoloft\nlithium"))),
        ("assessment_get", "assessment GET", 200, lambda: clinician_client.get(assessment_url)),
        ("list_get", f"my screenings, {list_screenings} owned", 200, lambda: lister_client.get("/screenings/")),
    ]
    if has_case_library():
        from django.core.management import call_command

        call_command("load_cases", verbosity=0)
        case = Case.objects.order_by("order", "pk").first()
        if case is not None:
            expected = case.expected
            quiz = {"factors": list(expected.get("factors", []))}
            for substance in case.substances:
                quiz[f"severity-{substance}"] = expected.get("severity", {}).get(substance, "none")
            cases += [
                ("case_list", "case list", 200, lambda: trainee_client.get("/cases/")),
                ("quiz_post", "quiz submit → redirect to result", 302,
                 lambda: post(trainee_client, f"/cases/{case.slug}/quiz/", quiz)),
            ]
    return cases, {"assessment_url": assessment_url}


def run_pages(repeats: int = 9, batch: int = 8, floor_batch: int = 40) -> list[dict]:
    """Mean ms per request over a batch, `repeats` batches per row, the floor's batches interleaved with the rows."""
    cases, _ = page_cases()
    for key, _label, status, call in cases:  # warm: templates compiled, caches filled, one status check each
        for _ in range(3):
            got = call().status_code
            if got != status:
                raise RuntimeError(f"{key}: status {got}, expected {status}")
    times: dict[str, list[float]] = {key: [] for key, *_ in cases}
    for _ in range(repeats):
        for key, _label, status, call in cases:
            n = floor_batch if key == "bare" else batch
            start = time.perf_counter()
            for _ in range(n):
                response = call()
            times[key].append((time.perf_counter() - start) * 1000 / n)
            if response.status_code != status:
                raise RuntimeError(f"{key}: status {response.status_code}, expected {status}")
    targets = {"form_get": ("≤ 30 ms", 30.0), "intake_post": ("≤ 10 ms", 10.0), "live_post": ("≤ 30 ms", 30.0)}
    rows = []
    present = {key for key, *_ in cases}
    for key, label, *_ in cases:
        if key == "bare":
            continue
        target = targets.get(key)
        med = statistics.median(times[key])
        rows.append({"section": "pages", "key": key, "what": label, "unit": "ms", "higher": False,
                     "runs": times[key], "floor_runs": times["bare"], "floor_what": "bare view",
                     "target": target[0] if target else "", "met": (med <= target[1]) if target else None,
                     "detail": f"{repeats} batches of {batch}"})
    for key, label in (("case_list", "case list"), ("quiz_post", "quiz submit")):
        if key not in present:
            rows.append({"section": "pages", "key": key, "what": label, "missing": "not present in this checkout"})
    return rows


def profile_page(key: str, count: int = 30, top: int = 30) -> str:
    """cProfile of `count` requests of one page row, after warming; the top entries by cumulative and own time."""
    cases, _ = page_cases(list_screenings=500)
    call = next((c for k, _, _, c in cases if k == key), None)
    if call is None:
        raise SystemExit(f"no page row {key!r}; one of: {', '.join(k for k, *_ in cases)}")
    for _ in range(3):
        call()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _ in range(count):
        call()
    profiler.disable()
    elapsed = (time.perf_counter() - start) * 1000 / count
    out = io.StringIO()
    out.write(f"{key}: {elapsed:.1f} ms per request under cProfile, {count} requests\n")
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------- load

WRK_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_COUNT = re.compile(r"(\d+) requests in ([\d.]+)(m?s|m)")
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
WRK_BAD = re.compile(r"Bad responses: (\d+) \(first bad status (\d+)\)")
WRK_PCT = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.M)
TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict:
    rate = WRK_RATE.search(text)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{text[-2000:]}")
    count = WRK_COUNT.search(text)
    non2xx = WRK_NON2XX.search(text)
    socket = WRK_SOCKET.search(text)
    pct = {q: float(v) * TO_MS[u] for q, v, u in WRK_PCT.findall(text)}
    bad = WRK_BAD.search(text)
    if bad is None:
        raise RuntimeError(f"wrk printed no count of bad responses (bench/check.lua):\n{text[-2000:]}")
    return {"rate": float(rate.group(1)), "requests": int(count.group(1)) if count else 0,
            "bad": int(bad.group(1)), "bad_status": int(bad.group(2)),
            "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket": sum(int(x) for x in socket.groups()) if socket else 0,
            "p50": pct.get("50", float("nan")), "p99": pct.get("99", float("nan"))}


CHECK_SCRIPT = Path(__file__).resolve().parent / "check.lua"


def wrk_command(port: int, path: str, connections: int, seconds: float, cookie: str, marker: str,
                status: int = 200) -> list[str]:
    """wrk against 127.0.0.1 only, every response checked by bench/check.lua for `status` and `marker` in the body;
    a 30 s per-request timeout, so that a queued PDF counts as slow, not lost."""
    return ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "30s",
            "--latency", "-s", str(CHECK_SCRIPT), "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}",
            "--", str(status), marker]


def wrk(port: int, path: str, connections: int, seconds: float, cookie: str, marker: str) -> dict:
    done = subprocess.run(wrk_command(port, path, connections, seconds, cookie, marker), capture_output=True,
                          text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return parse_wrk(done.stdout)


def drain(port: int, seconds: float = 90) -> None:
    """Waits until requests queued by the last run (wrk closes its sockets, the workers still serve them) are done:
    one request to the bare view goes to the back of the queue and returns when the queue is empty."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds)
    try:
        conn.request("GET", "/accounts/login/", headers={"Host": f"127.0.0.1:{port}"})
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass
    finally:
        conn.close()


def sign_in(port: int, username: str, password: str) -> tuple[Browser, str]:
    """One real sign-in through the login form (axes sees one success), returning the Cookie header for wrk."""
    browser = Browser(port, time.monotonic() + 60, Recorder())
    html, _ = browser.request("sign-in form", "GET", "/accounts/login/")
    _, location = browser.request("sign in", "POST", "/accounts/login/", {
        "csrfmiddlewaretoken": csrf_token(html), "username": username, "password": password, "next": ""},
        expect=302)
    if "sessionid" not in browser.cookies or "login" in location:
        raise RuntimeError(f"signing in did not give a session (sent to {location!r})")
    return browser, "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def run_load(env: dict, tmp: Path, seconds: int = 4, pdf_seconds: int = 6, repeats: int = 3,
             levels: tuple[int, ...] = (8, 50), time_limit: float = 300) -> list[dict]:
    """gunicorn with 2 sync workers on 127.0.0.1 and a free port, wrk at each connection count on each target,
    `repeats` runs each, interleaved with the floor, the queue drained after every run; gunicorn stopped by PID.
    Later repeats are left out rather than overrun `time_limit` (the rows say how many runs they hold)."""
    deadline = time.monotonic() + time_limit - 15
    import secrets

    setup_database()
    from django.db import connections

    from screening.roles import CLINICIAN

    password = secrets.token_urlsafe(PASSWORD_LENGTH)
    user = make_user("bench-load", CLINICIAN, password=password)
    revision = typical_screening(user)
    connections.close_all()
    pk = revision.screening_id
    pdf_path = f"/screenings/{pk}/r/{revision.number}/record.pdf"
    targets = [("bare", "bare view", BARE_URL, seconds, BARE_MARKER),
               ("form", "intake form", FORM_URL, seconds, FORM_MARKER),
               ("assessment", "assessment page", f"/screenings/{pk}/", seconds, "Revision 1 of 1"),
               ("pdf", "typical record PDF (a reprint: from the cache)", pdf_path, pdf_seconds, PDF_MARKER)]
    port = free_port()
    log_path = tmp / "gunicorn.log"
    proc = start_gunicorn(env, port, 2, log_path)
    results: dict[tuple[str, int], list[dict]] = {}
    try:
        wait_ready(proc, port)
        browser, cookie = sign_in(port, "bench-load", password)
        for key, _label, path, _secs, _marker in targets:  # each target answers 200 before it is measured
            try:
                browser.request(key, "GET", path)
            except ClientFailed as exc:
                raise RuntimeError(f"{key}: {exc}") from None
        for _key, _label, path, _secs, marker in targets:  # warm both workers: URLconf, templates, WeasyPrint
            wrk(port, path, 4, 1, cookie, marker)
            drain(port)
        for connections_ in levels:
            for repeat in range(repeats):
                round_time = sum(t[3] for t in targets) + 30  # the runs, and their drains at worst
                if repeat and time.monotonic() + round_time * (1 + len(levels) - 1 - levels.index(connections_)) \
                        > deadline - MIX_RESERVE:
                    break  # keep time for the other connection counts: fewer runs here rather than none there
                for key, _label, path, secs, marker in targets:
                    results.setdefault((key, connections_), []).append(
                        wrk(port, path, connections_, secs, cookie, marker))
                    drain(port)
        mixes, window = print_mixes(env, tmp, port, pdf_path, cookie, seconds, deadline)
    finally:
        stop(proc)
    if proc.returncode not in (0, -15):
        print(f"gunicorn exited with {proc.returncode}; its log:\n{log_path.read_text(errors='replace')[-3000:]}")

    rows = []
    rate_targets = {"form": 60.0, "pdf": 6.0}
    for connections_ in levels:
        floor = results[("bare", connections_)]
        for key, label, _path, secs, _marker in targets:
            runs = results[(key, connections_)]
            errors = sum(r["non2xx"] + r["socket"] + r["bad"] for r in runs)
            med = statistics.median(r["rate"] for r in runs)
            target_parts, met = [], None
            if key in rate_targets:
                target_parts.append(f"≥ {rate_targets[key]:.0f}/s")
                met = med >= rate_targets[key]
            if connections_ >= 50:
                target_parts.append("no errors")
                met = (met is not False) and errors == 0
            p50 = statistics.median(r["p50"] for r in runs)
            p99 = statistics.median(r["p99"] for r in runs)
            floor_p99 = statistics.median(r["p99"] for r in floor)
            rows.append({
                "section": "load", "key": f"load_{key}_{connections_}",
                "what": f"{label}, {connections_} connections" + (" (the floor itself)" if key == "bare" else ""),
                "unit": "req/s", "higher": True, "runs": [r["rate"] for r in runs],
                "floor_runs": [r["rate"] for r in floor], "floor_what": "bare view",
                "target": ", ".join(target_parts), "met": met,
                "detail": f"p50 {fmt_ms(p50)}, p99 {fmt_ms(p99)} (floor p99 {fmt_ms(floor_p99)}); "
                          f"{errors} errors in {sum(r['requests'] for r in runs):,} requests; {len(runs)}×{secs} s"})
    return rows + mix_rows(mixes, window)


def print_mixes(env: dict, tmp: Path, port: int, pdf_path: str, cookie: str, seconds: int,
                deadline: float) -> tuple[dict[str, list[tuple[dict, dict | None]]], int]:
    """The intake form under 2 connections alone, then while 8 clients print: (a) on the same 2 workers, (b) with
    printing on its own pool (README, "Production": 2 more workers at nice 10, which the proxy sends the .pdf paths
    to). Each mix twice, interleaved while time allows; a second gunicorn started here and stopped by its PID."""
    window = max(seconds, 6)  # behind queued PDFs a form request can wait seconds: long enough for some to finish
    print_port = free_port()
    pool = start_gunicorn(env, print_port, 2, tmp / "gunicorn-print.log", niceness=10)
    mixes: dict[str, list[tuple[dict, dict | None]]] = {"alone": [], "same": [], "own": []}
    try:
        wait_ready(pool, print_port)
        wrk(print_port, pdf_path, 4, 1, cookie, PDF_MARKER)  # warm the print workers
        drain(print_port)
        for repeat in range(2):
            if repeat and time.monotonic() + 3 * (window + 30) > deadline:
                break
            mixes["alone"].append((wrk(port, FORM_URL, 2, window, cookie, FORM_MARKER), None))
            for key, target in (("same", port), ("own", print_port)):
                printers = subprocess.Popen(wrk_command(target, pdf_path, 8, window + 2, cookie, PDF_MARKER),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                try:
                    time.sleep(1)  # the printers' queue is full before the form is measured
                    form = wrk(port, FORM_URL, 2, window, cookie, FORM_MARKER)
                    out, err = printers.communicate(timeout=window + 60)
                finally:
                    if printers.poll() is None:
                        printers.kill()
                        printers.communicate()
                if printers.returncode != 0:
                    raise RuntimeError(f"wrk (printing) exited {printers.returncode}: {err.strip()[-500:]}")
                mixes[key].append((form, parse_wrk(out)))
                drain(target)
                drain(port)
    finally:
        stop(pool)
    return mixes, window


def mix_rows(mixes: dict, seconds: int) -> list[dict]:
    """The form's p50 in each mix beside its p50 alone (the floor here), p99 and the printers' rate in the detail."""
    labels = {"alone": "intake form, 2 connections, nobody printing (the floor itself)",
              "same": "intake form, 2 connections, while 8 clients print on the same 2 workers",
              "own": "intake form, 2 connections, while 8 clients print on their own pool (as README recommends)"}
    alone = [form["p50"] for form, _ in mixes["alone"] if form["requests"]] or [float("nan")]
    rows = []
    for key, runs in mixes.items():
        if not runs:
            continue
        forms = [form for form, _ in runs if form["requests"]]
        pdfs = [pdf for _, pdf in runs if pdf is not None]
        if not forms:
            rows.append({"section": "load", "key": f"mix_{key}", "what": labels[key],
                         "missing": f"no intake form was answered within {seconds} s ({len(runs)} runs)"})
            continue
        errors = sum(r["non2xx"] + r["socket"] + r["bad"] for r in forms + pdfs)
        detail = f"form p99 {fmt_ms(statistics.median(r['p99'] for r in forms))}"
        if pdfs:
            detail += (f"; printing {statistics.median(r['rate'] for r in pdfs):.1f} PDFs/s, p50 "
                       f"{fmt_ms(statistics.median(r['p50'] for r in pdfs))}")
        detail += (f"; {errors} errors in {sum(r['requests'] for r in forms + pdfs):,} requests; "
                   f"{len(runs)}×{seconds} s")
        rows.append({"section": "load", "key": f"mix_{key}", "what": labels[key], "unit": "ms", "higher": False,
                     "runs": [r["p50"] for r in forms], "floor_runs": alone, "floor_what": "form p50 alone",
                     "target": "", "met": None, "detail": detail})
    return rows


def fmt_ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.0f} ms" if ms >= 10 else f"{ms:.1f} ms"
