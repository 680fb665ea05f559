from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["firm", "due_on"])]
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
