import pytest
from wagtail.rich_text import RichText

from cms import selectors
from cms.faq_io import import_faq
from tests.cms.conftest import lesson, make_article, make_course, translate

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(tree):
    zh = make_course(
        tree.training["zh-hans"],
        title="专利年费管理",
        slug="fees",
        lessons=[lesson("滞纳期", "错过缴费日后有六个月的滞纳期")],
    )
    en = translate(zh, tree.en, title="Managing patent annual fees")
    article = make_article(
        tree.news["zh-hans"],
        title="商标续展提醒",
        body=[("paragraph", RichText("<p>注册商标有效期为十年</p>"))],
    )
    import_faq(
        [
            '{"key": "renewal", "language": "zh-hans", "category": "trademarks", '
            '"question": "商标什么时候续展？", "alternates": [], '
            '"answer": "到期前十二个月内可以申请续展。"}',
            '{"key": "renewal", "language": "en", "category": "trademarks", '
            '"question": "When is a trademark renewed?", "alternates": [], '
            '"answer": "In the twelve months before it expires."}',
        ]
    )
    return {"zh": zh, "en": en, "article": article}


def test_a_chinese_query_finds_chinese_pages_by_their_words(content):
    # 滞纳 appears only inside 滞纳期 in a lesson; full-text engines need it segmented.
    results = selectors.search_site("滞纳", language_code="zh-hans")

    assert [page.pk for page in results["pages"]] == [content["zh"].pk]


def test_a_chinese_query_finds_faq_entries_in_chinese_only(content):
    results = selectors.search_site("商标续展", language_code="zh-hans")

    assert [entry.question for entry in results["faq"]] == ["商标什么时候续展？"]
    assert content["article"].pk in [page.pk for page in results["pages"]]


def test_an_english_query_finds_english_content(content):
    results = selectors.search_site("annual fees", language_code="en")

    assert [page.pk for page in results["pages"]] == [content["en"].pk]
    assert selectors.search_site("trademark renewed", language_code="en")["faq"]


def test_unpublished_pages_are_not_found(content):
    content["zh"].unpublish()

    assert selectors.search_site("滞纳", language_code="zh-hans")["pages"] == []


@pytest.mark.chinese_default
def test_search_page_answers_in_the_visitors_language(client, content):
    response = client.get("/search/", {"q": "年费"})

    assert response.status_code == 200
    assert "专利年费管理" in response.text
    assert "Managing patent annual fees" not in response.text
    # Found pages are headed "页面" (pages), not "分页" (pagination, the same English word).
    assert ">页面</h2>" in response.text
    assert ">分页</h2>" not in response.text


def test_search_page_without_results_says_so(client, content):
    response = client.get("/search/", {"q": "spaceship"})

    assert "Nothing matches" in response.text
