"""State changes of the CMS, one function each, one module per concept; views, commands
and other apps call these."""

from cms.actions.faq import faq_alternate_propose, faq_entry_propose
from cms.actions.training import (
    course_lesson_complete,
    event_attendance_mark,
    event_register,
    event_registration_cancel,
)

__all__ = [
    "course_lesson_complete",
    "event_attendance_mark",
    "event_register",
    "event_registration_cancel",
    "faq_alternate_propose",
    "faq_entry_propose",
]
