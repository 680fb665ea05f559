"""The assistant widget answers a question; the live server has no WebSocket, so this
also proves the HTTP fallback."""

import pytest

from tests.chat.conftest import TINY_FAQ

pytestmark = pytest.mark.django_db(transaction=True)


def test_widget_answers_a_question_over_the_http_fallback(page, live_server, monkeypatch):
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in TINY_FAQ])
    monkeypatch.setattr("cms.faq.faq_version", lambda: "browser")
    page.goto(f"{live_server.url}/login/")
    page.click("[data-chat-open]")
    assert page.locator("#chat-panel").is_visible()
    page.fill("#chat-input", "How do I pay the patent annual fee?")
    page.keyboard.press("Enter")
    answer = page.locator(".chat-log .from-bot").first
    answer.wait_for()
    assert "Pay the annual fee before the filing anniversary." in answer.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#chat-panel").is_hidden()
