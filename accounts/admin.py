"""Private addresses as administrators see them: whose, for what, last used; revoke one at once
(a leaked address, a departed user). The key itself is not shown here."""

from django.contrib import admin, messages

from . import services
from .models import PrivateAddress


@admin.register(PrivateAddress)
class PrivateAddressAdmin(admin.ModelAdmin):
    list_display = ["user", "purpose", "label", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["purpose", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "user__email", "label"]
    list_select_related = ["user"]
    fields = readonly_fields = ["user", "purpose", "label", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected addresses", permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for address in queryset.active():
            services.private_address_revoke(address=address, by=request.user)
            count += 1
        self.message_user(request, f"{count} address(es) revoked.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False
