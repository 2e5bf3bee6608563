"""`make bench-scale`: the pages that list or sum stored rows, at 1,000 and 100,000 screenings, SQLite and PostgreSQL.

    .venv/bin/python bench/scale.py                      # SQLite, then a throwaway PostgreSQL; bench/results-scale.md
    .venv/bin/python bench/scale.py --scale 0.02 --dbs sqlite --out /tmp/scale.md   # a small run while developing

The full data set (`--scale 1`) is 100,000 screenings with a revision each, 1,000,000 audit events and 10,000 quiz
attempts; the baseline is the same data set at 1% (1,000 screenings, 10,000 events, 100 attempts). Both are built
with raw bulk inserts (executemany on SQLite, COPY on PostgreSQL), not one `save()` per row, in a temporary SQLite
file or the throwaway PostgreSQL cluster of bench/with_postgres.sh. The measured users own half of everything that
has an owner: the clinician half the screenings, the trainee half the quiz attempts; the rest belongs to 49 other
clinicians and 19 other trainees. Pages are timed in-process with Django's test client under production-like
settings (DEBUG off); every response's status and a marker string of the page are checked (a redirect to the
sign-in page fails the run). What each row means: bench/README.md, "Scale".
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

FULL = {"screenings": 100_000, "audit": 1_000_000, "attempts": 10_000}
BASELINE = 0.01  # the 1,000-screening data set every row is compared with
TARGET_MS = 50.0
TARGET_RATIO = 2.0
OTHER_CLINICIANS = 49
OTHER_TRAINEES = 19
HISTORY_REVISIONS = 20
SEARCH = "H-0004"  # a fragment of a client code, as a clinician types it: 100 screenings match at every size
RARE_ACTION = "exported"
IMPACT_SCREENINGS = 10_000  # the rule-set impact's re-assessment, timed once per data set (issue 16)
START = datetime(2025, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------------------------- bulk inserts


class Inserter:
    """Rows straight into a model's table: executemany on SQLite, COPY on PostgreSQL; no model save()."""

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"

    def value(self, value):
        if isinstance(value, datetime) and not self.postgres:
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")  # Django's SQLite format, in UTC
        return value

    def insert(self, model, columns: list[str], rows) -> None:
        table = model._meta.db_table
        names = ", ".join(model._meta.get_field(c).column for c in columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("%s" for _ in columns)
                batch = []
                for row in rows:
                    batch.append([self.value(v) for v in row])
                    if len(batch) == 5000:
                        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)

    def next_ids(self, model) -> int:
        """The first primary key free after the rows inserted so far."""
        from django.db.models import Max

        return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def reset_sequences(self, models) -> None:
        if not self.postgres:
            return
        from django.core.management.color import no_style

        with self.connection.cursor() as cursor:
            for sql in self.connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)


def build(scale: float, log) -> dict:
    """The data set at `scale` of FULL; returns what the rows need (users, ids, counts)."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection, transaction

    from accounts.models import Clinic, join
    from library.cases import score_answer
    from library.models import Case, QuizAttempt
    from screening.audit_chain import chain
    from screening.engine import assess, default_ruleset
    from screening.engine.present import answered_questions, highest_overall, unacknowledged_critical
    from screening.models import AUDIT_ACTIONS, AuditEvent, Revision, Screening
    from screening.roles import CLINICIAN, LEAD, TRAINEE
    from tests.conftest import healthy_intake

    rng = random.Random(19)
    started = time.monotonic()
    counts = {k: max(1, round(v * scale)) for k, v in FULL.items()}
    call_command("load_cases", verbosity=0)

    clinic = Clinic.default()  # one clinic: the lead's list and trail are the whole installation's, as before

    def users(prefix, role, n):
        group = Group.objects.get_or_create(name=role)[0]
        made = User.objects.bulk_create([User(username=f"{prefix}{i}", password="!") for i in range(n)])
        group.user_set.add(*made)
        join(clinic, made)
        return made

    clinicians = users("scale-clinician-", CLINICIAN, 1 + OTHER_CLINICIANS)
    trainees = users("scale-trainee-", TRAINEE, 1 + OTHER_TRAINEES)
    lead = users("scale-lead-", LEAD, 1)[0]
    me, trainee = clinicians[0], trainees[0]

    def owner_of(i):  # the measured clinician owns every second row
        return me.pk if i % 2 == 0 else clinicians[1 + i % OTHER_CLINICIANS].pk

    # A few real intakes and their assessments, reused; one in twenty raises flags (an 8 kB assessment).
    variants, oversight, labels_now = [], [], default_ruleset().labels()
    for k, meds in enumerate([[]] * 19 + [["Zoloft"]]):
        intake = healthy_intake(age=20 + k, medications=meds,
                                substances=["mdma", "psilocybin", "ketamine"][: 1 + k % 3])
        assessment = assess(intake)
        variants.append((json.dumps(intake), json.dumps(assessment), assessment["ruleset_version"]))
        # what the lists and the lead's filters read (models.Screening), as the services copy it (no acknowledgement)
        oversight.append((highest_overall(assessment), len(answered_questions(intake, labels_now)),
                          len(assessment["not_assessed"]), len(unacknowledged_critical(assessment, set()))))
    answers = json.dumps({"container": {}})
    labels = json.dumps(labels_now)

    ins = Inserter(connection)
    n = counts["screenings"]
    span = timedelta(days=700)
    with transaction.atomic():
        first = ins.next_ids(Screening)
        when = [START + span * i / n for i in range(n)]
        ins.insert(Screening, ["id", "owner", "clinic", "client_code", "created_at", "updated_at", "highest_severity",
                               "answered_count", "unanswered_count", "unacknowledged_critical"],
                   ((first + i, owner_of(i), clinic.pk, f"TH-{i:06d}", when[i], when[i], *oversight[i % 20])
                    for i in range(n)))
        ins.insert(Revision, ["screening", "number", "client_code", "intake", "answers", "ruleset_version",
                              "assessment", "labels", "created_by", "created_at"],
                   ((first + i, 1, f"TH-{i:06d}", variants[i % 20][0], answers, variants[i % 20][2],
                     variants[i % 20][1], labels, owner_of(i), when[i]) for i in range(n)))
        # The measured clinician's newest screening gets a history of HISTORY_REVISIONS revisions.
        history = first + (n - 1 if (n - 1) % 2 == 0 else n - 2)
        ins.insert(Revision, ["screening", "number", "client_code", "intake", "answers", "ruleset_version",
                              "assessment", "labels", "created_by", "created_at"],
                   ((history, k, f"TH-{history - first:06d}", variants[19][0], answers, variants[19][2],
                     variants[19][1], labels, me.pk, when[history - first] + timedelta(minutes=k))
                    for k in range(2, HISTORY_REVISIONS + 1)))
        Screening.objects.filter(pk=history).update(updated_at=START + span + timedelta(days=1))

        weights = {"viewed": 60, "printed": 12, "revised": 10, "created": 10, "acknowledged": 6, "exported": 2}
        actions = rng.choices(list(AUDIT_ACTIONS), weights=[weights.get(a, 0) for a in AUDIT_ACTIONS],
                              k=counts["audit"])
        staff = [c.pk for c in clinicians] + [lead.pk]
        m = counts["audit"]
        events = [AuditEvent(at=START + span * j / m, user_id=staff[j % len(staff)], action=actions[j],
                             screening_id=(ref := first + rng.randrange(n)), screening_ref=ref, revision_number=1)
                  for j in range(m)]
        chain(events)  # a valid hash chain, as the services write it (audit_verify passes on the bench data)
        ins.insert(AuditEvent, ["at", "user", "action", "screening", "screening_ref", "revision_number", "reason",
                                "prev_hash", "hash"],
                   ((e.at, e.user_id, e.action, e.screening_id, e.screening_ref, 1, "", e.prev_hash, e.hash)
                    for e in events))
        del events

        cases = list(Case.objects.all())
        scored = []
        for case in cases:
            factors = list(case.expected.get("factors", []))
            for variant in (factors, factors[:1], factors[1:] + ["psychosis_history"]):
                answer = {"factors": variant,
                          "severity": {s: case.expected.get("severity", {}).get(s, "none") for s in case.substances}}
                result = score_answer(answer, case.expected) | {"ruleset_version": variants[0][2]}
                scored.append((case.pk, json.dumps(answer), json.dumps(result), result["score"]))
        a = counts["attempts"]
        ins.insert(QuizAttempt, ["user", "case", "answer", "result", "score", "created_at"],
                   ((trainee.pk if j % 2 == 0 else trainees[1 + j % OTHER_TRAINEES].pk, *scored[j % len(scored)],
                     START + span * j / a) for j in range(a)))
    ins.reset_sequences([Screening, Revision, AuditEvent, QuizAttempt])
    if ins.postgres:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum would have done on a database that grew to this size
    audit_ids = list(AuditEvent.objects.order_by("-id").values_list("id", flat=True)[m // 2: m // 2 + 1])
    log(f"  built {n:,} screenings, {m:,} audit events, {a:,} quiz attempts in {time.monotonic() - started:.0f} s")
    return {"me": me, "lead": lead, "trainee": trainee, "history": history, "counts": counts,
            "middle_event": audit_ids[0], "my_screenings": (n + 1) // 2,
            "middle_mine": first + n // 4 * 2, "middle_all": first + n // 2}


# --------------------------------------------------------------------------------------------- the rows


def rows(data: dict) -> list[tuple]:
    """(key, label, client's user, url, marker) for every row. Add a row here: a key, a label, who asks, the page."""
    from screening.views_screenings import PAGE_SIZE

    me, lead, trainee = data["me"], data["lead"], data["trainee"]
    my_deep = max(1, data["my_screenings"] // PAGE_SIZE // 2)
    all_deep = max(1, data["counts"]["screenings"] // PAGE_SIZE // 2)
    audit_deep = max(1, data["counts"]["audit"] // 50 // 2)
    return [
        ("my_first", "my screenings, first page", me, "/screenings/", "My screenings"),
        ("my_deep", "my screenings, a page in the middle", me,
         {"page": f"/screenings/?page={my_deep}", "before": f"/screenings/?before={data['middle_mine']}"},
         "My screenings"),
        ("my_search", f"my screenings, search “{SEARCH}”", me, f"/screenings/?q={SEARCH}", "My screenings"),
        ("lead_first", "lead's list, first page", lead, "/screenings/", "Clinic screenings"),
        ("lead_deep", "lead's list, a page in the middle", lead,
         {"page": f"/screenings/?page={all_deep}", "before": f"/screenings/?before={data['middle_all']}"},
         "Clinic screenings"),
        ("lead_search", f"lead's list, search “{SEARCH}”", lead, f"/screenings/?q={SEARCH}", "Clinic screenings"),
        ("audit_first", "audit trail, first page", lead, "/audit/", "Audit trail"),
        ("audit_deep", "audit trail, the middle of the trail", lead,
         {"page": f"/audit/?page={audit_deep}", "before": f"/audit/?before={data['middle_event'] + 1}"},
         "Audit trail"),
        ("audit_action", f"audit trail, action “{RARE_ACTION}”", lead, f"/audit/?action={RARE_ACTION}",
         "Audit trail"),
        ("audit_user", "audit trail, one user", lead, f"/audit/?user={me.username}", "Audit trail"),
        ("progress", "case progress (the trainee's attempts)", trainee, "/cases/progress/", "My progress"),
        ("assessment", f"assessment page, {HISTORY_REVISIONS} revisions", me, f"/screenings/{data['history']}/",
         f"Revision {HISTORY_REVISIONS} of {HISTORY_REVISIONS}"),
    ]


def time_rows(data: dict, seconds: float, log) -> dict:
    """Median ms and queries per request of every row; raises when a page answers other than 200 with its marker."""
    from django.db import connection
    from django.test import Client

    clients = {}
    results = {}
    for key, label, user, url, marker in rows(data):
        if user.pk not in clients:
            clients[user.pk] = Client()
            clients[user.pk].force_login(user)
        client = clients[user.pk]
        if isinstance(url, dict):  # keyset links when the page offers them, else its page numbers (before issue 19)
            url = url["before"] if "before=" in client.get(url["page"].split("?")[0]).content.decode() else url["page"]

        def get(client=client, url=url, marker=marker, key=key):
            response = client.get(url)
            body = response.content.decode()
            if response.status_code != 200 or marker not in body:
                where = f" to {response['Location']}" if response.has_header("Location") else ""
                raise RuntimeError(f"{key}: {url} answered {response.status_code}{where}; expected 200 with “{marker}”")
            return response

        get()
        queries = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            get()
        times = []
        deadline = time.monotonic() + seconds
        while len(times) < 15 and (len(times) < 3 or time.monotonic() < deadline):
            start = time.perf_counter()
            get()
            times.append((time.perf_counter() - start) * 1000)
        results[key] = {"label": label, "url": url, "ms": statistics.median(times), "min": min(times),
                        "max": max(times), "n": len(times), "queries": len(queries)}
        log(f"  {key:13} {results[key]['ms']:8.1f} ms  {len(queries):3} queries  {url}")
    return results


def time_impact(log) -> dict:
    """`manage.py ruleset_impact`'s work (screening/impact.py) over the IMPACT_SCREENINGS most recent screenings:
    every latest revision read and assessed again; nothing written."""
    from django.db import connection

    from screening.engine import default_ruleset
    from screening.impact import latest_revisions, ruleset_impact
    from screening.models import Screening

    screenings = min(IMPACT_SCREENINGS, Screening.objects.count())
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
        start = time.perf_counter()
        changed = sum(1 for _ in ruleset_impact(Screening.objects.all(), default_ruleset(), IMPACT_SCREENINGS))
        seconds = time.perf_counter() - start
    assert sum(1 for _ in latest_revisions(Screening.objects.all(), IMPACT_SCREENINGS)) == screenings
    log(f"  ruleset_impact {seconds:6.2f} s over {screenings:,} screenings, {len(queries)} queries, {changed} changed")
    return {"screenings": screenings, "seconds": seconds, "queries": len(queries), "changed": changed}


def worker(args) -> int:
    """One database: the baseline data set, timed; flushed; the scaled data set, timed. JSON to --json."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    def log(text):
        print(text, file=sys.stderr, flush=True)

    call_command("migrate", interactive=False, verbosity=0)
    out = {"vendor": connection.vendor, "sizes": {}}
    with connection.cursor() as cursor:
        cursor.execute("select sqlite_version()" if connection.vendor == "sqlite" else "show server_version")
        out["version"] = cursor.fetchone()[0]
    for i, scale in enumerate((BASELINE, args.scale)):
        if i:
            call_command("flush", interactive=False, verbosity=0)
        log(f"{connection.vendor}, scale {scale:g}:")
        data = build(scale, log)
        out["sizes"][str(scale)] = {"counts": data["counts"], "rows": time_rows(data, args.seconds, log),
                                    "impact": time_impact(log)}
    Path(args.json).write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------------------------- orchestration


def run_db(db: str, args, tmp: Path) -> dict | str:
    from concurrent_writers import production_env

    env = production_env(tmp)
    env.pop("DATABASE_URL", None)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    out = tmp / f"{db}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--json", str(out), "--scale", str(args.scale),
           "--seconds", str(args.seconds)]
    if db == "postgres":
        cmd = ["bash", str(BENCH / "with_postgres.sh"), *cmd]
    else:
        env["DJANGO_SQLITE_PATH"] = str(tmp / "scale.sqlite3")
    done = subprocess.run(cmd, cwd=ROOT, env=env, timeout=args.limit, check=False)
    if done.returncode != 0 or not out.exists():
        return f"failed (exit {done.returncode})"
    return json.loads(out.read_text())


def table(results: dict, scale: float) -> str:
    lines = []
    for db, result in results.items():
        if isinstance(result, str):
            lines += [f"### {db}: {result}", ""]
            continue
        base, big = result["sizes"][str(BASELINE)], result["sizes"][str(scale)]
        c = big["counts"]
        lines += [f"### {db} {result['version']}: {c['screenings']:,} screenings, {c['audit']:,} audit events, "
                  f"{c['attempts']:,} quiz attempts", "",
                  f"| row | at 1,000 screenings | at {c['screenings']:,} | × | queries (1,000 / "
                  f"{c['screenings']:,}) | under {TARGET_MS:.0f} ms and ≤ {TARGET_RATIO:g}× | URL |",
                  "|---|---:|---:|---:|---:|:---:|---|"]
        for key, row in big["rows"].items():
            small = base["rows"][key]
            ratio = row["ms"] / small["ms"] if small["ms"] else float("inf")
            met = "✅" if row["ms"] <= TARGET_MS and ratio <= TARGET_RATIO else "❌"
            lines.append(f"| {row['label']} | {small['ms']:.1f} ms | {row['ms']:.1f} ms ({row['min']:.1f}–"
                         f"{row['max']:.1f}) | {ratio:.1f}× | {small['queries']} / {row['queries']} | {met} | "
                         f"`{row['url']}` |")
        impact = big.get("impact")
        if impact:
            per = impact["seconds"] * 1000 / impact["screenings"]
            lines += ["", f"`manage.py ruleset_impact` (screening/impact.py) over the {impact['screenings']:,} most "
                      f"recent screenings: {impact['seconds']:.2f} s ({per:.2f} ms per screening), "
                      f"{impact['queries']} queries, {impact['changed']} would change; nothing written."]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data set (default 1)")
    parser.add_argument("--dbs", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per row beyond its first 3 requests")
    parser.add_argument("--limit", type=float, default=280, help="seconds allowed per database")
    parser.add_argument("--out", default=str(BENCH / "results-scale.md"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 0 < args.scale <= 1 or args.seconds <= 0:
        parser.error("--scale must be in (0, 1] and --seconds positive")
    if args.worker:
        return worker(args)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="threshold-scale-"))
    results = {}
    try:
        for db in [d.strip() for d in args.dbs.split(",") if d.strip()]:
            if db not in ("sqlite", "postgres"):
                parser.error(f"unknown database {db!r}")
            results["SQLite" if db == "sqlite" else "PostgreSQL"] = run_db(db, args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load = os.getloadavg()
    text = "\n".join([
        "# Scale bench (`make bench-scale`)", "",
        f"- run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {time.monotonic() - started:.0f} s; scale {args.scale:g}; "
        f"{os.cpu_count()} cores, load average {load[0]:.2f} at the end",
        "- median ms per request (min–max), Django's test client in-process, DEBUG off; queries per request "
        "counted on one request; what each row is: bench/README.md, \"Scale\"", "",
        table(results, args.scale)])
    print(text)
    Path(args.out).write_text(text + "\n")
    return 0 if all(not isinstance(r, str) for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
