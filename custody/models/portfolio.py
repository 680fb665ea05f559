from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custody import deadlines, numbers


class IPAsset(models.Model):
    """One patent, trademark or software copyright in a firm's portfolio.

    The kinds share one table because deadlines, import and the portfolio list
    treat them alike; the fields a kind does not use stay empty, and check
    constraints keep each kind's required dates present.
    """

    class Kind(models.TextChoices):
        PATENT = deadlines.PATENT, _("Patent")
        TRADEMARK = deadlines.TRADEMARK, _("Trademark")
        SOFTWARE_COPYRIGHT = deadlines.SOFTWARE_COPYRIGHT, _("Software copyright")

    class PatentType(models.TextChoices):
        INVENTION = numbers.INVENTION, _("Invention")
        UTILITY_MODEL = numbers.UTILITY_MODEL, _("Utility model")
        DESIGN = numbers.DESIGN, _("Design")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_FORCE = "in_force", _("In force")
        LAPSED = "lapsed", _("Lapsed")
        EXPIRED = "expired", _("Expired")

    firm = models.ForeignKey(
        "marketplace.Firm",
        verbose_name=_("firm"),
        on_delete=models.CASCADE,
        related_name="ip_assets",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    number = models.CharField(
        _("number"),
        max_length=32,
        help_text=_("Stored in its normal form, e.g. 200910005164.2 or 2023SR0123456."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    patent_type = models.CharField(
        _("patent type"), max_length=16, choices=PatentType.choices, blank=True
    )
    pct = models.BooleanField(_("PCT national phase"), default=False)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant date"), null=True, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    nice_classes = models.JSONField(_("Nice classes"), default=list, blank=True)
    joint_owners = models.BooleanField(
        _("joint owners"),
        default=False,
        help_text=_("Owned with others: the official fee reduction is then 70%, not 85%."),
    )
    expiry_override = models.DateField(
        _("adjusted expiry"),
        null=True,
        blank=True,
        help_text=_("Replaces the computed expiry, e.g. after term compensation or renewal."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        ordering = ["kind", "number"]
        constraints = [
            # Normal forms differ by kind, so one number names one asset of a firm.
            models.UniqueConstraint(fields=["firm", "number"], name="custody_asset_unique_number"),
            # Patent deadlines all count from the filing date and depend on the type.
            models.CheckConstraint(
                condition=~Q(kind="patent") | (Q(filing_date__isnull=False) & ~Q(patent_type="")),
                name="custody_patent_has_filing_date_and_type",
            ),
            # A trademark's term and renewal count from its registration date.
            models.CheckConstraint(
                condition=~Q(kind="trademark") | Q(registration_date__isnull=False),
                name="custody_trademark_has_registration_date",
            ),
            # A patent cannot be granted before it was filed.
            models.CheckConstraint(
                condition=Q(grant_date__isnull=True)
                | Q(filing_date__isnull=True)
                | Q(grant_date__gte=models.F("filing_date")),
                name="custody_grant_not_before_filing",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def clean(self):
        errors = {}
        if self.kind == self.Kind.PATENT:
            try:
                parsed = numbers.parse_patent_number(self.number)
            except numbers.NumberError as error:
                errors["number"] = error.message
            else:
                self.number = str(parsed)
                self.patent_type = parsed.patent_type
                self.pct = parsed.pct
            if self.filing_date is None:
                errors["filing_date"] = _("A patent needs its filing date.")
            if self.status == self.Status.IN_FORCE and self.grant_date is None:
                errors["grant_date"] = _("A patent in force needs its grant date.")
            if self.grant_date and self.filing_date and self.grant_date < self.filing_date:
                errors["grant_date"] = _("The grant date cannot be before the filing date.")
        elif self.kind == self.Kind.TRADEMARK:
            try:
                self.number = numbers.normalise_trademark_number(self.number)
            except numbers.NumberError as error:
                errors["number"] = error.message
            try:
                self.nice_classes = numbers.parse_nice_classes(self.nice_classes)
            except numbers.NumberError as error:
                errors["nice_classes"] = error.message
            if self.registration_date is None:
                errors["registration_date"] = _("A trademark needs its registration date.")
        elif self.kind == self.Kind.SOFTWARE_COPYRIGHT:
            try:
                self.number = numbers.normalise_software_number(self.number)
            except numbers.NumberError as error:
                errors["number"] = error.message
        if errors:
            raise ValidationError(errors)

    def facts(self):
        """The plain facts the deadline rules work on."""
        return deadlines.AssetFacts(
            ref=self.pk,
            kind=self.kind,
            in_force=self.status == self.Status.IN_FORCE,
            patent_type=self.patent_type,
            filing_date=self.filing_date,
            grant_date=self.grant_date,
            registration_date=self.registration_date,
            expiry_override=self.expiry_override,
        )

    @property
    def expires_on(self):
        if self.kind == self.Kind.PATENT and self.filing_date and self.patent_type:
            return deadlines.patent_expiry(self.patent_type, self.filing_date, self.expiry_override)
        if self.kind == self.Kind.TRADEMARK and self.registration_date:
            if self.status == self.Status.IN_FORCE:
                # A mark in force was renewed: its current term, not the first one.
                return deadlines.current_trademark_term_end(
                    self.registration_date, timezone.localdate(), override=self.expiry_override
                )
            return deadlines.trademark_expiry(self.registration_date, self.expiry_override)
        return None


class Deadline(models.Model):
    """One deadline of an asset, derived by custody.deadlines; refreshed, never typed in."""

    class Kind(models.TextChoices):
        ANNUAL_FEE = deadlines.ANNUAL_FEE, _("Patent annual fee")
        PATENT_EXPIRY = deadlines.PATENT_EXPIRY, _("Patent expiry")
        TRADEMARK_RENEWAL = deadlines.TRADEMARK_RENEWAL, _("Trademark renewal")

    asset = models.ForeignKey(
        IPAsset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="deadlines"
    )
    # Copied from the asset so that scoping and audit parties are a plain filter.
    firm = models.ForeignKey(
        "marketplace.Firm", verbose_name=_("firm"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    fee_year = models.PositiveSmallIntegerField(_("fee year"), null=True, blank=True)
    original_due_on = models.DateField(_("nominal due date"))
    due_on = models.DateField(_("due on"), db_index=True)
    opens_on = models.DateField(_("window opens on"), null=True, blank=True)
    grace_ends_on = models.DateField(_("grace ends on"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("The holiday calendar for this date is not declared yet."),
    )
    surcharges = models.JSONField(_("surcharge by month"), default=list, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_note = models.TextField(_("what was done"), blank=True)
    # Set by the daily job once the last day (grace included) passed with the deadline open.
    missed_at = models.DateTimeField(_("missed at"), null=True, blank=True)
    # The agency holding the firm's custody when the deadline was done or missed: the
    # track record matching reads counts missed deadlines against it.
    responsible_agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("responsible agency"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="custody_deadlines",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["firm", "due_on"]),
            models.Index(fields=["responsible_agency", "missed_at"]),
        ]
        constraints = [
            # A refresh updates the deadline for the same nominal date instead of adding one.
            models.UniqueConstraint(
                fields=["asset", "kind", "original_due_on"], name="custody_deadline_unique"
            ),
            # Holidays only ever push a deadline later.
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("original_due_on")),
                name="custody_deadline_not_before_nominal",
            ),
            # The grace follows the deadline, never precedes it.
            models.CheckConstraint(
                condition=Q(grace_ends_on__isnull=True) | Q(grace_ends_on__gt=models.F("due_on")),
                name="custody_grace_after_due",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.asset.number} {self.due_on:%Y-%m-%d}"

    @property
    def is_task(self):
        """An act to do by a date (a fee, a renewal); an expiry only informs."""
        return deadlines.is_task(self.kind)

    @classmethod
    def fields_from_spec(cls, spec):
        return {
            "fee_year": spec.fee_year,
            "due_on": spec.due_on,
            "opens_on": spec.opens_on,
            "grace_ends_on": spec.grace_ends_on,
            "provisional": spec.provisional,
            "surcharges": [
                {"month": step.month, "until": step.until.isoformat(), "percent": step.percent}
                for step in spec.surcharges
            ],
        }


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class DeadlineReminder(models.Model):
    """One reminder of a deadline, sent once to its parties at a programme's day mark."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="reminders"
    )
    days_before = models.PositiveSmallIntegerField(_("days before"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        ordering = ["-sent_at"]
        constraints = [
            # Two beat workers running at once still send each reminder once.
            models.UniqueConstraint(
                fields=["deadline", "days_before"], name="custody_reminder_sent_once"
            ),
        ]

    def __str__(self):
        return f"{self.deadline} −{self.days_before}"


class CalendarFeed(models.Model):
    """A user's secret iCal address; revoking it issues a new token."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)


class ServiceRecord(models.Model):
    """One delivery of a package item by the agency, which the firm confirms or disputes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the firm")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    # Every move a record can make (None: logged); custody.actions.services owns them.
    # Training attendance is recorded confirmed: the attendance list is the evidence.
    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (None, Status.CONFIRMED),
            (Status.PENDING, Status.CONFIRMED),
            (Status.PENDING, Status.DISPUTED),
            (Status.DISPUTED, Status.PENDING),
        }
    )

    class Source(models.TextChoices):
        AGENCY = "agency", _("Logged by the agency")
        TRAINING = "training", _("Training attendance")

    engagement = models.ForeignKey(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    item = models.ForeignKey(
        "marketplace.EngagementItem",
        verbose_name=_("package item"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    delivered_on = models.DateField(_("delivered on"))
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.AGENCY
    )
    # What produced an automatic record (e.g. "attendance:42"), so it is produced once.
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed or disputed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed or disputed at"), null=True, blank=True)
    dispute_reason = models.TextField(_("reason for the dispute"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-delivered_on", "-id"]
        indexes = [
            models.Index(fields=["engagement", "status"]),
            # Covering indexes for the dashboards: quantity per item by status (delivery
            # against quota) and per engagement by status and day (the monthly trend).
            models.Index(fields=["item", "status", "quantity"], name="custody_ser_item_status_qty"),
            models.Index(
                fields=["engagement", "status", "delivered_on", "quantity"],
                name="custody_ser_eng_status_day_qty",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="custody_service_quantity_positive"
            ),
            # One attendance makes one record, however often the hook runs.
            models.UniqueConstraint(
                fields=["source_ref"],
                condition=~Q(source_ref=""),
                name="custody_service_source_once",
            ),
            # A dispute always says why.
            models.CheckConstraint(
                condition=~Q(status="disputed") | ~Q(dispute_reason=""),
                name="custody_dispute_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.item} ×{self.quantity} {self.delivered_on:%Y-%m-%d}"


class EvidenceFile(models.Model):
    """A file proving work, attached to a service record or to a deadline marked done.

    Stored in the private storage and served only through a view that checks the
    reader is a party of the engagement.
    """

    file = models.FileField(_("file"), storage=private_storage, upload_to="evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    service_record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    deadline = models.ForeignKey(
        Deadline,
        verbose_name=_("deadline"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]
        constraints = [
            # Evidence belongs to exactly one thing it proves.
            models.CheckConstraint(
                condition=(Q(service_record__isnull=False) & Q(deadline__isnull=True))
                | (Q(service_record__isnull=True) & Q(deadline__isnull=False)),
                name="custody_evidence_has_one_owner",
            ),
        ]

    def __str__(self):
        return self.name


class Settlement(models.Model):
    """The close of an engagement: the firm rates, the incubator confirms, the office approves.

    The amount is the government share of what was delivered; the rest of the
    reservation returns to the programme budget on approval.
    """

    class Status(models.TextChoices):
        RATED = "rated", _("Rated by the firm")
        CONFIRMED = "confirmed", _("Confirmed by the incubator")
        APPROVED = "approved", _("Approved by the programme office")

    # Every move a settlement can make (None: rated by the firm); custody.actions.settlements
    # owns them.
    TRANSITIONS = frozenset(
        {
            (None, Status.RATED),
            (Status.RATED, Status.CONFIRMED),
            (Status.CONFIRMED, Status.APPROVED),
        }
    )

    engagement = models.OneToOneField(
        "marketplace.Engagement",
        verbose_name=_("engagement"),
        on_delete=models.PROTECT,
        related_name="settlement",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.RATED
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("rated at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Fixed on approval: the government amount paid and the reservation released.
    amount = models.DecimalField(
        _("settled amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    released = models.DecimalField(
        _("returned to the budget (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    lines = models.JSONField(_("settlement lines"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-rated_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="custody_rating_1_to_5"
            ),
            # An approved settlement carries its amounts.
            models.CheckConstraint(
                condition=~Q(status="approved")
                | (Q(amount__isnull=False) & Q(released__isnull=False)),
                name="custody_approved_has_amounts",
            ),
        ]

    def __str__(self):
        return str(self.engagement)
