"""The programme: its years, their package and the service catalogue, and its progress
against the target."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core.exports import half_up
from marketplace.models import (
    Agency,
    Engagement,
    Firm,
    Incubator,
    ProgrammeYear,
    ServiceItem,
)
from marketplace.selectors.participants import is_anonymous


def service_items_visible_to(user):
    qs = ServiceItem.objects.all()
    if is_anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    return qs.filter(is_active=True)


def programme_years_visible_to(user):
    if is_anonymous(user):
        return ProgrammeYear.objects.none()
    return ProgrammeYear.objects.prefetch_related("package_items__service_item")


# --- Public reference data and figures (portal pages) --------------------------


def programme_figures():
    """Headline counts for the public home page; they name no participant."""
    return {
        "incubators": Incubator.objects.filter(
            level__in=[Incubator.Level.NATIONAL, Incubator.Level.PROVINCIAL]
        ).count(),
        "verified_firms": Firm.objects.filter(verification=Firm.Verification.VERIFIED).count(),
        "approved_agencies": Agency.objects.filter(status=Agency.Status.APPROVED).count(),
    }


def programme_year_open(today=None):
    """The programme year taking applications on `today`, with its package; None between years."""
    today = today or timezone.localdate()
    return (
        ProgrammeYear.objects.filter(opens_on__lte=today, closes_on__gte=today)
        .prefetch_related("package_items__service_item")
        .order_by("-year")
        .first()
    )


def service_items_offered():
    """The active catalogue, public so that agencies can pick their items when they apply."""
    return ServiceItem.objects.filter(is_active=True).order_by("area", "code")


def programme_years():
    """Every programme year, newest first (one query; the filter form's choices)."""
    return list(ProgrammeYear.objects.order_by("-year"))


def default_year(years, today=None):
    """The year open today, else the latest that has opened, else the newest."""
    today = today or timezone.localdate()
    for year in years:
        if year.opens_on <= today <= year.closes_on:
            return year
    started = [year for year in years if year.opens_on <= today]
    return started[0] if started else (years[0] if years else None)


# --- Progress against the target (one definition, read by every page, export and API) --

# Engagements that cover a firm: a transferred one is followed by its successor.
COVERING = (
    Engagement.Status.ACTIVE,
    Engagement.Status.COMPLETED,
    Engagement.Status.TRANSFERRED,
)


def covered_q(year):
    """Firms covered by the end of `year`: cumulatively, in this or an earlier programme year
    (the programme counts firms ever taken into custody against its target)."""
    return Q(
        pk__in=Engagement.objects.filter(
            programme_year__year__lte=year.year, status__in=COVERING
        ).values("firm_id")
    )


def percent(part, whole, places=1):
    """part / whole in per cent, rounded half up to `places` decimals (None without a whole)."""
    if not whole:
        return None
    return half_up(Decimal(part) * 100 / Decimal(whole), places)


@dataclass(frozen=True)
class CoverageProgress:
    covered: int
    target: int
    percent: Decimal | None


def coverage_progress(year, firms=None):
    """Firms covered by `year` (of `firms`, else all: a public count naming nobody) against
    its target, with the share in per cent rounded half up."""
    firms = Firm.objects.all() if firms is None else firms
    covered = firms.filter(covered_q(year)).count()
    return CoverageProgress(
        covered=covered, target=year.target_firms, percent=percent(covered, year.target_firms)
    )
