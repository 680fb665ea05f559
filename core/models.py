"""What every app writes beside its state changes: the audit trail and the notices."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class Notification(models.Model):
    """An in-app notice to the person who must act next (also sent by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

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
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
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
