"""Playwright in the system Chromium, driven through the sync API against pytest-django's live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module.

    Playwright's sync API runs an event loop in this thread for as long as it is
    started, so it stops when the module ends: later tests in the same worker
    (Channels consumers, async_to_sync) need the thread free of a running loop.
    While it runs, Django's ORM calls made by the test itself (setting up personas)
    would be refused as "async unsafe", hence the flag for exactly that span.
    """
    if not CHROMIUM.exists():
        message = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    # A browser set to Chinese, like most of the programme's users; LocaleMiddleware
    # follows Accept-Language until the language switch sets a cookie.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused = []
    # Anything the Content-Security-Policy blocks is a broken page feature: fail on it.
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert refused == [], f"blocked by the Content-Security-Policy: {refused}"


@pytest.fixture
def log_in(live_server):
    """Sign in through the login form, as a person would, and return the landing page."""

    def sign_in(page, username, password):
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("form[action='/login/'] button[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in


@pytest.fixture
def zh():
    """The browser reads Chinese: `zh("Accept")` is the label a person sees on the page."""
    from django.utils import translation
    from django.utils.translation import gettext

    def translate(text):
        with translation.override("zh-hans"):
            return gettext(text)

    return translate
