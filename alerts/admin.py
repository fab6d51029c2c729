"""The outbox as operators see it: filter by status, find failed rows with their attempts, send them
again. Every admin page warns while the outbox is stuck (templates/admin/base_site.html)."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Alert, AlertAttempt, Deadline, Follow, SavedSearch


@admin.register(Follow)
class FollowAdmin(SimpleHistoryAdmin):
    list_display = ["user", "case", "delivery", "scope", "created_at"]
    list_filter = ["delivery", "scope"]
    search_fields = ["user__username", "user__email", "case__title", "case__reference"]
    list_select_related = ["user", "case"]
    autocomplete_fields = ["case"]
    raw_id_fields = ["user"]


@admin.register(SavedSearch)
class SavedSearchAdmin(SimpleHistoryAdmin):
    list_display = ["name", "user", "query", "delivery", "scope", "created_at"]
    list_filter = ["delivery", "scope"]
    search_fields = ["name", "query", "user__username", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Deadline)
class DeadlineAdmin(SimpleHistoryAdmin):
    list_display = ["due_on", "title", "kind", "case", "reminder_days", "done_at"]
    list_filter = ["kind", ("done_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "notes", "case__title", "case__reference"]
    list_select_related = ["case"]
    autocomplete_fields = ["case"]
    readonly_fields = ["done_at", "done_by", "created_by", "created_at"]
    date_hierarchy = "due_on"


class AlertAttemptInline(admin.TabularInline):
    model = AlertAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "outcome", "error", "by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "recipient", "kind", "case", "channel", "status", "attempts", "sent_at", "short_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient__username", "recipient__email", "case__title", "last_error"]
    list_select_related = ["recipient", "case"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_failed"]
    inlines = [AlertAttemptInline]
    # The outbox is written by the services only; here it is read, and failed rows retried.
    readonly_fields = [field.name for field in Alert._meta.fields]

    @admin.display(description="last error")
    def short_error(self, alert):
        return alert.last_error[:80]

    @admin.action(description="Send the selected failed alerts again", permissions=["change"])
    def retry_failed(self, request, queryset):
        count = services.alerts_retry(alerts=queryset, by=request.user)
        self.message_user(request, f"{count} failed alert(s) queued again.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False
