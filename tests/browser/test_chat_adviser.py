"""A visitor asks for a person in the chat widget; an adviser answers from the inbox, live.

pytest-django's live server speaks WSGI only, so this module serves the site with Daphne
(HTTP and WebSocket) in a thread of the test process. A thread rather than a process:
on the embedded default the test database is SQLite in memory, which only this process
can see, and the in-memory channel layer must carry the adviser's reply (an HTTP
request) to the visitor's socket, which one process does. The same server runs on
PostgreSQL + Redis.
"""

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.db import connections
from django.utils import timezone

from chat.models import Conversation
from core.workdays import add_workdays
from tests.chat.conftest import TINY_FAQ, online
from tests.chat.test_actions import _engage
from tests.factories import PASSWORD
from tests.marketplace.conftest import programme  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records the page's WebSockets, so the test can wait until the widget's socket is open
# instead of racing it (a question sent before that goes over the HTTP fallback).
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  function Tracked(url, protocols) {
    const socket = protocols === undefined ? new Native(url) : new Native(url, protocols);
    window.__sockets.push(socket);
    return socket;
  }
  Tracked.prototype = Native.prototype;
  Object.assign(Tracked, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Tracked;
})();
"""
SOCKET_OPEN = "() => window.__sockets.some((socket) => socket.readyState === 1)"


@contextlib.contextmanager
def _short_lived_connections():
    """Server threads close their database connection after each use, as CONN_MAX_AGE=0.

    Daphne runs Django's sync code in executor threads the test cannot reach; a kept-alive
    PostgreSQL connection there would outlive the test and block dropping the test database.
    """
    settings_dict = connections.settings["default"]
    previous = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    try:
        yield
    finally:
        settings_dict["CONN_MAX_AGE"] = previous


@pytest.fixture(scope="module")
def asgi_server(django_db_setup):
    """Daphne serving config.asgi (and the static files) on a free port, in a thread.

    Twisted's reactor runs once per process: one module per worker may use this.
    """
    from daphne.endpoints import build_endpoint_description_strings
    from daphne.server import Server
    from twisted.internet import reactor

    from config.asgi import application

    if reactor._startedBefore:
        pytest.fail("The Twisted reactor has run in this process already; it cannot restart.")
    server = Server(
        application=ASGIStaticFilesHandler(application),
        endpoints=build_endpoint_description_strings(host="127.0.0.1", port=0),
        signal_handlers=False,
        verbosity=0,
    )
    with _short_lived_connections():
        thread = threading.Thread(target=server.run, name="daphne", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.listening_addresses:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("Daphne did not start listening.")
            time.sleep(0.05)
        host, port = server.listening_addresses[0]
        try:
            yield f"http://{host}:{port}"
        finally:
            reactor.callFromThread(reactor.stop)
            thread.join(timeout=15)


def _sign_in(page, base_url, username):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_load_state()


def test_visitor_asks_for_a_person_and_the_adviser_answers_live(
    asgi_server, browser, page, personas, monkeypatch
):
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in TINY_FAQ])
    monkeypatch.setattr("cms.faq.faq_version", lambda: "browser-adviser")
    consultant = personas.agency_consultant
    # Anonymous visitors go to any online consultant of an approved agency; only this one is.
    online(consultant)

    # The visitor opens the widget; once its socket is open, the assistant answers over it.
    page.add_init_script(TRACK_SOCKETS)
    page.goto(f"{asgi_server}/login/")
    page.click("[data-chat-open]")
    page.wait_for_function(SOCKET_OPEN)
    page.fill("#chat-input", "How do I pay the patent annual fee?")
    page.keyboard.press("Enter")
    answer = page.locator(".chat-log .from-bot").first
    # Only answers that came over the socket carry a message id, hence the rating buttons.
    answer.locator(".chat-rate").wait_for()
    assert "Pay the annual fee before the filing anniversary." in answer.inner_text()

    # In Chinese too, a "did you mean" for a vague question, and an honest fallback.
    replies = page.locator(".chat-log .from-bot")
    page.fill("#chat-input", "专利年费什么时候交")
    page.keyboard.press("Enter")
    replies.nth(1).locator(".chat-rate").wait_for()
    assert "在申请日周年前缴纳年费。" in replies.nth(1).inner_text()
    page.fill("#chat-input", "fee")
    page.keyboard.press("Enter")
    suggestions = replies.nth(2).locator(".chat-suggestions button")
    suggestions.first.wait_for()
    assert suggestions.count() == 2
    page.fill("#chat-input", "What is the weather in Paris tomorrow?")
    page.keyboard.press("Enter")
    replies.nth(3).wait_for()
    assert replies.nth(3).locator(".chat-rate").count() == 0
    assert replies.nth(3).locator(".chat-suggestions").count() == 0
    # Choosing a suggestion asks it: the answer follows.
    suggestions.first.click()
    replies.nth(4).locator(".chat-rate").wait_for()

    page.click("[data-chat-person]")
    # The question asked last is offered as the topic.
    assert page.input_value("[data-chat-handoff] [name=topic]") == suggestions.first.inner_text()
    page.fill("[data-chat-handoff] [name=topic]", "Annual fee is late")
    page.fill("[data-chat-handoff] [name=contact]", "visitor@example.com")
    page.click("[data-chat-handoff] button[type=submit]")
    page.locator(".chat-log .from-system").first.wait_for()
    assert page.locator("[data-chat-handoff]").is_hidden()

    # The adviser finds it in the inbox and takes it up.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    try:
        adviser = context.new_page()
        _sign_in(adviser, asgi_server, consultant.username)
        adviser.goto(f"{asgi_server}/chat/inbox/")
        adviser.click("[data-testid=inbox] a:has-text('Annual fee is late')")
        adviser.click("[data-testid=claim]")
        adviser.wait_for_load_state()
        joined = page.locator(".chat-log .from-system", has_text=str(consultant))
        # Through the channel layer (Redis in CI's second profile, beside two test workers).
        joined.wait_for(timeout=30_000)

        adviser.fill("#reply-text", "Hello, I am looking at your annual fee now.")
        adviser.click("[data-testid=reply]")
        said = page.locator(".chat-log .from-adviser")
        said.wait_for()
        assert "Hello, I am looking at your annual fee now." in said.inner_text()
        assert str(consultant) in said.inner_text()

        # The visitor's answer goes to the adviser, whose page refreshes every 5 seconds.
        page.fill("#chat-input", "Thank you, the application number is 2024-123.")
        page.keyboard.press("Enter")
        adviser.get_by_text("Thank you, the application number is 2024-123.").wait_for(
            timeout=20_000
        )

        adviser.click("[data-testid=resolve]")
        adviser.wait_for_load_state()
        page.locator("[data-chat-csat]").wait_for()
        page.click("[data-csat='5']")
        page.locator("[data-chat-csat]").wait_for(state="hidden")
    finally:
        context.close()

    conversation = Conversation.objects.get()
    assert conversation.assigned_to == consultant
    assert (conversation.state, conversation.csat) == (Conversation.State.RESOLVED, 5)
    # Five questions answered by the assistant, then the hand-off.
    assert list(conversation.messages.values_list("sender", flat=True).order_by("pk")) == [
        *["user", "bot"] * 5,
        "system",
        "adviser",
        "user",
    ]


# ---- the conversation that never goes silent, live figures, suggestions after a reload ----

LIVE_COPAY = {
    **next(entry for entry in TINY_FAQ if entry["key"] == "copay"),
    "answer": "The firm pays {copay_share} of {package_price}, that is {copay_amount}.",
}
PHONE = {"width": 390, "height": 844}


def _screenshot(page, name):
    """Saved where CHAT_SCREENSHOTS points (for a person to look at); nothing otherwise."""
    folder = os.environ.get("CHAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def _open_widget(page, url):
    page.add_init_script(TRACK_SOCKETS)
    page.goto(url)
    page.click("[data-chat-open]")
    page.wait_for_function(SOCKET_OPEN)


def _ask(page, text, number):
    """Ask, and wait for the assistant's `number`-th reply (0-based) over the socket."""
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    reply = page.locator(".chat-log .from-bot").nth(number)
    reply.wait_for()
    return reply


def test_a_signed_in_firm_is_answered_with_the_programmes_amount_and_its_own(
    asgi_server,
    page,
    personas,
    programme,  # noqa: F811  (the fixture imported above)
    monkeypatch,
):
    entries = [entry for entry in TINY_FAQ if entry["key"] != "copay"] + [LIVE_COPAY]
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in entries])
    monkeypatch.setattr("cms.faq.faq_version", lambda: "browser-figures")
    engagement = _engage(personas, programme)
    _sign_in(page, asgi_server, personas.firm_member.username)

    # The widget on the page the firm member lands on after signing in.
    _open_widget(page, page.url)
    reply = _ask(page, "How much is the firm co-payment?", 0)
    reply.locator(".chat-rate").wait_for()
    _screenshot(page, "chat-firm-amount")

    text = reply.inner_text()
    assert "The firm pays 20% of ¥6,000.00, that is ¥1,200.00." in text
    assert f"Your co-payment this year: ¥{engagement.copay_amount:,.2f}" in text
    assert personas.agency.name in text


def test_a_hand_off_with_nobody_online_then_the_assistant_keeps_answering(
    asgi_server, browser, monkeypatch, zh
):
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in TINY_FAQ])
    monkeypatch.setattr("cms.faq.faq_version", lambda: "browser-silent")
    # On a phone, as many visitors come.
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        _open_widget(page, f"{asgi_server}/login/")
        handoff = page.locator("[data-chat-handoff]")
        page.click("[data-chat-person]")
        page.click("[data-chat-handoff-cancel]")
        assert handoff.is_hidden()
        page.click("[data-chat-person]")
        assert handoff.is_visible()
        _screenshot(page, "chat-handoff-form-phone")
        page.fill("[data-chat-handoff] [name=topic]", "Annual fee is late")
        page.fill("[data-chat-handoff] [name=contact]", "visitor@example.com")
        page.click("[data-chat-handoff] button[type=submit]")
        notice = page.locator(".chat-log .from-system").first
        notice.wait_for()
        assert handoff.is_hidden()
        conversation = Conversation.objects.get()
        expected = add_workdays(
            timezone.localtime(conversation.handed_off_at).date(), 1
        ).day.isoformat()
        assert expected in notice.inner_text()
        page.locator(
            "[data-chat-status]", has_text=zh("We will reply to your request by e-mail or phone.")
        ).wait_for()

        reply = _ask(page, "How do I pay the patent annual fee?", 0)
        reply.locator(".chat-rate").wait_for()
        _screenshot(page, "chat-answer-while-waiting-phone")
        assert "Pay the annual fee before the filing anniversary." in reply.inner_text()
    finally:
        context.close()

    conversation.refresh_from_db()
    assert (conversation.state, conversation.ticket) == (Conversation.State.QUEUED, True)
    assert list(conversation.messages.values_list("sender", flat=True).order_by("pk")) == [
        "system",
        "user",
        "bot",
    ]


def test_did_you_mean_suggestions_come_back_after_a_reload(asgi_server, page, monkeypatch):
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in TINY_FAQ])
    monkeypatch.setattr("cms.faq.faq_version", lambda: "browser-reload")
    _open_widget(page, f"{asgi_server}/login/")
    first = _ask(page, "fee", 0).locator(".chat-suggestions button")
    first.first.wait_for()
    offered = first.all_inner_texts()
    assert len(offered) == 2

    page.reload()
    page.click("[data-chat-open]")
    page.wait_for_function(SOCKET_OPEN)
    again = page.locator(".chat-log .from-bot").first.locator(".chat-suggestions button")
    again.first.wait_for()
    _screenshot(page, "chat-suggestions-after-reload")

    assert again.all_inner_texts() == offered
    again.first.click()
    page.locator(".chat-log .from-bot").nth(1).locator(".chat-rate").wait_for()
