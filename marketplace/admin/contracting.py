"""Admin of requests, offers, engagements, changes of agency, allocation runs and conflicts."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin, ReadOnlyInline, apply_to_each
from marketplace import actions
from marketplace.models import (
    AgencyChange,
    AllocationRun,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Offer,
    RequestItem,
)


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
        apply_to_each(
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
        apply_to_each(
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
