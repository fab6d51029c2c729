"""Worker-written exports as operators see them: which failed and why, which are waiting."""

from django.contrib import admin

from .models import ExportFile


@admin.register(ExportFile)
class ExportFileAdmin(admin.ModelAdmin):
    list_display = ["filename", "requested_by", "format", "state", "cases_done", "cases_total", "created_at", "finished_at"]
    list_filter = ["state", "format"]
    search_fields = ["filename", "requested_by__username", "case_reference", "query"]
    list_select_related = ["requested_by"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ExportFile._meta.fields]

    def has_add_permission(self, request):
        # An export is asked for from the case list, which knows the filters; not typed in here.
        return False
