"""Stripe's webhook endpoint: verify, store, answer at once; a task does the work."""

import logging

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.lazy import lazy_import
from custody.payments import gateway, tasks, webhooks

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not (gateway.is_configured() and settings.STRIPE_WEBHOOK_SECRET):
        # Online payment is off here: nothing can be verified, so nothing is accepted.
        return HttpResponse(status=503)
    try:
        event, created = webhooks.receive(request.body, request.headers.get("Stripe-Signature", ""))
    except (ValueError, stripe.SignatureVerificationError) as error:
        log.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest("invalid signature or payload")
    if created:
        transaction.on_commit(lambda: tasks.process_stripe_event.delay(event.pk))
    return HttpResponse(status=200)
