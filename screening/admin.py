"""The admin, for staff only: read-only views of what the app stores; the audit trail can never be changed."""
from django.contrib import admin

from screening.models import Acknowledgement, AuditEvent, Revision, Screening
from screening.services import audit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records are written by the app's services, with their audit events; the admin only reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ["client_code", "owner", "clinic", "created_at", "updated_at"]
    list_filter = ["clinic"]
    search_fields = ["client_code"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ["screening", "number", "ruleset_version", "created_by", "created_at"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Reading one revision's content here is audited, as on the assessment page."""
        response = super().change_view(request, object_id, form_url, extra_context)
        revision = self.get_object(request, object_id) if response.status_code == 200 else None
        if revision is not None:
            audit(request.user, "admin_viewed", revision.screening, revision.number)
        return response


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyAdmin):
    list_display = ["revision", "rule_id", "user", "created_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "screening", "revision_number"]
    list_filter = ["action"]

    def get_actions(self, request):
        return {}
