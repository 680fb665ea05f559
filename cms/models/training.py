"""Who registered for which event, who attended, and how far each learner got in a course."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventRegistration(models.Model):
    """A firm member's place (or place in the queue) at a training event."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    event = models.ForeignKey(
        "cms.TrainingEventPage",
        verbose_name=_("event"),
        # Attendance is evidence of a delivered training service; it outlives no page silently.
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="event_registrations",
    )
    firm = models.ForeignKey(
        "marketplace.Firm",
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        related_name="event_registrations",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    # The waiting list is served in this order; a promotion keeps it.
    queued_at = models.DateTimeField(_("registered at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    attendance_marked_at = models.DateTimeField(_("attendance marked at"), null=True, blank=True)
    attendance_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendance marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        ordering = ["queued_at", "pk"]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]
        constraints = [
            # One live registration per person and event, even under double clicks.
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=~Q(status="cancelled"),
                name="one_live_registration_per_event_and_user",
            ),
            models.CheckConstraint(
                name="attendance_only_for_registered",
                condition=Q(attended=False) | Q(status="registered"),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.event}"


class CourseProgress(models.Model):
    """The lessons of one course that a learner marked as done, in every language."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="course_progress",
    )
    # A course and its translations share this key, so progress follows the learner across languages.
    course_key = models.UUIDField(_("course"))
    completed = models.JSONField(_("completed lessons"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("course progress")
        verbose_name_plural = _("course progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="progress_once_per_course"),
        ]

    def __str__(self):
        return f"{self.user} · {len(self.completed)}"

    def done_in(self, course):
        """How many of the course's current lessons are done (lessons may since be removed)."""
        return len(set(self.completed) & set(course.lesson_ids))
