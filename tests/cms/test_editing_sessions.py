"""Wagtail's editing-session ping (who else edits this page) answers every edit page it
is rendered on, for the page's own editors, as the browser sends it."""

import re
from html import unescape

import pytest
from django.urls import reverse
from wagtail.models import Page, get_page_models

from cms.models import FaqEntry
from tests.cms.conftest import make_article, make_course, make_event, publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PING = re.compile(r'data-w-swap-src-value="([^"]+)"')
FIELD = re.compile(r'<input type="hidden" name="(revision_id|revision_created_at)" value="([^"]*)"')


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", role="cms_editor")


def ping_from(page_html):
    """The ping's address and the fields its form posts, read from the edit page."""
    url = unescape(PING.search(page_html).group(1))
    return url, {name: unescape(value) for name, value in FIELD.findall(page_html)}


def edit_urls(tree):
    """The edit view of every page type in both trees, and of the FAQ snippet."""
    pages = []
    for code in ("zh-hans", "en"):
        pages += [
            tree.home[code],
            tree.training[code],
            tree.news[code],
            publish(make_course(tree.training[code])),
            publish(make_event(tree.training[code])),
            publish(make_article(tree.news[code])),
        ]
    page_types = {type(page.specific) for page in pages}
    assert page_types == set(get_page_models()) - {Page}, "a page type without its edit view"
    faq = FaqEntry.objects.create(question="什么是托管？", answer="知识产权托管服务。")
    return [reverse("wagtailadmin_pages:edit", args=[page.pk]) for page in pages] + [
        reverse(faq.snippet_viewset.get_url_name("edit"), args=[faq.pk])
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_ping_answers_on_every_edit_page(client, tree, editor, language):
    client.force_login(editor)
    for url in edit_urls(tree):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200, url
        ping, data = ping_from(page.content.decode())

        # As the page first pings, then with its unsaved-changes box ticked.
        for extra in ({}, {"is_editing": "1"}):
            answer = client.post(ping, {**data, **extra}, HTTP_ACCEPT_LANGUAGE=language)

            assert answer.status_code == 200, (url, extra, answer.content[:200])
            assert answer.json()["other_sessions"] == []


def test_a_second_editor_sees_the_first_one_editing(client, tree, editor, personas):
    url = reverse("wagtailadmin_pages:edit", args=[tree.home["zh-hans"].pk])
    client.force_login(editor)
    ping, data = ping_from(client.get(url).content.decode())
    assert client.post(ping, {**data, "is_editing": "1"}).status_code == 200

    client.force_login(personas.officer)
    ping, data = ping_from(client.get(url).content.decode())
    answer = client.post(ping, data)

    assert answer.status_code == 200, answer.content[:200]
    assert [row["is_editing"] for row in answer.json()["other_sessions"]] == [True]
