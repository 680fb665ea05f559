"""The public FAQ page: every published question in the visitor's language, by category,
reachable from the navigation of every page."""

import json

import pytest
from django.urls import reverse

from cms.faq_io import import_faq
from cms.models import FaqEntry

pytestmark = pytest.mark.django_db


def _line(key, language, category, question, answer):
    return json.dumps(
        {
            "key": key,
            "language": language,
            "category": category,
            "question": question,
            "alternates": [],
            "answer": answer,
        },
        ensure_ascii=False,
    )


@pytest.fixture
def faq(tree):
    import_faq(
        [
            _line("renewal", "zh-hans", "trademarks", "商标什么时候续展？", "到期前十二个月内。"),
            _line(
                "renewal", "en", "trademarks", "When is a trademark renewed?", "Within 12 months."
            ),
            _line(
                "annual-fee", "zh-hans", "patents", "专利年费什么时候交？", "按申请日周年日缴纳。"
            ),
            _line(
                "annual-fee", "en", "patents", "When are patent fees due?", "On each anniversary."
            ),
            _line("new-topic", "en", "open-source", "Can we use GPL code?", "Ask your agency."),
        ]
    )


def test_the_faq_page_lists_published_questions_in_chinese_by_category(client, faq):
    response = client.get(reverse("cms:faq"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    body = response.content.decode()
    assert response.status_code == 200
    assert "常见问题" in body
    assert "商标什么时候续展？" in body and "到期前十二个月内。" in body
    assert "When is a trademark renewed?" not in body
    # Categories follow the programme's order (patents before trademarks), with labels.
    assert body.index(">专利<") < body.index(">商标<")
    assert 'id="q-renewal"' in body


def test_the_faq_page_in_english_shows_english_entries_and_labels_new_categories(client, faq):
    client.cookies["django_language"] = "en"
    response = client.get(reverse("cms:faq"))

    body = response.content.decode()
    assert "When are patent fees due?" in body and "专利年费" not in body
    assert ">Patents<" in body
    # A category nobody labelled yet is listed last, under its own key.
    assert body.index(">Trademarks<") < body.index(">open source<")
    assert "3 questions about the custody programme" in body


def test_a_category_narrows_the_page_and_an_unknown_one_shows_all(client, faq):
    client.cookies["django_language"] = "en"

    narrowed = client.get(reverse("cms:faq"), {"category": "patents"}).content.decode()
    unknown = client.get(reverse("cms:faq"), {"category": "<script>"}).content.decode()

    assert "When are patent fees due?" in narrowed
    assert "When is a trademark renewed?" not in narrowed
    assert "When is a trademark renewed?" in unknown and "<script>" not in unknown


def test_drafts_are_not_on_the_faq_page(client, faq):
    entry = FaqEntry.objects.get(key="renewal", locale__language_code="zh-hans")
    entry.live = False
    entry.save(update_fields=["live"])

    body = client.get(reverse("cms:faq"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "商标什么时候续展？" not in body
    assert "专利年费什么时候交？" in body


def test_every_page_links_to_the_faq_in_its_navigation(client, faq):
    body = client.get(reverse("cms:search"), HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert f'href="{reverse("cms:faq")}"' in body.content.decode()
    faq_page = client.get(reverse("cms:faq"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'aria-current="page">常见问题</a>' in faq_page


def test_answers_show_the_programmes_live_figures_not_their_placeholders(client, tree, open_year):
    # The product FAQ's money answers hold placeholders the assistant fills; the FAQ page and
    # search show the same figures (issue #18: no raw code on any page).
    import_faq(
        [
            _line(
                "package",
                "en",
                "payments",
                "What does the package cost?",
                "The standard package costs {package_price}; ask {unknown} nothing.",
            )
        ]
    )
    client.cookies["django_language"] = "en"

    faq_page = client.get(reverse("cms:faq")).content.decode()
    search = client.get(reverse("cms:search"), {"q": "package cost"}).content.decode()

    for body in (faq_page, search):
        assert "The standard package costs ¥2,500.00;" in body
        assert "{package_price}" not in body
        # A brace that names no figure is the editor's text, left as written.
        assert "{unknown}" in body
