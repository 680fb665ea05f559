"""Who sees and manages which webhook endpoints: an agency's staff its own, officers the office's."""

from django.shortcuts import get_object_or_404

from webhooks.models import Delivery, Endpoint


def can_manage(user, agency_id):
    """Whether `user` manages the endpoints of `agency_id` (None: the programme office's)."""
    if user is None or not user.is_authenticated:
        return False
    if agency_id is None:
        return user.is_programme_officer
    return user.is_agency_staff and user.agency_id == agency_id


def owner_of(user):
    """The agency id whose endpoints `user` manages (None for an officer); KeyError otherwise."""
    if user is not None and user.is_authenticated:
        if user.is_agency_staff:
            return user.agency_id
        if user.is_programme_officer:
            return None
    raise KeyError("no webhook endpoints for this user")


def endpoints_visible_to(user):
    try:
        agency_id = owner_of(user)
    except KeyError:
        return Endpoint.objects.none()
    if agency_id is None:
        return Endpoint.objects.filter(agency__isnull=True)
    return Endpoint.objects.filter(agency_id=agency_id)


def endpoint_get_for_user(*, user, endpoint_id):
    """One endpoint the user manages; 404 for anyone else's."""
    return get_object_or_404(endpoints_visible_to(user), pk=endpoint_id)


def deliveries_visible_to(user):
    return Delivery.objects.filter(endpoint__in=endpoints_visible_to(user)).select_related(
        "event", "endpoint"
    )


def delivery_get_for_user(*, user, delivery_id):
    return get_object_or_404(deliveries_visible_to(user), pk=delivery_id)
