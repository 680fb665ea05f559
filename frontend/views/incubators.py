from django.shortcuts import render

from frontend.filter_forms import FirmFilterForm, IncubatorFilterForm
from frontend.views.access import paginate, role_required
from marketplace import selectors


def _review_context(user, changed=None):
    return {"pending_firms": selectors.firms_pending_for_manager(user), "changed": changed}


def incubator_review_panel(request, changed=None):
    """The pending sign-ups card, re-rendered after a decision made through htmx."""
    return render(
        request,
        "frontend/incubator/_review_panel.html",
        {**_review_context(request.user, changed), "htmx_partial": True},
    )


@role_required("incubator_manager")
def incubator_home(request):
    user = request.user
    incubator = selectors.incubator_get_for_user(user=user, incubator_id=user.incubator_id)
    filters = FirmFilterForm(request.GET or None, user=user)
    firms = filters.filter(selectors.firms_visible_to(user))
    return render(
        request,
        "frontend/incubator/home.html",
        {
            "incubator": incubator,
            "counts": selectors.firm_counts_by_verification(user),
            "filters": filters,
            "page": paginate(request, firms),
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
