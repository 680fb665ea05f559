"""Events written beside the change that causes them, and their deliveries (an outbox).

`event_record` stores the event and one delivery per endpoint that listens, in the caller's
transaction, and hands each delivery to a Celery task once that commits (in-process on the
embedded default). `delivery_send` locks the delivery, posts it signed, logs the attempt and
either marks it delivered or schedules the next try with exponential back-off (30 s doubling
up to an hour) until a day has passed; `deliveries_flush`, run every minute by beat, sends
what is due. Deliveries of one object's events to one endpoint go out in order: a later one
waits while an earlier one is still pending.
"""

import datetime
import json
import logging

from celery import shared_task
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from webhooks import addresses, signing, transport
from webhooks.models import Attempt, Delivery, Endpoint, Event
from webhooks.selectors import can_manage

logger = logging.getLogger(__name__)

RETRY_FOR = datetime.timedelta(days=1)
FIRST_RETRY_SECONDS = 30
LONGEST_WAIT_SECONDS = 3600


def backoff(attempts):
    """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, … at most an hour."""
    return datetime.timedelta(
        seconds=min(LONGEST_WAIT_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))
    )


def event_record(*, type, agency_id, object_key, describe):  # noqa: A002 - the event's type
    """Store an event for the endpoints listening to `type` (the agency's and the office's).

    `describe()` gives the event's data; it is only called when someone listens. Call inside
    the transaction of the change; returns the Event, or None when no endpoint listens.
    """
    owners = Q(agency__isnull=True)
    if agency_id is not None:
        owners |= Q(agency_id=agency_id)
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(owners, active=True).order_by("pk")
        if type in endpoint.events
    ]
    if not endpoints:
        return None
    now = timezone.now()
    event = Event(type=type, agency_id=agency_id, object_key=object_key, created_at=now)
    kind, _sep, object_id = object_key.partition(":")
    event.payload = json.loads(
        json.dumps(
            {
                "id": str(event.uid),
                "type": str(type),
                "created_at": now.isoformat(),
                "agency_id": agency_id,
                "object": {"type": kind, "id": int(object_id) if object_id.isdigit() else None},
                "data": describe(),
            },
            cls=DjangoJSONEncoder,
        )
    )
    event.save()
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=event, next_attempt_at=now, retry_until=now + RETRY_FOR)
        for endpoint in endpoints
    )
    for delivery in deliveries:
        _hand_over_on_commit(delivery.pk)
    return event


def _hand_over_on_commit(delivery_id):
    transaction.on_commit(lambda: _hand_over(delivery_id))


@shared_task(name="webhooks.send_delivery")
def send_webhook_delivery(delivery_id):
    """The Celery task behind each hand-over (beside the action, so neither imports the other)."""
    return delivery_send(delivery_id=delivery_id)


def _hand_over(delivery_id):
    try:
        send_webhook_delivery.delay(delivery_id)
    except Exception as error:  # noqa: BLE001 - the delivery is stored; the sweep sends it
        logger.warning(
            "webhook delivery %s not handed to the queue (%s); the next sweep sends it",
            delivery_id,
            type(error).__name__,
        )


def _waits_for_earlier(delivery):
    """Whether an earlier event of the same object is still pending for this endpoint."""
    return Delivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        event__object_key=delivery.event.object_key,
        event_id__lt=delivery.event_id,
        status=Delivery.Status.PENDING,
    ).exists()


def _next_of_same_object(delivery):
    return (
        Delivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            event__object_key=delivery.event.object_key,
            event_id__gt=delivery.event_id,
            status=Delivery.Status.PENDING,
        )
        .order_by("event_id")
        .values_list("pk", flat=True)
        .first()
    )


def body_of(event):
    """The exact bytes posted (and signed) for an event."""
    return json.dumps(event.payload, ensure_ascii=False, separators=(",", ":")).encode()


def _post(delivery, now):
    endpoint, event = delivery.endpoint, delivery.event
    try:
        target = addresses.check_url(endpoint.url)
    except ActionError as refusal:
        return transport.Answer(None, 0, refusal.message)
    body = body_of(event)
    headers = signing.headers(
        secret=endpoint.secret,
        timestamp=now.timestamp(),
        body=body,
        event_id=event.uid,
        event_type=event.type,
    )
    return transport.post(target, body=body, headers=headers)


def delivery_send(*, delivery_id, now=None):
    """Try one pending delivery if it is due and not waiting for an earlier one; True if delivered."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING, endpoint__active=True)
            .first()
        )
        now = now or timezone.now()
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return False
        if _waits_for_earlier(delivery):
            return False
        answer = _post(delivery, now)
        Attempt.objects.create(
            delivery=delivery,
            at=now,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error=answer.error,
        )
        delivery.attempts += 1
        delivery.last_status_code = answer.status_code
        if answer.status_code is not None and 200 <= answer.status_code < 300:
            delivery.delivered_at = now
            delivery.last_error = ""
            delivery.next_attempt_at = None
            states.transition(
                delivery,
                Delivery.Status.DELIVERED,
                by=None,
                action="",
                fields=(
                    "attempts",
                    "last_status_code",
                    "delivered_at",
                    "last_error",
                    "next_attempt_at",
                ),
                audit=False,
            )
            following = _next_of_same_object(delivery)
            if following is not None:
                _hand_over_on_commit(following)
            return True
        delivery.last_error = answer.error or _("answered %(code)s") % {"code": answer.status_code}
        wait = backoff(delivery.attempts)
        if now + wait > delivery.retry_until:
            _give_up(delivery, now)
        else:
            delivery.next_attempt_at = now + wait
            delivery.save(
                update_fields=[
                    "attempts",
                    "last_status_code",
                    "last_error",
                    "next_attempt_at",
                    "updated_at",
                ]
            )
        logger.info(
            "webhook delivery %s not delivered (attempt %s): %s",
            delivery.pk,
            delivery.attempts,
            delivery.last_error,
        )
        return False


def _give_up(delivery, now):
    delivery.next_attempt_at = None
    states.transition(
        delivery,
        Delivery.Status.FAILED,
        by=None,
        action="",
        fields=("attempts", "last_status_code", "last_error", "next_attempt_at"),
        audit=False,
    )
    following = _next_of_same_object(delivery)
    if following is not None:
        _hand_over_on_commit(following)


def deliveries_flush(*, now=None, limit=500):
    """Give up what waited a day, then send what is due, oldest event first; returns how many
    were delivered."""
    now = now or timezone.now()
    expired = Delivery.objects.filter(status=Delivery.Status.PENDING, retry_until__lt=now)
    for delivery_id in list(expired.values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=delivery_id, status=Delivery.Status.PENDING, retry_until__lt=now)
                .first()
            )
            if delivery is not None:
                delivery.last_error = delivery.last_error or _("not delivered within a day")
                _give_up(delivery, now)
    due = (
        Delivery.objects.filter(status=Delivery.Status.PENDING, endpoint__active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("event_id", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(delivery_send(delivery_id=pk, now=now) for pk in list(due))


@transaction.atomic
def delivery_replay(*, delivery, by, now=None):
    """Send a delivery again now (same event id, so a receiver that has it can drop it)."""
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .get(pk=delivery.pk)
    )
    if not can_manage(by, delivery.endpoint.agency_id):
        raise NotAllowed(_("Only the endpoint's owner can replay its deliveries."))
    if not delivery.endpoint.active:
        raise InvalidTransition(
            _("This endpoint is paused; resume it before replaying its deliveries."),
            code="endpoint_paused",
        )
    now = now or timezone.now()
    source = delivery.status
    delivery.next_attempt_at = now
    delivery.retry_until = now + RETRY_FOR
    fields = ("next_attempt_at", "retry_until")
    if source == Delivery.Status.PENDING:
        delivery.save(update_fields=[*fields, "updated_at"])
    else:
        states.transition(
            delivery, Delivery.Status.PENDING, by=by, action="", fields=fields, audit=False
        )
    audit_record(
        actor=by,
        action="webhook.delivery_replayed",
        subject=delivery,
        from_state=source,
        to_state=Delivery.Status.PENDING,
        data={"event": str(delivery.event.uid), "type": delivery.event.type},
    )
    _hand_over_on_commit(delivery.pk)
    return delivery
