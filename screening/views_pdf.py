"""The printable PDFs: a revision's educational summary, and the blank intake form.

The summary follows the assessment page's access: its clinician or a clinical lead (another clinician 404, a
trainee 403), and each print is audited. The blank form holds no client data: any signed-in user may have it.

WeasyPrint (screening.pdf) is imported by the views that print, on their first request, not with this module: the
URLconf imports this module, the system checks import the URLconf, and every `manage.py` command (`screen`,
`ruleset`) would otherwise spend most of a second loading WeasyPrint that it never uses.
"""
import re

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from screening.access import get_revision, get_screening_for_read
from screening.services import audit
from screening.views import blank_form_context


def _pdf_response(body: bytes, filename: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'{"attachment" if download else "inline"}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def revision_pdf(request, pk: int, number: int):
    screening = get_screening_for_read(request.user, pk)
    revision = get_revision(screening, number)
    from screening.pdf import summary_pdf

    body = summary_pdf(revision, printed_by=request.user)
    audit(request.user, "printed", screening, revision.number)
    code = re.sub(r"[^A-Za-z0-9._-]", "_", screening.client_code)  # the form allows no more, but stay safe here
    return _pdf_response(body, f"threshold-{code}-r{revision.number}.pdf",
                         download=request.GET.get("download") == "1")


@require_GET
def intake_blank_pdf(request):
    from screening.pdf import blank_form_pdf

    return _pdf_response(blank_form_pdf(blank_form_context()), "threshold-blank-intake-form.pdf",
                         download=request.GET.get("download") == "1")
