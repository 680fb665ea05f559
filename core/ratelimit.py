"""Fixed-window request limits for Django views, shared by every worker through the cache.

The client's address is the peer's, or, behind the one proxy the settings trust
(TRUST_X_FORWARDED_FOR), the address that proxy appended last to X-Forwarded-For: the
address the REST throttles (REST_FRAMEWORK["NUM_PROXIES"]) and the chat socket limits
(chat.limits.client_address) key on. Earlier entries of the header are whatever the client
wrote, so they are never believed. Without a working cache a limit lets requests through.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _


def client_address(request):
    """The client's address for a Django request (see the module's note on proxies)."""
    if settings.TRUST_X_FORWARDED_FOR:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in header.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")


def allow(scope, ident, *, limit, window, now=None):
    """Count one more request of `ident` in `scope`; False once `limit` are spent this window.

    `ident` is hashed into the key (an e-mail address is not written into the cache as is);
    `limit` 0 means no limit.
    """
    if not limit:
        return True
    slot = int((time.time() if now is None else now) // window)
    digest = hashlib.sha256(str(ident).encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{slot}"
    cache.add(key, 0, timeout=int(window) + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr, or no cache to count in
        cache.set(key, 1, timeout=int(window) + 1)
        count = 1
    return count <= limit


class PasswordResetLimitMixin:
    """For a PasswordResetView (the portal's and the CMS's): at most PASSWORD_RESET_PER_CLIENT
    requests per client address and PASSWORD_RESET_PER_ADDRESS e-mails per address in each
    PASSWORD_RESET_WINDOW_MINUTES.

    Both are counted for every request, whether or not the address has an account; past the
    address limit the answer is the one of a sent e-mail, so neither limit tells anyone which
    addresses have accounts. Past the client limit the client gets a 429 page.
    """

    def form_valid(self, form):
        window = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
        if not allow(
            "password-reset:client",
            client_address(self.request),
            limit=settings.PASSWORD_RESET_PER_CLIENT,
            window=window,
        ):
            message = _(
                "Too many password resets were asked for from your network. Try again in "
                "%(minutes)d minutes."
            ) % {"minutes": settings.PASSWORD_RESET_WINDOW_MINUTES}
            return render(self.request, "429.html", {"message": message}, status=429)
        if not allow(
            "password-reset:address",
            form.cleaned_data["email"].strip().lower(),
            limit=settings.PASSWORD_RESET_PER_ADDRESS,
            window=window,
        ):
            # The mailbox is spared; the asker learns nothing.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
