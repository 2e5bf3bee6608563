"""The clinician workflow: new screening, assessment, revisions, acknowledgements, my screenings.

Who sees what: a clinician reads and edits only their own screenings (another's answers 404); a clinical lead reads
all and edits none; a trainee, or a user with no role, sees no screening at all (403).
"""
import json
from functools import lru_cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening.engine import default_ruleset
from screening.forms import AcknowledgeForm, IntakeForm, container_to_discuss
from screening.keyset import anchor_id, keyset_page
from screening.models import AUDIT_ACTIONS, AuditEvent, Revision, Screening
from screening.roles import is_clinician, is_lead
from screening.services import audit, flag_acknowledge, screening_create, screening_revise

PAGE_SIZE = 20


def _require_screening_role(user) -> None:
    if not (is_clinician(user) or is_lead(user)):
        raise PermissionDenied("Screenings are for clinicians and clinical leads.")


def _readable(user):
    """The screenings this user may read."""
    _require_screening_role(user)
    return Screening.objects.all() if is_lead(user) else Screening.objects.filter(owner=user)


def _get_for_read(user, pk: int) -> Screening:
    return get_object_or_404(_readable(user), pk=pk)


def _get_for_edit(user, pk: int) -> Screening:
    if not is_clinician(user):
        raise PermissionDenied("Only the clinician who owns a screening can change it.")
    return get_object_or_404(Screening, pk=pk, owner=user)


def _get_revision(screening: Screening, number: int | None) -> Revision:
    revisions = screening.revisions.all()
    revision = revisions.first() if number is None else revisions.filter(number=number).first()
    if revision is None:
        raise Http404("No such revision.")
    return revision


def _newest_revisions(screening_ids: list[int]) -> tuple[dict[int, int], dict[int, Revision]]:
    """For the screenings of one page only: how many revisions each has, and its newest (two queries)."""
    numbers = {row["screening"]: (row["count"], row["newest"]) for row in Revision.objects.filter(
        screening__in=screening_ids).values("screening").annotate(count=Count("id"), newest=Max("number"))}
    wanted = Q(pk__in=[])
    for screening_id, (_, newest) in numbers.items():
        wanted |= Q(screening_id=screening_id, number=newest)
    newest = {r.screening_id: r for r in Revision.objects.filter(wanted).only(
        "screening_id", "number", "assessment", "ruleset_version", "created_at")}
    return {pk: count for pk, (count, _) in numbers.items()}, newest


@require_GET
def screening_list(request):
    """Keyset pages (screening.keyset), newest first: no aggregate, count or OFFSET over every readable screening."""
    readable = _readable(request.user)
    screenings = readable.select_related("owner")
    query = request.GET.get("q", "").replace("\x00", "").strip()[:32]  # PostgreSQL text holds no NUL
    if query:
        screenings = screenings.filter(client_code__icontains=query)
    anchors = {}
    for key in ("before", "after"):
        pk = anchor_id(request.GET.get(key, ""))
        anchors[key] = None if pk is None else readable.filter(pk=pk).values_list("updated_at", "id").first()
    page = keyset_page(screenings, field="updated_at", size=PAGE_SIZE, **anchors, keep={"q": query} if query else {})
    counts, newest = _newest_revisions([s.pk for s in page.rows])
    rows = [(s, newest.get(s.pk), counts.get(s.pk, 0)) for s in page.rows]
    return render(request, "screening/screening_list.html",
                  {"page": page, "rows": rows, "query": query, "is_lead": is_lead(request.user)})


@lru_cache(maxsize=4)
def _medication_names(ruleset) -> list[str]:
    """Every name the catalogue knows, for the form's suggestions; the template caches the rendered list too."""
    return sorted({n for m in ruleset.catalogue.medications for n in (m.generic, *m.names)}, key=str.lower)


def _intake_page(request, form, *, screening=None):
    status = 400 if form.is_bound and form.errors else 200
    ruleset = default_ruleset()
    return render(request, "screening/intake_form.html",
                  {"form": form, "screening": screening, "ruleset_version": ruleset.version,
                   "medication_names": _medication_names(ruleset)}, status=status)


@require_http_methods(["GET", "POST"])
def screening_new(request):
    if not is_clinician(request.user):
        raise PermissionDenied("Only clinicians create screenings.")
    form = IntakeForm(request.POST if request.method == "POST" else None)  # an empty POST is refused, not ignored
    if request.method == "POST" and form.is_valid():
        screening = screening_create(owner=request.user, client_code=form.cleaned_data["client_code"],
                                     intake=form.intake(), answers=form.answers())
        messages.success(request, "Screening saved as revision 1.")
        return redirect("screening_detail", pk=screening.pk)
    return _intake_page(request, form)


@require_http_methods(["GET", "POST"])
def screening_edit(request, pk: int):
    screening = _get_for_edit(request.user, pk)
    current = _get_revision(screening, None)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            revision = screening_revise(screening=screening, user=request.user,
                                        client_code=form.cleaned_data["client_code"], intake=form.intake(),
                                        answers=form.answers())
            messages.success(request, f"Saved as revision {revision.number}. Earlier revisions are kept as shown.")
            return redirect("screening_detail", pk=screening.pk)
    else:
        form = IntakeForm(initial=IntakeForm.initial_from(screening.client_code, current.intake, current.answers))
    return _intake_page(request, form, screening=screening)


def _assessment_page(request, screening: Screening, revision: Revision, ack_form=None, status=200):
    audit(request.user, "viewed", screening, revision.number)
    ruleset = default_ruleset()
    return render(request, "screening/assessment.html", {
        "screening": screening,
        "revision": revision,
        # screening_id stays loaded: the related manager sets each row's screening, which would read it per row.
        "revisions": screening.revisions.select_related("created_by").only(
            "screening_id", "number", "created_at", "ruleset_version", "created_by__username"),
        "acks": {a.rule_id: a for a in revision.acknowledgements.select_related("user")},
        "matrix": revision.matrix(),
        "container_to_discuss": container_to_discuss(revision.answers),
        "can_edit": screening.owner_id == request.user.pk and is_clinician(request.user),
        "current_version": ruleset.version,
        "ack_form": ack_form,
    }, status=status)


@require_GET
def screening_detail(request, pk: int, number: int | None = None):
    screening = _get_for_read(request.user, pk)
    return _assessment_page(request, screening, _get_revision(screening, number))


@require_POST
def acknowledge(request, pk: int, number: int):
    screening = _get_for_edit(request.user, pk)
    revision = _get_revision(screening, number)
    form = AcknowledgeForm(request.POST, rule_ids=[f["rule"] for f in revision.assessment["flags"]])
    if not form.is_valid():
        return _assessment_page(request, screening, revision, ack_form=form, status=400)
    flag_acknowledge(revision=revision, user=request.user, rule_id=form.cleaned_data["rule"],
                     reason=form.cleaned_data["reason"])
    messages.success(request, "Acknowledgement saved.")
    return redirect(f"{revision_url(screening, revision)}#flag-{form.cleaned_data['rule']}")


def revision_url(screening: Screening, revision: Revision) -> str:
    return reverse("revision_detail", kwargs={"pk": screening.pk, "number": revision.number})


@require_GET
def revision_export(request, pk: int, number: int):
    """The stored intake and assessment of one revision as JSON, for the clinician's own records."""
    screening = _get_for_read(request.user, pk)
    revision = _get_revision(screening, number)
    audit(request.user, "exported", screening, revision.number)
    body = {"client_code": screening.client_code, "revision": revision.number,
            "saved_at": revision.created_at.isoformat(), "intake": revision.intake,
            "assessment": revision.assessment}
    response = HttpResponse(json.dumps(body, indent=2, ensure_ascii=False), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}-r{revision.number}.json"'
    return response



AUDIT_PAGE_SIZE = 50


@require_GET
def audit_log(request):
    """The audit trail, newest first, for clinical leads only; filterable by user and action.

    Keyset pages (screening.keyset) in the order the events were recorded, which is the order of their ids.
    """
    if not is_lead(request.user):
        raise PermissionDenied("The audit trail is for clinical leads.")
    events = AuditEvent.objects.select_related("user", "screening").only(
        "at", "action", "revision_number", "screening__client_code", "user__username")
    user = request.GET.get("user", "").replace("\x00", "").strip()[:150]  # PostgreSQL text holds no NUL
    action = request.GET.get("action", "")
    if user:
        events = events.filter(user__username=user)
    if action not in AUDIT_ACTIONS:
        action = ""
    if action:
        events = events.filter(action=action)
    before, after = (anchor_id(request.GET.get(k, "")) for k in ("before", "after"))
    page = keyset_page(events, field="id", size=AUDIT_PAGE_SIZE, before=None if before is None else (before,),
                       after=None if after is None else (after,),
                       keep={k: v for k, v in (("user", user), ("action", action)) if v})
    return render(request, "screening/audit_log.html",
                  {"page": page, "actions": AUDIT_ACTIONS, "user_filter": user, "action_filter": action})
