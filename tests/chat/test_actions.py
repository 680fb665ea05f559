import datetime

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from chat import actions, selectors
from chat.models import Conversation, Message
from core.errors import ActionError, InvalidTransition, NotAllowed
from marketplace import actions as marketplace_actions
from tests.chat.conftest import online
from tests.factories import UserFactory
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db

# A Friday afternoon: the next working day is Monday 2026-03-09.
FRIDAY = datetime.datetime(2026, 3, 6, 15, 0, tzinfo=datetime.UTC)


def start(user=None, session_key=""):
    return actions.conversation_start(user=user, session_key=session_key, language="en")


def test_visitor_message_gets_the_assistant_answer(personas):
    conversation = start(personas.firm_member)
    mine, answer, bot = actions.message_post(conversation=conversation, text="fee")
    assert answer["kind"] == "clarify"
    assert (bot.sender, bot.kind, bot.faq_key) == ("bot", "clarify", answer["faq_key"])
    assert mine.sender == Message.Sender.USER


def test_a_question_and_its_answer_are_written_in_one_statement(personas):
    conversation = start(personas.firm_member)
    actions.message_post(conversation=conversation, text="fee")  # the index is built
    with CaptureQueriesContext(connection) as queries:
        mine, _answer, bot = actions.message_post(conversation=conversation, text="annual fee")
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "chat_message"')]
    assert len(inserts) == 1
    assert mine.pk < bot.pk and mine.created_at <= bot.created_at
    history = selectors.conversation_history(conversation)
    assert [(m.pk, m.sender) for m in history][-2:] == [(mine.pk, "user"), (bot.pk, "bot")]


def test_a_new_session_has_no_conversation_to_look_for(django_assert_num_queries):
    with django_assert_num_queries(1):
        conversation = actions.conversation_start(
            user=None, session_key="fresh", language="en", new_session=True
        )
    assert conversation.session_key == "fresh"


def test_anonymous_conversation_is_tied_to_the_session():
    conversation = start(session_key="s1")
    assert start(session_key="s1") == conversation
    assert start(session_key="s2") != conversation
    with pytest.raises(ActionError):
        start()


def test_logged_in_user_keeps_the_conversation_across_devices(personas):
    conversation = start(personas.firm_member, session_key="phone")
    assert start(personas.firm_member, session_key="laptop") == conversation


def _engage(personas, programme):
    with time_machine.travel(NOW, tick=False):
        request = marketplace_actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = marketplace_actions.offer_make(
            request=request, agency=personas.agency, by=personas.firm_member
        )
        return marketplace_actions.offer_accept(offer=offer, by=personas.agency_consultant)


def test_routing_prefers_the_firms_agency_under_an_active_engagement(personas, programme):
    _engage(personas, programme)
    for user in (personas.agency_consultant, personas.incubator_manager, personas.rival_consultant):
        online(user)
    conversation, _system = actions.handoff_request(conversation=start(personas.firm_member))
    assert conversation.assigned_to == personas.agency_consultant
    assert conversation.route == Conversation.Route.ENGAGEMENT_AGENCY
    assert conversation.state == Conversation.State.QUEUED
    assert not conversation.ticket


def test_routing_falls_back_to_the_incubator_manager(personas):
    online(personas.incubator_manager)
    online(personas.other_manager)
    online(personas.rival_consultant)
    conversation, _system = actions.handoff_request(conversation=start(personas.firm_member))
    assert conversation.assigned_to == personas.incubator_manager
    assert conversation.route == Conversation.Route.INCUBATOR


def test_routing_then_picks_the_least_busy_online_consultant(personas):
    online(personas.agency_consultant)
    online(personas.rival_consultant)
    first, _ = actions.handoff_request(conversation=start(session_key="a"))
    second, _ = actions.handoff_request(conversation=start(session_key="b"))
    assert {first.assigned_to, second.assigned_to} == {
        personas.agency_consultant,
        personas.rival_consultant,
    }
    assert first.route == Conversation.Route.CONSULTANT


def test_full_consultants_are_skipped_and_nobody_free_leaves_a_ticket(personas):
    personas.officer.email = "officer@example.org"
    personas.officer.save()
    online(personas.agency_consultant, max_concurrent=1)
    first, _ = actions.handoff_request(conversation=start(session_key="a"))
    assert first.assigned_to == personas.agency_consultant
    ticket, system = _ticket(start(session_key="b"))
    assert ticket.ticket
    assert ticket.assigned_to is None
    assert ticket.route == Conversation.Route.TICKET
    assert "2026-03-09" in system.text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["officer@example.org"]


def _ticket(conversation):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return actions.handoff_request(conversation=conversation, now=FRIDAY, topic="Patents")


def test_adviser_claims_replies_transfers_and_resolves(personas):
    online(personas.agency_consultant)
    conversation, _ = actions.handoff_request(conversation=start(session_key="s"))
    with pytest.raises(NotAllowed):
        actions.adviser_claim(conversation=conversation, by=personas.rival_consultant)
    with pytest.raises(InvalidTransition):
        actions.adviser_reply(conversation=conversation, by=personas.agency_consultant, text="Hi")
    conversation = actions.adviser_claim(conversation=conversation, by=personas.agency_consultant)
    assert conversation.state == Conversation.State.OPEN
    reply = actions.adviser_reply(
        conversation=conversation, by=personas.agency_consultant, text="Hi"
    )
    assert reply.sender == Message.Sender.ADVISER
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
    # While a person is on the line the assistant stays quiet.
    _mine, answer, bot = actions.message_post(conversation=conversation, text="fee")
    assert answer is None and bot is None
    conversation = actions.transfer(
        conversation=conversation, by=personas.agency_consultant, to=personas.incubator_manager
    )
    assert (conversation.state, conversation.assigned_to) == ("queued", personas.incubator_manager)
    actions.adviser_claim(conversation=conversation, by=personas.incubator_manager)
    conversation = actions.resolve(conversation=conversation, by=personas.incubator_manager)
    assert conversation.state == Conversation.State.RESOLVED
    with pytest.raises(InvalidTransition):
        actions.message_post(conversation=conversation, text="fee")
    actions.csat_submit(conversation=conversation, score=5)
    with pytest.raises(InvalidTransition):
        actions.csat_submit(conversation=conversation, score=4)


def test_csat_needs_a_resolved_conversation_and_a_score_from_1_to_5(personas):
    conversation = start(personas.firm_member)
    with pytest.raises(InvalidTransition):
        actions.csat_submit(conversation=conversation, score=3)
    actions.visitor_resolve(conversation=conversation)
    for bad in (0, 6, "5", True):
        with pytest.raises(ActionError):
            actions.csat_submit(conversation=conversation, score=bad)


def test_feedback_only_on_the_assistants_answers_in_the_own_conversation(personas):
    conversation = start(personas.firm_member)
    mine, _answer, bot = actions.message_post(conversation=conversation, text="fee")
    actions.feedback(conversation=conversation, message_id=bot.pk, value="down")
    bot.refresh_from_db()
    assert bot.feedback == "down"
    other = start(personas.other_firm_member)
    for conv, message_id, value in (
        (conversation, mine.pk, "up"),
        (other, bot.pk, "up"),
        (conversation, bot.pk, "meh"),
    ):
        with pytest.raises(ActionError):
            actions.feedback(conversation=conv, message_id=message_id, value=value)


def test_advisers_see_only_conversations_routed_to_them(personas):
    online(personas.agency_consultant)
    mine, _ = actions.handoff_request(conversation=start(session_key="s"))
    assert list(selectors.conversations_for_adviser(personas.agency_consultant)) == [mine]
    assert not selectors.conversations_for_adviser(personas.rival_consultant).exists()
    assert not selectors.conversations_for_adviser(personas.firm_member).exists()
    with pytest.raises(Http404):
        selectors.conversation_get_for_adviser(
            user=personas.rival_consultant, conversation_id=mine.pk
        )


def test_visitors_see_only_their_own(personas):
    alice = start(personas.firm_member)
    start(personas.other_firm_member)
    anonymous = start(session_key="s")
    assert list(
        selectors.conversations_for_visitor(user=personas.firm_member, session_key="s")
    ) == [alice]
    assert list(selectors.conversations_for_visitor(user=personas.anonymous, session_key="s")) == [
        anonymous
    ]
    assert not selectors.conversations_for_visitor(user=personas.anonymous, session_key="").exists()


def test_officers_see_and_claim_unassigned_tickets(personas):
    ticket, _ = actions.handoff_request(conversation=start(session_key="s"))
    assert ticket.ticket
    assert list(selectors.conversations_for_adviser(personas.officer)) == [ticket]
    claimed = actions.adviser_claim(conversation=ticket, by=personas.officer)
    assert claimed.assigned_to == personas.officer


def test_queue_position_counts_earlier_waiting_conversations(personas):
    online(personas.agency_consultant, max_concurrent=5)
    first, _ = actions.handoff_request(conversation=start(session_key="a"))
    second, _ = actions.handoff_request(conversation=start(session_key="b"))
    assert selectors.queue_position(first) == 1
    assert selectors.queue_position(second) == 2


def test_chat_analytics(personas):
    online(personas.agency_consultant)
    start(session_key="bot-only")
    conversation, _ = actions.handoff_request(conversation=start(session_key="s"))
    actions.adviser_claim(conversation=conversation, by=personas.agency_consultant)
    actions.adviser_reply(conversation=conversation, by=personas.agency_consultant, text="Hi")
    actions.resolve(conversation=conversation, by=personas.agency_consultant)
    actions.csat_submit(conversation=conversation, score=4)
    now = datetime.datetime.now(datetime.UTC)
    figures = selectors.chat_analytics(
        (now - datetime.timedelta(hours=1), now + datetime.timedelta(hours=1))
    )
    assert figures["conversations"] == 2
    assert figures["handoff_rate"] == 0.5
    assert figures["deflection_rate"] == 0.5
    assert figures["csat_mean"] == 4
    assert figures["median_first_response_seconds"] >= 0


def test_a_non_adviser_cannot_be_a_transfer_target(personas):
    online(personas.agency_consultant)
    conversation, _ = actions.handoff_request(conversation=start(session_key="s"))
    with pytest.raises(ActionError):
        actions.transfer(
            conversation=conversation,
            by=personas.agency_consultant,
            to=UserFactory(username="plain"),
        )


def test_a_firms_conversation_goes_only_to_those_allowed_to_see_it(personas, programme):
    """Its agency, its incubator's managers and the programme office; never a rival agency
    nor another incubator's manager."""
    _engage(personas, programme)
    online(personas.agency_consultant)
    conversation, _ = actions.handoff_request(conversation=start(personas.firm_member))
    assert conversation.assigned_to == personas.agency_consultant

    targets = set(
        selectors.transfer_targets(conversation=conversation, by=personas.agency_consultant)
    )

    assert {personas.incubator_manager, personas.officer} <= targets
    assert (
        not {
            personas.rival_consultant,
            personas.other_manager,
            personas.agency_consultant,
            personas.firm_member,
        }
        & targets
    )
    for outsider in (personas.rival_consultant, personas.other_manager):
        with pytest.raises(ActionError):
            actions.transfer(conversation=conversation, by=personas.agency_consultant, to=outsider)
    conversation.refresh_from_db()
    assert conversation.assigned_to == personas.agency_consultant


def test_a_firms_agency_colleague_may_take_its_conversation_over(personas, programme):
    _engage(personas, programme)
    colleague = UserFactory(
        username="colleague", role=personas.agency_consultant.role, agency=personas.agency
    )
    conversation = start(personas.firm_member)
    conversation.assigned_to = personas.incubator_manager

    targets = selectors.transfer_targets(conversation=conversation, by=personas.incubator_manager)

    assert {colleague, personas.agency_consultant} <= set(targets)


def test_a_visitors_conversation_may_go_to_any_adviser_but_not_a_plain_user(personas):
    conversation = start(session_key="s")

    targets = set(
        selectors.transfer_targets(conversation=conversation, by=personas.agency_consultant)
    )

    assert {personas.rival_consultant, personas.other_manager, personas.incubator_manager} <= (
        targets
    )
    assert personas.firm_member not in targets


def test_with_nobody_online_the_assistant_keeps_answering_until_someone_takes_it_up(personas):
    """Never silent: the visitor is told when to expect a reply, the assistant goes on
    answering, and the adviser who takes the ticket up reads the whole conversation."""
    ticket, system = _ticket(start(session_key="s"))
    assert "2026-03-09" in system.text and "Meanwhile" in system.text

    _mine, answer, bot = actions.message_post(conversation=ticket, text="fee")
    _mine, again, _bot = actions.message_post(
        conversation=ticket, text="I want to talk to a person"
    )

    assert answer["kind"] == "clarify" and bot is not None
    assert again["kind"] == "handoff" and "2026-03-09" in again["reply"]
    ticket.refresh_from_db()
    assert ticket.state == Conversation.State.QUEUED
    claimed = actions.adviser_claim(conversation=ticket, by=personas.officer)
    history = [(m.sender, m.text) for m in selectors.conversation_history(claimed)]
    assert ("user", "fee") in history and ("bot", bot.text) in history
    # Once a person is on the line the assistant is quiet again.
    assert actions.message_post(conversation=claimed, text="fee")[1] is None


def test_a_clarify_answers_suggestions_come_back_with_the_history(personas):
    conversation = start(personas.firm_member)
    _mine, answer, bot = actions.message_post(conversation=conversation, text="fee")

    replayed = actions.message_payload(selectors.conversation_history(conversation)[-1])

    assert answer["kind"] == "clarify" and answer["suggestions"]
    assert replayed["message_id"] == bot.pk
    assert replayed["suggestions"] == answer["suggestions"]


def _posts(conversations, text="annual fee"):
    return [actions.Post(text=text, language="en", conversation=c) for c in conversations]


def test_a_batch_of_messages_costs_the_queries_of_one(personas):
    """Group commit: the conversations locked in one statement, every question and answer
    one INSERT, the conversations one UPDATE, however many sockets posted together."""
    conversations = [start(session_key=f"batch-{n}") for n in range(10)]
    actions.message_post(conversation=conversations[0], text="fee")  # the index is built
    counts = {}
    for size in (1, 10):
        with CaptureQueriesContext(connection) as queries:
            results = actions.messages_post(posts=_posts(conversations[:size]))
        counts[size] = len(queries)
        assert all(answer["kind"] == "answer" for _mine, answer, _bot in results)
    assert counts[10] == counts[1] <= 5  # savepoint, lock, insert, update, release
    for conversation, (mine, answer, bot) in zip(conversations, results, strict=True):
        history = selectors.conversation_history(conversation)
        assert [(m.pk, m.sender) for m in history][-2:] == [(mine.pk, "user"), (bot.pk, "bot")]
        assert bot.faq_key == answer["faq_key"] == "annual-fee"
        assert mine.conversation == conversation


def test_a_post_the_batch_cannot_take_is_refused_alone(personas):
    ended, taken, fine = (start(session_key=f"refused-{n}") for n in range(3))
    actions.visitor_resolve(conversation=ended)
    ticket, _system = _ticket(taken)
    taken = actions.adviser_claim(conversation=ticket, by=personas.officer)
    posts = [
        *_posts([ended]),
        actions.Post(text="   ", conversation=fine),
        *_posts([taken, fine]),
    ]
    refused_end, refused_empty, to_adviser, answered = actions.messages_post(posts=posts)
    assert isinstance(refused_end, InvalidTransition) and refused_end.code == "resolved"
    assert isinstance(refused_empty, ActionError) and refused_empty.code == "empty"
    mine, answer, bot = to_adviser
    assert (mine.pk is not None, answer, bot) == (True, None, None)
    assert answered[1]["kind"] == "answer"
    assert ended.messages.filter(sender=Message.Sender.USER).count() == 0
    assert fine.messages.count() == 2
    with pytest.raises(InvalidTransition):
        actions.message_post(conversation=ended, text="fee")


def test_a_first_post_makes_the_session_and_the_conversation(personas):
    session = SessionStore()
    signed_in = start(personas.firm_member)
    results = actions.messages_post(
        posts=[
            actions.Post(text="annual fee", language="en", session=session),
            actions.Post(text="fee", language="en", user=personas.firm_member),
        ]
    )
    assert session.session_key and SessionStore().exists(session.session_key)
    (mine, _answer, _bot), (theirs, _answer2, _bot2) = results
    assert mine.conversation.session_key == session.session_key
    assert theirs.conversation == signed_in  # the signed-in visitor's current one


def test_a_batch_keeps_each_conversations_own_language_and_topic(personas):
    english, chinese, wants_person = (start(session_key=f"lang-{n}") for n in range(3))
    actions.messages_post(
        posts=[
            actions.Post(text="How do I pay the patent annual fee?", conversation=english),
            actions.Post(text="专利年费怎么缴纳？", conversation=chinese),
            actions.Post(
                text="I want to talk to a person about the patent annual fee",
                conversation=wants_person,
            ),
        ]
    )
    for conversation in (english, chinese, wants_person):
        conversation.refresh_from_db()
    assert (english.language, chinese.language) == ("en", "zh-hans")
    assert (english.faq_key, chinese.faq_key, wants_person.faq_key) == ("", "", "annual-fee")
