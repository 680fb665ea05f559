"""Outbound webhooks: endpoints an agency or the programme office registers, the events the
product records for them (in the transaction of the change), and every delivery attempt."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    OFFER_RECEIVED = "offer.received", _("Offer received")
    OFFER_EXPIRING = "offer.expiring", _("Offer about to expire")
    ENGAGEMENT_STATUS_CHANGED = "engagement.status_changed", _("Engagement changed state")
    DEADLINE_DUE_SOON = "deadline.due_soon", _("Deadline due soon")
    DEADLINE_MISSED = "deadline.missed", _("Deadline missed")
    SERVICE_RECORD_CONFIRMED = "service_record.confirmed", _("Service record confirmed")
    SERVICE_RECORD_DISPUTED = "service_record.disputed", _("Service record disputed")
    SETTLEMENT_APPROVED = "settlement.approved", _("Settlement approved")
    PAYOUT_SENT = "payout.sent", _("Payout sent")


class Endpoint(models.Model):
    """Where an agency (or, with no agency, the programme office) wants events posted.

    The secret signs every delivery; it is shown once, when made or rotated.
    """

    agency = models.ForeignKey(
        "marketplace.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Empty for the programme office's endpoints, which hear every agency."),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    secret_rotated_at = models.DateTimeField(_("secret issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def audit_parties(self):
        return {"agency_id": self.agency_id} if self.agency_id else {}

    @property
    def secret_hint(self):
        """The secret's last characters, so a person can tell which one a receiver holds."""
        return f"…{self.secret[-4:]}" if self.secret else ""

    def event_labels(self):
        return [EventType(kind).label for kind in self.events if kind in EventType.values]


class Event(models.Model):
    """Something an endpoint may hear of, written in the transaction of the change causing it."""

    uid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    agency = models.ForeignKey(
        "marketplace.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Deliveries of one object's events to one endpoint go out in this order (see actions).
    object_key = models.CharField(_("object"), max_length=80)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.type} {self.object_key}"


class Delivery(models.Model):
    """One event for one endpoint: retried with back-off until it is answered 2xx or a day passes."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed: retries given up")

    TRANSITIONS = frozenset(
        {
            (None, Status.PENDING),
            (Status.PENDING, Status.DELIVERED),
            (Status.PENDING, Status.FAILED),
            # Replayed from the page or the API.
            (Status.DELIVERED, Status.PENDING),
            (Status.FAILED, Status.PENDING),
        }
    )

    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("endpoint"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    retry_until = models.DateTimeField(_("retried until"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last answer"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-pk"]
        constraints = [
            # An event reaches an endpoint once; replays resend the same delivery.
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_one_delivery")
        ]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"

    def audit_parties(self):
        return self.endpoint.audit_parties()


class Attempt(models.Model):
    """One POST of a delivery: when, what the receiver answered and how long it took."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="log"
    )
    at = models.DateTimeField(_("at"))
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("response time (ms)"))
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.delivery_id} {self.status_code or self.error}"

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300
