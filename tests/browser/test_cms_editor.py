"""The issue's "done when", in a real browser: an editor publishes a bilingual course,
event and FAQ entry in the Wagtail admin, visitors read them in both languages, and a
firm member registers for the event."""

import datetime
import importlib
import re
import threading

import pytest
from django.apps import apps
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Locale, Page

from cms.faq import published_faq_entries
from cms.models import (
    CoursePage,
    EventRegistration,
    FaqEntry,
    HomePage,
    TrainingEventPage,
    TrainingIndexPage,
)
from tests.conftest import make_personas
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(settings):
    """The tree and CMS groups of migration cms 0002; an earlier browser test's flush removed them."""
    migration = importlib.import_module("cms.migrations.0002_site_tree_groups_and_workflow")
    if not HomePage.objects.exists():
        locale, _created = Locale.objects.get_or_create(language_code="zh-hans")
        if not Page.objects.filter(depth=1).exists():
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        migration.build_site(apps, None)
    migration.grant_permissions(apps, None)
    # Autosave would race the editor's own clicks for the same page; the journey saves by hand.
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    cache.clear()
    yield {
        code: TrainingIndexPage.objects.get(locale__language_code=code)
        for code in ("zh-hans", "en")
    }
    cache.clear()


@pytest.fixture
def server(live_server):
    """The live server, answering one request at a time.

    The admin's editor fires requests of its own (editing-session pings, their release
    when the page is left) while the form is posted; on in-memory SQLite the server
    threads share one connection, and two writers at once fail with "table is locked".
    """
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    lock = threading.Lock()

    def one_at_a_time(environ, start_response):
        with lock:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                if hasattr(response, "close"):
                    response.close()

    httpd.set_app(one_at_a_time)
    yield live_server
    httpd.set_app(app)


def open_tab_with(page, field):
    """Open the editor's tab that holds `field` (tab labels are translated, their panels are not)."""
    panel = page.locator(f"[role=tabpanel]:has({field})").get_attribute("id")
    page.click(f"[role=tab][aria-controls='{panel}']")


def write_rich_text(page, editor, field, text):
    """Replace what a Draftail editor says, and wait until it has written its hidden input."""
    page.locator(f"{editor} [contenteditable=true]").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)
    expect(page.locator(field)).to_have_value(re.compile(re.escape(text)))


def publish(page):
    """The footer's "Publish", behind the toggle next to "Save draft"."""
    page.click("footer .w-dropdown__toggle")
    with page.expect_navigation():
        page.click("footer button[name=action-publish]")
    expect(page.locator(".messages .success")).to_be_visible()


def translate_into_english(page, en, menu="header .w-dropdown__toggle--icon"):
    """The "Translate" action of wagtail.contrib.simple_translation, from the `menu` toggle."""
    page.click(menu)
    page.click("a[href*='/translation/submit/']")
    page.check(f"input[name=locales][value='{en.pk}']")
    with page.expect_navigation():
        page.click("form:has(input[name=locales]) [type=submit]")
    # The copy opens in its own editor, still a draft.
    expect(page.locator("footer button[name=action-publish]")).to_be_attached()


def moment(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_editor_publishes_bilingual_course_event_and_faq_and_a_member_registers(
    browser, page, server, site, log_in, zh
):
    personas = make_personas()
    UserFactory(username="editor", role="cms_editor")
    en = Locale.objects.get(language_code="en")
    admin = f"{server.url}/cms"

    # The editor signs in to the Wagtail admin.
    page.goto(f"{admin}/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/cms/login/'] [type=submit]")
    expect(page).to_have_url(f"{admin}/")

    # 1. A course in the Chinese training centre, with one lesson of one paragraph.
    page.goto(f"{admin}/pages/{site['zh-hans'].pk}/add_subpage/")
    page.click("a[href*='/add/cms/coursepage/']")
    page.fill("#id_title", "专利年费管理")
    page.fill("#id_summary", "如何按时缴纳专利年费。")
    page.click("[data-contentpath=lessons] .c-sf-add-button")
    page.fill("#lessons-0-value-title", "第一课：缴费期限")
    page.click("[data-contentpath=lessons] [data-contentpath=content] .c-sf-add-button")
    page.get_by_role("option", name=zh("Paragraph")).click()
    write_rich_text(
        page,
        "[data-contentpath=lessons] [data-contentpath=content]",
        "#lessons-0-value-content-0-value",
        "年费须在每年的申请日前缴纳。",
    )
    open_tab_with(page, "#id_slug")
    page.fill("#id_slug", "patent-fees")
    publish(page)
    course = CoursePage.objects.get(locale__language_code="zh-hans")
    assert course.live and course.get_parent().pk == site["zh-hans"].pk

    # ... and its English translation.
    page.goto(f"{admin}/pages/{course.pk}/edit/")
    translate_into_english(page, en)
    assert not CoursePage.objects.get(locale=en).live
    page.fill("#id_title", "Managing patent fees")
    page.fill("#id_summary", "How to pay patent annuities on time.")
    page.fill("#lessons-0-value-title", "Lesson 1: deadlines")
    write_rich_text(
        page,
        "[data-contentpath=lessons] [data-contentpath=content]",
        "#lessons-0-value-content-0-value",
        "Pay each annuity before the filing date comes round.",
    )
    publish(page)
    course_en = CoursePage.objects.get(locale=en)
    assert course_en.live and course_en.translation_key == course.translation_key
    assert course_en.get_parent().pk == site["en"].pk

    # 2. An event, dated, with a place and a capacity, in both languages.
    starts = timezone.localtime() + datetime.timedelta(days=10)
    starts = starts.replace(hour=9, minute=0, second=0, microsecond=0)
    page.goto(f"{admin}/pages/{site['zh-hans'].pk}/add_subpage/")
    page.click("a[href*='/add/cms/trainingeventpage/']")
    page.fill("#id_title", "专利挖掘工作坊")
    page.fill("#id_summary", "找出值得申请专利的成果。")
    page.fill("#id_starts_at", moment(starts))
    page.fill("#id_ends_at", moment(starts + datetime.timedelta(hours=3)))
    page.fill("#id_venue", "鼓楼区培训室")
    page.fill("#id_capacity", "30")
    page.fill("#id_registration_deadline", moment(starts - datetime.timedelta(days=1)))
    page.keyboard.press("Escape")
    open_tab_with(page, "#id_slug")
    page.fill("#id_slug", "patent-mining")
    publish(page)
    event = TrainingEventPage.objects.get(locale__language_code="zh-hans")
    assert (event.live, event.capacity, event.starts_at) == (True, 30, starts)

    page.goto(f"{admin}/pages/{event.pk}/edit/")
    translate_into_english(page, en)
    assert not TrainingEventPage.objects.get(locale=en).live
    page.fill("#id_title", "Patent mining workshop")
    page.fill("#id_summary", "Find the results worth patenting.")
    page.fill("#id_venue", "Gulou training room")
    publish(page)
    event_en = TrainingEventPage.objects.get(locale=en)
    assert event_en.live and event_en.translation_key == event.translation_key

    # 3. A FAQ entry in Chinese, then its English translation.
    page.goto(f"{admin}/snippets/cms/faqentry/add/?locale=zh-hans")
    page.fill("#id_key", "annuity-reduction")
    page.fill("#id_category", "patents")
    page.fill("#id_question", "专利年费可以减缴吗？")
    page.fill("#id_alternates", "年费减免")
    write_rich_text(
        page, "[data-contentpath=answer]", "input[name=answer]", "可以，符合条件的企业可申请减缴。"
    )
    publish(page)
    entry = FaqEntry.objects.get(key="annuity-reduction", locale__language_code="zh-hans")
    assert entry.live

    # Snippets offer "Translate" in the listing row's menu, not in their editor.
    translate_into_english(
        page, en, menu=f"tr:has(a[href$='/faqentry/edit/{entry.pk}/']) .w-dropdown__toggle"
    )
    # Until it is translated and published, the copy answers nobody in English.
    assert not FaqEntry.objects.get(key="annuity-reduction", locale=en).live
    assert [e["language"] for e in published_faq_entries()] == ["zh-hans"]
    page.fill("#id_question", "Can patent annuities be reduced?")
    page.fill("#id_alternates", "annuity discount")
    write_rich_text(
        page, "[data-contentpath=answer]", "input[name=answer]", "Yes, eligible firms may apply."
    )
    publish(page)
    entry_en = FaqEntry.objects.get(key="annuity-reduction", locale=en)
    assert entry_en.live and entry_en.translation_key == entry.translation_key
    assert {(e["language"], e["question"]) for e in published_faq_entries()} == {
        ("en", "Can patent annuities be reduced?"),
        ("zh-hans", "专利年费可以减缴吗？"),
    }

    # 4. Visitors read all three in their own language.
    visitors = {
        "zh-hans": ("zh-CN", "专利年费管理", "专利挖掘工作坊", "年费减缴", "专利年费可以减缴吗？"),
        "en": (
            "en-US",
            "Managing patent fees",
            "Patent mining workshop",
            "annuities reduced",
            "Can patent annuities be reduced?",
        ),
    }
    pages = {"zh-hans": (course, event), "en": (course_en, event_en)}
    for code, (browser_locale, course_title, event_title, query, question) in visitors.items():
        context = browser.new_context(locale=browser_locale)
        visitor = context.new_page()
        course_page, event_page = pages[code]
        visitor.goto(f"{server.url}{course_page.url}")
        expect(visitor.locator("html")).to_have_attribute("lang", code)
        expect(visitor.locator("[data-testid=course-title]")).to_have_text(course_title)
        visitor.goto(f"{server.url}{event_page.url}")
        expect(visitor.locator("[data-testid=event-title]")).to_have_text(event_title)
        expect(visitor.locator("[data-testid=event-places]")).to_contain_text("30")
        visitor.goto(f"{server.url}/search/?q={query}")
        expect(visitor.locator("[data-testid=faq-results]")).to_contain_text(question)
        context.close()

    # 5. Alice, a firm member, registers from the event page.
    page.context.clear_cookies()
    log_in(page, "alice", PASSWORD)
    page.goto(f"{server.url}{event.url}")
    page.click("[data-testid=register-button]")
    expect(page.locator("[data-testid=registration-status]")).to_be_visible()
    expect(page.locator("#messages .alert")).to_be_visible()
    registration = EventRegistration.objects.get()
    assert (registration.event_id, registration.user, registration.status) == (
        event.pk,
        personas.firm_member,
        EventRegistration.Status.REGISTERED,
    )
