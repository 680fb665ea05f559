"""The one helper every action uses to write its audit event, and the actions' names.

Each app registers the actions it writes with their names for people
(`register_actions`, in its `notices.py`, imported when the app is ready); writing an
unregistered action is a programming error, so no timeline ever shows a raw code.
"""

from django.contrib.contenttypes.models import ContentType

from core.changes import data_changed
from core.models import AuditEvent

_ACTION_LABELS = {}
_LISTENERS = []


def register_actions(labels):
    """Add `{action: label}` to the known audit actions; an action is registered once."""
    clash = _ACTION_LABELS.keys() & labels.keys()
    if clash:
        raise ValueError(f"audit actions registered twice: {sorted(clash)}")
    _ACTION_LABELS.update(labels)


def listen(listener):
    """Call `listener(event, subject)` after each audit event, inside the action's transaction.

    A higher app derives its own records from the trail this way (the outbound webhooks), so
    no action calls it and a rollback takes its records back with the event.
    """
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def registered_actions():
    return frozenset(_ACTION_LABELS)


def action_label(action):
    """The action's name in the active language (the code itself only for old rows)."""
    return _ACTION_LABELS.get(action, action)


def state_label(model, code):
    """The label of `code` in one of `model`'s choice fields (status, verification, …)."""
    if model is not None:
        for field in model._meta.get_fields():
            choices = getattr(field, "flatchoices", None) or ()
            for value, label in choices:
                if value == code:
                    return label
    return code


def _parties_of(subject):
    """The firm, agency and incubator a subject belongs to, so a timeline scopes by a filter.

    A participant names its own parties (`audit_parties()`); anything else is read from
    its `firm_id`, `agency_id` and `incubator_id` columns.
    """
    own = getattr(subject, "audit_parties", None)
    if own is not None:
        return own()
    parties = {}
    for name in ("firm", "agency", "incubator"):
        if getattr(subject, f"{name}_id", None) is not None:
            parties[f"{name}_id"] = getattr(subject, f"{name}_id")
    return parties


def audit_record(*, actor, action, subject, from_state="", to_state="", reason="", data=None):
    """Append an audit event for `subject`; call inside the action's transaction."""
    if action not in _ACTION_LABELS:
        raise ValueError(
            f"audit action {action!r} has no name for people: register it with "
            "core.audit.register_actions in its app's notices.py"
        )
    if actor is not None and not actor.is_authenticated:
        actor = None
    data_changed()
    event = AuditEvent.objects.create(
        actor=actor,
        action=action,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=str(subject.pk),
        subject_repr=str(subject)[:200],
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
        **_parties_of(subject),
    )
    for listener in _LISTENERS:
        listener(event, subject)
    return event
