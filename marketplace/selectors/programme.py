"""The programme: its years, their package and the service catalogue."""

from django.utils import timezone

from marketplace.models import (
    Agency,
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
