import pytest
from django.test import Client
from django.urls import reverse

from chat import index as chat_index
from marketplace.actions import api_token_issue
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

URL = "/api/v1/chat/answer"


def ask(client, **body):
    return client.post(URL, body, content_type="application/json")


def test_url_has_no_trailing_slash():
    assert reverse("api:chat-answer") == URL


def test_answer_returns_the_faq_answer_with_related_links(client):
    response = ask(client, text="How do I pay the patent annual fee?")
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "answer"
    assert body["faq_key"] == "annual-fee"
    assert body["score"] > 47
    assert body["reply"].startswith("Pay the annual fee before the filing anniversary.")
    assert "/training/fees/" in body["reply"]
    assert body["suggestions"] == []


def test_chinese_question_gets_the_chinese_answer(client):
    body = ask(client, text="专利年费怎么缴纳").json()
    assert (body["kind"], body["faq_key"], body["reply"]) == (
        "answer",
        "annual-fee",
        "在申请日周年前缴纳年费。",
    )


def test_forced_language_picks_the_answer_language(client):
    body = ask(client, text="专利年费怎么缴纳", language="en").json()
    assert body["reply"].startswith("Pay the annual fee")


def test_unsure_question_asks_did_you_mean_with_suggestions(client):
    body = ask(client, text="fee").json()
    assert body["kind"] == "clarify"
    assert body["reply"] == "Did you mean one of these?"
    keys = [s["faq_key"] for s in body["suggestions"]]
    assert body["faq_key"] == keys[0]
    assert set(keys) == {"patent-fee-reduction", "annual-fee"}
    assert all(set(s) == {"faq_key", "question", "score"} for s in body["suggestions"])


def test_unknown_question_falls_back_honestly(client):
    body = ask(client, text="What is the weather in Paris tomorrow?").json()
    assert body["kind"] == "fallback"
    assert body["faq_key"] is None
    assert "don't know" in body["reply"]
    assert "adviser" in body["reply"]


def test_asking_for_a_person_starts_the_handoff(client):
    body = ask(client, text="I want to talk to a person").json()
    assert body["kind"] == "handoff"
    assert "adviser" in body["reply"]


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 5 * [1]}],
)
def test_bad_text_is_400_naming_the_field(client, body):
    response = ask(client, **body)
    assert response.status_code == 400
    assert "text" in field_errors(response)


def test_bad_language_is_400_naming_the_field(client):
    response = ask(client, text="fee", language="fr")
    assert response.status_code == 400
    assert "language" in field_errors(response)


def test_a_signed_in_session_must_send_the_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.firm_member)

    refused = ask(client, text="fee")
    client.get("/")  # the page the widget sits on sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    answered = client.post(
        URL, {"text": "fee"}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )

    assert refused.status_code == 403
    assert answered.status_code == 200


def test_an_anonymous_visitor_needs_no_csrf_token():
    assert ask(Client(enforce_csrf_checks=True), text="fee").status_code == 200


def test_a_token_client_needs_no_csrf_token(personas):
    _row, token = api_token_issue(user=personas.firm_member)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")

    assert ask(client, text="fee").status_code == 200


def test_requests_are_throttled(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"chat": "2/min"},
    }
    assert ask(client, text="fee").status_code == 200
    assert ask(client, text="fee").status_code == 200
    assert ask(client, text="fee").status_code == 429


def test_index_is_rebuilt_when_the_faq_version_changes(client, monkeypatch, tiny_faq):
    first = chat_index.current()
    assert chat_index.current() is first
    monkeypatch.setattr("cms.faq.faq_version", lambda: "changed")
    monkeypatch.setattr(
        "cms.faq.published_faq_entries",
        lambda: [{**tiny_faq[0], "answer": "New answer."}],
    )
    assert chat_index.current() is not first
    assert (
        ask(client, text="How do I pay the patent annual fee?")
        .json()["reply"]
        .startswith("New answer.")
    )
