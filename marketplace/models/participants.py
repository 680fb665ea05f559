from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.models import TracksUpdates
from marketplace import sme
from marketplace.choices import INDUSTRY_KEYWORDS, District, Industry, RevenueBand, SmeSector
from marketplace.models.fields import CreditCodeField
from marketplace.models.terms import MatchingTerms
from marketplace.validators import validate_credit_code, validate_firm_credit_code


class HighTechPark(TracksUpdates, models.Model):
    """A high-tech park; an admin-editable reference list."""

    name = models.CharField(_("name (Chinese)"), max_length=120, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    district = models.CharField(_("district"), max_length=6, choices=District.choices)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("high-tech park")
        verbose_name_plural = _("high-tech parks")
        ordering = ["district", "name"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Incubator(TracksUpdates, models.Model):
    """A provincial-level or higher incubator whose firms the programme serves."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")

    name = models.CharField(_("name"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    district = models.CharField(_("district"), max_length=6, choices=District.choices)
    park = models.ForeignKey(
        HighTechPark,
        verbose_name=_("high-tech park"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubators",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("incubator")
        verbose_name_plural = _("incubators")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="incubator_name_unique_ci"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def audit_parties(self):
        return {"incubator_id": self.pk}

    @property
    def is_programme_level(self):
        """Only national and provincial incubators qualify for the programme."""
        return self.level in {self.Level.NATIONAL, self.Level.PROVINCIAL}


class Firm(TracksUpdates, MatchingTerms):
    """A small or micro firm incubated in an incubator."""

    class Verification(models.TextChoices):
        PENDING = "pending", _("Waiting for the incubator")
        VERIFIED = "verified", _("Verified by the incubator")
        REJECTED = "rejected", _("Rejected by the incubator")

    name = models.CharField(_("name"), max_length=160)
    credit_code = CreditCodeField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_firm_credit_code],
        error_messages={"unique": _("Another firm already holds this credit code.")},
    )
    district = models.CharField(_("district"), max_length=6, choices=District.choices)
    incubator = models.ForeignKey(
        Incubator, verbose_name=_("incubator"), on_delete=models.PROTECT, related_name="firms"
    )
    admitted_on = models.DateField(_("admitted to the incubator on"))
    incubation_ends_on = models.DateField(
        _("left the incubator on"),
        null=True,
        blank=True,
        help_text=_("The last day of incubation (graduated or left); empty while incubated."),
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    headcount = models.PositiveIntegerField(_("headcount"))
    revenue_band = models.CharField(_("annual revenue"), max_length=16, choices=RevenueBand.choices)
    sme_sector = models.CharField(
        _("sector (SME standard)"),
        max_length=32,
        choices=SmeSector.choices,
        blank=True,
        help_text=_(
            "The sector of 工信部联企业〔2011〕300号 that sets the firm's size bounds; "
            "empty: the usual sector of its industry."
        ),
    )
    annual_revenue = models.DecimalField(
        _("operating revenue last year (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Exact figure; needed when the revenue band does not settle the firm's size."),
    )
    total_assets = models.DecimalField(
        _("total assets (CNY)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Needed in construction, real estate and leasing, where size counts assets."),
    )
    description = models.TextField(_("what the firm does"), blank=True)
    verification = models.CharField(
        _("verification"),
        max_length=16,
        choices=Verification.choices,
        default=Verification.PENDING,
    )
    verification_reason = models.TextField(_("reason"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    # Matching reads the words of the firm's industry and of what it does (its requests add
    # their own needs).
    matching_text_fields = ("industry", "description")

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]
        indexes = [models.Index(fields=["incubator", "verification"])]
        constraints = [
            # A rejection must say why, so the firm can put it right.
            models.CheckConstraint(
                name="firm_rejection_has_reason",
                condition=~Q(verification="rejected") | ~Q(verification_reason=""),
            ),
            # Incubation ends on or after the day it began.
            models.CheckConstraint(
                name="firm_incubation_period_ordered",
                condition=Q(incubation_ends_on__isnull=True)
                | Q(incubation_ends_on__gte=models.F("admitted_on")),
            ),
        ]

    def __str__(self):
        return self.name

    def audit_parties(self):
        return {"firm_id": self.pk, "incubator_id": self.incubator_id}

    def matching_text(self):
        return f"{INDUSTRY_KEYWORDS.get(self.industry, '')} {self.description}"

    def incubated_on(self, day):
        """Whether `day` falls within the firm's incubation (admission to its last day)."""
        return self.admitted_on <= day and (
            self.incubation_ends_on is None or day <= self.incubation_ends_on
        )

    @property
    def standard_sector(self):
        """The firm's sector under the SME standard (named, or its industry's)."""
        return sme.sector_of(self.sme_sector, self.industry)

    def size_verdict(self):
        """Small or micro under the SME standard (marketplace.sme.verdict)."""
        return sme.verdict(
            sme.SizeFacts(
                sector=self.standard_sector,
                headcount=self.headcount,
                revenue=self.annual_revenue,
                revenue_band=self.revenue_band,
                assets=self.total_assets,
            )
        )


class Agency(TracksUpdates, MatchingTerms):
    """A licensed IP service agency that delivers custody."""

    class Kind(models.TextChoices):
        PATENT_AGENCY = "patent_agency", _("Patent agency")
        TRADEMARK_AGENCY = "trademark_agency", _("Trademark agency")
        LAW_FIRM = "law_firm", _("Law firm")

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SUSPENDED = "suspended", _("Suspended")

    name = models.CharField(_("name"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    credit_code = CreditCodeField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        error_messages={"unique": _("Another agency already holds this credit code.")},
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    licence_number = models.CharField(_("licence number"), max_length=64)
    licence_valid_from = models.DateField(_("licence valid from"))
    licence_valid_until = models.DateField(_("licence valid until"))
    # The licence end the programme office was last warned about (the warning goes once).
    licence_warned_for = models.DateField(null=True, blank=True, editable=False)
    district = models.CharField(_("office district"), max_length=6, choices=District.choices)
    service_items = models.ManyToManyField(
        "marketplace.ServiceItem",
        verbose_name=_("service items offered"),
        related_name="agencies",
        blank=True,
    )
    industries = models.JSONField(
        _("industries"), default=list, blank=True, help_text=_("Industry codes served.")
    )
    districts_served = models.JSONField(
        _("districts served"), default=list, blank=True, help_text=_("District codes served.")
    )
    # Each language's pages show their own text; matching reads both.
    expertise = models.TextField(
        _("expertise (Chinese)"),
        blank=True,
        help_text=_("Technical fields and services, in plain words, in Chinese."),
    )
    expertise_en = models.TextField(
        _("expertise (English)"),
        blank=True,
        help_text=_("The same in English, for English pages."),
    )
    yearly_capacity = models.PositiveIntegerField(
        _("yearly capacity"), help_text=_("How many firms the agency can take on a year.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    status_reason = models.TextField(_("reason"), blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    matching_text_fields = ("expertise", "expertise_en")

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="agency_licence_period_ordered",
                condition=Q(licence_valid_until__gte=models.F("licence_valid_from")),
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def display_expertise(self):
        """The expertise in the page's language, else the other language's text."""
        if (get_language() or "").startswith("en"):
            return self.expertise_en or self.expertise
        return self.expertise or self.expertise_en

    @property
    def matching_expertise(self):
        """Both languages' expertise: a firm's needs may be written in either."""
        return " ".join(text for text in (self.expertise, self.expertise_en) if text)

    def matching_text(self):
        return self.matching_expertise

    def audit_parties(self):
        return {"agency_id": self.pk}

    def licence_valid_on(self, day):
        return self.licence_valid_from <= day <= self.licence_valid_until

    def get_industries_display(self):
        labels = dict(Industry.choices)
        return [labels.get(code, code) for code in self.industries]

    def get_districts_served_display(self):
        labels = dict(District.choices)
        return [labels.get(code, code) for code in self.districts_served]
