"""Django admin for the programme office.

States (verification, approval) are read-only here: they change through the
admin actions, which call marketplace.actions like every other entry point.
Adding or editing an incubator, firm or agency goes through
participant_create / participant_update, so each writes its audit event.

Requests, offers, engagements, changes of agency, allocation runs and
notifications are read-only: their states change through actions alone, a
few of them offered here as admin actions (expire overdue offers, approve a
change of agency, commit an allocation preview). Decisions that need a
reason (refusals, cancellations) are taken in the portal, which asks for it.
Declared conflicts of interest are plain records that officers edit.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from marketplace import actions
from marketplace.choices import District, Industry
from marketplace.errors import ActionError
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    AuditEvent,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    HighTechPark,
    Incubator,
    Notification,
    Offer,
    PackageItem,
    ProgrammeYear,
    RequestItem,
    ServiceItem,
    User,
)
from marketplace.notifications import notification_text


def _apply_to_each(modeladmin, request, queryset, action, *, done_message):
    """Run `action` on each selected object; report refusals one by one, and the count done."""
    done = 0
    for obj in queryset:
        try:
            action(obj)
        except ActionError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", level=messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), level=messages.SUCCESS)


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
            {"fields": ("name", "credit_code", "incubator", "district", "admitted_on")},
        ),
        (
            _("Profile"),
            {"fields": ("industry", "headcount", "revenue_band", "description")},
        ),
        (
            _("Verification"),
            {"fields": readonly_fields},
        ),
    )
    actions = ["verify"]

    @admin.action(description=_("Verify the selected firms"), permissions=["change"])
    def verify(self, request, queryset):
        _apply_to_each(
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
    search_fields = ("name", "name_en", "credit_code", "licence_number", "expertise")
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
        _apply_to_each(
            self,
            request,
            queryset,
            lambda agency: actions.agency_approve(agency=agency, by=request.user),
            done_message=lambda count: (
                ngettext("%(count)d agency approved.", "%(count)d agencies approved.", count)
                % {"count": count}
            ),
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
        (None, {"fields": ("year", "name", "opens_on", "closes_on")}),
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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: audit events are append-only, written by actions alone."""

    list_display = ("at", "action", "subject_repr", "from_state", "to_state", "actor", "reason")
    list_filter = ("action", "subject_type")
    search_fields = ("subject_repr", "subject_id", "action", "reason", "actor__username")
    list_select_related = ("actor", "subject_type")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Contracting -------------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows whose states change only through marketplace.actions: shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        """For admin actions that call a state action reserved to programme officers."""
        return request.user.is_programme_officer


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        # Timestamps like sent_at are not editable, so a form could not even hold them.
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RequestItemInline(ReadOnlyInline):
    model = RequestItem
    fields = ("service_item", "quota", "is_extra")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service_item")


class OfferInline(ReadOnlyInline):
    model = Offer
    fields = (
        "agency",
        "status",
        "source",
        "score",
        "rank",
        "sent_at",
        "respond_by",
        "responded_at",
    )
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agency")


@admin.register(CustodyRequest)
class CustodyRequestAdmin(ReadOnlyAdmin):
    list_display = ("firm", "incubator", "programme_year", "status", "submitted_at", "created_by")
    list_filter = ("status", "programme_year", "firm__industry", "firm__district")
    search_fields = ("firm__name", "firm__credit_code", "firm__incubator__name", "needs")
    list_select_related = ("firm__incubator", "programme_year", "created_by")
    date_hierarchy = "submitted_at"
    inlines = [RequestItemInline, OfferInline]

    @admin.display(description=_("incubator"), ordering="firm__incubator__name")
    def incubator(self, request_row):
        return request_row.firm.incubator


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return (
            ("overdue", _("Waiting past the deadline")),
            ("due_soon", _("Waiting, due within 24 hours")),
        )

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = queryset.filter(status=Offer.Status.PENDING)
        if self.value() == "overdue":
            return pending.filter(respond_by__lt=now)
        if self.value() == "due_soon":
            return pending.filter(respond_by__gte=now, respond_by__lt=now + timedelta(hours=24))
        return queryset


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = (
        "firm",
        "agency",
        "status",
        "source",
        "score",
        "rank",
        "sent_at",
        "respond_by",
        "responded_at",
    )
    list_filter = ("status", "source", DeadlineFilter, "deadline_provisional")
    search_fields = ("request__firm__name", "agency__name", "decline_reason")
    list_select_related = ("request__firm", "request__programme_year", "agency")
    date_hierarchy = "sent_at"
    actions = ["expire_overdue"]

    @admin.display(description=_("firm"), ordering="request__firm__name")
    def firm(self, offer):
        return offer.request.firm

    @admin.action(description=_("Expire all overdue offers now"), permissions=["decide"])
    def expire_overdue(self, request, queryset):
        # The periodic job does this every few minutes; the selection only opens the menu.
        expired = actions.offers_expire_overdue()
        self.message_user(
            request,
            ngettext(
                "%(count)d overdue offer expired.", "%(count)d overdue offers expired.", expired
            )
            % {"count": expired},
            level=messages.SUCCESS if expired else messages.INFO,
        )


class EngagementItemInline(ReadOnlyInline):
    model = EngagementItem
    fields = ("service_item", "quota", "unit_price")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service_item")


@admin.register(Engagement)
class EngagementAdmin(ReadOnlyAdmin):
    list_display = (
        "firm",
        "agency",
        "programme_year",
        "status",
        "starts_on",
        "ends_on",
        "package_price",
        "government_amount",
        "copay_amount",
    )
    list_filter = ("status", "programme_year", "agency__kind", "firm__industry")
    search_fields = ("firm__name", "firm__credit_code", "agency__name")
    list_select_related = ("firm", "agency", "programme_year")
    date_hierarchy = "starts_on"
    inlines = [EngagementItemInline]


@admin.register(AgencyChange)
class AgencyChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "firm",
        "current_agency",
        "new_agency",
        "status",
        "requested_at",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status",)
    search_fields = (
        "engagement__firm__name",
        "engagement__agency__name",
        "new_agency__name",
        "reason",
    )
    list_select_related = (
        "engagement__firm",
        "engagement__agency",
        "engagement__programme_year",
        "new_agency",
        "decided_by",
    )
    actions = ["approve"]

    @admin.display(description=_("firm"), ordering="engagement__firm__name")
    def firm(self, change):
        return change.engagement.firm

    @admin.display(description=_("current agency"), ordering="engagement__agency__name")
    def current_agency(self, change):
        return change.engagement.agency

    @admin.action(description=_("Approve the selected changes of agency"), permissions=["decide"])
    def approve(self, request, queryset):
        _apply_to_each(
            self,
            request,
            queryset.select_related("engagement__firm", "new_agency"),
            lambda change: actions.agency_change_approve(change=change, by=request.user),
            done_message=lambda count: (
                ngettext("%(count)d change approved.", "%(count)d changes approved.", count)
                % {"count": count}
            ),
        )


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "programme_year",
        "status",
        "created_by",
        "created_at",
        "committed_at",
        "placed",
        "unplaced",
        "objective",
    )
    list_filter = ("status", "programme_year")
    search_fields = ("created_by__username", "created_by__display_name")
    list_select_related = ("programme_year", "created_by")
    date_hierarchy = "created_at"
    actions = ["commit"]

    @admin.display(description=_("placed"))
    def placed(self, run):
        return run.result.get("placed")

    @admin.display(description=_("not placed"))
    def unplaced(self, run):
        return len(run.result.get("unplaced", ()))

    @admin.display(description=_("total score"))
    def objective(self, run):
        return run.result.get("objective")

    @admin.action(description=_("Commit the selected previews into offers"), permissions=["decide"])
    def commit(self, request, queryset):
        _apply_to_each(
            self,
            request,
            queryset,
            lambda run: actions.allocation_commit(run=run, by=request.user),
            done_message=lambda count: (
                ngettext(
                    "%(count)d allocation committed.", "%(count)d allocations committed.", count
                )
                % {"count": count}
            ),
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "text", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "user__display_name", "kind")
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    @admin.display(description=_("text"))
    def text(self, notification):
        return notification_text(notification.kind, notification.params)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    """Declared conflicts are records, not states: officers add, correct and remove them."""

    list_display = ("agency", "firm", "note", "declared_at")
    list_filter = ("agency__kind",)
    search_fields = ("agency__name", "firm__name", "firm__credit_code", "note")
    list_select_related = ("agency", "firm")
    autocomplete_fields = ("agency", "firm")
    readonly_fields = ("declared_at",)

    def has_add_permission(self, request):
        return request.user.is_programme_officer and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_programme_officer and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_programme_officer and super().has_delete_permission(request, obj)
