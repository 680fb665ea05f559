"""The names of the CMS's audit actions: the training calendar's and the FAQ's proposals."""

from django.utils.translation import gettext_lazy

from core.audit import register_actions

# The audit actions the training calendar writes, named for the timelines.
register_actions(
    {
        "event.registered": gettext_lazy("Registered for a training event"),
        "event.waitlisted": gettext_lazy("Put on a training event's waiting list"),
        "event.cancelled": gettext_lazy("Training registration cancelled"),
        "event.promoted": gettext_lazy("Moved from the waiting list into a training event"),
        "event.attended": gettext_lazy("Attended a training event"),
        "event.absent": gettext_lazy("Attendance at a training event withdrawn"),
        "faq.proposed": gettext_lazy("Proposed a new FAQ entry for review"),
        "faq.alternate_proposed": gettext_lazy("Proposed a wording for an FAQ entry for review"),
    }
)
