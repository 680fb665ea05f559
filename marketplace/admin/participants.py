"""Admin of the participants: users, parks, incubators, firms and agencies."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import apply_to_each
from marketplace import actions
from marketplace.choices import District, Industry
from marketplace.models import (
    Agency,
    Firm,
    HighTechPark,
    Incubator,
    User,
)


class ParticipantAdmin(admin.ModelAdmin):
    """Saves through participant_create / participant_update, so each save is audited."""

    def has_add_permission(self, request):
        return request.user.is_programme_officer and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_programme_officer and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Participants leave through their state actions; their audit trail points at them.
        return False

    def save_model(self, request, obj, form, change):
        m2m_names = {field.name for field in obj._meta.many_to_many}
        many_to_many = {
            name: form.cleaned_data[name]
            for name in m2m_names
            if name in form.cleaned_data and (not change or name in form.changed_data)
        }
        if not change:
            actions.participant_create(instance=obj, by=request.user, many_to_many=many_to_many)
            return
        changes = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name not in m2m_names and name in form.cleaned_data
        }
        if changes or many_to_many:
            actions.participant_update(
                instance=obj, by=request.user, changes=changes, many_to_many=many_to_many
            )

    def save_related(self, request, form, formsets, change):
        # The action set the many-to-many fields inside its own transaction.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("Personal info"),
            {"fields": ("display_name", "first_name", "last_name", "email", "phone")},
        ),
        (
            _("Role and memberships"),
            {"fields": ("role", "firm", "agency", "is_agency_admin", "incubator")},
        ),
        *DjangoUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (
            _("Role and memberships"),
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "role",
                    "firm",
                    "agency",
                    "is_agency_admin",
                    "incubator",
                ),
            },
        ),
    )
    list_display = (
        "username",
        "display_name",
        "email",
        "role",
        "firm",
        "agency",
        "incubator",
        "is_agency_admin",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "is_agency_admin", "is_staff", "is_superuser", "is_active")
    search_fields = (
        "username",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "firm__name",
        "agency__name",
        "incubator__name",
    )
    list_select_related = ("firm", "agency", "incubator")
    autocomplete_fields = ("firm", "agency", "incubator")


@admin.register(HighTechPark)
class HighTechParkAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "district", "incubator_count")
    list_filter = ("district",)
    search_fields = ("name", "name_en")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(incubator_count=Count("incubators"))

    @admin.display(description=_("incubators"), ordering="incubator_count")
    def incubator_count(self, park):
        return park.incubator_count


@admin.register(Incubator)
class IncubatorAdmin(ParticipantAdmin):
    list_display = ("name", "name_en", "level", "district", "park", "firm_count")
    list_filter = ("level", "district", "park")
    search_fields = ("name", "name_en", "address")
    list_select_related = ("park",)
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(firm_count=Count("firms"))

    @admin.display(description=_("firms"), ordering="firm_count")
    def firm_count(self, incubator):
        return incubator.firm_count


@admin.register(Firm)
class FirmAdmin(ParticipantAdmin):
    list_display = (
        "name",
        "credit_code",
        "incubator",
        "district",
        "industry",
        "headcount",
        "revenue_band",
        "verification",
        "verified_at",
    )
    list_filter = ("verification", "industry", "district", "revenue_band", "incubator__level")
    search_fields = ("name", "credit_code", "incubator__name")
    list_select_related = ("incubator",)
    autocomplete_fields = ("incubator",)
    readonly_fields = (
        "verification",
        "verification_reason",
        "verified_at",
        "verified_by",
        "created_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "credit_code",
                    "incubator",
                    "district",
                    "admitted_on",
                    "incubation_ends_on",
                )
            },
        ),
        (
            _("Profile"),
            {
                "fields": (
                    "industry",
                    "headcount",
                    "revenue_band",
                    "sme_sector",
                    "annual_revenue",
                    "total_assets",
                    "description",
                )
            },
        ),
        (
            _("Verification"),
            {"fields": readonly_fields},
        ),
    )
    actions = ["verify"]

    @admin.action(description=_("Verify the selected firms"), permissions=["change"])
    def verify(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset.select_related("incubator"),
            lambda firm: actions.firm_verify(firm=firm, by=request.user),
            done_message=lambda count: (
                ngettext("%(count)d firm verified.", "%(count)d firms verified.", count)
                % {"count": count}
            ),
        )


class AgencyAdminForm(forms.ModelForm):
    """Industries and districts are JSON lists in the model; tick boxes here."""

    industries = forms.MultipleChoiceField(
        label=_("industries"),
        choices=Industry.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    districts_served = forms.MultipleChoiceField(
        label=_("districts served"),
        choices=District.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Agency
        fields = (
            "name",
            "name_en",
            "credit_code",
            "kind",
            "district",
            "licence_number",
            "licence_valid_from",
            "licence_valid_until",
            "service_items",
            "industries",
            "districts_served",
            "expertise",
            "expertise_en",
            "yearly_capacity",
        )


class LicenceValidFilter(admin.SimpleListFilter):
    title = _("licence")
    parameter_name = "licence"

    def lookups(self, request, model_admin):
        return (("valid", _("Valid today")), ("invalid", _("Expired or not yet valid")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        valid = {"licence_valid_from__lte": today, "licence_valid_until__gte": today}
        if self.value() == "valid":
            return queryset.filter(**valid)
        if self.value() == "invalid":
            return queryset.exclude(**valid)
        return queryset


@admin.register(Agency)
class AgencyAdmin(ParticipantAdmin):
    form = AgencyAdminForm
    list_display = (
        "name",
        "kind",
        "status",
        "licence_number",
        "licence_valid_until",
        "licence_valid_today",
        "yearly_capacity",
        "district",
    )
    list_filter = ("status", "kind", LicenceValidFilter, "district")
    search_fields = (
        "name",
        "name_en",
        "credit_code",
        "licence_number",
        "expertise",
        "expertise_en",
    )
    filter_horizontal = ("service_items",)
    readonly_fields = ("status", "status_reason", "approved_at", "created_at")
    fieldsets = (
        (None, {"fields": ("name", "name_en", "credit_code", "kind", "district")}),
        (
            _("Licence"),
            {"fields": ("licence_number", "licence_valid_from", "licence_valid_until")},
        ),
        (
            _("Services"),
            {
                "fields": (
                    "service_items",
                    "industries",
                    "districts_served",
                    "expertise",
                    "expertise_en",
                    "yearly_capacity",
                )
            },
        ),
        (_("Status"), {"fields": readonly_fields}),
    )
    actions = ["approve"]

    @admin.display(description=_("licence valid today"), boolean=True)
    def licence_valid_today(self, agency):
        return agency.licence_valid_on(timezone.localdate())

    @admin.action(description=_("Approve the selected agencies"), permissions=["change"])
    def approve(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda agency: actions.agency_approve(agency=agency, by=request.user),
            done_message=lambda count: (
                ngettext("%(count)d agency approved.", "%(count)d agencies approved.", count)
                % {"count": count}
            ),
        )
