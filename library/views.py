"""The trainee case library: list, case, quiz, result and progress pages.

Who sees what: any signed-in user with a role (clinician, clinical lead, trainee) may study the synthetic cases; a
user's quiz attempts and progress are visible to that user only. No client screening appears here.
"""

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Avg, Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from library.cases import (
    DIFFICULTIES,
    SCORE_EXPLANATION,
    SEVERITIES,
    engine_view,
    factor_groups,
    progress,
    read_answer,
    score_answer,
    severity_field,
)
from library.models import Case, QuizAttempt
from screening.access import get_attempt_for_read, own_attempts, require_library_role
from screening.engine import IntakeError, default_ruleset
from screening.engine.present import present, severity

PAGE_SIZE = 20
RECENT = 20


def _get_case(user, slug: str) -> Case:
    require_library_role(user)
    return get_object_or_404(Case, slug=slug)


def quiz_attempt_create(*, user, case: Case, answer: dict) -> QuizAttempt:
    """Scores an answer against the case and stores the attempt."""
    result = score_answer(answer, case.expected) | {"ruleset_version": default_ruleset().version}
    return QuizAttempt.objects.create(user=user, case=case, answer=answer, result=result, score=result["score"])


@require_GET
def case_list(request):
    require_library_role(request.user)
    ruleset = default_ruleset()
    substances = [s["code"] for s in ruleset.substances]
    factors = [f["code"] for f in ruleset.factors]
    chosen = {"substance": request.GET.get("substance", ""), "factor": request.GET.get("factor", ""),
              "difficulty": request.GET.get("difficulty", "")}
    for key, allowed in (("substance", substances), ("factor", factors), ("difficulty", DIFFICULTIES)):
        if chosen[key] not in allowed:
            chosen[key] = ""
    cases = [c for c in Case.objects.all()
             if (not chosen["substance"] or chosen["substance"] in c.substances)
             and (not chosen["factor"] or chosen["factor"] in c.expected.get("factors", []))
             and (not chosen["difficulty"] or c.difficulty == chosen["difficulty"])]
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = {row["case"]: row for row in own_attempts(request.user, QuizAttempt.objects.filter(
        case__in=[c.pk for c in page.object_list])).values("case").annotate(
        attempts=Count("id"), best=Max("score"))}
    rows = [(c, mine.get(c.pk)) for c in page.object_list]
    return render(request, "cases/list.html", {
        "page": page, "rows": rows, "chosen": chosen, "filtered": any(chosen.values()),
        "total": Case.objects.count(), "substances": ruleset.substances, "factor_groups": factor_groups(ruleset),
        "difficulties": Case.DIFFICULTIES})


def intake_sections(intake: dict) -> list[dict]:
    """The case's intake in the rule set's sections, each answer as a label and a readable value."""
    sections = []
    for section in default_ruleset().sections:
        rows = []
        for spec in section["fields"]:
            if spec.type in ("substances", "medications", "text"):
                continue
            value = intake.get(spec.name)
            shown = "Not assessed" if value is None else spec.describe(value)
            rows.append({"name": spec.name, "label": f"{spec.label}", "value": shown[:1].upper() + shown[1:],
                         "assessed": value is not None})
        if rows:
            sections.append({"title": section["title"], "rows": rows})
    return sections


@require_GET
def case_detail(request, slug: str):
    case = _get_case(request.user, slug)
    attempts = own_attempts(request.user, QuizAttempt.objects.filter(case=case))[:5]
    return render(request, "cases/detail.html", {
        "case": case, "sections": intake_sections(case.intake), "medications": case.intake.get("medications"),
        "paragraphs": case.vignette.split("\n\n"), "attempts": attempts})


def _quiz_page(request, case: Case, answer: dict | None = None, errors: dict | None = None):
    ruleset = default_ruleset()
    answer = answer or {"factors": [], "severity": {}}
    errors = errors or {}
    severities = [(code, next((s["description"] for s in ruleset.severities if s["code"] == code),
                              "No caution factor for this substance.")) for code in SEVERITIES]
    substance_rows = [{"code": s, "field": severity_field(s), "chosen": answer["severity"].get(s),
                       "error": errors.get(severity_field(s))} for s in case.substances]
    return render(request, "cases/quiz.html", {
        "case": case, "groups": factor_groups(ruleset), "marked": set(answer["factors"]), "errors": errors,
        "substance_rows": substance_rows, "severities": severities,
        "paragraphs": case.vignette.split("\n\n"), "sections": intake_sections(case.intake),
        "medications": case.intake.get("medications")}, status=400 if errors else 200)


@require_http_methods(["GET", "POST"])
def case_quiz(request, slug: str):
    case = _get_case(request.user, slug)
    if request.method == "GET":
        return _quiz_page(request, case)
    answer, errors = read_answer(dict(request.POST.lists()), case.substances)
    if errors:
        return _quiz_page(request, case, answer, errors)
    attempt = quiz_attempt_create(user=request.user, case=case, answer=answer)
    return redirect("case_attempt", slug=case.slug, pk=attempt.pk)


@require_GET
def case_attempt(request, slug: str, pk: int):
    attempt = get_attempt_for_read(request.user, QuizAttempt.objects.select_related("case").filter(case__slug=slug),
                                   pk)
    case, result = attempt.case, attempt.result
    try:
        engine = engine_view(case.intake)
    except IntakeError:
        engine = None  # the rule set changed under the case; the page says so
    labels = default_ruleset().labels()
    shown = present(engine["assessment"], labels) if engine else {"flags": [], "by_factor": []}
    flags, by_factor = shown["flags"], {group["factor"]: group["flags"] for group in shown["by_factor"]}
    order = [f["code"] for _, group in factor_groups() for f in group]
    shown = set(result["expected_factors"]) | set(attempt.answer["factors"]) | {f["factor"] for f in flags}
    rows = []
    for code in sorted(shown, key=lambda c: order.index(c) if c in order else len(order)):
        outcome = ("hit" if code in result["hits"] else "miss" if code in result["misses"]
                   else "false_alarm" if code in result["false_alarms"] else "")
        rows.append({"code": code, "outcome": outcome, "marked": code in attempt.answer["factors"],
                     "expected": code in result["expected_factors"],
                     "engine": by_factor.get(code, [])})
    severity_rows = [{"code": s, "right": v["right"], "name": labels["substances"].get(s, s),
                      "answer": v["answer"] and severity(v["answer"], labels),
                      "expected": severity(v["expected"], labels),
                      "engine": severity(engine["severity"][s], labels) if engine and s in engine["severity"] else None}
                     for s, v in result["severity"].items()]
    agrees = engine is not None and sorted(engine["factors"]) == sorted(result["expected_factors"]) and all(
        engine["severity"].get(s) == v["expected"] for s, v in result["severity"].items())
    judged = len(result["hits"]) + len(result["misses"]) + len(result["false_alarms"])
    right = sum(v["right"] for v in result["severity"].values())
    return render(request, "cases/result.html", {
        "attempt": attempt, "case": case, "result": result, "rows": rows, "severity_rows": severity_rows,
        "flags": flags, "engine_agrees": agrees, "judged": judged, "right": right,
        "explanation": SCORE_EXPLANATION,
        "notes": [(code, text) for code, text in case.teaching_notes.items() if code != "general"],
        "general_note": case.teaching_notes.get("general")})


# One pass over a user's stored results in the database: how many results name each factor in each list, and per
# substance how many severities were judged and how many were right. Nothing is loaded but these sums.
_TALLY_LISTS = ("expected_factors", "hits", "false_alarms")
_TALLY_SQL = {
    "sqlite": " UNION ALL ".join(
        [f"SELECT '{key}', j.value, COUNT(*), 0 FROM {{table}} a, json_each(a.result, '$.{key}') j "
         "WHERE a.user_id = %s GROUP BY j.value" for key in _TALLY_LISTS]
        + ["SELECT 'severity', j.key, COUNT(*), SUM(json_extract(j.value, '$.right')) FROM {table} a, "
           "json_each(a.result, '$.severity') j WHERE a.user_id = %s GROUP BY j.key"]),
    "postgresql": " UNION ALL ".join(
        [f"SELECT '{key}', j, COUNT(*), 0 FROM {{table}} a, jsonb_array_elements_text(a.result -> '{key}') j "
         "WHERE a.user_id = %s GROUP BY j" for key in _TALLY_LISTS]
        + ["SELECT 'severity', j.key, COUNT(*), SUM(CASE WHEN (j.value ->> 'right')::boolean THEN 1 ELSE 0 END) "
           "FROM {table} a, jsonb_each(a.result -> 'severity') j WHERE a.user_id = %s GROUP BY j.key"]),
}


def attempt_tallies(user) -> tuple[dict[str, dict[str, int]], dict[str, dict]]:
    """(results naming each factor, per list), (per substance: judged and right) over the user's attempts."""
    tallies: dict[str, dict[str, int]] = {key: {} for key in _TALLY_LISTS}
    substances: dict[str, dict] = {}
    sql = _TALLY_SQL[connection.vendor].format(table=QuizAttempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk] * (len(_TALLY_LISTS) + 1))
        for key, code, count, right in cursor.fetchall():
            if key == "severity":
                substances[code] = {"code": code, "judged": count, "right": int(right or 0)}
            else:
                tallies[key][code] = count
    return tallies, substances


@require_GET
def case_progress(request):
    """A user's accuracy over all their attempts, summed in the database; only the recent attempts are loaded."""
    mine = own_attempts(request.user, QuizAttempt.objects)
    summary = mine.aggregate(count=Count("id"), cases_tried=Count("case", distinct=True), mean=Avg("score"))
    recent = list(mine.select_related("case").only("created_at", "score", "result", "case__slug", "case__title")
                  .order_by("-created_at", "-id")[:RECENT])
    tallies, substances = attempt_tallies(request.user)
    order = {f["code"]: i for i, f in enumerate(f for _, group in factor_groups() for f in group)}
    rows = sorted(progress(tallies, summary["count"]), key=lambda r: order.get(r["factor"], len(order)))
    newest, before = recent[:5], recent[5:10]
    return render(request, "cases/progress.html", {
        "attempts": recent, "count": summary["count"], "rows": rows, "cases_tried": summary["cases_tried"],
        "mean": summary["mean"],
        "recent_mean": sum(a.score for a in newest) / len(newest) if newest else None,
        "before_mean": sum(a.score for a in before) / len(before) if before else None,
        "substance_rows": [substances[s["code"]] for s in default_ruleset().substances if s["code"] in substances]})
