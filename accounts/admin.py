from django.contrib import admin

from accounts.models import AccountEvent
from screening.admin import ReadOnlyAdmin


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject", "detail"]
    list_filter = ["action"]

    def get_actions(self, request):
        return {}
