"""The account's API tokens: listed, issued (shown once) and revoked by their owner.

Reads through marketplace.selectors.api_tokens_of (the user's own, never anyone else's);
each change is one marketplace action (api_token_issue, api_token_revoke,
api_tokens_revoke_all).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ActionError
from marketplace import actions, selectors


def _page(request, *, new_token=None):
    return render(
        request,
        "frontend/accounts/api_tokens.html",
        {
            "tokens": selectors.api_tokens_of(request.user),
            "new_token": new_token,
            "ttl_hours": settings.API_TOKEN_TTL_HOURS,
        },
    )


@login_required
def api_tokens(request):
    return _page(request)


@require_POST
@login_required
def api_token_new(request):
    _row, token = actions.api_token_issue(user=request.user, by=request.user)
    # Shown on this answer only: the database keeps a digest, so it cannot be shown again.
    return _page(request, new_token=token)


@require_POST
@login_required
def api_token_revoke(request, token_key):
    try:
        actions.api_token_revoke(user=request.user, token_key=token_key, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The API token %(key)s… is revoked.") % {"key": token_key})
    return redirect("frontend:api-tokens")


@require_POST
@login_required
def api_tokens_revoke_all(request):
    count = actions.api_tokens_revoke_all(
        user=request.user, by=request.user, reason=_("Revoked by their owner.")
    )
    messages.success(request, _("%(count)s API token(s) revoked.") % {"count": count})
    return redirect("frontend:api-tokens")
