from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Clock


@admin.register(Clock)
class ClockAdmin(SimpleHistoryAdmin):
    list_display = ["case", "rule_id", "due_earliest", "due_latest", "settled", "not_applicable", "corrected_due_on"]
    list_filter = ["settled", "not_applicable", "rule_id"]
    list_select_related = ["case"]
    raw_id_fields = ["case", "trigger", "settled_by", "deadline", "overridden_by"]
    # Computed from the record: only the override is the analyst's to change.
    readonly_fields = ["case", "rule_id", "trigger", "due_earliest", "due_latest", "settled", "settled_by", "deadline"]
