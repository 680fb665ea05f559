"""Engagements (custody contracts) for their parties: the agency's clients, the incubator's
firms under custody, the programme office's overview."""

from django.shortcuts import render

from frontend.filter_forms import EngagementFilterForm
from frontend.views.access import paginate, role_required
from marketplace import selectors

PARTIES = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")


@role_required("agency_staff", "incubator_manager", "programme_officer")
def engagement_list(request):
    filters = EngagementFilterForm(request.GET or None, user=request.user)
    engagements = filters.filter(selectors.engagements_visible_to(request.user)).prefetch_related(
        "items"
    )
    return render(
        request,
        "frontend/engagements/list.html",
        {"filters": filters, "page": paginate(request, engagements)},
    )


@role_required(*PARTIES)
def engagement_detail(request, engagement_id):
    user = request.user
    engagement = selectors.engagement_get_for_user(user=user, engagement_id=engagement_id)
    lines = engagement.items.select_related("service_item")
    return render(
        request,
        "frontend/engagements/detail.html",
        {
            "engagement": engagement,
            "engagement_items": [
                {"item": line, "amount": line.unit_price * line.quota} for line in lines
            ],
            "changes": selectors.agency_changes_visible_to(user).filter(engagement=engagement),
            "events": selectors.audit_events_of_engagement(user=user, engagement_id=engagement.pk),
            # The firm's own page holds its request history and the change-of-agency form.
            "request_visible": not user.is_agency_staff,
        },
    )
