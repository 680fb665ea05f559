"""Webhook settings of an agency (its staff) and of the programme office (officers): endpoints,
their secret shown once, the deliveries with every attempt, replay."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ActionError
from frontend.views.access import decide, paginate, role_required
from frontend.webhook_forms import EndpointForm
from webhooks import actions, selectors

OWNERS = ("agency_staff", "programme_officer")


def _owner_agency(user):
    return user.agency if user.is_agency_staff else None


@role_required(*OWNERS)
def webhook_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = actions.endpoint_create(
                agency=_owner_agency(request.user), by=request.user, **form.cleaned_data
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("The endpoint is registered."))
            return _detail(request, endpoint, secret=endpoint.secret, status=201)
    endpoints = selectors.endpoints_visible_to(request.user).order_by("pk")
    return render(
        request,
        "frontend/webhooks/list.html",
        {"endpoints": endpoints, "form": form, "agency": _owner_agency(request.user)},
        status=400 if form.errors else 200,
    )


def _detail(request, endpoint, *, form=None, secret=None, status=200):
    deliveries = selectors.deliveries_visible_to(request.user).filter(endpoint=endpoint)
    page = paginate(request, deliveries.prefetch_related("log").order_by("-pk"))
    form = form or EndpointForm(
        with_active=True,
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "active": endpoint.active,
        },
    )
    return render(
        request,
        "frontend/webhooks/detail.html",
        {"endpoint": endpoint, "form": form, "secret": secret, "page": page},
        status=status,
    )


@role_required(*OWNERS)
def webhook_detail(request, endpoint_id):
    endpoint = selectors.endpoint_get_for_user(user=request.user, endpoint_id=endpoint_id)
    if request.method != "POST":
        return _detail(request, endpoint)
    form = EndpointForm(request.POST, with_active=True)
    if form.is_valid():
        try:
            actions.endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("frontend:webhook-detail", endpoint_id=endpoint.pk)
    return _detail(request, endpoint, form=form, status=400)


@require_POST
@role_required(*OWNERS)
def webhook_rotate(request, endpoint_id):
    endpoint = selectors.endpoint_get_for_user(user=request.user, endpoint_id=endpoint_id)
    try:
        endpoint = actions.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("frontend:webhook-detail", endpoint_id=endpoint.pk)
    messages.success(request, _("A new signing secret was issued; the old one no longer signs."))
    return _detail(request, endpoint, secret=endpoint.secret)


@require_POST
@role_required(*OWNERS)
def webhook_delete(request, endpoint_id):
    endpoint = selectors.endpoint_get_for_user(user=request.user, endpoint_id=endpoint_id)
    return decide(
        request,
        run=lambda: actions.endpoint_delete(endpoint=endpoint, by=request.user),
        success=_("The endpoint was removed."),
        panels={},
        default=reverse("frontend:webhooks"),
    )


@require_POST
@role_required(*OWNERS)
def webhook_replay(request, delivery_id):
    delivery = selectors.delivery_get_for_user(user=request.user, delivery_id=delivery_id)
    return decide(
        request,
        run=lambda: actions.delivery_replay(delivery=delivery, by=request.user),
        success=_("The delivery is sent again; its attempts are logged below."),
        panels={},
        default=reverse("frontend:webhook-detail", args=[delivery.endpoint_id]),
    )
