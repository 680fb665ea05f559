from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 2000


class Conversation(models.Model):
    """One visitor's chat: first with the assistant, then perhaps with a person."""

    class State(models.TextChoices):
        BOT = "bot", _("With the assistant")
        QUEUED = "queued", _("Waiting for an adviser")
        OPEN = "open", _("With an adviser")
        RESOLVED = "resolved", _("Resolved")

    class Route(models.TextChoices):
        ENGAGEMENT_AGENCY = "engagement_agency", _("The firm's custody agency")
        INCUBATOR = "incubator", _("The firm's incubator")
        CONSULTANT = "consultant", _("An available agency consultant")
        TICKET = "ticket", _("Consultation ticket")
        TRANSFER = "transfer", _("Transferred")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_conversations",
    )
    # Anonymous visitors are known only by their session.
    session_key = models.CharField(_("session key"), max_length=64, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, default="zh-hans")
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.BOT, db_index=True
    )
    ticket = models.BooleanField(_("consultation ticket"), default=False)
    route = models.CharField(_("routed via"), max_length=24, choices=Route.choices, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    faq_key = models.CharField(_("FAQ topic"), max_length=100, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adviser"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_assignments",
    )
    csat = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    handed_off_at = models.DateTimeField(_("handed off at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first adviser reply at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="chat_csat_between_1_and_5",
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
            ),
        ]

    def __str__(self):
        return f"#{self.pk}"


class Message(models.Model):
    class Sender(models.TextChoices):
        USER = "user", _("Visitor")
        BOT = "bot", _("Assistant")
        ADVISER = "adviser", _("Adviser")
        SYSTEM = "system", _("System")

    class Feedback(models.TextChoices):
        UP = "up", _("Helpful")
        DOWN = "down", _("Not helpful")

    conversation = models.ForeignKey(
        Conversation,
        verbose_name=_("conversation"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    sender = models.CharField(_("sender"), max_length=16, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("text"), max_length=MAX_TEXT)
    faq_key = models.CharField(_("FAQ key"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=16, blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    # A "did you mean" answer's suggestions ([{"faq_key", "question", "score"}]), so they are
    # shown again when the conversation is reloaded.
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    feedback = models.CharField(_("feedback"), max_length=8, choices=Feedback.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.sender} #{self.pk}"


class AdviserPresence(models.Model):
    """Whether an adviser takes live chats now, and how many at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("adviser"),
        on_delete=models.CASCADE,
        related_name="chat_presence",
    )
    online = models.BooleanField(_("online"), default=False)
    # Open inbox sockets (tabs, devices): online while at least one is open.
    connections = models.PositiveIntegerField(_("open connections"), default=0)
    max_concurrent = models.PositiveSmallIntegerField(
        _("maximum concurrent chats"), default=3, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("adviser presence")
        verbose_name_plural = _("adviser presences")

    def __str__(self):
        return str(self.user)
