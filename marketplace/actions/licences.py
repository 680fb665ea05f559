"""Agency licences that end while the agency still holds firms' custody: the office is warned."""

import datetime

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from core.notices import named, notify
from marketplace.models import Agency, Engagement
from marketplace.selectors.people import agency_staff, officers

# How long before a licence ends the office hears of it.
LICENCE_WARNING_DAYS = 60


def agencies_warn_licence_expiring(*, today=None, within_days=LICENCE_WARNING_DAYS):
    """Warn the programme office (and the agency) once per licence end when an agency's licence
    ends within `within_days` while one of its running engagements lasts beyond it; safe to run
    twice at once. Returns how many agencies were warned."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=within_days)
    running = Engagement.objects.filter(
        agency_id__in=Agency.objects.filter(
            licence_valid_until__gte=today, licence_valid_until__lte=horizon
        ).values("pk"),
        status__in=Engagement.RUNNING,
        ends_on__gt=F("agency__licence_valid_until"),
    )
    warned = 0
    for agency_id in sorted(set(running.values_list("agency_id", flat=True))):
        with transaction.atomic():
            agency = (
                Agency.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=agency_id)
                .filter(
                    Q(licence_warned_for__isnull=True)
                    | ~Q(licence_warned_for=F("licence_valid_until"))
                )
                .first()
            )
            if agency is None:
                continue
            firms = running.filter(agency_id=agency.pk).count()
            agency.licence_warned_for = agency.licence_valid_until
            agency.save(update_fields=["licence_warned_for"])
            notify(
                officers() + agency_staff(agency.pk),
                kind="licence_expiring",
                params={
                    **named("agency", agency),
                    "agency_id": agency.pk,
                    "valid_until": agency.licence_valid_until.isoformat(),
                    "firms": firms,
                },
            )
            warned += 1
    return warned
