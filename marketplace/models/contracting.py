from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from core.models import TracksUpdates
from marketplace.models.terms import MatchingTerms


class CustodyRequest(TracksUpdates, MatchingTerms):
    """A firm's request for custody in one programme year."""

    class Status(models.TextChoices):
        OPEN = "open", _("Choosing an agency")
        OFFERED = "offered", _("Waiting for the agency")
        # An engagement exists; how far custody is (co-payment awaited, under way, ended) is
        # the engagement's state, which the pages show beside this one.
        ENGAGED = "engaged", _("Agency engaged")
        WAITLISTED = "waitlisted", _("On the budget waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Every move a request can make (None: created); marketplace.actions.requests owns them.
    TRANSITIONS = frozenset(
        {
            (None, Status.OPEN),
            (None, Status.WAITLISTED),
            (Status.OPEN, Status.OFFERED),
            (Status.OFFERED, Status.ENGAGED),
            (Status.OFFERED, Status.OPEN),
            (Status.OFFERED, Status.WAITLISTED),
            (Status.WAITLISTED, Status.OPEN),
            (Status.OPEN, Status.WITHDRAWN),
            (Status.OFFERED, Status.WITHDRAWN),
            (Status.WAITLISTED, Status.WITHDRAWN),
        }
    )

    firm = models.ForeignKey(
        "marketplace.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="custody_requests",
    )
    programme_year = models.ForeignKey(
        "marketplace.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="custody_requests",
    )
    needs = models.TextField(_("what the firm needs"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    waitlisted_at = models.DateTimeField(_("waiting since"), null=True, blank=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    # The needs' words; matching adds the firm's own (candidates.request_profile).
    matching_text_fields = ("needs",)

    class Meta:
        verbose_name = _("custody request")
        verbose_name_plural = _("custody requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["programme_year", "status"])]
        constraints = [
            # A firm has at most one live request a year; a withdrawn one may be followed by another.
            models.UniqueConstraint(
                fields=["firm", "programme_year"],
                condition=~Q(status="withdrawn"),
                name="one_live_request_per_firm_and_year",
            ),
        ]

    def __str__(self):
        return f"{self.firm} · {self.programme_year.year}"

    def matching_text(self):
        return self.needs

    def item_ids(self):
        return frozenset(item.service_item_id for item in self.items.all())


class RequestItem(models.Model):
    """A service item of a request, with its quota."""

    request = models.ForeignKey(CustodyRequest, on_delete=models.CASCADE, related_name="items")
    service_item = models.ForeignKey(
        "marketplace.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quota = models.PositiveIntegerField(_("quota"), validators=[MinValueValidator(1)])
    is_extra = models.BooleanField(_("extra item"), default=False)

    class Meta:
        verbose_name = _("requested item")
        verbose_name_plural = _("requested items")
        ordering = ["service_item__area", "service_item__code"]
        constraints = [
            models.UniqueConstraint(fields=["request", "service_item"], name="request_item_once"),
        ]

    def __str__(self):
        return f"{self.service_item} × {self.quota}"


class Offer(TracksUpdates, models.Model):
    """The request offered to one agency, waiting for its answer until a deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # Every move an offer can make (None: sent); marketplace.actions.offers owns them.
    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (Status.PENDING, Status.ACCEPTED),
            (Status.PENDING, Status.DECLINED),
            (Status.PENDING, Status.EXPIRED),
            (Status.PENDING, Status.WITHDRAWN),
        }
    )

    class Source(models.TextChoices):
        FIRM_CHOICE = "firm_choice", _("Chosen by the firm")
        NEXT_CANDIDATE = "next_candidate", _("Next candidate")
        ALLOCATION = "allocation", _("Cohort allocation")
        WAITING_LIST = "waiting_list", _("Waiting list")

    request = models.ForeignKey(
        CustodyRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="offers"
    )
    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.FIRM_CHOICE
    )
    score = models.DecimalField(_("match score"), max_digits=5, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    respond_by = models.DateTimeField(_("answer by"))
    deadline_provisional = models.BooleanField(
        _("deadline provisional"),
        default=False,
        help_text=_("The holiday calendar for the deadline's year is not declared yet."),
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decline_reason = models.TextField(_("reason"), blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True, editable=False)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["status", "respond_by"]),
            models.Index(fields=["agency", "status"]),
        ]
        constraints = [
            # The last line of defence against two concurrent acceptances.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="accepted"),
                name="one_accepted_offer_per_request",
            ),
            # One agency at a time considers a request.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="pending"),
                name="one_pending_offer_per_request",
            ),
        ]

    def __str__(self):
        return f"{self.request} → {self.agency}"


class Engagement(TracksUpdates, models.Model):
    """The custody contract between a firm and an agency for one year."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Waiting for the co-payment")
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Moved to another agency")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    # Engagements that hold a firm's custody and an agency's capacity.
    RUNNING = (Status.AWAITING_PAYMENT, Status.ACTIVE)
    # Every move an engagement can make (None: created); marketplace.actions.engagements
    # owns them.
    TRANSITIONS = frozenset(
        {
            (None, Status.AWAITING_PAYMENT),
            (None, Status.ACTIVE),
            (Status.AWAITING_PAYMENT, Status.ACTIVE),
            (Status.AWAITING_PAYMENT, Status.CANCELLED),
            (Status.ACTIVE, Status.CANCELLED),
            (Status.ACTIVE, Status.TRANSFERRED),
            (Status.ACTIVE, Status.COMPLETED),
        }
    )

    request = models.ForeignKey(
        CustodyRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    offer = models.OneToOneField(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagement",
    )
    firm = models.ForeignKey(
        "marketplace.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    programme_year = models.ForeignKey(
        "marketplace.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="engagements",
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous engagement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successor",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    package_price = models.DecimalField(_("package price (CNY)"), max_digits=12, decimal_places=2)
    government_amount = models.DecimalField(
        _("government amount (CNY)"), max_digits=12, decimal_places=2
    )
    copay_amount = models.DecimalField(_("firm co-payment (CNY)"), max_digits=12, decimal_places=2)
    # Cancelled by the office after some confirmed work: the government's part of that work,
    # paid to the agency from the reservation (the rest went back to the budget).
    cancel_settled_amount = models.DecimalField(
        _("paid from the budget at cancellation (CNY)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # The programme's terms when the offer was accepted: settlement, refunds and a change of
    # agency split delivered value with these, whatever the programme year says later.
    government_share = models.DecimalField(
        _("government share (fixed at acceptance)"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    copay_cap = models.DecimalField(
        _("co-payment cap (fixed at acceptance)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Most the firm pays under this engagement; empty: no cap."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "programme_year", "status"])]
        constraints = [
            # A firm is under one agency's custody at a time in a programme year.
            models.UniqueConstraint(
                fields=["firm", "programme_year"],
                condition=Q(status__in=["awaiting_payment", "active"]),
                name="one_active_engagement_per_firm_and_year",
            ),
            # Compared in whole fen: SQLite evaluates decimals as floats, and
            # 14823.88 + 3000.00 is not 17823.88 there.
            models.CheckConstraint(
                name="engagement_amounts_add_up",
                condition=Exact(
                    Round(models.F("package_price") * 100),
                    Round(models.F("government_amount") * 100)
                    + Round(models.F("copay_amount") * 100),
                ),
            ),
            models.CheckConstraint(
                name="engagement_share_is_fraction",
                condition=Q(government_share__gte=0) & Q(government_share__lte=1),
            ),
            models.CheckConstraint(
                name="engagement_period_ordered", condition=Q(ends_on__gt=models.F("starts_on"))
            ),
        ]

    def __str__(self):
        return f"{self.firm} ⇄ {self.agency} ({self.programme_year.year})"

    @property
    def is_reserving(self):
        """Running engagements hold their government amount on the programme budget."""
        return self.status in (self.Status.AWAITING_PAYMENT, self.Status.ACTIVE)


class EngagementItem(models.Model):
    """A service item of an engagement with its quota and the unit price agreed."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="items")
    service_item = models.ForeignKey(
        "marketplace.ServiceItem",
        verbose_name=_("service item"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    quota = models.PositiveIntegerField(_("quota"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("engagement item")
        verbose_name_plural = _("engagement items")
        ordering = ["service_item__area", "service_item__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "service_item"], name="engagement_item_once"
            ),
        ]

    def __str__(self):
        return f"{self.service_item} × {self.quota}"


class AgencyChange(TracksUpdates, models.Model):
    """A firm's request to move its engagement to another agency, decided by an officer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the programme office")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (Status.PENDING, Status.APPROVED),
            (Status.PENDING, Status.REFUSED),
        }
    )

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="agency_changes",
    )
    new_agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("new agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("change of agency")
        verbose_name_plural = _("changes of agency")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement"],
                condition=Q(status="pending"),
                name="one_pending_change_per_engagement",
            ),
        ]

    def __str__(self):
        return f"{self.engagement} → {self.new_agency}"


class AllocationRun(TracksUpdates, models.Model):
    """A cohort allocation: previewed first, committed into offers on the officer's word."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        COMMITTED = "committed", _("Committed")
        DISCARDED = "discarded", _("Discarded")

    TRANSITIONS = frozenset(
        {
            (None, Status.PREVIEW),
            (Status.PREVIEW, Status.COMMITTED),
            (Status.PREVIEW, Status.DISCARDED),
        }
    )

    programme_year = models.ForeignKey(
        "marketplace.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="allocation_runs",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)
    request_ids = models.JSONField(_("requests"), default=list)
    result = models.JSONField(_("result"), default=dict)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.programme_year} · {self.created_at:%Y-%m-%d %H:%M}"


class ConflictOfInterest(models.Model):
    """An agency's declaration that it must not serve a firm (e.g. it acts for a competitor)."""

    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="conflicts",
    )
    firm = models.ForeignKey(
        "marketplace.Firm", verbose_name=_("firm"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["agency", "firm"], name="conflict_declared_once")
        ]

    def __str__(self):
        return f"{self.agency} ✕ {self.firm}"
