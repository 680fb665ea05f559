"""Group commit: the messages sockets post together are written in one transaction."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from chat import actions, writer
from chat.models import Conversation, Message
from core.errors import InvalidTransition

pytestmark = pytest.mark.django_db(transaction=True)


def _start(n):
    return actions.conversation_start(user=None, session_key=f"writer-{n}", language="en")


def _post(conversation, text="annual fee"):
    return actions.Post(text=text, language="en", conversation=conversation)


def test_messages_posted_together_share_a_transaction_and_each_gets_its_answer(monkeypatch):
    conversations = [_start(n) for n in range(8)]
    actions.message_post(conversation=conversations[0], text="fee")  # the index is built
    batches = []
    real = actions.messages_post

    def recorded(*, posts):
        batches.append(len(posts))
        return real(posts=posts)

    monkeypatch.setattr(actions, "messages_post", recorded)

    async def scenario():
        group = writer.GroupWriter()
        first = asyncio.create_task(group.post(_post(conversations[0])))
        for _turn in range(2):
            await asyncio.sleep(0)  # the first is on its way to the database thread
        rest = await asyncio.gather(*(group.post(_post(c)) for c in conversations[1:]))
        return [await first, *rest]

    results = async_to_sync(scenario)()
    # The first goes at once, alone; the seven that came meanwhile go in one trip.
    assert batches == [1, 7]
    for conversation, (mine, answer, bot) in zip(conversations, results, strict=True):
        assert mine.conversation_id == bot.conversation_id == conversation.pk
        assert answer["faq_key"] == "annual-fee"
    # Answered only once committed: every row is there for another connection to read.
    assert Message.objects.filter(conversation__in=conversations).count() == 2 + 2 * 8


def test_a_post_that_breaks_its_batch_fails_alone(monkeypatch):
    """A batch that cannot be written stores nothing; its posts are tried again one by one,
    so only the socket whose message cannot be written gets the error."""
    conversations = [_start(n) for n in range(4)]
    actions.message_post(conversation=conversations[0], text="fee")
    real = actions.messages_post

    def breaks_on_poison(*, posts):
        if any(post.text == "poison" for post in posts):
            raise RuntimeError("cannot be written")
        return real(posts=posts)

    monkeypatch.setattr(actions, "messages_post", breaks_on_poison)
    ended = conversations[3]
    actions.visitor_resolve(conversation=ended)

    async def scenario():
        group = writer.GroupWriter()
        return await asyncio.gather(
            group.post(_post(conversations[0])),
            group.post(_post(conversations[1], "poison")),
            group.post(_post(conversations[2])),
            group.post(_post(ended)),
            return_exceptions=True,
        )

    first, poisoned, third, refused = async_to_sync(scenario)()
    assert isinstance(poisoned, RuntimeError)
    assert isinstance(refused, InvalidTransition)
    assert first[1]["kind"] == third[1]["kind"] == "answer"
    assert not conversations[1].messages.filter(sender=Message.Sender.USER).exists()
    assert conversations[2].messages.count() == 2


def test_the_writer_serves_each_event_loop_of_its_own():
    conversation = _start(0)

    async def one():
        mine, _answer, _bot = await writer.post(_post(conversation, "fee"))
        return await sync_to_async(Conversation.objects.get)(pk=mine.conversation_id)

    assert async_to_sync(one)() == conversation
    assert async_to_sync(one)() == conversation
