"""The monthly summary e-mail: each incubator manager gets their dashboard's headline
figures, the programme office the city's. Sent by the Celery beat job on the 1st."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.actions.outbox import email_enqueue, email_queued
from marketplace import selectors
from marketplace.models import User
from reporting import dashboards
from reporting.filters import Filters


def _recipients():
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(role__in=[User.Role.INCUBATOR_MANAGER, User.Role.PROGRAMME_OFFICER])
        .select_related("incubator")
        .order_by("pk")
    )


def summary_for(user, year, today):
    """(subject, text) of one person's summary, in the active language; None if nothing to say."""
    filters = Filters(year=year)
    base = settings.SITE_URL.rstrip("/") if getattr(settings, "SITE_URL", "") else ""
    if user.is_incubator_manager:
        figures = dashboards.incubator_dashboard(user, filters, today=today)
        context = {
            "user": user,
            "year": year,
            "incubator": user.incubator,
            "total": figures["coverage"]["total"],
            "deadlines": figures["deadlines"],
            "slipping": sum(1 for row in figures["delivery"] if row["slipping"]),
            "satisfaction": figures["satisfaction"],
            "url": base + reverse("frontend:dashboard-incubator"),
        }
        subject = _("%(incubator)s: IP custody in %(month)s") % {
            "incubator": user.incubator.display_name,
            "month": today.strftime("%Y-%m"),
        }
        return subject, render_to_string("marketplace/email/monthly_incubator.txt", context)
    if user.is_programme_officer:
        incubators = list(selectors.incubators_visible_to(user))
        figures = dashboards.programme_dashboard(user, filters, incubators=incubators, today=today)
        cards = figures["scorecards"]
        context = {
            "user": user,
            "year": year,
            "total": figures["coverage"]["total"],
            "target": figures["target"],
            "budget": figures["budget"],
            "top": [card for card in cards if card["score"] is not None][:3],
            "url": base + reverse("frontend:dashboard-programme"),
        }
        subject = _("IP custody programme in %(month)s") % {"month": today.strftime("%Y-%m")}
        return subject, render_to_string("marketplace/email/monthly_programme.txt", context)
    return None


def send_monthly_summaries(*, today=None):
    """Queue every manager's and officer's summary in the outbox; returns how many were queued.

    One per person and month (the outbox key): a rerun of the job queues none twice.
    """
    today = today or timezone.localdate()
    year = selectors.default_year(selectors.programme_years(), today)
    if year is None:
        return 0
    queued = 0
    for user in _recipients():
        key = f"monthly-summary:{user.pk}:{today:%Y-%m}"
        if email_queued(key):
            continue
        with translation.override(user.preferred_language):
            summary = summary_for(user, year, today)
        if summary is None:
            continue
        subject, text = summary
        queued += (
            email_enqueue(recipients=[user.email], subject=subject, body=text, key=key) is not None
        )
    return queued
