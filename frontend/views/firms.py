from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from custody.payments import selectors as payment_selectors
from custody.payments.models import CoPayment
from frontend.filter_forms import FirmFilterForm
from frontend.forms import ReasonForm
from frontend.views.access import decide, paginate, role_required
from frontend.views.incubators import incubator_review_panel
from marketplace import actions, selectors
from marketplace.models import CustodyRequest
from marketplace.selectors.prices import package_summary

TIMELINE_LENGTH = 30


def _firm_context(user, firm):
    return {
        "firm": firm,
        "members": selectors.users_visible_to(user).filter(firm=firm).order_by("date_joined"),
        "events": selectors.audit_events_visible_to(user).filter(firm=firm)[:TIMELINE_LENGTH],
    }


@role_required("firm_member")
def firm_home(request):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=request.user.firm_id)
    context = _firm_context(request.user, firm)
    year = selectors.programme_year_open()
    context["package"] = package_summary(year)
    # The firm's latest request; a new one can be made when none is live in the open year.
    context["custody_request"] = (
        selectors.custody_requests_visible_to(request.user).order_by("-submitted_at").first()
    )
    context["can_apply"] = year is not None and not (
        context["custody_request"]
        and context["custody_request"].programme_year_id == year.pk
        and context["custody_request"].status != CustodyRequest.Status.WITHDRAWN
    )
    # What needs the firm now, first: a co-payment that custody waits for.
    context["copayments_due"] = (
        payment_selectors.copayments_visible_to(request.user)
        .filter(status=CoPayment.Status.DUE)
        .select_related("engagement__agency")
        .order_by("due_by")
    )
    return render(request, "frontend/firm/home.html", context)


@role_required("programme_officer", "incubator_manager")
def firm_list(request):
    filters = FirmFilterForm(request.GET or None, user=request.user)
    firms = filters.filter(selectors.firms_visible_to(request.user))
    return render(
        request,
        "frontend/firm/list.html",
        {"filters": filters, "page": paginate(request, firms)},
    )


@login_required
def firm_detail(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    context = _firm_context(request.user, firm)
    context["can_decide"] = request.user.is_programme_officer or (
        request.user.is_incubator_manager and request.user.incubator_id == firm.incubator_id
    )
    return render(request, "frontend/firm/detail.html", context)


_PANELS = {"firm-review": incubator_review_panel}


@require_POST
@role_required("incubator_manager", "programme_officer")
def firm_verify(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    return decide(
        request,
        run=lambda: actions.firm_verify(firm=firm, by=request.user),
        success=_("%(name)s is confirmed as incubated.") % {"name": firm.name},
        panels=_PANELS,
    )


@require_POST
@role_required("incubator_manager", "programme_officer")
def firm_reject(request, firm_id):
    firm = selectors.firm_get_for_user(user=request.user, firm_id=firm_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.firm_reject(
            firm=firm, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("%(name)s is rejected; the firm sees your reason.") % {"name": firm.name},
        panels=_PANELS,
    )
