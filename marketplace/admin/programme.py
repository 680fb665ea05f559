"""Admin of the service catalogue and the programme years with their package."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplace.models import (
    PackageItem,
    ProgrammeYear,
    ServiceItem,
)


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "area", "unit", "unit_price", "is_active")
    list_filter = ("area", "unit", "is_active")
    search_fields = ("code", "name", "name_en", "description")


class PackageItemInline(admin.TabularInline):
    model = PackageItem
    extra = 0
    fields = ("service_item", "quota", "is_standard")


@admin.register(ProgrammeYear)
class ProgrammeYearAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "name",
        "budget",
        "target_firms",
        "government_share",
        "copay_cap",
        "opens_on",
        "closes_on",
        "is_open",
    )
    search_fields = ("name",)
    inlines = [PackageItemInline]
    fieldsets = (
        (None, {"fields": ("year", "name", "name_en", "opens_on", "closes_on")}),
        (
            _("Money"),
            {
                "fields": (
                    "budget",
                    "target_firms",
                    "government_share",
                    "copay_cap",
                    "copay_due_days",
                )
            },
        ),
        (_("Eligibility"), {"fields": ("max_headcount", "max_revenue_band")}),
        (_("Offers"), {"fields": ("offer_response_days", "auto_offer_next")}),
    )

    @admin.display(description=_("open now"), boolean=True)
    def is_open(self, year):
        return year.is_open
