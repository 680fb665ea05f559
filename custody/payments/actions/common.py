"""What every payment action shares: who is told, the locks taken first, retry keys and the
tasks queued after commit.
"""

import logging

from celery import current_app
from django.urls import reverse
from django.utils.translation import gettext as _

from core.errors import NotAllowed
from core.lazy import lazy_import
from core.notices import named
from custody.payments import gateway, ledger
from custody.payments.models import LedgerEntry
from marketplace.models import Engagement, User

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

log = logging.getLogger(__name__)


Kind = LedgerEntry.Kind


ZERO = ledger.ZERO


def people(**filters):
    return list(User.objects.filter(is_active=True, **filters))


def officers():
    return people(role=User.Role.PROGRAMME_OFFICER)


def notice_params(engagement, **extra):
    return {
        "firm": engagement.firm.name,
        **named("agency", engagement.agency),
        "engagement_id": engagement.pk,
        **extra,
    }


def check_officer(by):
    if not (by is not None and by.is_programme_officer):
        raise NotAllowed(_("Only a programme officer can do this."), code="not_officer")


def lock_engagement(engagement_id):
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement_id)
    )


def made_earlier(listing, *, key, value):
    """The object an earlier attempt made (its metadata names our row), if Stripe has one."""
    for obj in listing.auto_paging_iter():
        if gateway.metadata(obj).get(key) == value:
            return obj
    return None


def next_key(row):
    """After an answer Stripe may have stored under the key (an error, a 500), the next
    attempt needs a key of its own; it first looks for what earlier attempts made."""
    base = row.idempotency_key.split("-retry-")[0]
    row.idempotency_key = f"{base}-retry-{row.attempts}"


# The tasks module runs these actions, so they are queued by name rather than imported.
def send_payout_later(payout_id):
    current_app.signature("payments.send_payout", args=(payout_id,)).delay()


def send_refund_later(refund_id):
    current_app.signature("payments.send_refund", args=(refund_id,)).delay()


def expire_checkout(session_id):
    try:
        gateway.client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as error:
        # An already completed or expired session cannot be expired; the webhook decides.
        log.info("checkout session %s not expired: %s", session_id, error)


def payments_page_url(engagement):
    return reverse("frontend:engagement-payments", args=[engagement.pk])
