"""API tokens (django-rest-knox): issued for a password, listed and revoked by their owner,
and all revoked when the password changes, by any path.

The database holds a SHA-512 digest of each token and its first characters (`token_key`,
which names it in lists and revocations); the token itself is shown once, when issued. A
token expires API_TOKEN_TTL_HOURS after issue. The audit event's subject is the owner.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from knox.models import AuthToken

from core.audit import audit_record
from core.errors import ActionError


class TokenNotFound(ActionError):
    status_code = 404


@transaction.atomic
def api_token_issue(*, user, by=None):
    """A new token for `user`; returns (the stored row, the token to hand over once)."""
    row, token = AuthToken.objects.create(user=user)
    audit_record(
        actor=by or user,
        action="user.api_token_issued",
        subject=user,
        data={"token_key": row.token_key, "expiry": row.expiry.isoformat() if row.expiry else None},
    )
    return row, token


@transaction.atomic
def api_token_revoke(*, user, token_key, by):
    """Revoke one of `user`'s own tokens, named by its first characters."""
    rows = list(AuthToken.objects.select_for_update().filter(user=user, token_key=token_key))
    if not rows:
        raise TokenNotFound(
            _("You have no API token starting with %(key)s.") % {"key": token_key},
            code="token_not_found",
            field="token_key",
        )
    AuthToken.objects.filter(pk__in=[row.pk for row in rows]).delete()
    audit_record(
        actor=by, action="user.api_token_revoked", subject=user, data={"token_key": token_key}
    )


@transaction.atomic
def api_tokens_revoke_all(*, user, by, reason):
    """Revoke every token of `user` (a password change, or the owner's choice); returns how many."""
    count, _deleted = AuthToken.objects.filter(user=user).delete()
    if count:
        audit_record(
            actor=by,
            action="user.api_tokens_revoked",
            subject=user,
            reason=reason,
            data={"count": count},
        )
    return count
