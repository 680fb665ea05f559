"""The Wagtail admin's validation messages read in Chinese for a Chinese editor (issue #18:
saving a page with a missing title said "The page could not be saved due to validation
errors." in English: Wagtail 8's own Chinese catalogue lacks it, ours supplies it)."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_fields(html):
    """The values the edit form would post as it stands (text and hidden inputs)."""
    fields = {}
    for tag in INPUT.findall(html):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type") in ("checkbox", "radio", "submit", "button", "file"):
            continue
        if "name" in attributes:
            fields[attributes["name"]] = unescape(attributes.get("value", ""))
    return fields


def test_saving_a_page_without_its_title_is_refused_in_chinese(client, tree):
    client.force_login(UserFactory(username="editor", role="cms_editor"))
    url = reverse("wagtailadmin_pages:edit", args=[tree.training["zh-hans"].pk])
    form = form_fields(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").text)

    answer = client.post(url, {**form, "title": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.status_code == 200
    assert "页面存在校验错误，无法保存。" in answer.text
    assert "转到第一个错误" in answer.text
    assert "could not be saved" not in answer.text and "Go to the first error" not in answer.text


@pytest.mark.parametrize(
    "message",
    [
        "The page could not be created due to validation errors.",
        "There are validation errors, click save to highlight them.",
        "Save your changes before leaving",
        "Autosave is paused",
        "A network error occurred",
    ],
)
def test_the_editors_other_messages_read_in_chinese(message):
    with translation.override("zh-hans"):
        assert gettext(message) != message


def test_the_error_count_on_tabs_reads_in_chinese(client):
    client.force_login(UserFactory(username="editor", role="cms_editor"))

    catalogue = client.get(
        reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).text

    assert "%(num)s \\u4e2a\\u9519\\u8bef" in catalogue or "%(num)s 个错误" in catalogue


def test_the_page_explorer_is_titled_in_chinese(client, tree):
    client.force_login(UserFactory(username="editor", role="cms_editor"))
    page = tree.training["zh-hans"]

    answer = client.get(
        reverse("wagtailadmin_explore", args=[page.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert answer.status_code == 200
    title = re.search(r"<title>(.*?)</title>", answer.text, re.S).group(1)
    assert "浏览" in title and "Exploring" not in title
