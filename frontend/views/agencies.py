import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.filter_forms import AgencyFilterForm
from frontend.forms import ReasonForm
from frontend.views.access import decide, paginate, role_required, timeline
from frontend.views.office import office_review_panel
from marketplace import actions, selectors
from marketplace.choices import CustodyArea
from marketplace.selectors import LICENCE_WARNING_DAYS
from reporting import action_centre


def _by_area(items):
    labels = dict(CustodyArea.choices)
    groups = {}
    for item in items:
        groups.setdefault(item.area, []).append(item)
    return [(labels[area], groups[area]) for area in CustodyArea.values if area in groups]


def _agency_context(request, agency):
    user = request.user
    today = timezone.localdate()
    return {
        "agency": agency,
        "service_groups": _by_area(agency.service_items.all()),
        "staff": selectors.users_visible_to(user).filter(agency=agency).order_by("date_joined"),
        "events": timeline(request, selectors.audit_events_visible_to(user).filter(agency=agency)),
        "licence_expired": agency.licence_valid_until < today,
        "licence_expiring": today
        <= agency.licence_valid_until
        < today + datetime.timedelta(days=LICENCE_WARNING_DAYS),
        "licence_days_left": (agency.licence_valid_until - today).days,
    }


@role_required("agency_staff")
def agency_home(request):
    agency = selectors.agency_get_for_user(user=request.user, agency_id=request.user.agency_id)
    context = _agency_context(request, agency)
    context["action_items"] = action_centre.agency_actions(request.user)
    return render(request, "frontend/agency/home.html", context)


@role_required("programme_officer", "incubator_manager", "firm_member")
def agency_list(request):
    filters = AgencyFilterForm(request.GET or None, user=request.user)
    agencies = filters.filter(selectors.agencies_visible_to(request.user))
    return render(
        request,
        "frontend/agency/list.html",
        {"filters": filters, "page": paginate(request, agencies)},
    )


@login_required
def agency_detail(request, agency_id):
    agency = selectors.agency_get_for_user(user=request.user, agency_id=agency_id)
    context = _agency_context(request, agency)
    context["can_decide"] = request.user.is_programme_officer
    return render(request, "frontend/agency/detail.html", context)


_PANELS = {"agency-review": office_review_panel}


@require_POST
@role_required("programme_officer")
def agency_approve(request, agency_id):
    agency = selectors.agency_get_for_user(user=request.user, agency_id=agency_id)
    return decide(
        request,
        run=lambda: actions.agency_approve(agency=agency, by=request.user),
        success=_("%(name)s is approved and can now receive offers.") % {"name": agency},
        panels=_PANELS,
    )


@require_POST
@role_required("programme_officer")
def agency_reject(request, agency_id):
    agency = selectors.agency_get_for_user(user=request.user, agency_id=agency_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.agency_reject(
            agency=agency, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("%(name)s is rejected; the agency sees your reason.") % {"name": agency},
        panels=_PANELS,
    )


@require_POST
@role_required("programme_officer")
def agency_suspend(request, agency_id):
    agency = selectors.agency_get_for_user(user=request.user, agency_id=agency_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.agency_suspend(
            agency=agency, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("%(name)s is suspended and out of matching from now.") % {"name": agency},
        panels=_PANELS,
    )
