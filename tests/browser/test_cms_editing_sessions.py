"""Wagtail's editing-session ping in a real browser (issue #18: it was reported answering 400
on most edit pages): on the edit page of every page type and of the FAQ snippet, in Chinese
and in English, each ping the editor sends is answered 200, before and after a change."""

import pytest
from django.urls import reverse
from wagtail.models import Locale

from cms.models import (
    ArticleIndexPage,
    FaqEntry,
    HomePage,
)
from tests.browser.test_cms_editor import server, site  # noqa: F401  (fixtures)
from tests.cms.conftest import make_article, make_course, make_event
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PING = "/editing-sessions/"


def edit_pages(training):
    """The edit view of every page type, in both trees, and of the FAQ snippet."""
    urls = []
    for code in ("zh-hans", "en"):
        locale = Locale.objects.get(language_code=code)
        home = HomePage.objects.get(locale=locale)
        news = ArticleIndexPage.objects.get(locale=locale)
        pages = [
            home,
            training[code],
            news,
            make_course(training[code], slug=f"course-{code}"),
            make_event(training[code], slug=f"event-{code}"),
            make_article(news, slug=f"article-{code}"),
        ]
        urls += [reverse("wagtailadmin_pages:edit", args=[page.pk]) for page in pages]
    faq = FaqEntry.objects.create(question="什么是托管？", answer="知识产权托管服务。")
    urls.append(reverse(faq.snippet_viewset.get_url_name("edit"), args=[faq.pk]))
    return urls


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_every_edit_page_pings_and_is_answered(browser, server, site, locale, settings):  # noqa: F811
    # Pinged every half second instead of every ten, so that each page's pings come quickly.
    settings.WAGTAIL_EDITING_SESSION_PING_INTERVAL = 500
    UserFactory(username="editor", role="cms_editor")
    urls = edit_pages(site)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    page = context.new_page()
    answers = []
    page.on(
        "response",
        lambda response: (
            answers.append((page.url, response.status)) if PING in response.url else None
        ),
    )
    page.goto(f"{server.url}/cms/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/cms/login/'] [type=submit]")

    for url in urls:
        with page.expect_response(lambda response: PING in response.url):
            page.goto(f"{server.url}{url}")
        # The pings go on while the editor types: the next one after the change is awaited.
        with page.expect_response(lambda response: PING in response.url):
            page.fill("#id_title" if "/pages/" in url else "#id_question", "改动 changed")
    context.close()

    refused = [answer for answer in answers if answer[1] != 200]
    assert refused == []
    pinged = {url for url, _status in answers}
    assert pinged >= {f"{server.url}{url}" for url in urls}
