"""Admin of the official fee table the programme office keeps (CNIPA's rates and reductions).

Saves go through `custody.actions.official_fee_save`, so every edit is checked and audited. A
rate is never deleted: a new schedule ends the old row the day before its own start, so fees
already due keep the rate of their day.
"""

from django.contrib import admin

from custody import actions
from custody.models import FeeReduction, OfficialFee


class OfficialFeeAdminBase(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_programme_officer

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_programme_officer

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_programme_officer

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_programme_officer

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actions.official_fee_save(instance=obj, by=request.user, changed=form.changed_data)


@admin.register(OfficialFee)
class OfficialFeeAdmin(OfficialFeeAdminBase):
    list_display = (
        "kind",
        "patent_type",
        "first_year",
        "last_year",
        "amount",
        "filed_from",
        "effective_from",
        "effective_until",
    )
    list_filter = ("kind", "patent_type")
    search_fields = ("source",)


@admin.register(FeeReduction)
class FeeReductionAdmin(OfficialFeeAdminBase):
    list_display = ("owners", "percent", "years", "effective_from", "effective_until")
