"""State changes of the training centre, one function each; views and commands call these.

Each opens a transaction, locks the row that serialises the change (the event
for registrations, so two people never take the last place), checks the actor's
right and the source state, writes the change with its audit event, and sends
e-mail only once the transaction has committed.
"""

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cms import cache as page_cache
from cms import selectors
from cms.models import CoursePage, CourseProgress, EventRegistration, TrainingEventPage
from core.actions.outbox import email_enqueue
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from custody import actions as custody_actions


def _mail_on_commit(*, user, subject, body):
    """Through the outbox: written with the change, sent once it has committed."""
    email_enqueue(recipients=[user.email], subject=subject, body=body)


def _lock_event(event):
    canonical = selectors.canonical_event(event)
    return TrainingEventPage.objects.select_for_update().get(pk=canonical.pk)


def _format_moment(value):
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@transaction.atomic
def event_register(*, event, by):
    """Take a free place, or join the waiting list when the event is full.

    Returns the registration; its status says which of the two happened.
    """
    if not by.is_authenticated or not by.is_firm_member:
        raise NotAllowed(
            _("Only members of a firm in the programme can register for events."),
            code="not_firm_member",
        )
    event = _lock_event(event)
    now = timezone.now()
    if now > event.registration_deadline:
        raise InvalidTransition(
            _("Registration closed on %(deadline)s.")
            % {"deadline": _format_moment(event.registration_deadline)},
            code="registration_closed",
        )
    if selectors.registration_of(by, event) is not None:
        raise InvalidTransition(
            _("You are registered for this event already."), code="already_registered"
        )
    taken = event.registrations.filter(status=EventRegistration.Status.REGISTERED).count()
    status = (
        EventRegistration.Status.REGISTERED
        if taken < event.capacity
        else EventRegistration.Status.WAITLISTED
    )
    registration = EventRegistration(
        event=event, user=by, firm_id=by.firm_id, status=status, queued_at=now
    )
    registration.full_clean()
    registration.save()
    audit_record(
        actor=by,
        action=f"event.{status}",
        subject=registration,
        to_state=status,
        data={"event": event.pk},
    )
    page_cache.bump()
    return registration


@transaction.atomic
def event_registration_cancel(*, registration, by):
    """The participant gives up a place or leaves the waiting list.

    A freed place goes to the head of the waiting list at once.
    Returns the promoted registration, if any.
    """
    event = _lock_event(registration.event)
    registration = EventRegistration.objects.select_for_update().get(pk=registration.pk)
    if registration.user_id != by.pk:
        raise NotAllowed(_("Only the participant can cancel a registration."), code="not_yours")
    if registration.status == EventRegistration.Status.CANCELLED:
        raise InvalidTransition(_("This registration is cancelled already."), code="cancelled")
    if timezone.now() >= event.starts_at:
        raise InvalidTransition(
            _("The event has started; a registration can no longer be cancelled."),
            code="event_started",
        )
    previous = registration.status
    registration.status = EventRegistration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_record(
        actor=by,
        action="event.cancelled",
        subject=registration,
        from_state=previous,
        to_state=registration.status,
    )
    promoted = None
    if previous == EventRegistration.Status.REGISTERED:
        promoted = _promote_next(event)
    page_cache.bump()
    return promoted


def _promote_next(event):
    taken = event.registrations.filter(status=EventRegistration.Status.REGISTERED).count()
    if taken >= event.capacity:
        return None
    promoted = (
        event.registrations.select_for_update()
        .filter(status=EventRegistration.Status.WAITLISTED)
        .select_related("user")
        .order_by("queued_at", "pk")
        .first()
    )
    if promoted is None:
        return None
    promoted.status = EventRegistration.Status.REGISTERED
    promoted.save(update_fields=["status"])
    audit_record(
        actor=None,
        action="event.promoted",
        subject=promoted,
        from_state=EventRegistration.Status.WAITLISTED,
        to_state=promoted.status,
        reason="A place was freed.",
    )
    _mail_on_commit(
        user=promoted.user,
        subject=_("You have a place at %(event)s") % {"event": event.title},
        body=_("A place was freed and it is yours: %(event)s starts at %(start)s.")
        % {"event": event.title, "start": _format_moment(event.starts_at)},
    )
    return promoted


@transaction.atomic
def event_attendance_mark(*, registration, attended, by):
    """The organiser records whether a registered participant came."""
    registration = (
        EventRegistration.objects.select_for_update()
        .select_related("event")
        .get(pk=registration.pk)
    )
    event = registration.event
    if not selectors.user_can_manage_event(by, event):
        raise NotAllowed(
            _("Only the event's organisers can mark attendance."), code="not_organiser"
        )
    if registration.status != EventRegistration.Status.REGISTERED:
        raise InvalidTransition(
            _("Only registered participants can be marked as present."), code="not_registered"
        )
    if timezone.now() < event.starts_at:
        raise InvalidTransition(
            _("Attendance can be marked once the event has started."), code="not_started"
        )
    if registration.attended == attended:
        return registration
    registration.attended = attended
    registration.attendance_marked_at = timezone.now()
    registration.attendance_marked_by = by
    registration.save(update_fields=["attended", "attendance_marked_at", "attendance_marked_by"])
    audit_record(
        actor=by,
        action="event.attended" if attended else "event.absent",
        subject=registration,
        to_state="attended" if attended else "absent",
    )
    # Attendance is a delivered training service of the firm's engagement, in this transaction.
    if attended:
        custody_actions.service_record_from_attendance(registration=registration, by=by)
    else:
        custody_actions.service_record_void_attendance(registration=registration, by=by)
    return registration


@transaction.atomic
def course_lesson_complete(*, course, lesson_id, by, done=True):
    """Mark one lesson of a course as done (or not) for the learner."""
    if not by.is_authenticated:
        raise NotAllowed(_("Log in to keep track of your progress."), code="anonymous")
    course = CoursePage.objects.get(pk=course.pk)
    if lesson_id not in course.lesson_ids:
        raise ActionError(_("This course has no such lesson."), code="no_lesson", field="lesson")
    progress, _created = CourseProgress.objects.select_for_update().get_or_create(
        user=by, course_key=course.translation_key
    )
    completed = [lesson for lesson in progress.completed if lesson != lesson_id]
    if done:
        completed.append(lesson_id)
    progress.completed = completed
    progress.save(update_fields=["completed", "updated_at"])
    return progress
