"""The programme's live figures in answers, and a signed-in firm's own facts."""

import pytest
import time_machine

from chat import actions, figures
from tests.chat.conftest import TINY_FAQ
from tests.chat.test_actions import _engage
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/api/v1/chat/answer"

LIVE_COPAY = {
    **next(entry for entry in TINY_FAQ if entry["key"] == "copay"),
    "answer": "The firm pays {copay_share} of {package_price}, that is {copay_amount}. "
    "Reminders: {reminder_days} days before. {unknown} stays.",
}


@pytest.fixture
def live_faq(monkeypatch):
    entries = [entry for entry in TINY_FAQ if entry["key"] != "copay"] + [LIVE_COPAY]
    monkeypatch.setattr("cms.faq.published_faq_entries", lambda: [dict(e) for e in entries])


def ask(client, text):
    return client.post(URL, {"text": text, "language": "en"}, content_type="application/json")


def test_placeholders_are_filled_from_the_open_programme_year(programme):
    with time_machine.travel(NOW, tick=False):
        facts = figures.programme_facts()

    assert facts["package_price"] == "¥6,000.00"
    assert (facts["government_amount"], facts["copay_amount"]) == ("¥4,800.00", "¥1,200.00")
    assert (facts["government_share"], facts["copay_share"]) == ("80%", "20%")
    assert facts["programme_year"] == "2026"


def test_fill_leaves_unknown_braces_and_dashes_a_missing_fact():
    assert figures.fill("{copay_amount} / {other}", {}) == "- / {other}"


@pytest.mark.usefixtures("live_faq")
def test_how_much_do_we_pay_answers_with_the_amount(client, programme):
    with time_machine.travel(NOW, tick=False):
        body = ask(client, "How much is the firm co-payment?").json()

    assert body["kind"] == "answer"
    assert body["reply"].startswith("The firm pays 20% of ¥6,000.00, that is ¥1,200.00.")
    assert "{unknown} stays" in body["reply"]
    assert "For your firm" not in body["reply"]


def ask_as(user, text):
    """Through the chat, as the widget of a signed-in user asks (the conversation's user)."""
    conversation = actions.conversation_start(user=user, session_key="", language="en")
    _mine, answer, _bot = actions.message_post(conversation=conversation, text=text)
    return answer["reply"]


@pytest.mark.usefixtures("live_faq")
def test_a_signed_in_firm_gets_its_own_co_payment_agency_and_where_to_pay(personas, programme):
    engagement = _engage(personas, programme)

    with time_machine.travel(NOW, tick=False):
        reply = ask_as(personas.firm_member, "How much is the firm co-payment?")

    general, own = reply.split("\n\nFor your firm:\n")
    assert "¥1,200.00" in general
    assert f"Your co-payment this year: ¥{engagement.copay_amount:,.2f}" in own
    assert f"Your custody agency: {personas.agency.name}." in own


@pytest.mark.usefixtures("live_faq")
def test_the_rest_answer_gives_a_signed_in_session_its_firms_facts(client, personas, programme):
    engagement = _engage(personas, programme)
    client.force_login(personas.firm_member)

    with time_machine.travel(NOW, tick=False):
        reply = ask(client, "How much is the firm co-payment?").json()["reply"]

    assert f"Your co-payment this year: ¥{engagement.copay_amount:,.2f}" in reply


@pytest.mark.usefixtures("live_faq")
def test_another_firms_member_never_sees_the_firms_facts(personas, programme):
    _engage(personas, programme)

    with time_machine.travel(NOW, tick=False):
        reply = ask_as(personas.other_firm_member, "How much is the firm co-payment?")

    assert "For your firm" not in reply


def test_firm_facts_are_empty_for_visitors_and_advisers(personas, programme):
    _engage(personas, programme)

    assert figures.firm_facts(None, "payments") == []
    assert figures.firm_facts(personas.agency_consultant, "payments") == []
