import datetime

from django.shortcuts import render
from django.utils import timezone

from frontend.labels import LICENCE_WARNING_DAYS
from frontend.views.access import role_required
from marketplace import selectors
from marketplace.models import Agency
from marketplace.selectors.prices import package_summary

# The office home lists the approved agencies whose licences end soonest.
APPROVED_SHOWN = 8


def _review_context(user):
    today = timezone.localdate()
    approved = (
        selectors.agencies_visible_to(user)
        .filter(status=Agency.Status.APPROVED)
        .order_by("licence_valid_until", "name")[:APPROVED_SHOWN]
    )
    return {
        "pending_agencies": selectors.agencies_pending_approval(user),
        "approved_agencies": approved,
        "today": today,
        "licence_warning_from": today + datetime.timedelta(days=LICENCE_WARNING_DAYS),
    }


def office_review_panel(request, changed=None):
    """The agency review cards, re-rendered after a decision made through htmx."""
    return render(
        request,
        "frontend/office/_review_panel.html",
        {**_review_context(request.user), "htmx_partial": True},
    )


def _progress_step(done, target):
    """Progress in steps of 5 %, 0 to 20: the bar's width is a CSS class, not an inline style."""
    if not target:
        return 0
    return min(20, round(done * 20 / target))


@role_required("programme_officer")
def office_home(request):
    user = request.user
    firm_counts = selectors.firm_counts_by_verification(user)
    agency_counts = selectors.agency_counts_by_status(user)
    package = package_summary(selectors.programme_year_open())
    return render(
        request,
        "frontend/office/home.html",
        {
            "figures": selectors.programme_figures(),
            "firm_counts": firm_counts,
            "firm_total": sum(firm_counts.values()),
            "agency_counts": agency_counts,
            "agency_total": sum(agency_counts.values()),
            "package": package,
            "progress_step": _progress_step(
                firm_counts["verified"], package["year"].target_firms if package else 0
            ),
            **_review_context(user),
        },
    )
