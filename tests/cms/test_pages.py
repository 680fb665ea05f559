import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cms import cache as page_cache
from cms.models import ArticlePage, CoursePage, HomePage, TrainingEventPage, TrainingIndexPage
from tests.cms.conftest import lesson, make_article, make_course, make_event, translate

pytestmark = pytest.mark.django_db


def test_fresh_site_has_a_home_training_centre_and_news_in_both_languages(client, tree):
    assert tree.home["en"].translation_key == tree.home["zh-hans"].translation_key
    assert tree.training["en"].translation_key == tree.training["zh-hans"].translation_key

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["page"].pk == tree.home["en"].pk
    assert response.context["training_index"].pk == tree.training["en"].pk


@pytest.mark.chinese_default
def test_chinese_is_served_by_default(client, tree):
    response = client.get("/")

    assert response.context["page"].pk == tree.home["zh-hans"].pk
    assert '<html lang="zh-hans">' in response.text


def test_tree_rules_keep_courses_in_the_training_centre():
    assert CoursePage.parent_page_types == ["cms.TrainingIndexPage"]
    assert TrainingEventPage.parent_page_types == ["cms.TrainingIndexPage"]
    assert ArticlePage.parent_page_types == ["cms.ArticleIndexPage"]
    assert set(HomePage.subpage_types) == {"cms.TrainingIndexPage", "cms.ArticleIndexPage"}
    assert TrainingIndexPage.can_create_at(HomePage()) is True
    assert CoursePage.can_create_at(HomePage()) is False


def test_published_course_is_served_and_a_draft_is_not(client, tree):
    course = make_course(tree.training["en"], title="Trademark basics", slug="trademark-basics")
    draft = CoursePage(
        title="Unfinished", slug="unfinished", summary="x", lessons=[lesson("A", "B")], live=False
    )
    tree.training["en"].add_child(instance=draft)
    draft.save_revision()

    response = client.get(course.url)

    assert response.status_code == 200
    assert "Trademark basics" in response.text
    assert "First" in response.text and "Second" in response.text
    assert client.get(draft.url).status_code == 404


def test_unpublishing_takes_the_page_off_the_site(client, tree):
    course = make_course(tree.training["en"])
    assert client.get(course.url).status_code == 200

    course.unpublish()

    assert client.get(course.url).status_code == 404


def test_course_page_title_and_lessons_are_in_the_visitors_language(client, tree):
    zh = make_course(tree.training["zh-hans"], title="专利入门", lessons=[lesson("第一课", "内容")])
    en = translate(zh, tree.en, title="Patent basics")

    client.cookies["django_language"] = "zh-hans"
    assert "专利入门" in client.get(zh.url).text
    client.cookies["django_language"] = "en"
    response = client.get(en.url)
    assert response.context["page"].pk == en.pk
    assert "Patent basics" in response.text


def test_language_switch_opens_the_same_course_in_the_other_language(client, tree):
    zh = make_course(tree.training["zh-hans"], title="专利入门", slug="patent-basics")
    en = translate(zh, tree.en, title="Patent basics", slug="patent-basics-en")

    response = client.get(reverse("cms:page-language", args=["en", zh.pk]))

    assert response.status_code == 302
    assert response.url == en.url == "/training/patent-basics-en/"
    assert response.cookies["django_language"].value == "en"
    followed = client.get(response.url)
    assert followed.context["page"].pk == en.pk


def test_page_templates_offer_the_switch_as_a_link_to_the_same_page(client, tree):
    course = make_course(tree.training["en"])

    text = client.get(course.url).text

    switch = reverse("cms:page-language", args=["zh-hans", course.pk])
    assert f'href="{switch}"' in text
    # A cached page must carry no CSRF token of another visitor.
    assert "csrfmiddlewaretoken" not in text


def test_untranslated_page_falls_back_to_the_original_and_says_so(client, tree):
    zh = make_course(tree.training["zh-hans"], title="高价值专利", slug="high-value")

    response = client.get("/training/high-value/")

    assert response.status_code == 200
    assert response.context["page"].pk == zh.pk
    assert 'data-testid="translation-fallback"' in response.text
    assert 'lang="zh-hans"' in response.text
    # The English training centre lists it too, marked as in the original language.
    index = client.get(tree.training["en"].url)
    rows = index.context["course_rows"]
    assert [(row["course"].pk, row["course"].is_fallback) for row in rows] == [(zh.pk, True)]


def test_switch_to_a_language_without_translation_stays_on_the_original(client, tree):
    zh = make_course(tree.training["zh-hans"], slug="only-chinese")

    response = client.get(reverse("cms:page-language", args=["en", zh.pk]))

    assert response.url == zh.url


def test_training_centre_link_finds_the_index_of_the_language(client, tree):
    assert client.get(reverse("cms:training-centre")).url == tree.training["en"].url


def test_training_index_splits_upcoming_and_past_events(client, tree):
    upcoming = make_event(tree.training["en"], slug="soon", starts_in_days=3)
    started = timezone.now() - datetime.timedelta(days=10)
    past = make_event(
        tree.training["en"],
        slug="done",
        starts_at=started,
        ends_at=started + datetime.timedelta(hours=2),
        registration_deadline=started - datetime.timedelta(days=1),
    )

    context = client.get(tree.training["en"].url).context

    assert [e.pk for e in context["upcoming_events"]] == [upcoming.pk]
    assert [e.pk for e in context["past_events"]] == [past.pk]


def test_article_index_filters_by_kind_tag_and_year(client, tree):
    policy = make_article(
        tree.news["en"], slug="plan", tags=["custody"], date=datetime.date(2025, 3, 1)
    )
    news = make_article(
        tree.news["en"],
        slug="agencies",
        kind=ArticlePage.Kind.NEWS,
        tags=["agencies"],
        date=datetime.date(2026, 2, 1),
    )
    url = tree.news["en"].url

    def listed(query):
        return [a.pk for a in client.get(url + query).context["page_obj"]]

    assert client.get(url).context["years"] == [2026, 2025]
    assert listed("?page=1") == [news.pk, policy.pk]
    assert listed("?kind=policy") == [policy.pk]
    assert listed("?tag=agencies") == [news.pk]
    assert listed("?year=2025") == [policy.pk]
    assert listed("?kind=bogus") == [news.pk, policy.pk]


def test_pages_carry_no_inline_script(client, tree):
    course = make_course(tree.training["en"])
    event = make_event(tree.training["en"])
    article = make_article(tree.news["en"])

    for url in (
        "/",
        course.url,
        event.url,
        article.url,
        tree.training["en"].url,
        tree.news["en"].url,
    ):
        text = client.get(url).text
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text) == [], url
        assert " onclick=" not in text


# --- The home page (moved from the portal's own home) -------------------------------------


def test_home_shows_live_figures_and_signup_links(client, personas, tree):
    response = client.get(reverse("frontend:home"))

    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures["incubators"], figures["verified_firms"], figures["approved_agencies"]) == (
        2,
        2,
        2,
    )
    assert 'data-testid="figure-agencies">2<' in response.text
    assert reverse("frontend:signup-firm") in response.text
    assert reverse("frontend:signup-agency") in response.text
    assert reverse("frontend:login") in response.text


@pytest.mark.parametrize(
    "persona", ["firm_member", "agency_consultant", "incubator_manager", "officer"]
)
def test_home_sends_a_signed_in_person_to_their_own_workspace(client, personas, tree, persona):
    # Not to the three other roles' homes, which would each answer 403.
    client.force_login(getattr(personas, persona))

    response = client.get(reverse("frontend:home"))

    assert 'data-testid="workspace-card"' in response.text
    assert f'href="{reverse("frontend:role-home")}"' in response.text
    for other in ("firm-home", "agency-home", "incubator-home", "office-home"):
        assert f'class="stretched-link" href="{reverse("frontend:" + other)}"' not in response.text


def test_home_figures_leave_out_pending_firms_and_agencies(client, personas, tree):
    from tests.factories import AgencyFactory, FirmFactory

    FirmFactory(incubator=personas.incubator)
    AgencyFactory()

    figures = client.get(reverse("frontend:home")).context["figures"]

    assert figures["verified_firms"] == 2
    assert figures["approved_agencies"] == 2


def test_home_shows_open_package_and_who_pays(client, open_year, tree):
    response = client.get(reverse("frontend:home"))

    package = response.context["package"]
    assert package["year"] == open_year
    assert [row["amount"] for row in package["rows"]] == [2000, 500]
    assert (package["price"], package["government"], package["copay"]) == (2500, 2000, 500)
    assert "¥2,500.00" in response.text
    with translation.override("en"):
        assert open_year.display_name in response.text


def test_home_compares_firms_under_custody_with_the_target(client, open_year, tree):
    figures = client.get("/").context["figures"]

    assert figures["firms_under_custody"] == 0
    assert figures["target_firms"] == open_year.target_firms
    assert 'data-testid="figure-custody">0' in client.get("/?fresh").text


def test_home_says_when_no_year_is_open(client, tree):
    response = client.get(reverse("frontend:home"))

    assert response.context["package"] is None
    assert "No programme year is taking applications at the moment." in response.text


def test_home_lists_upcoming_events_and_latest_articles(client, tree):
    event = make_event(tree.training["en"])
    article = make_article(tree.news["en"])

    context = client.get("/").context

    assert [e.pk for e in context["upcoming_events"]] == [event.pk]
    assert [a.pk for a in context["latest_articles"]] == [article.pk]


def test_uncached_home_takes_at_most_15_queries(
    client, open_year, personas, tree, django_assert_max_num_queries
):
    for n in range(3):
        make_event(tree.training["zh-hans"], slug=f"event-{n}")
        make_article(tree.news["zh-hans"], slug=f"article-{n}")
    client.get("/")  # Wagtail's own site and content-type caches, as on a running server
    page_cache.bump()

    with translation.override("zh-hans"), django_assert_max_num_queries(15):
        client.cookies["django_language"] = "zh-hans"
        response = client.get("/")

    assert response.status_code == 200
    assert len(response.context["upcoming_events"]) == 3


def test_anonymous_page_views_come_from_the_cache_without_queries(
    client, tree, open_year, django_assert_num_queries
):
    course = make_course(tree.training["en"])
    first_home = client.get("/")
    client.get(course.url)

    with django_assert_num_queries(0):
        home = client.get("/")
        again = client.get(course.url)

    assert home.status_code == again.status_code == 200
    assert home.content == first_home.content


def test_publishing_retires_cached_pages(client, tree):
    course = make_course(tree.training["en"], title="Old title")
    assert "Old title" in client.get(course.url).text

    course.title = "New title"
    course.save_revision().publish()

    assert "New title" in client.get(course.url).text


def test_logged_in_visitors_are_not_served_from_the_cache(client, personas, tree):
    client.get("/")
    client.force_login(personas.firm_member)

    response = client.get("/")

    assert response.context is not None
    assert reverse("frontend:role-home") in response.text
