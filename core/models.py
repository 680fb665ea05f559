"""What every app writes beside its state changes: the audit trail and the notices."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class TracksUpdates:
    """For models that sync by `updated_at` (auto_now): a save limited to some fields writes
    `updated_at` too, so no change hides from `updated_since`."""

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is not None and "updated_at" not in fields:
            kwargs["update_fields"] = [*fields, "updated_at"]
        super().save(*args, **kwargs)


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")

    def delete(self):
        raise AppendOnlyError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One state change: who, when, what, from which state to which, and why.

    The firm, agency and incubator columns copy the parties of the subject so
    that scoping a timeline to a user is a plain filter, not a join per type.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.PROTECT, related_name="+"
    )
    subject_id = models.CharField(_("subject id"), max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_repr = models.CharField(_("subject"), max_length=200)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    firm = models.ForeignKey(
        "marketplace.Firm", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey(
        "marketplace.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    incubator = models.ForeignKey(
        "marketplace.Incubator", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        # The table keeps its first name: the model moved here from marketplace.
        db_table = "marketplace_auditevent"
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only.")


class Notification(TracksUpdates, models.Model):
    """An in-app notice to the person who must act next (also sent by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    # When the row last changed (every save writes it): what `updated_since` filters on.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        db_table = "marketplace_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.kind} → {self.user}"


class OutboxMessage(models.Model):
    """A side effect (an e-mail) written in the transaction of the event that causes it.

    It leaves through `core.actions.outbox`: a job sends it and marks it sent, so a
    process killed at any moment neither loses it nor, short of dying between the
    hand-over to the mail server and the mark, sends it twice; the key goes out as
    the Message-ID so a receiver can drop that rare repeat.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")

    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.EMAIL
    )
    key = models.CharField(_("de-duplication key"), max_length=200)
    recipients = models.JSONField(_("recipients"), default=list)
    # Copies and answers-to as the sender wrote them (Wagtail's and Django's mail among
    # them); blind copies travel in the envelope only, never in a header.
    cc = models.JSONField(_("copies"), default=list, blank=True)
    bcc = models.JSONField(_("blind copies"), default=list, blank=True)
    reply_to = models.JSONField(_("reply to"), default=list, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    html_body = models.TextField(_("HTML body"), blank=True)
    from_email = models.CharField(_("from"), max_length=254, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same event never queues its message twice, however often a job reruns.
            models.UniqueConstraint(fields=["channel", "key"], name="outbox_one_message_per_key")
        ]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outbox_unsent")]

    def __str__(self):
        return f"{self.channel} {self.key}"


class IdempotencyKey(models.Model):
    """A POST sent with an Idempotency-Key header, kept per user for a day.

    The first request claims the key (in progress) before its view runs and stores its
    answer when done; a retry with the same key and body gets that answer again, another
    body under the same key is refused, and a retry while the first still runs is a conflict.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_content_type = models.CharField(_("response content type"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            # Two concurrent requests with one key: exactly one claims it, the other is told.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_claim_per_key")
        ]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class Tombstone(models.Model):
    """A row that was deleted, kept so that a client syncing with `updated_since` learns of
    it (`/api/v1/deletions/`). Cancelled and withdrawn objects are not deleted: their status
    says so and their `updated_at` moves."""

    resource = models.CharField(_("resource"), max_length=40, db_index=True)
    object_id = models.BigIntegerField(_("object id"))
    # Who may see that it went: the parties of its firm (copied, the firm row may go too).
    firm_id = models.BigIntegerField(_("firm id"), null=True, db_index=True)
    incubator_id = models.BigIntegerField(_("incubator id"), null=True)
    deleted_at = models.DateTimeField(_("deleted at"), db_index=True)

    class Meta:
        verbose_name = _("deletion")
        verbose_name_plural = _("deletions")
        ordering = ["deleted_at", "id"]

    def __str__(self):
        return f"{self.resource} {self.object_id}"
