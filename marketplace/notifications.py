"""Notices to whoever must act next: stored with their parameters, worded when shown.

Wording at display time lets each person read a notice in their own language.
"""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.models import Notification


def _deadline(p):
    """A deadline notice's parameters, with its kind and dates worded in the active language."""
    from custody.models import Deadline

    try:
        what = str(Deadline.Kind(p["deadline_kind"]).label)
    except ValueError:
        what = p["deadline_kind"]
    worded = dict(p, what=what)
    for name in ("due_on", "last_day"):
        if name in p:
            worded[name] = date_format(datetime.date.fromisoformat(p[name]), "DATE_FORMAT")
    return worded


def _service(p):
    """A service notice's parameters, with the item named in the active language."""
    english = (translation.get_language() or "").startswith("en")
    return dict(p, item=p.get("item_en") if english and p.get("item_en") else p.get("item", ""))


_TEXTS = {
    "request_submitted": lambda p: _("%(firm)s submitted a custody request.") % p,
    "request_waitlisted": lambda p: (
        _(
            "The programme budget cannot cover %(firm)s's package now; the request is on the waiting list."
        )
        % p
    ),
    "waitlist_served": lambda p: _("Budget was released: %(firm)s can now choose an agency.") % p,
    "offer_received": lambda p: (
        _("New custody offer from %(firm)s; please answer by %(respond_by)s") % p
    ),
    "offer_expiring": lambda p: _("The offer from %(firm)s expires at %(respond_by)s") % p,
    "offer_accepted": lambda p: _("%(agency)s accepted the custody of %(firm)s.") % p,
    "offer_declined": lambda p: _("%(agency)s declined the offer for %(firm)s: %(reason)s") % p,
    "offer_expired": lambda p: _("%(agency)s did not answer the offer for %(firm)s in time.") % p,
    "offer_withdrawn": lambda p: _("The offer for %(firm)s was withdrawn.") % p,
    "allocation_offer": lambda p: (
        _("The programme office allocated %(firm)s to %(agency)s; an offer is waiting.") % p
    ),
    "engagement_cancelled": lambda p: (
        _("The custody of %(firm)s by %(agency)s was cancelled: %(reason)s") % p
    ),
    "change_requested": lambda p: _("%(firm)s asks to move from %(agency)s to %(new_agency)s.") % p,
    "change_approved": lambda p: _("The move of %(firm)s to %(new_agency)s was approved.") % p,
    "change_refused": lambda p: (
        _("The move of %(firm)s to %(new_agency)s was refused: %(reason)s") % p
    ),
    "service_logged": lambda p: (
        _("%(agency)s logged %(quantity)s × %(item)s for %(firm)s; please confirm or dispute it.")
        % _service(p)
    ),
    "service_confirmed": lambda p: _("%(firm)s confirmed %(quantity)s × %(item)s.") % _service(p),
    "service_disputed": lambda p: (
        _("%(firm)s disputed %(quantity)s × %(item)s: %(reason)s") % _service(p)
    ),
    "service_resubmitted": lambda p: (
        _("%(agency)s corrected %(quantity)s × %(item)s; please confirm or dispute it.")
        % _service(p)
    ),
    "training_counted": lambda p: (
        _("%(firm)s attended “%(event)s”: %(quantity)s × %(item)s counted as delivered.")
        % _service(p)
    ),
    "settlement_rated": lambda p: (
        _("%(firm)s rated %(agency)s %(rating)s of 5; the settlement awaits the incubator.") % p
    ),
    "settlement_confirmed": lambda p: (
        _("The incubator confirmed the settlement of %(firm)s with %(agency)s; it awaits approval.")
        % p
    ),
    "settlement_approved": lambda p: (
        _("The settlement of %(firm)s with %(agency)s was approved: ¥%(amount)s.") % p
    ),
    "copayment_received": lambda p: (
        _("The co-payment of ¥%(amount)s for %(firm)s was received: custody with %(agency)s runs.")
        % p
    ),
    "copayment_reminder": lambda p: (
        _(
            "The co-payment of ¥%(amount)s for %(firm)s is due by %(due_by)s; custody with "
            "%(agency)s is cancelled if it is not paid by then."
        )
        % p
    ),
    "copayment_refunded": lambda p: _("¥%(amount)s was refunded to %(firm)s.") % p,
    "refund_due": lambda p: (
        _("A bank refund of ¥%(amount)s to %(firm)s is due; record it when it is paid.") % p
    ),
    "refund_failed": lambda p: (
        _("The refund of ¥%(amount)s to %(firm)s failed; please look at it.") % p
    ),
    "payout_sent": lambda p: (
        _("¥%(amount)s was paid to %(agency)s for its custody of %(firm)s.") % p
    ),
    "payout_failed": lambda p: (
        _("The payout of ¥%(amount)s to %(agency)s for %(firm)s failed; it will be retried.") % p
    ),
    "payout_blocked": lambda p: (
        _(
            "The payout of ¥%(amount)s to %(agency)s for %(firm)s waits: the agency has no "
            "payout account ready."
        )
        % p
    ),
    "deadline_reminder": lambda p: (
        ngettext(
            "%(what)s of %(number)s (%(firm)s) is due on %(due_on)s, in %(days_left)d day.",
            "%(what)s of %(number)s (%(firm)s) is due on %(due_on)s, in %(days_left)d days.",
            p["days_left"],
        )
        % _deadline(p)
    ),
    "deadline_missed": lambda p: (
        _("%(what)s of %(number)s (%(firm)s) was missed: its last day was %(last_day)s.")
        % _deadline(p)
    ),
}


def notification_text(kind, params):
    render = _TEXTS.get(kind)
    if render is None:
        return kind
    try:
        return render(params)
    except (KeyError, TypeError):
        return kind


def notify(users, *, kind, params):
    """Store a notice for each active user and e-mail it after the transaction commits."""
    users = [user for user in users if user is not None and user.is_active]
    if not users:
        return
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, params=params) for user in users
    )

    def send():
        for user in users:
            if not user.email:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                text = notification_text(kind, params)
            send_mail(
                text[:120], text, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=True
            )

    transaction.on_commit(send)
