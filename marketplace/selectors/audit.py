"""The audit trail as each user may see it: events about their own firm, agency or incubator."""

from django.db.models import Q

from core.models import AuditEvent
from marketplace.models import (
    CustodyRequest,
    Engagement,
    Offer,
)
from marketplace.selectors.contracting import (
    custody_request_get_for_user,
    engagement_get_for_user,
    engagements_visible_to,
    offers_visible_to,
)
from marketplace.selectors.participants import is_anonymous


def audit_events_visible_to(user):
    qs = AuditEvent.objects.select_related("actor", "subject_type")
    if is_anonymous(user):
        return qs.none()
    if user.is_programme_officer:
        return qs
    scope = Q(actor=user)
    if user.is_firm_member:
        scope |= Q(firm_id=user.firm_id)
    if user.is_agency_staff:
        scope |= Q(agency_id=user.agency_id)
    if user.is_incubator_manager:
        scope |= Q(incubator_id=user.incubator_id)
    return qs.filter(scope)


def _events_about(model, ids):
    return Q(
        subject_type__app_label=model._meta.app_label,
        subject_type__model=model._meta.model_name,
        subject_id__in=[str(pk) for pk in ids],
    )


def audit_events_of_request(*, user, request_id):
    """The history of a custody request with its offers and engagements, oldest first.

    Raises Http404 unless `user` may see the request. Offers and engagements count
    only where their own selectors let `user` see them, so an agency reads the
    request's history and its own offers, never a rival's. (audit_events_visible_to
    cannot do this: an offer's event carries the agency, not the firm.)
    """
    request = custody_request_get_for_user(user=user, request_id=request_id)
    offer_ids = offers_visible_to(user).filter(request=request).values_list("pk", flat=True)
    engagement_ids = (
        engagements_visible_to(user).filter(request=request).values_list("pk", flat=True)
    )
    return (
        AuditEvent.objects.select_related("actor", "subject_type")
        .filter(
            _events_about(CustodyRequest, [request.pk])
            | _events_about(Offer, offer_ids)
            | _events_about(Engagement, engagement_ids)
        )
        .order_by("at", "pk")
    )


def audit_events_of_engagement(*, user, engagement_id):
    """The history of one engagement (start, changes of agency, end), oldest first.

    Raises Http404 unless `user` may see the engagement. Its events carry the firm and
    the agency but not the incubator, so the incubator's manager reaches them here
    through the engagement's own scope rather than through audit_events_visible_to.
    """
    engagement = engagement_get_for_user(user=user, engagement_id=engagement_id)
    return (
        AuditEvent.objects.select_related("actor", "subject_type")
        .filter(_events_about(Engagement, [engagement.pk]))
        .order_by("at", "pk")
    )
