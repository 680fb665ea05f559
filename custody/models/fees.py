"""The official fee table the programme office keeps: CNIPA's annual fees and trademark renewals,
and the fee reductions, each with the dates it is in force and the document it comes from.

Seeded by migration 0008 from the published schedule; the office edits it in the admin when
CNIPA publishes a new one (a new row from its effective date, the old one ended the day before),
so fees already due keep the rate of their day. `custody.fees` prices deadlines from it.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.formatting import money
from custody import deadlines, fees, numbers


class OfficialFee(models.Model):
    """One rate: a patent type's annual fee for years first–last, or a renewal per Nice class."""

    class Kind(models.TextChoices):
        ANNUAL_FEE = deadlines.ANNUAL_FEE, _("Patent annual fee")
        TRADEMARK_RENEWAL = deadlines.TRADEMARK_RENEWAL, _("Trademark renewal")

    class PatentType(models.TextChoices):
        INVENTION = numbers.INVENTION, _("Invention")
        UTILITY_MODEL = numbers.UTILITY_MODEL, _("Utility model")
        DESIGN = numbers.DESIGN, _("Design")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    patent_type = models.CharField(
        _("patent type"),
        max_length=16,
        choices=PatentType.choices,
        blank=True,
        help_text=_("Annual fees only; empty for trademark renewals."),
    )
    first_year = models.PositiveSmallIntegerField(
        _("from patent year"), default=1, validators=[MinValueValidator(1)]
    )
    last_year = models.PositiveSmallIntegerField(
        _("to patent year"), default=1, validators=[MinValueValidator(1)]
    )
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A year's annual fee, or a renewal's fee per Nice class."),
    )
    filed_from = models.DateField(
        _("for rights filed from"),
        null=True,
        blank=True,
        help_text=_(
            "Only rights filed on or after this date pay this rate (e.g. design years 11–15)."
        ),
    )
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("official fee")
        verbose_name_plural = _("official fees")
        ordering = ["kind", "patent_type", "first_year", "-effective_from"]
        constraints = [
            # A rate covers a run of patent years, never a reversed one.
            models.CheckConstraint(
                condition=Q(last_year__gte=models.F("first_year")), name="custody_fee_years_order"
            ),
            # Annual fees are per patent type; a trademark renewal has none.
            models.CheckConstraint(
                condition=(Q(kind=deadlines.ANNUAL_FEE) & ~Q(patent_type=""))
                | (Q(kind=deadlines.TRADEMARK_RENEWAL) & Q(patent_type="")),
                name="custody_fee_patent_type_by_kind",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="custody_fee_period_order",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.TRADEMARK_RENEWAL:
            return f"{self.get_kind_display()} {money(self.amount)}"
        return (
            f"{self.get_patent_type_display()} {self.first_year}–{self.last_year} "
            f"{money(self.amount)}"
        )

    def clean(self):
        errors = {}
        if self.kind == self.Kind.ANNUAL_FEE and not self.patent_type:
            errors["patent_type"] = _("An annual fee needs its patent type.")
        if self.kind == self.Kind.TRADEMARK_RENEWAL and self.patent_type:
            errors["patent_type"] = _("A trademark renewal has no patent type.")
        if self.first_year and self.last_year and self.last_year < self.first_year:
            errors["last_year"] = _("The last year cannot come before the first.")
        if (
            self.effective_from
            and self.effective_until
            and self.effective_until < self.effective_from
        ):
            errors["effective_until"] = _("The end cannot come before the start.")
        if not errors and self._overlapping().exists():
            errors["effective_from"] = _(
                "Another rate covers some of these years in the same period; end it first."
            )
        if errors:
            raise ValidationError(errors)

    def _overlapping(self):
        """Rates that would price the same fee on the same day as this one."""
        qs = OfficialFee.objects.filter(
            kind=self.kind,
            patent_type=self.patent_type,
            filed_from=self.filed_from,
            first_year__lte=self.last_year,
            last_year__gte=self.first_year,
        ).exclude(pk=self.pk)
        qs = qs.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=self.effective_from)
        )
        if self.effective_until is not None:
            qs = qs.filter(effective_from__lte=self.effective_until)
        return qs

    def rate(self):
        return fees.FeeRate(
            kind=self.kind,
            patent_type=self.patent_type,
            first_year=self.first_year,
            last_year=self.last_year,
            amount=self.amount,
            effective_from=self.effective_from,
            effective_until=self.effective_until,
            filed_from=self.filed_from,
        )


class FeeReduction(models.Model):
    """The share of the annual fees a reduction takes off, for owners alone or jointly."""

    class Owners(models.TextChoices):
        SINGLE = fees.REDUCTION_SINGLE, _("One eligible owner")
        JOINT = fees.REDUCTION_JOINT, _("Joint owners, all eligible")

    owners = models.CharField(_("owners"), max_length=8, choices=Owners.choices)
    percent = models.DecimalField(
        _("reduction (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    years = models.PositiveSmallIntegerField(
        _("years covered"),
        validators=[MinValueValidator(1)],
        help_text=_("Annual fees of this many patent years, from the year of the grant."),
    )
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("official fee reduction")
        verbose_name_plural = _("official fee reductions")
        ordering = ["owners", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100),
                name="custody_fee_reduction_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="custody_fee_reduction_period_order",
            ),
        ]

    def __str__(self):
        return f"{self.get_owners_display()} {self.percent} %"

    def clean(self):
        if (
            self.effective_from
            and self.effective_until
            and self.effective_until < self.effective_from
        ):
            raise ValidationError({"effective_until": _("The end cannot come before the start.")})
        overlapping = FeeReduction.objects.filter(owners=self.owners).exclude(pk=self.pk)
        overlapping = overlapping.filter(
            Q(effective_until__isnull=True) | Q(effective_until__gte=self.effective_from)
        )
        if self.effective_until is not None:
            overlapping = overlapping.filter(effective_from__lte=self.effective_until)
        if self.effective_from and overlapping.exists():
            raise ValidationError(
                {
                    "effective_from": _(
                        "Another reduction for these owners is in force then; end it first."
                    )
                }
            )

    def reduction(self):
        return fees.Reduction(
            owners=self.owners,
            percent=self.percent,
            years=self.years,
            effective_from=self.effective_from,
            effective_until=self.effective_until,
        )
