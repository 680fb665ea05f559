from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core import money
from core.models import TracksUpdates
from marketplace.choices import CustodyArea, RevenueBand


class ServiceItem(TracksUpdates, models.Model):
    """One priced item of the custody service catalogue."""

    class Unit(models.TextChoices):
        TIMES = "times", _("times")
        HOURS = "hours", _("hours")
        SESSIONS = "sessions", _("sessions")
        REPORTS = "reports", _("reports")
        FILINGS = "filings", _("filings")
        ASSETS = "assets", _("assets")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    area = models.CharField(_("custody area"), max_length=24, choices=CustodyArea.choices)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    unit_price = models.DecimalField(
        _("unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    is_active = models.BooleanField(_("active"), default=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["area", "code"]
        constraints = [
            models.CheckConstraint(
                name="service_item_price_not_negative", condition=Q(unit_price__gte=0)
            ),
        ]

    def __str__(self):
        return self.display_name

    def quantity_text(self, count):
        """`count` of this item's unit in words, with the plural the language needs."""
        return UNIT_QUANTITIES[self.unit] % {"count": count}

    @property
    def display_name(self):
        if (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


# A quantity of each unit, plural per language ("1 time", "3 times"; 1 次, 3 次).
UNIT_QUANTITIES = {
    ServiceItem.Unit.TIMES: ngettext_lazy("%(count)s time", "%(count)s times", "count"),
    ServiceItem.Unit.HOURS: ngettext_lazy("%(count)s hour", "%(count)s hours", "count"),
    ServiceItem.Unit.SESSIONS: ngettext_lazy("%(count)s session", "%(count)s sessions", "count"),
    ServiceItem.Unit.REPORTS: ngettext_lazy("%(count)s report", "%(count)s reports", "count"),
    ServiceItem.Unit.FILINGS: ngettext_lazy("%(count)s filing", "%(count)s filings", "count"),
    ServiceItem.Unit.ASSETS: ngettext_lazy("%(count)s asset", "%(count)s assets", "count"),
}


def default_reminder_days():
    return [90, 30, 7, 1]


def validate_reminder_days(value):
    if (
        not isinstance(value, list)
        or not value
        or any(
            not isinstance(day, int) or isinstance(day, bool) or not 0 < day <= 365 for day in value
        )
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            _("Give distinct whole numbers of days between 1 and 365, e.g. [90, 30, 7, 1].")
        )


class ProgrammeYear(TracksUpdates, models.Model):
    """One year of the programme: its budget, package, co-payment and eligibility rules."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(
        _("name (English)"),
        max_length=120,
        blank=True,
        help_text=_("Shown on English pages; left empty, they name the year by its number."),
    )
    budget = models.DecimalField(
        _("budget (CNY)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    target_firms = models.PositiveIntegerField(_("target number of firms"))
    government_share = models.DecimalField(
        _("government share"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Fraction of the package price the government pays, e.g. 0.800."),
    )
    copay_cap = models.DecimalField(
        _("co-payment cap (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Most a firm pays for one package; the government pays the rest."),
    )
    # Firms must be small or micro under the SME standard (marketplace.sme); these optional
    # caps narrow the programme further. Empty: the standard alone.
    max_headcount = models.PositiveIntegerField(
        _("maximum headcount"),
        null=True,
        blank=True,
        help_text=_("Optional cap on top of the SME standard; empty for none."),
    )
    max_revenue_band = models.CharField(
        _("maximum annual revenue"),
        max_length=16,
        choices=RevenueBand.choices,
        blank=True,
        help_text=_("Optional cap on top of the SME standard; empty for none."),
    )
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    offer_response_days = models.PositiveSmallIntegerField(
        _("offer response time (working days)"), default=3
    )
    reminder_days = models.JSONField(
        _("deadline reminders (days before)"),
        default=default_reminder_days,
        help_text=_("Days before a deadline on which its parties are reminded, e.g. 90, 30, 7, 1."),
        validators=[validate_reminder_days],
    )
    copay_due_days = models.PositiveSmallIntegerField(
        _("co-payment due within (days)"),
        null=True,
        blank=True,
        default=14,
        help_text=_(
            "Days the firm has to pay its co-payment before custody starts; an unpaid engagement "
            "is cancelled when they run out. Empty: custody starts at once and the co-payment "
            "is collected alongside."
        ),
    )
    auto_offer_next = models.BooleanField(
        _("offer the next candidate automatically"),
        default=False,
        help_text=_("On decline or expiry, offer the next-ranked agency without asking the firm."),
    )

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                name="programme_year_dates_ordered",
                condition=Q(closes_on__gte=models.F("opens_on")),
            ),
            models.CheckConstraint(
                name="programme_year_share_is_fraction",
                condition=Q(government_share__gte=0) & Q(government_share__lte=1),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the active language: English pages read `name_en`, or the year."""
        if (get_language() or "").startswith("en"):
            return self.name_en or _("Programme year %(year)d") % {"year": self.year}
        return self.name

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError(
                {"closes_on": _("The closing date must not be before the opening date.")}
            )

    def is_open_on(self, day):
        return self.opens_on <= day <= self.closes_on

    @property
    def is_open(self):
        return self.is_open_on(timezone.localdate())

    def package_price(self):
        """List price of the standard package, from its standard items."""
        return sum(
            (
                item.quota * item.service_item.unit_price
                for item in self.package_items.all()
                if item.is_standard
            ),
            Decimal("0.00"),
        )

    def split_price(self, price):
        """Split a package price into (government amount, firm co-payment)."""
        return money.split(price, share=self.government_share, copay_cap=self.copay_cap)


class PackageItem(models.Model):
    """A service item of a programme year's package, with its quota."""

    programme_year = models.ForeignKey(
        ProgrammeYear,
        verbose_name=_("programme year"),
        on_delete=models.CASCADE,
        related_name="package_items",
    )
    service_item = models.ForeignKey(
        ServiceItem, verbose_name=_("service item"), on_delete=models.PROTECT, related_name="+"
    )
    quota = models.PositiveIntegerField(_("quota"), validators=[MinValueValidator(1)])
    is_standard = models.BooleanField(
        _("in the standard package"),
        default=True,
        help_text=_("Standard items are pre-selected; others are optional extras."),
    )

    class Meta:
        verbose_name = _("package item")
        verbose_name_plural = _("package items")
        ordering = ["programme_year", "service_item__area", "service_item__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme_year", "service_item"], name="package_item_once_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.service_item} × {self.quota}"
