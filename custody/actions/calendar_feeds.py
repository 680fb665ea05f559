"""Private iCal feeds of a person's deadlines, issued and revoked."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import InvalidTransition, NotAllowed
from custody.models import CalendarFeed

# --- Calendar feeds --------------------------------------------------------------------


def _check_may_have_feed(user):
    if not (
        user.is_firm_member
        or user.is_agency_staff
        or user.is_incubator_manager
        or user.is_programme_officer
    ):
        raise NotAllowed(_("Your role has no deadlines to put in a calendar."))


@transaction.atomic
def calendar_feed_issue(*, user):
    """The user's secret calendar address, made on first use; asking again returns the same."""
    _check_may_have_feed(user)
    feed, created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    if created:
        audit_record(actor=user, action="calendar_feed.issued", subject=feed)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user, now=None):
    """Replace the user's calendar address: the old one answers 404 from now on."""
    _check_may_have_feed(user)
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        raise InvalidTransition(
            _("You have no calendar address to revoke."), code="calendar_feed_missing"
        )
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = now or timezone.now()
    feed.save(update_fields=["token", "created_at"])
    audit_record(actor=user, action="calendar_feed.revoked", subject=feed)
    return feed
