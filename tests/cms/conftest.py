"""The site tree (made by migration cms 0002) and helpers to add pages to it."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Locale
from wagtail.rich_text import RichText

from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    CoursePage,
    HomePage,
    TrainingEventPage,
    TrainingIndexPage,
)
from tests.frontend.conftest import open_year  # noqa: F401  (a fixture, shared with the portal)


@pytest.fixture(autouse=True)
def _empty_cache():
    # Pages, FAQ versions and locales live in the process-wide cache; each test starts clean.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Tree:
    zh: Locale
    en: Locale
    home: dict
    training: dict
    news: dict


@pytest.fixture
def tree(db):
    zh = Locale.objects.get(language_code="zh-hans")
    en = Locale.objects.get(language_code="en")
    home = {code: HomePage.objects.get(locale__language_code=code) for code in ("zh-hans", "en")}
    return Tree(
        zh=zh,
        en=en,
        home=home,
        training={c: TrainingIndexPage.objects.child_of(h).get() for c, h in home.items()},
        news={c: ArticleIndexPage.objects.child_of(h).get() for c, h in home.items()},
    )


def publish(page, user=None):
    page.save_revision(user=user).publish(user=user)
    page.refresh_from_db()
    return page


def translate(page, locale, **fields):
    """The page's translation in `locale`, with `fields` changed, published."""
    translation = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save()
    return publish(translation)


def lesson(title, text, minutes=10):
    return (
        "lesson",
        {
            "title": title,
            "minutes": minutes,
            "content": [("paragraph", RichText(f"<p>{text}</p>"))],
        },
    )


def make_course(parent, *, title="Patent basics", slug="patent-basics", lessons=None, **fields):
    course = CoursePage(
        title=title,
        slug=slug,
        summary=fields.pop("summary", f"About {title}"),
        lessons=lessons or [lesson("First", "One"), lesson("Second", "Two")],
        **fields,
    )
    parent.add_child(instance=course)
    return publish(course)


def make_event(
    parent, *, title="Patent workshop", slug="patent-workshop", starts_in_days=10, **fields
):
    starts = timezone.now() + datetime.timedelta(days=starts_in_days)
    values = {
        "summary": "Find what to patent.",
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=2),
        "venue": "Gulou training room",
        "capacity": 2,
        "registration_deadline": starts - datetime.timedelta(days=1),
    }
    values.update(fields)
    event = TrainingEventPage(title=title, slug=slug, **values)
    parent.add_child(instance=event)
    return publish(event)


def make_article(parent, *, title="Custody plan", slug="custody-plan", **fields):
    values = {
        "summary": "What the city buys.",
        "body": [("paragraph", RichText("<p>Body</p>"))],
        "kind": ArticlePage.Kind.POLICY,
    }
    values.update(fields)
    tags = values.pop("tags", [])
    article = ArticlePage(title=title, slug=slug, **values)
    parent.add_child(instance=article)
    if tags:
        article.tags.add(*tags)
    return publish(article)
