"""A person's own notices, and audit subjects named in the reader's language."""

from django.contrib.contenttypes.models import ContentType

from core.models import Notification


def is_signed_in(user):
    return user is not None and user.is_authenticated and user.is_active


def notifications_for(user):
    if not is_signed_in(user):
        return Notification.objects.none()
    return Notification.objects.filter(user=user)


def unread_notification_count(user):
    return notifications_for(user).filter(read_at__isnull=True).count()


# --- Audit subjects in the reader's language ----------------------------------------------

# Subjects whose name is worded per language (a kind's label, an English name), with the
# relations their name reads. An event keeps the name in the language of whoever acted;
# these are named again in the reader's. Other subjects keep the stored name.
RELABELLED = {
    "custody.ipasset": (),
    "custody.deadline": ("asset",),
    "marketplace.agency": (),
    "marketplace.engagement": ("firm", "agency", "programme_year"),
}


def audit_subject_labels(events):
    """{event pk: its subject's name in the active language} for those of `events` (already
    visible to the reader) whose subject is worded per language and still exists; one query
    per such subject type."""
    wanted = {}
    for event in events:
        content_type = ContentType.objects.get_for_id(event.subject_type_id)
        related = RELABELLED.get(f"{content_type.app_label}.{content_type.model}")
        if related is not None:
            wanted.setdefault(content_type, (related, []))[1].append(event)
    labels = {}
    for content_type, (related, chosen) in wanted.items():
        subjects = (
            content_type.model_class()
            .objects.select_related(*related)
            .in_bulk({event.subject_id for event in chosen})
        )
        for event in chosen:
            subject = subjects.get(int(event.subject_id))
            if subject is not None:
                labels[event.pk] = str(subject)[:200]
    return labels
