from django.shortcuts import render

from frontend.filter_forms import IncubatorFilterForm
from frontend.views import firm_lists
from frontend.views.access import paginate, role_required, timeline
from marketplace import selectors
from reporting import action_centre


def _review_context(user, changed=None):
    return {"pending_firms": selectors.firms_pending_for_manager(user), "changed": changed}


def incubator_review_panel(request, changed=None):
    """The pending sign-ups card, re-rendered after a decision made through htmx, with the
    tiles and the action centre that count it (swapped out of band)."""
    user = request.user
    return render(
        request,
        "frontend/incubator/_review_panel.html",
        {
            **_review_context(user, changed),
            "counts": selectors.firm_counts_by_verification(user),
            "action_items": action_centre.manager_actions(user),
            "htmx_partial": True,
        },
    )


@role_required("incubator_manager")
def incubator_home(request):
    user = request.user
    incubator = selectors.incubator_get_for_user(user=user, incubator_id=user.incubator_id)
    filters, firms, year = firm_lists.filtered_firms(request)
    return render(
        request,
        "frontend/incubator/home.html",
        {
            "incubator": incubator,
            "counts": selectors.firm_counts_by_verification(user),
            "filters": filters,
            "page": firm_lists.firm_page(request, firms, year),
            "year": year,
            "action_items": action_centre.manager_actions(user),
            "events": timeline(
                request, selectors.audit_events_visible_to(user).filter(incubator=incubator)
            ),
            **_review_context(user),
        },
    )


@role_required("programme_officer")
def incubator_list(request):
    filters = IncubatorFilterForm(request.GET or None)
    incubators = filters.filter(selectors.incubators_with_firm_counts(request.user))
    return render(
        request,
        "frontend/incubator/list.html",
        {"filters": filters, "page": paginate(request, incubators)},
    )
