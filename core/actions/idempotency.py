"""Idempotency keys: claim one before a POST runs, store its answer, purge after a day.

The claim commits on its own (before the view's transaction), so a concurrent request with
the same key sees it; the unique constraint on (user, key) decides a simultaneous race.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import IdempotencyKey

KEY_LIFETIME = datetime.timedelta(hours=24)


class KeyReused(Exception):
    """The key was used for another request (another body or another address)."""


class KeyInUse(Exception):
    """The first request with this key has not finished yet."""


def idempotency_claim(*, user, key, fingerprint):
    """Claim `key` for this request. Returns (claim, None) when the request should run, or
    (None, stored) with the first answer to replay; raises KeyReused or KeyInUse."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, created_at=now
                )
            return claim, None
        except IntegrityError:
            with transaction.atomic():
                existing = (
                    IdempotencyKey.objects.select_for_update().filter(user=user, key=key).first()
                )
                if existing is None:
                    continue  # released between our insert and this read: claim again
                if existing.created_at <= now - KEY_LIFETIME:
                    existing.delete()  # a day old: the key is free again
                    continue
                if existing.fingerprint != fingerprint:
                    raise KeyReused from None
                if existing.state == IdempotencyKey.State.IN_PROGRESS:
                    raise KeyInUse from None
                return None, existing
    raise KeyInUse


def idempotency_record(*, claim, status, body, content_type):
    """Store the first answer (anything but a server error) for later retries."""
    IdempotencyKey.objects.filter(pk=claim.pk).update(
        state=IdempotencyKey.State.DONE,
        response_status=status,
        response_body=body,
        response_content_type=content_type or "",
    )


def idempotency_release(*, claim):
    """Forget a claim whose request failed on the server: a retry may run it again."""
    IdempotencyKey.objects.filter(pk=claim.pk).delete()


def idempotency_purge(*, now=None):
    """Delete the keys older than a day (the beat schedule runs this hourly)."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lte=cutoff).delete()
    return deleted
