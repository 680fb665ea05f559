"""A person's notices: worded in their language when shown, each linked to where to act."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.notices import notification_text
from core.selectors import notifications_for
from frontend.views.access import next_url, paginate
from marketplace import actions


def notification_target(user, notification):
    """The page where `user` acts on `notification`, or None when there is none to open."""
    params = notification.params or {}
    if params.get("offer_id") and (user.is_agency_staff or user.is_programme_officer):
        return reverse("frontend:offer-detail", args=[params["offer_id"]])
    if params.get("request_id") and not user.is_agency_staff:
        return reverse("frontend:request-detail", args=[params["request_id"]])
    if params.get("deadline_id"):
        return reverse("frontend:deadline-detail", args=[params["deadline_id"]])
    if params.get("engagement_id") and notification.kind.startswith(
        ("copayment_", "refund_", "payout_")
    ):
        return reverse("frontend:engagement-payments", args=[params["engagement_id"]])
    if notification.kind == "change_requested" and user.is_programme_officer:
        return reverse("frontend:agency-changes")
    return None


@login_required
def notification_list(request):
    page = paginate(request, notifications_for(request.user))
    rows = [
        {
            "notification": notification,
            "text": notification_text(notification.kind, notification.params),
            "url": notification_target(request.user, notification),
        }
        for notification in page.object_list
    ]
    return render(request, "frontend/notifications/list.html", {"page": page, "rows": rows})


@require_POST
@login_required
def notification_read(request, notification_id):
    """Mark one notice read, then go where it points (the form names the page)."""
    notification = get_object_or_404(notifications_for(request.user), pk=notification_id)
    actions.notification_read(notification=notification, by=request.user)
    return redirect(next_url(request, reverse("frontend:notifications")))


@require_POST
@login_required
def notifications_read_all(request):
    marked = actions.notifications_read_all(by=request.user)
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                marked,
            )
            % {"count": marked},
        )
    return redirect("frontend:notifications")
