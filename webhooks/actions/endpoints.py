"""Endpoints: registered, changed, paused, given a new secret and removed by their owner."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, NotAllowed
from core.formatting import join_words
from webhooks import addresses, signing
from webhooks.models import Endpoint, EventType
from webhooks.selectors import can_manage

MAX_ENDPOINTS = 10


def _check_owner(by, agency_id):
    if not can_manage(by, agency_id):
        if agency_id is None:
            raise NotAllowed(_("Only a programme officer can manage the office's webhooks."))
        raise NotAllowed(_("Only the agency's staff can manage its webhooks."))


def _clean_events(events):
    chosen = list(dict.fromkeys(str(kind) for kind in events or ()))
    if not chosen:
        raise ActionError(_("Choose at least one event."), code="events_required", field="events")
    unknown = [kind for kind in chosen if kind not in EventType.values]
    if unknown:
        raise ActionError(
            _("Unknown events: %(events)s.") % {"events": join_words(unknown)},
            code="unknown_event",
            field="events",
        )
    return [kind for kind in EventType.values if kind in chosen]


def _clean_url(url):
    url = (url or "").strip()
    if not url:
        raise ActionError(_("Enter the URL to post to."), code="url_required", field="url")
    if len(url) > 500:
        raise ActionError(_("The URL is longer than 500 characters."), code="invalid", field="url")
    addresses.check_url(url)
    return url


@transaction.atomic
def endpoint_create(*, agency, url, events, by, description=""):
    """Register an endpoint for `agency` (None: the programme office); its secret is new."""
    agency_id = agency.pk if agency is not None else None
    _check_owner(by, agency_id)
    # agency_id=None reads as IS NULL: the office's own endpoints.
    owned = Endpoint.objects.select_for_update().filter(agency_id=agency_id)
    if len(owned) >= MAX_ENDPOINTS:
        raise ActionError(
            _("At most %(count)s endpoints can be registered.") % {"count": MAX_ENDPOINTS},
            code="too_many_endpoints",
        )
    endpoint = Endpoint.objects.create(
        agency_id=agency_id,
        url=_clean_url(url),
        events=_clean_events(events),
        description=(description or "").strip()[:200],
        secret=signing.new_secret(),
        secret_rotated_at=timezone.now(),
        created_by=by,
    )
    audit_record(
        actor=by,
        action="webhook.endpoint_created",
        subject=endpoint,
        data={"url": endpoint.url, "events": endpoint.events},
    )
    return endpoint


def _lock(endpoint, by):
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    _check_owner(by, endpoint.agency_id)
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint, by, url=None, events=None, description=None, active=None):
    """Change what is given (URL, events, description, paused or not); the secret stays."""
    endpoint = _lock(endpoint, by)
    changed = {}
    if url is not None and url.strip() != endpoint.url:
        endpoint.url = changed["url"] = _clean_url(url)
    if events is not None:
        cleaned = _clean_events(events)
        if cleaned != endpoint.events:
            endpoint.events = changed["events"] = cleaned
    if description is not None and description.strip()[:200] != endpoint.description:
        endpoint.description = changed["description"] = description.strip()[:200]
    if active is not None and bool(active) != endpoint.active:
        endpoint.active = changed["active"] = bool(active)
    if changed:
        endpoint.save()
        audit_record(actor=by, action="webhook.endpoint_updated", subject=endpoint, data=changed)
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint, by):
    """A new signing secret, at once (shown once); the old one signs nothing more."""
    endpoint = _lock(endpoint, by)
    endpoint.secret = signing.new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
    audit_record(actor=by, action="webhook.secret_rotated", subject=endpoint)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint, by):
    """Remove the endpoint with its deliveries and their log."""
    endpoint = _lock(endpoint, by)
    audit_record(
        actor=by, action="webhook.endpoint_deleted", subject=endpoint, data={"url": endpoint.url}
    )
    endpoint.delete()
