"""The one helper every action uses to write its audit event."""

from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent


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
    if actor is not None and not actor.is_authenticated:
        actor = None
    return AuditEvent.objects.create(
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
