"""The data editor's view: every record, searchable and filterable, with its edit history.

Stages are read-only here: a case moves only through a recorded stage change (the case page)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import Authority, Case, CaseParty, CaseRelation, Event, Person, PersonName, Source, Statement, Treaty
from .signals import case_record_changed_announce


class DeletedFilter(admin.SimpleListFilter):
    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("no", "Live"), ("yes", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


class SoftDeleteAdminMixin:
    """Deleted rows stay visible here (filter “deleted”) so an administrator can restore them."""

    restore_service = None

    def get_queryset(self, request):
        return self.model.all_objects.get_queryset()

    @admin.action(description="Restore the selected deleted records")
    def restore(self, request, queryset):
        restored = 0
        for obj in queryset.filter(deleted_at__isnull=False):
            type(self).restore_service(**{self.model._meta.model_name: obj, "by": request.user})
            restored += 1
        self.message_user(request, f"{restored} restored.")

    def has_delete_permission(self, request, obj=None):
        # Deleting is done from the app, where it only marks the record; the admin must not erase it.
        return False


class PersonNameInline(admin.TabularInline):
    model = PersonName
    extra = 1


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 1
    autocomplete_fields = ["person"]


class CaseRelationInline(admin.TabularInline):
    """Links stored on this case; a link stored on the other case shows on that case's page here."""

    model = CaseRelation
    fk_name = "case"
    extra = 0
    autocomplete_fields = ["related_case"]
    verbose_name = "related matter (stored on this case)"
    verbose_name_plural = "related matters (stored on this case)"


@admin.register(Case)
class CaseAdmin(SoftDeleteAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title", "reference", "requesting_state", "requested_state", "stage", "outcome", "after_surrender", "closed_on",
        "last_activity_on", "deleted_at",
    ]
    list_filter = [DeletedFilter, "stage", "outcome", "after_surrender", "requesting_state", "requested_state"]
    actions = ["restore"]
    restore_service = services.case_restore
    search_fields = ["title", "reference", "offences", "parties__person__name", "parties__person__names__name"]
    readonly_fields = [
        "stage", "stage_entered_on", "stage_entered_precision", "stage_entered_approximate", "last_activity_on",
        "created_at", "updated_at", "deleted_at", "deleted_by",
    ]
    autocomplete_fields = ["treaty"]
    inlines = [CasePartyInline, CaseRelationInline]
    date_hierarchy = "last_activity_on"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        case_record_changed_announce(case_id=obj.pk)  # its states, treaty or closing decide its clocks


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "names__name"]
    inlines = [PersonNameInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.person_refresh_cases(person=form.instance)  # the cases showing the person are found by the new names


@admin.register(Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "jurisdiction", "level"]
    list_filter = ["kind", "level", "country"]
    search_fields = ["name", "jurisdiction"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.authority_refresh_cases(authority=obj)  # the cases naming it are found by its new name


@admin.register(Treaty)
class TreatyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "signed_on", "in_force_on"]
    search_fields = ["name"]
    date_hierarchy = "signed_on"


@admin.register(CaseRelation)
class CaseRelationAdmin(SimpleHistoryAdmin):
    list_display = ["case", "relation", "related_case", "note"]
    list_filter = ["relation"]
    search_fields = ["case__title", "case__reference", "related_case__title", "related_case__reference", "note"]
    autocomplete_fields = ["case", "related_case"]
    list_select_related = ["case", "related_case"]


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "published_on", "url"]
    search_fields = ["title", "publisher", "url"]
    date_hierarchy = "published_on"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.source_refresh_cases(source=obj)  # the cases citing it are found by its new words


@admin.register(Statement)
class StatementAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "government", "body", "speaker", "channel", "reported_speech"]
    list_filter = ["reported_speech", "channel", "government"]
    search_fields = ["quote", "gist", "body", "speaker__name", "speaker_title"]
    autocomplete_fields = ["speaker"]


@admin.register(Event)
class EventAdmin(SoftDeleteAdminMixin, SimpleHistoryAdmin):
    list_display = ["occurred_on", "date_precision", "kind", "case", "summary", "confidence", "deleted_at"]
    list_filter = [DeletedFilter, "kind", "confidence", "date_precision", "decision", "category", "authority__kind"]
    actions = ["restore"]
    restore_service = services.event_restore
    search_fields = ["summary", "note", "case__title", "case__reference", "docket_number", "decision_detail"]
    list_select_related = ["case"]
    # The date and the place on the timeline are kept together by the services: change a date on
    # the case page (or move the entry there), not here.
    readonly_fields = [
        "case", "kind", "from_stage", "to_stage", "occurred_on", "date_precision", "date_approximate", "position",
        "date_earliest", "date_latest", "recorded_by", "recorded_at", "updated_at", "deleted_at", "deleted_by",
    ]
    autocomplete_fields = ["authority", "official", "statement", "sources"]
    date_hierarchy = "occurred_on"
    show_full_result_count = False

    def has_add_permission(self, request):
        # Events are logged from the case page, through the services that keep the case in step.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.case_refresh_last_event(obj.case)
        case_record_changed_announce(case_id=obj.case_id)


@admin.register(PersonName)
class PersonNameAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "person"]
    search_fields = ["name", "person__name"]
