"""Public site page views: home and a course page, uncached and from the page cache.

Baseline: a trivial view (returns "ok") answered by the same Django stack and
test client in the same run, i.e. what any request costs before Wagtail, the
templates and the database come in. Pages are measured on a database seeded
with the demo programme (seed_demo) and the demo site content (seed_cms).
"""

from io import StringIO

from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.test.utils import override_settings
from django.urls import clear_url_caches, path

from benchmarks.harness import Row
from cms import cache as page_cache

# An uncached page view may cost this much at p95 on the CI machine (2 cores, SQLite).
TARGET_UNCACHED_SECONDS = 0.25
TARGET_CACHED_SECONDS = 0.02


def trivial(request):
    return HttpResponse("ok")


def __getattr__(name):
    """This module is the benchmark's URLconf: the site's URLs plus the trivial view."""
    if name != "urlpatterns":
        raise AttributeError(name)
    from config.urls import urlpatterns

    # Ahead of Wagtail's catch-all, which must stay last.
    return [path("__bench__/trivial/", trivial), *urlpatterns]


def _seed():
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    call_command("seed_cms", "--if-empty", stdout=StringIO())


def run(ctx):
    from cms.models import CoursePage

    repeat = ctx.repeat(30 if ctx.options.quick else 200)
    rows = []
    # The demo writes cover images and documents; they go with the temporary database.
    media = override_settings(MEDIA_ROOT=str(ctx.workdir / "media"))
    with ctx.fresh_database(), media, override_settings(ROOT_URLCONF=__name__):
        clear_url_caches()
        _seed()
        course_url = CoursePage.objects.live().filter(locale__language_code="zh-hans").first().url
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        for url in ("/__bench__/trivial/", "/", course_url):
            client.get(url)  # templates, jieba and Wagtail's own caches, as on a running server
        baseline = ctx.measure(lambda: client.get("/__bench__/trivial/"), repeat=repeat)
        rows.append(Row(benchmark="cms", case="trivial view", timing=baseline))
        for name, url in (("home", "/"), ("course page", course_url)):
            page_cache.bump()
            uncached = ctx.measure(
                lambda url=url: _get(client, url), repeat=repeat, check=page_cache.bump
            )
            cached = ctx.measure(lambda url=url: _get(client, url), repeat=repeat)
            for label, timing, target in (
                ("uncached", uncached, TARGET_UNCACHED_SECONDS),
                ("from the page cache", cached, TARGET_CACHED_SECONDS),
            ):
                rows.append(
                    Row(
                        benchmark="cms",
                        case=f"{name}, anonymous, {label}",
                        timing=timing,
                        baseline_case="trivial view",
                        baseline=baseline,
                        target=target,
                    )
                )
    clear_url_caches()
    return rows


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response
