"""The clinician workflow: new screening, assessment, revisions, acknowledgements, my screenings.

Who sees what (screening/access.py): a clinician reads and edits only their own screenings (another's answers 404); a
clinical lead reads their clinic's and edits none; a trainee, or a user with no role, sees no screening at all (403).
"""
import csv
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import chain, islice

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Max, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from screening import drafts
from screening.access import (
    can_edit,
    get_revision,
    get_screening_for_edit,
    get_screening_for_erasure,
    get_screening_for_read,
    readable_audit_events,
    readable_screenings,
    require_clinic,
    require_clinician,
    require_lead,
)
from screening.engine import default_ruleset
from screening.engine.present import completeness, unacknowledged_critical
from screening.forms import AcknowledgeForm, ErasureForm, IntakeForm, form_differences
from screening.impact import ruleset_impact
from screening.keyset import anchor_id, keyset_page
from screening.models import AUDIT_ACTIONS, Acknowledgement, Revision, Screening
from screening.presenter import present_revision, revision_diff, revision_summary
from screening.presenter import revision_export as export_body
from screening.roles import CLINICIAN, is_lead
from screening.services import (
    SupersededRevision,
    audit,
    flag_acknowledge,
    screening_create,
    screening_erase,
    screening_revise,
)
from screening.templatetags.threshold import severity_label
from screening.views_intake import keep_post, resumed_draft

PAGE_SIZE = 20


def _newest_revisions(screening_ids: list[int]) -> tuple[dict[int, int], dict[int, Revision]]:
    """For the screenings of one page only: how many revisions each has, and its newest (two queries)."""
    numbers = {row["screening"]: (row["count"], row["newest"]) for row in Revision.objects.filter(
        screening__in=screening_ids).values("screening").annotate(count=Count("id"), newest=Max("number"))}
    wanted = Q(pk__in=[])
    for screening_id, (_, newest) in numbers.items():
        wanted |= Q(screening_id=screening_id, number=newest)
    newest = {r.screening_id: r for r in Revision.objects.filter(wanted).only(
        "screening_id", "number", "assessment", "labels")}
    return {pk: count for pk, (count, _) in numbers.items()}, newest


SEVERITY_FILTERS = ("critical", "warning", "info", "none")


def _list_filters(request, screenings, lead: bool):
    """The list's filters from the query string (each checked, anything else ignored) and what the links keep."""
    keep = {}
    query = request.GET.get("q", "").replace("\x00", "").strip()[:32]  # PostgreSQL text holds no NUL
    if query:
        screenings, keep["q"] = screenings.filter(client_code__icontains=query), query
    clinician = request.GET.get("clinician", "").replace("\x00", "").strip()[:150]
    if lead and clinician:
        screenings, keep["clinician"] = screenings.filter(owner__username=clinician), clinician
    severity = request.GET.get("severity", "")
    if severity in SEVERITY_FILTERS:
        screenings, keep["severity"] = screenings.filter(highest_severity=severity), severity
    if request.GET.get("incomplete") == "1":
        screenings, keep["incomplete"] = screenings.filter(unanswered_count__gt=0), "1"
    if request.GET.get("unacknowledged") == "1":
        screenings, keep["unacknowledged"] = screenings.filter(unacknowledged_critical__gt=0), "1"
    start, end, dates = _date_range(request)
    if start:
        screenings = screenings.filter(updated_at__gte=_at_or_after(start))
    if end:
        screenings = screenings.filter(updated_at__lt=_at_or_after(end + timedelta(days=1)))
    return screenings, keep | dates


@require_GET
def screening_list(request):
    """Keyset pages (screening.keyset), newest first: no aggregate, count or OFFSET over every readable screening.
    A lead filters by clinician; everyone by highest severity, incompleteness, unacknowledged critical flags and
    the date last saved (columns copied from the latest revision, models.Screening)."""
    readable = readable_screenings(request.user)
    lead = is_lead(request.user)
    screenings, keep = _list_filters(request, readable.select_related("owner"), lead)
    anchors = {}
    for key in ("before", "after"):
        pk = anchor_id(request.GET.get(key, ""))
        anchors[key] = None if pk is None else readable.filter(pk=pk).values_list("updated_at", "id").first()
    page = keyset_page(screenings, field="updated_at", size=PAGE_SIZE, **anchors, keep=keep)
    counts, newest = _newest_revisions([s.pk for s in page.rows])
    rows = [(s, revision_summary(newest[s.pk]) if s.pk in newest else None, counts.get(s.pk, 0)) for s in page.rows]
    clinicians = (User.objects.filter(groups__name=CLINICIAN, is_active=True).order_by("username")
                  .values_list("username", flat=True) if lead else [])
    return render(request, "screening/screening_list.html",
                  {"page": page, "rows": rows, "query": keep.get("q", ""), "filters": keep, "is_lead": lead,
                   "filtered": bool(set(keep) - {"q"}), "clinicians": clinicians,
                   "severities": [(code, severity_label(code)) for code in SEVERITY_FILTERS]})


@lru_cache(maxsize=1)
def medication_datalist_options(ruleset) -> str:
    """The form's suggestion list, every name the catalogue knows as an <option>, rendered once per rule set: the
    1,100-option loop cost 4-8 ms of every form page (bench/README.md, intake form GET)."""
    names = sorted({n for m in ruleset.catalogue.medications for n in (m.generic, *m.names)}, key=str.lower)
    return format_html_join("", '<option value="{}">', ((name,) for name in names))


def _intake_page(request, form, *, screening=None, base_revision=None, idempotency_key=None, draft_key=None,
                 confirm=None):
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "screening/intake_form.html",
                  {"form": form, "screening": screening,
                   "medication_options": medication_datalist_options(default_ruleset()),
                   "base_revision": base_revision, "idempotency_key": idempotency_key,
                   "confirm_incomplete": confirm,
                   "draft_key": draft_key or drafts.posted_key(request.POST) or uuid.uuid4(),
                   "draft_author": drafts.author_token(request.user),
                   "session_seconds": settings.SESSION_COOKIE_AGE}, status=status)


def _needs_confirmation(request, form) -> dict | None:
    """When more than half of the questions are unanswered, the save waits for a ticked confirmation: the counts to
    show beside it, or None when the intake may be saved as it is."""
    ruleset = default_ruleset()
    intake = ruleset.intake.validate(form.intake())
    counts = completeness(intake, [name for name in ruleset.intake.assessable if name not in intake], ruleset.labels())
    if not counts["mostly_unanswered"] or request.POST.get("confirm_incomplete") == "1":
        return None
    return counts


def _posted_key(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get("idempotency_key", ""))
    except ValueError:
        return None


def _signed_in_or_kept(request, screening_pk: int | None = None):
    """The intake views are open to a signed-out post so that its entries are kept (views_intake.keep_post);
    everything else needs a signed-in user as usual."""
    if request.method == "POST":
        return keep_post(request, screening_pk)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


@csrf_exempt  # checked in keep_post, which keeps the entries of a post that fails the check
@login_not_required
@require_http_methods(["GET", "POST"])
def screening_new(request):
    """The new-screening form; its one-time key makes a second post of the same form find the first screening.

    ?draft=KEY shows one of the user's drafts again; saving closes the form's draft."""
    kept = _signed_in_or_kept(request)
    if kept is not None:
        return kept
    require_clinician(request.user)
    require_clinic(request.user)
    if request.method == "GET" and (draft := resumed_draft(request, None)) is not None:
        data = drafts.as_query_dict(draft)
        return _intake_page(request, IntakeForm.resumed(data), idempotency_key=_posted_key(data) or uuid.uuid4(),
                            draft_key=draft.key)
    form = IntakeForm(request.POST if request.method == "POST" else None)  # an empty POST is refused, not ignored
    key = _posted_key(request.POST) if request.method == "POST" else None
    confirm = _needs_confirmation(request, form) if request.method == "POST" and form.is_valid() else None
    if request.method == "POST" and form.is_valid() and confirm is None:
        screening = screening_create(owner=request.user, client_code=form.cleaned_data["client_code"],
                                     intake=form.intake(), answers=form.answers(), idempotency_key=key)
        drafts.close(request.user, request.POST)
        messages.success(request, "Screening saved as revision 1.")
        return redirect("screening_detail", pk=screening.pk)
    return _intake_page(request, form, idempotency_key=key or uuid.uuid4(), confirm=confirm)


def _posted_base(data, current: Revision) -> int:
    """The revision the posted form started from; a post naming none (a script, not the form) means the current."""
    raw = data.get("base_revision")
    if raw is None:
        return current.number
    try:
        return int(raw)
    except ValueError:
        return 0  # unreadable: treated as stale, so the conflict page shows what would change


@csrf_exempt  # checked in keep_post, which keeps the entries of a post that fails the check
@login_not_required
@require_http_methods(["GET", "POST"])
def screening_edit(request, pk: int):
    """The edit form, which carries the revision it started from: saving over a newer one shows the conflict.

    ?draft=KEY shows one of the user's drafts of this screening again; saving closes the form's draft."""
    kept = _signed_in_or_kept(request, pk)
    if kept is not None:
        return kept
    screening = get_screening_for_edit(request.user, pk)
    current = get_revision(screening, None)
    if request.method == "GET":
        draft = resumed_draft(request, screening.pk)
        if draft is not None:
            data = drafts.as_query_dict(draft)
            return _intake_page(request, IntakeForm.resumed(data), screening=screening,
                                base_revision=_posted_base(data, current), draft_key=draft.key)
        form = IntakeForm(initial=IntakeForm.initial_from(screening.client_code, current.intake, current.answers))
        return _intake_page(request, form, screening=screening, base_revision=current.number)
    form = IntakeForm(request.POST)
    base = _posted_base(request.POST, current)
    if not form.is_valid():
        return _intake_page(request, form, screening=screening, base_revision=base)
    if base != current.number:
        theirs = IntakeForm.initial_from(screening.client_code, current.intake, current.answers)
        return render(request, "screening/edit_conflict.html", {
            "screening": screening, "current": current, "base": base,
            "differences": form_differences(form, theirs),
            "entries": [(name, value) for name, values in request.POST.lists() if name not in
                        ("csrfmiddlewaretoken", "base_revision") for value in values],
        }, status=409)
    confirm = _needs_confirmation(request, form)
    if confirm is not None:
        return _intake_page(request, form, screening=screening, base_revision=base, confirm=confirm)
    revision = screening_revise(screening=screening, user=request.user, client_code=form.cleaned_data["client_code"],
                                intake=form.intake(), answers=form.answers())
    drafts.close(request.user, request.POST)
    messages.success(request, f"Saved as revision {revision.number}. Earlier revisions are kept as shown.")
    return redirect("screening_detail", pk=screening.pk)


def _acknowledgements(screening: Screening, revision: Revision) -> tuple[dict, dict]:
    """Every acknowledgement of this revision by rule, oldest first; and, per rule, the latest on an earlier one."""
    history, earlier = {}, {}
    for ack in (Acknowledgement.objects.filter(revision__screening=screening, revision__number__lte=revision.number)
                .select_related("user", "revision").order_by("created_at", "id")):
        if ack.revision_id == revision.pk:
            history.setdefault(ack.rule_id, []).append(ack)
        else:
            earlier[ack.rule_id] = ack
    return history, earlier


def _assessment_page(request, screening: Screening, revision: Revision, ack_form=None, status=200, refusal=""):
    audit(request.user, "viewed", screening, revision.number)
    ruleset = default_ruleset()
    revisions = screening.revisions.select_related("created_by").only(
        "screening_id", "number", "created_at", "ruleset_version", "created_by__username")  # screening_id: no N+1
    history, earlier = _acknowledgements(screening, revision)
    unacked = unacknowledged_critical(revision.assessment, set(history))
    return render(request, "screening/assessment.html", {
        "unacked_rules": set(unacked),
        "unacked_factors": {f["factor"] for f in revision.assessment["flags"] if f["rule"] in unacked},
        "screening": screening,
        "revision": revision,
        "revisions": revisions,
        "is_latest": revision.number == max(r.number for r in revisions),
        "ack_history": history,
        "earlier_acks": earlier,
        "p": present_revision(revision),
        "can_edit": can_edit(request.user, screening),
        "can_erase": is_lead(request.user),
        "current_version": ruleset.version,
        "ack_form": ack_form,
        "ack_refusal": refusal,
    }, status=status)


@require_GET
def screening_detail(request, pk: int, number: int | None = None):
    screening = get_screening_for_read(request.user, pk)
    if screening.erased_at is not None:
        tombstone = screening.audit_events.filter(action="erased").select_related("user").first()
        return render(request, "screening/erased.html", {"screening": screening, "tombstone": tombstone},
                      status=410)
    return _assessment_page(request, screening, get_revision(screening, number))


@require_POST
def acknowledge(request, pk: int, number: int):
    """Adds an acknowledgement to the current revision; a superseded revision refuses with 409 and says why."""
    screening = get_screening_for_edit(request.user, pk)
    revision = get_revision(screening, number)
    form = AcknowledgeForm(request.POST, rule_ids=[f["rule"] for f in revision.assessment["flags"]])
    if not form.is_valid():
        return _assessment_page(request, screening, revision, ack_form=form, status=400)
    try:
        flag_acknowledge(revision=revision, user=request.user, rule_id=form.cleaned_data["rule"],
                         reason=form.cleaned_data["reason"])
    except SupersededRevision as refusal:
        return _assessment_page(request, screening, revision, status=409, refusal=str(refusal))
    messages.success(request, "Acknowledgement saved.")
    return redirect(f"{revision_url(screening, revision)}#flag-{form.cleaned_data['rule']}")


@require_http_methods(["GET", "POST"])
def screening_erasure(request, pk: int):
    """A clinical lead erases a screening's clinical content with a reason; the audit trail keeps a tombstone."""
    screening = get_screening_for_erasure(request.user, pk)
    if screening.erased_at is not None:
        return redirect("screening_detail", pk=screening.pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        screening_erase(screening=screening, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "The screening's clinical content was erased; the audit trail records why.")
        return redirect("screening_detail", pk=screening.pk)
    return render(request, "screening/erase.html", {"screening": screening, "form": form,
                                                    "revision_count": screening.revisions.count()},
                  status=400 if form.errors else 200)


def _revision_number(raw: str, default: int) -> int:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else default


@require_GET
def revision_compare(request, pk: int):
    """Any two revisions of a readable screening side by side: the answers that changed and how the flags did."""
    screening = get_screening_for_read(request.user, pk)
    if screening.erased_at is not None:
        return redirect("screening_detail", pk=screening.pk)
    latest = get_revision(screening, None)
    new = get_revision(screening, _revision_number(request.GET.get("new", ""), latest.number))
    old = get_revision(screening, _revision_number(request.GET.get("old", ""), max(new.number - 1, 1)))
    audit(request.user, "viewed", screening, new.number)
    numbers = list(screening.revisions.values_list("number", flat=True))
    return render(request, "screening/revision_diff.html", {
        "screening": screening, "old": old, "new": new, "diff": revision_diff(old, new), "numbers": numbers})


def revision_url(screening: Screening, revision: Revision) -> str:
    return reverse("revision_detail", kwargs={"pk": screening.pk, "number": revision.number})


@require_GET
def revision_export(request, pk: int, number: int):
    """The stored intake and assessment of one revision as JSON, for the clinician's own records."""
    screening = get_screening_for_read(request.user, pk)
    revision = get_revision(screening, number)
    audit(request.user, "exported", screening, revision.number)
    response = HttpResponse(json.dumps(export_body(revision), indent=2, ensure_ascii=False),
                            content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.pk}-r{revision.number}.json"'
    return response



AUDIT_PAGE_SIZE = 50
IMPACT_SHOWN = 200
# The page re-assesses the most recently saved screenings only (about 0.2 ms each, bench/scale.py); the command
# covers every one.
IMPACT_PAGE_SCREENINGS = 2000


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip()) if len(raw.strip()) == 10 else None
    except ValueError:
        return None


def _date_range(request) -> tuple[date | None, date | None, dict]:
    """`from` and `to` of the query string as dates (YYYY-MM-DD, both days included); anything else is no bound."""
    start, end = _day(request.GET.get("from", "")), _day(request.GET.get("to", ""))
    return start, end, {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v}


def _at_or_after(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _audit_events(request):
    """The lead's clinic's audit trail (access.readable_audit_events) filtered by the query string: user, action,
    screening number, date range."""
    events = readable_audit_events(request.user).select_related("user", "screening").only(
        "at", "action", "reason", "screening_ref", "revision_number", "screening__client_code", "user__username")
    user = request.GET.get("user", "").replace("\x00", "").strip()[:150]  # PostgreSQL text holds no NUL
    action = request.GET.get("action", "")
    screening = anchor_id(request.GET.get("screening", ""))
    if user:
        events = events.filter(user__username=user)
    if action not in AUDIT_ACTIONS:
        action = ""
    if action:
        events = events.filter(action=action)
    if screening is not None:
        events = events.filter(screening_ref=screening)
    start, end, dates = _date_range(request)
    if start:
        events = events.filter(at__gte=_at_or_after(start))
    if end:
        events = events.filter(at__lt=_at_or_after(end + timedelta(days=1)))
    keep = {k: v for k, v in (("user", user), ("action", action), ("screening", screening)) if v} | dates
    return events, keep


@require_GET
def audit_log(request):
    """The audit trail of the lead's clinic, newest first; filterable by user, action, screening and dates.

    Keyset pages (screening.keyset) in the order the events were recorded, which is the order of their ids.
    """
    events, keep = _audit_events(request)
    before, after = (anchor_id(request.GET.get(k, "")) for k in ("before", "after"))
    page = keyset_page(events, field="id", size=AUDIT_PAGE_SIZE, before=None if before is None else (before,),
                       after=None if after is None else (after,), keep=keep)
    return render(request, "screening/audit_log.html",
                  {"page": page, "actions": AUDIT_ACTIONS, "filters": keep,
                   "export_query": page.newest})


class _Echo:
    def write(self, value):
        return value


@require_GET
def audit_export(request):
    """The filtered audit trail as CSV, every matching event; the export is itself an audit event ("exported",
    with no screening and the reason "audit trail CSV" and its filters)."""
    events, keep = _audit_events(request)
    filters = ", ".join(f"{k}={v}" for k, v in keep.items())
    audit(request.user, "exported", reason=f"audit trail CSV{': ' + filters if filters else ''}"[:500])
    writer = csv.writer(_Echo())
    header = ["id", "at_utc", "user", "action", "screening", "revision", "reason", "hash"]
    rows = (writer.writerow([e.pk, e.at.astimezone(UTC).isoformat(), e.user.get_username(), e.action,
                             e.screening_ref or "", e.revision_number or "", e.reason, e.hash])
            for e in events.select_related(None).select_related("user").only(
                "at", "action", "reason", "screening_ref", "revision_number", "hash", "user__username")
            .order_by("-id").iterator(chunk_size=2000))
    response = StreamingHttpResponse(chain([writer.writerow(header)], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


@require_GET
def ruleset_impact_page(request):
    """For clinical leads: the screenings whose latest revision today's rule set would assess differently, and how;
    nothing is re-saved (manage.py ruleset_impact prints the same)."""
    require_lead(request.user)
    ruleset = default_ruleset()
    impacts = list(islice(ruleset_impact(readable_screenings(request.user), ruleset, IMPACT_PAGE_SCREENINGS),
                          IMPACT_SHOWN + 1))
    return render(request, "screening/ruleset_impact.html", {
        "ruleset": ruleset, "impacts": impacts[:IMPACT_SHOWN], "more": len(impacts) > IMPACT_SHOWN,
        "shown": IMPACT_SHOWN, "checked": IMPACT_PAGE_SCREENINGS})
