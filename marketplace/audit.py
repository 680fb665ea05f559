"""The one helper every action uses to write its audit event."""

from django.contrib.contenttypes.models import ContentType

from marketplace.models import Agency, AuditEvent, Firm, Incubator


def _parties_of(subject):
    if isinstance(subject, Firm):
        return {"firm": subject, "incubator_id": subject.incubator_id}
    if isinstance(subject, Agency):
        return {"agency": subject}
    if isinstance(subject, Incubator):
        return {"incubator": subject}
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
