"""The anonymous page cache: rendered pages kept in the Django cache, keyed by language.

A hit costs no database query: the request carries no session (so nobody is
logged in and no message waits), and the cache holds the rendered response.
Publishing, unpublishing, moving or deleting a page and every registration
change bump one version number, which retires every cached page at once.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

VERSION_KEY = "cms:page-cache-version"


def _fresh_version():
    # Nanoseconds, so a version lost with an evicted key never comes back to match old pages.
    return time.time_ns()


def version():
    value = cache.get(VERSION_KEY)
    if value is None:
        cache.add(VERSION_KEY, _fresh_version(), timeout=None)
        value = cache.get(VERSION_KEY, _fresh_version())
    return value


def bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, _fresh_version(), timeout=None)


def cacheable(request):
    """Anonymous GETs without a session or pending messages, while caching is on."""
    if settings.CMS_PAGE_CACHE_SECONDS <= 0 or request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def key(request):
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"cms:page:{version()}:{get_language()}:{request.get_host()}:{path}"


def get(request):
    return cache.get(key(request))


def put(request, response):
    cache.set(key(request), response, settings.CMS_PAGE_CACHE_SECONDS)
