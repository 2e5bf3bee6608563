from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from accounts.models import AccountEvent, Clinic, Membership
from screening.admin import ReadOnlyAdmin


@admin.register(AccountEvent)
class AccountEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject", "detail"]
    list_filter = ["action"]

    def get_actions(self, request):
        return {}


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class MembershipInline(admin.StackedInline):
    """The user's clinic: an account without one reads no screening, so a new superuser is given one here."""

    model = Membership
    can_delete = False
    verbose_name_plural = "clinic"


admin.site.unregister(User)


@admin.register(User)
class ClinicUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = [*UserAdmin.list_display, "membership__clinic"]
    list_filter = [*UserAdmin.list_filter, "membership__clinic"]
