import datetime

from django.shortcuts import render
from django.utils import timezone

from frontend.views.access import role_required, timeline
from marketplace import selectors
from marketplace.models import Agency
from marketplace.selectors import LICENCE_WARNING_DAYS
from marketplace.selectors.prices import package_summary
from reporting import action_centre

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


def _tiles_context(user):
    return {
        "figures": selectors.programme_figures(),
        "firm_counts": selectors.firm_counts_by_verification(user),
        "agency_counts": selectors.agency_counts_by_status(user),
    }


def office_review_panel(request, changed=None):
    """The agency review cards, re-rendered after a decision made through htmx, with the
    tiles and the action centre that count them (swapped out of band)."""
    user = request.user
    return render(
        request,
        "frontend/office/_review_panel.html",
        {
            **_review_context(user),
            **_tiles_context(user),
            "action_items": action_centre.officer_actions(user),
            "htmx_partial": True,
        },
    )


def _progress_step(done, target):
    """Progress in steps of 5 %, 0 to 20: the bar's width is a CSS class, not an inline style."""
    if not target:
        return 0
    return min(20, round(done * 20 / target))


@role_required("programme_officer")
def office_home(request):
    user = request.user
    tiles = _tiles_context(user)
    year = selectors.programme_year_open()
    package = package_summary(year)
    # The programme's one progress figure: covered firms against the target.
    progress = selectors.coverage_progress(year) if year is not None else None
    return render(
        request,
        "frontend/office/home.html",
        {
            **tiles,
            "firm_total": sum(tiles["firm_counts"].values()),
            "agency_total": sum(tiles["agency_counts"].values()),
            "package": package,
            "progress": progress,
            "progress_step": _progress_step(progress.covered, progress.target) if progress else 0,
            "action_items": action_centre.officer_actions(user),
            "events": timeline(request, selectors.audit_events_visible_to(user)),
            **_review_context(user),
        },
    )
