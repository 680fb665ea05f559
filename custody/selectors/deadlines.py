"""Deadlines as each user may see them: the board, and the private calendar feeds."""

import datetime

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.shortcuts import get_object_or_404

from custody import reminders
from custody.models import (
    CalendarFeed,
    Deadline,
)
from custody.selectors.scope import firm_scoped
from marketplace.models import Engagement, Firm


def deadlines_visible_to(user):
    return firm_scoped(user, Deadline.objects.select_related("asset", "firm"))


def deadline_get_for_user(*, user, deadline_id):
    return get_object_or_404(deadlines_visible_to(user), pk=deadline_id)


# --- Deadline board and calendar feed ----------------------------------------------------

BOARD_STATES = {
    "open": Q(done_at__isnull=True, missed_at__isnull=True),
    "done": Q(done_at__isnull=False),
    "missed": Q(missed_at__isnull=False),
}


def deadline_board(user, *, today, firm_id=None, kind="", state="", within_days=None):
    """The deadlines `user` may see, most urgent first: overdue or in grace, then by due date.

    One query for the rows whatever their number: the agency's engagement (for
    links) is a subquery, asset and firm are joined.
    """
    qs = deadlines_visible_to(user).annotate(
        urgency=Case(
            When(done_at__isnull=False, then=Value(reminders.DONE)),
            When(missed_at__isnull=False, then=Value(reminders.MISSED)),
            When(due_on__lt=today, then=Value(reminders.OVERDUE)),
            default=Value(reminders.UPCOMING),
            output_field=IntegerField(),
        )
    )
    if firm_id:
        qs = qs.filter(firm_id=firm_id)
    if kind:
        qs = qs.filter(kind=kind)
    if state in BOARD_STATES:
        qs = qs.filter(BOARD_STATES[state])
    if within_days is not None:
        qs = qs.filter(due_on__lte=today + datetime.timedelta(days=within_days))
    if user.is_authenticated and user.is_agency_staff:
        qs = qs.annotate(
            engagement_id=Subquery(
                Engagement.objects.filter(
                    firm_id=OuterRef("firm_id"),
                    agency_id=user.agency_id,
                    status=Engagement.Status.ACTIVE,
                )
                .order_by("-programme_year__year")
                .values("pk")[:1]
            )
        )
    return qs.order_by("urgency", "due_on", "pk")


def deadline_firms_visible_to(user):
    """The firms whose deadlines `user` sees, for the board's firm filter."""
    qs = Firm.objects.order_by("name")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_agency_staff:
        return qs.filter(
            Exists(
                Engagement.objects.filter(
                    firm_id=OuterRef("pk"),
                    agency_id=user.agency_id,
                    status=Engagement.Status.ACTIVE,
                )
            )
        )
    if user.is_firm_member:
        return qs.filter(pk=user.firm_id)
    if user.is_incubator_manager:
        return qs.filter(incubator_id=user.incubator_id)
    if user.is_programme_officer:
        return qs
    return qs.none()


def calendar_feed_get(*, token):
    """The feed behind a secret address; an unknown (or revoked) token is a 404."""
    return get_object_or_404(
        CalendarFeed.objects.select_related("user").filter(user__is_active=True), token=token
    )


def calendar_feed_deadlines(feed, *, today, past_days=90):
    """What a feed lists: the deadlines its user may see, from `past_days` ago on."""
    since = today - datetime.timedelta(days=past_days)
    return (
        deadlines_visible_to(feed.user)
        .filter(Q(grace_ends_on__gte=since) | Q(due_on__gte=since))
        .order_by("due_on", "pk")
    )
