"""The printable PDFs: a revision's clinician record and client handout, and the blank intake form.

Both documents of a revision follow the assessment page's access: its clinician or a clinical lead (another
clinician 404, a trainee 403), and each print is audited. A reprint comes from the shared cache; a render holds
one of the user's print slots (screening/print_slots.py), and a user with every slot busy gets a 429 page. The
blank form holds no client data: any signed-in user may have it.

WeasyPrint (screening.pdf) is imported by the views that print, on their first request, not with this module: the
URLconf imports this module, the system checks import the URLconf, and every `manage.py` command (`screen`,
`ruleset`) would otherwise spend most of a second loading WeasyPrint that it never uses.
"""
import re

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from screening.access import get_revision, get_screening_for_read
from screening.print_slots import NoPrintSlot, print_slot
from screening.services import audit
from screening.views import blank_form_context


def _pdf_response(body: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _busy(request, screening, number) -> HttpResponse:
    """The 429 page: every print slot of this user is rendering; nothing is lost, try again in a moment."""
    context = {"slots": settings.PRINT_SLOTS, "screening": screening, "number": number}
    response = render(request, "screening/print_busy.html", context, status=429)
    response["Retry-After"] = "5"
    return response


def _revision_document(request, pk: int, number: int, kind: str, filename: str):
    screening = get_screening_for_read(request.user, pk)
    revision = get_revision(screening, number)
    from screening.pdf import document_pdf

    try:
        body = document_pdf(kind, revision, printed_by=request.user, guard=lambda: print_slot(request.user))
    except NoPrintSlot:
        return _busy(request, screening, revision.number)
    audit(request.user, "printed", screening, revision.number)
    code = re.sub(r"[^A-Za-z0-9._-]", "_", screening.client_code)  # the form allows no more, but stay safe here
    return _pdf_response(body, filename.format(code=code, number=revision.number),
                         download=request.GET.get("download") == "1")


@require_GET
def revision_record(request, pk: int, number: int):
    """The clinician record, for the file."""
    return _revision_document(request, pk, number, "record", "threshold-{code}-r{number}-record.pdf")


@require_GET
def revision_handout(request, pk: int, number: int):
    """The client handout, for the client to take home."""
    return _revision_document(request, pk, number, "handout", "threshold-{code}-r{number}-handout.pdf")


@require_GET
def intake_blank_pdf(request):
    from screening.pdf import cached_blank_form_pdf

    try:
        body = cached_blank_form_pdf(blank_form_context, guard=lambda: print_slot(request.user))
    except NoPrintSlot:
        return _busy(request, None, None)
    return _pdf_response(body, "threshold-blank-intake-form.pdf", download=request.GET.get("download") == "1")
