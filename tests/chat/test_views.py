import pytest

from chat import actions
from chat.models import Conversation, Message
from tests.chat.conftest import online
from tests.chat.test_actions import _engage

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(personas):
    online(personas.agency_consultant)
    conversation = actions.conversation_start(user=None, session_key="s", language="en")
    conversation, _system = actions.handoff_request(conversation=conversation, topic="Fees")
    return conversation


def test_inbox_lists_only_the_advisers_conversations(client, personas, waiting):
    client.force_login(personas.agency_consultant)
    html = client.get("/chat/inbox/").content.decode()
    assert f"#{waiting.pk}" in html
    client.force_login(personas.rival_consultant)
    assert f"#{waiting.pk}" not in client.get("/chat/inbox/").content.decode()
    assert client.get(f"/chat/inbox/{waiting.pk}/").status_code == 404


def test_inbox_refuses_visitors_and_sends_anonymous_to_login(client, personas):
    assert client.get("/chat/inbox/").status_code == 302
    client.force_login(personas.firm_member)
    assert client.get("/chat/inbox/").status_code == 403


def test_inbox_list_is_an_htmx_fragment_with_flat_queries(
    client, personas, waiting, django_assert_max_num_queries
):
    client.force_login(personas.agency_consultant)
    for key in ("a", "b", "c"):
        conversation = actions.conversation_start(user=None, session_key=key, language="en")
        actions.handoff_request(conversation=conversation)
    with django_assert_max_num_queries(6):
        response = client.get("/chat/inbox/", headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()
    assert response.content.decode().count("list-group-item") == 3


def test_claim_reply_with_a_canned_text_transfer_and_resolve(client, personas, waiting):
    client.force_login(personas.agency_consultant)
    base = f"/chat/inbox/{waiting.pk}/"
    assert client.post(base + "claim/").status_code == 302
    client.post(base + "reply/", {"text": "", "canned": "0"})
    reply = Message.objects.get(sender=Message.Sender.ADVISER)
    assert reply.text == "Hello, I am your adviser. How can I help you?"
    client.post(base + "reply/", {"text": "Send me the number"})
    assert Message.objects.filter(sender=Message.Sender.ADVISER).count() == 2
    client.post(base + "transfer/", {"to": personas.incubator_manager.pk})
    waiting.refresh_from_db()
    assert waiting.assigned_to == personas.incubator_manager
    client.force_login(personas.incubator_manager)
    client.post(base + "claim/")
    client.post(base + "resolve/")
    waiting.refresh_from_db()
    assert waiting.state == Conversation.State.RESOLVED


def test_replying_before_claiming_shows_the_reason(client, personas, waiting):
    client.force_login(personas.agency_consultant)
    response = client.post(f"/chat/inbox/{waiting.pk}/reply/", {"text": "Hi"}, follow=True)
    assert "Take the conversation up before replying." in response.content.decode()
    assert not Message.objects.filter(sender=Message.Sender.ADVISER).exists()


def test_analytics_page_is_for_officers(client, personas, waiting):
    client.force_login(personas.agency_consultant)
    assert client.get("/chat/analytics/").status_code == 403
    client.force_login(personas.officer)
    response = client.get("/chat/analytics/?days=7")
    assert response.status_code == 200
    assert response.context["figures"]["handoffs"] == 1


def test_learning_page_lists_unanswered_unsure_and_thumbs_down_questions(
    client, personas, django_assert_max_num_queries
):
    conversation = actions.conversation_start(user=None, session_key="s", language="en")
    actions.message_post(conversation=conversation, text="What is the weather in Paris tomorrow?")
    actions.message_post(conversation=conversation, text="fee")
    _mine, _answer, answered = actions.message_post(
        conversation=conversation, text="How do I pay the patent annual fee?"
    )
    actions.message_post(conversation=conversation, text="How do I renew a trademark?")
    actions.feedback(conversation=conversation, message_id=answered.pk, value="down")
    client.force_login(personas.agency_consultant)
    assert client.get("/chat/learning/").status_code == 403
    client.force_login(personas.officer)
    with django_assert_max_num_queries(8):
        html = client.get("/chat/learning/").content.decode()
    assert "What is the weather in Paris tomorrow?" in html
    assert "fee" in html
    assert "How do I pay the patent annual fee?" in html
    assert "How do I renew a trademark?" not in html
    assert "/cms/snippets/cms/faqentry/add/" in html


def test_session_start_gives_anonymous_visitors_a_session_cookie(client):
    response = client.get("/chat/session/")
    assert response.status_code == 204
    assert client.cookies["sessionid"].value


def test_the_transfer_list_of_a_firms_conversation_leaves_rivals_out(client, personas, programme):
    _engage(personas, programme)
    conversation = actions.conversation_start(
        user=personas.firm_member, session_key="", language="en"
    )
    conversation, _ = actions.handoff_request(conversation=conversation)
    conversation.assigned_to = personas.agency_consultant
    conversation.save(update_fields=["assigned_to"])
    client.force_login(personas.agency_consultant)

    page = client.get(f"/chat/inbox/{conversation.pk}/").content.decode()
    client.post(f"/chat/inbox/{conversation.pk}/transfer/", {"to": personas.rival_consultant.pk})

    assert f'value="{personas.incubator_manager.pk}"' in page
    assert f'value="{personas.rival_consultant.pk}"' not in page
    conversation.refresh_from_db()
    assert conversation.assigned_to == personas.agency_consultant


def test_analytics_counts_its_days_in_the_plural_only_when_there_are_several(client, personas):
    client.force_login(personas.officer)

    one = client.get("/chat/analytics/?days=1", HTTP_ACCEPT_LANGUAGE="en").text
    seven = client.get("/chat/analytics/?days=7", HTTP_ACCEPT_LANGUAGE="en").text
    chinese = client.get("/chat/analytics/?days=1", HTTP_ACCEPT_LANGUAGE="zh-hans").text

    assert "The last day." in one and "1 days" not in one
    assert "The last 7 days." in seven
    assert "最近 1 天。" in chinese
