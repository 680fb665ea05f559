"""Every state change of a chat: conversations, messages, hand-off and advisers."""

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from chat import events, selectors, services
from chat.models import MAX_TEXT, AdviserPresence, Conversation, Message
from chat.text import clean_text
from core.actions.outbox import email_enqueue
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.workdays import add_workdays
from marketplace.models import Engagement, User

logger = logging.getLogger(__name__)

State = Conversation.State
WITH_PERSON = (State.QUEUED, State.OPEN)


def _lock(conversation):
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _name(user):
    return str(user) if user else ""


def message_payload(message):
    return {
        "message_id": message.pk,
        "sender": message.sender,
        "text": message.text,
        "kind": message.kind,
        "faq_key": message.faq_key or None,
        "name": _name(message.author) if message.sender == Message.Sender.ADVISER else "",
        "feedback": message.feedback or None,
        "suggestions": message.suggestions or [],
        "created_at": message.created_at.isoformat(),
    }


def state_payload(conversation):
    return {
        "type": "handoff_state",
        "state": conversation.state,
        "ticket": conversation.ticket,
        "queue_position": selectors.queue_position(conversation),
    }


def conversation_payload(conversation):
    return {
        "id": conversation.pk,
        "state": conversation.state,
        "ticket": conversation.ticket,
        "topic": conversation.topic,
        "contact": conversation.contact,
        "language": conversation.language,
        "visitor": _name(conversation.user) or _("Visitor"),
    }


def conversation_start(*, user, session_key, language="zh-hans", new_session=False):
    """The visitor's open conversation, or a new one with the assistant.

    `new_session`: the session was made just now, so it has no conversation to look for.
    """
    authenticated = user is not None and user.is_authenticated
    if authenticated or not new_session:
        current = selectors.conversation_current_for_visitor(user=user, session_key=session_key)
        if current is not None:
            return current
    if not authenticated and not session_key:
        raise ActionError(_("Your browser session is missing."), code="no_session")
    return Conversation.objects.create(
        user=user if authenticated else None,
        session_key="" if authenticated else session_key,
        language=language if language in ("zh-hans", "en") else "zh-hans",
    )


@dataclass
class Post:
    """One visitor message for `messages_post`: to `conversation`, or, without one, to the
    visitor's current conversation, started when there is none (`user`, and `session` for
    an anonymous visitor: its row is made when it has no key yet)."""

    text: str
    language: str | None = None
    conversation: Conversation | None = None
    user: object = None
    session: object = None
    # The session's row was made by an earlier attempt that was rolled back: made again.
    made_session: bool = field(default=False, repr=False)


def message_post(*, conversation, text, language=None):
    """A visitor's message: the assistant answers it, or the adviser gets it.

    Returns (the visitor's message, the assistant's answer dict or None, its message or None).
    """
    result = messages_post(posts=[Post(text=text, language=language, conversation=conversation)])[0]
    if isinstance(result, Exception):
        raise result
    return result


def _visitor_conversation(post):
    """The conversation a post without one goes to (see Post)."""
    user, session = post.user, post.session
    authenticated = user is not None and user.is_authenticated
    new_session = False
    if not authenticated and session is not None:
        if not session.session_key:
            session.save()  # a new key and its row (a savepoint inside the batch)
            post.made_session = new_session = True
        elif post.made_session:
            session.save(must_create=True)
            new_session = True
    session_key = "" if authenticated else (session.session_key if session is not None else "")
    return conversation_start(
        user=user,
        session_key=session_key,
        language=post.language or "zh-hans",
        new_session=new_session,
    )


def messages_post(*, posts):
    """Visitors' messages written together, in one transaction (group commit: the socket
    consumers' chat.writer gathers the messages that arrive while the database is busy).

    One item per post, in order: (the visitor's message, the assistant's answer dict or
    None, its message or None) as `message_post` returns, or the ActionError (or
    Conversation.DoesNotExist) that refused that post alone. Anything else, a database
    error above all, rolls the whole batch back and is raised: nothing was stored.
    The conversations are locked in one statement, in the order of their keys (two
    batches never wait for each other in a circle); the messages are one INSERT, the
    conversations one UPDATE per language, whatever the number of posts.
    """
    results = [None] * len(posts)
    texts = {}
    for number, post in enumerate(posts):
        try:
            texts[number] = clean_text(post.text)
        except ActionError as refused:
            results[number] = refused
    rows, pushes, touched, handed_off = [], [], {}, {}
    with transaction.atomic():
        wanted = {}
        for number in texts:
            post = posts[number]
            try:
                conversation = post.conversation or _visitor_conversation(post)
            except ActionError as refused:
                results[number] = refused
                continue
            wanted[number] = conversation.pk
        locked = {
            conversation.pk: conversation
            for conversation in Conversation.objects.select_for_update()
            .filter(pk__in=set(wanted.values()))
            .order_by("pk")
        }
        for number, pk in wanted.items():
            conversation = locked.get(pk)
            if conversation is None:
                results[number] = Conversation.DoesNotExist(f"conversation {pk} is gone")
                continue
            faq_key = conversation.faq_key
            results[number] = _post_one(
                conversation, texts[number], posts[number].language, rows, pushes
            )
            if not isinstance(results[number], Exception):
                touched[pk] = conversation
            if conversation.faq_key != faq_key:
                handed_off[pk] = conversation
        # The question before its answer, and each batch in the order the posts came, so
        # rows and times keep the conversation's order.
        Message.objects.bulk_create(rows)
        _touch(touched.values(), handed_off)
        for conversation, mine in pushes:
            events.push(
                events.adviser_group(conversation.assigned_to_id),
                {
                    "type": "visitor_message",
                    "conversation_id": conversation.pk,
                    **message_payload(mine),
                },
            )
    return results


def _touch(conversations, handed_off):
    """The conversations' language and time in one UPDATE per language (bulk_update's CASE
    per row cost more than the rest of a message's writing); a topic a hand-off named, the
    rare case, one UPDATE each."""
    now = timezone.now()
    by_language = {}
    for conversation in conversations:
        conversation.updated_at = now
        by_language.setdefault(conversation.language, []).append(conversation.pk)
    for language, pks in by_language.items():
        Conversation.objects.filter(pk__in=pks).update(language=language, updated_at=now)
    for conversation in handed_off.values():
        Conversation.objects.filter(pk=conversation.pk).update(faq_key=conversation.faq_key)


def _post_one(conversation, text, language, rows, pushes):
    """One post to its locked conversation: its rows appended to `rows` (written later,
    together), an adviser's push to `pushes`; the result as `messages_post` gives it."""
    if conversation.state == State.RESOLVED:
        return InvalidTransition(_("This conversation has ended."), code="resolved")
    mine = Message(conversation=conversation, sender=Message.Sender.USER, text=text)
    rows.append(mine)
    if conversation.assigned_to_id and conversation.state in WITH_PERSON:
        pushes.append((conversation, mine))
    if conversation.state == State.OPEN:
        # An adviser is on the line: the assistant stays quiet.
        return mine, None, None
    # With the assistant, or waiting for a person (nobody online, or not yet taken up):
    # the assistant answers meanwhile, in the same conversation the adviser will read.
    answer = services.answer_question(text, language=language, user=conversation.user)
    if conversation.state == State.QUEUED and answer["kind"] == services.HANDOFF:
        with translation.override(answer["language"]):
            answer["reply"] = _waiting_notice(conversation)
    bot = Message(
        conversation=conversation,
        sender=Message.Sender.BOT,
        text=answer["reply"][:MAX_TEXT],
        faq_key=answer["faq_key"] or "",
        kind=answer["kind"],
        score=answer["score"],
        suggestions=answer["suggestions"],
    )
    rows.append(bot)
    conversation.language = answer["language"]
    if answer["kind"] == services.HANDOFF and answer["faq_key"]:
        conversation.faq_key = answer["faq_key"]
    return mine, answer, bot


def _route(conversation):
    """(adviser or None, route) in the programme's order of who should answer."""
    user = conversation.user
    firm = user.firm if user is not None and user.is_firm_member else None
    if firm is not None:
        engagement = (
            Engagement.objects.filter(firm=firm, status=Engagement.Status.ACTIVE)
            .order_by("-starts_on", "-pk")
            .first()
        )
        if engagement is not None:
            staff = User.objects.filter(agency_id=engagement.agency_id, is_active=True)
            free = selectors.available_advisers(staff)
            if free:
                return free[0], Conversation.Route.ENGAGEMENT_AGENCY
        managers = User.objects.filter(
            role=User.Role.INCUBATOR_MANAGER, incubator_id=firm.incubator_id, is_active=True
        )
        free = selectors.available_advisers(managers)
        if free:
            return free[0], Conversation.Route.INCUBATOR
    free = selectors.available_advisers(selectors.consultants_of_approved_agencies())
    if free:
        return free[0], Conversation.Route.CONSULTANT
    return None, Conversation.Route.TICKET


def _waiting_notice(conversation):
    if conversation.ticket:
        return _(
            "An adviser has your request and will reply by %(day)s. Meanwhile I can keep "
            "answering your questions."
        ) % {"day": _reply_expected_on(conversation.handed_off_at or timezone.now()).isoformat()}
    return _("An adviser will join you shortly. Meanwhile I can keep answering your questions.")


def _reply_expected_on(now):
    local = timezone.localtime(now).date()
    return add_workdays(local, 1).day


def _mail_officers(conversation):
    officers = list(
        User.objects.filter(role=User.Role.PROGRAMME_OFFICER, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not officers:
        return
    subject = _("New consultation ticket #%(id)s") % {"id": conversation.pk}
    body = _(
        "A visitor asked to talk to an adviser while nobody was online.\n"
        "Topic: %(topic)s\nContact: %(contact)s\nOpen the chat inbox to answer."
    ) % {"topic": conversation.topic or "-", "contact": conversation.contact or "-"}
    email_enqueue(
        recipients=officers, subject=subject, body=body, key=f"chat-ticket:{conversation.pk}"
    )


def handoff_request(*, conversation, topic="", contact="", now=None):
    """Pass the conversation to a person, or leave a ticket when nobody is free.

    Order: the firm's agency under an active engagement, its incubator's managers, any
    online consultant of an approved agency (least busy first, within their limit).
    """
    now = now or timezone.now()
    topic = (topic or "").strip()[:200]
    contact = (contact or "").strip()[:200]
    with transaction.atomic():
        conversation = _lock(conversation)
        if conversation.state != State.BOT:
            raise InvalidTransition(
                _("An adviser has already been asked to join."), code="already_handed_off"
            )
        if not contact and conversation.user is not None:
            contact = conversation.user.email or conversation.user.phone
        adviser, route = _route(conversation)
        conversation.state = State.QUEUED
        conversation.topic = topic
        conversation.contact = contact
        conversation.route = route
        conversation.assigned_to = adviser
        conversation.ticket = adviser is None
        conversation.handed_off_at = now
        conversation.save()
        with translation.override(conversation.language):
            if adviser is None:
                text = _(
                    "All our advisers are busy right now. We have recorded your request and "
                    "will reply by %(day)s. Meanwhile I can keep answering your questions."
                ) % {"day": _reply_expected_on(now).isoformat()}
            else:
                text = _("We are connecting you with an adviser. Please wait a moment.")
        system = Message.objects.create(
            conversation=conversation, sender=Message.Sender.SYSTEM, text=text, kind="handoff"
        )
        if adviser is None:
            _mail_officers(conversation)
        else:
            events.push(
                events.adviser_group(adviser.pk),
                {"type": "new_conversation", "conversation": conversation_payload(conversation)},
            )
        events.push(events.visitor_group(conversation.pk), state_payload(conversation))
    logger.info("chat hand-off conversation=%s route=%s", conversation.pk, route)
    return conversation, system


def _check_assigned(conversation, by):
    if conversation.assigned_to_id == by.pk:
        return
    if conversation.ticket and conversation.assigned_to_id is None and by.is_programme_officer:
        return
    raise NotAllowed(_("This conversation is not assigned to you."), code="not_assigned")


def adviser_claim(*, conversation, by, now=None):
    """The adviser takes the conversation up; the visitor sees them join."""
    with transaction.atomic():
        conversation = _lock(conversation)
        _check_assigned(conversation, by)
        if conversation.state != State.QUEUED:
            raise InvalidTransition(_("This conversation is not waiting."), code="not_queued")
        conversation.state = State.OPEN
        conversation.assigned_to = by
        conversation.save(update_fields=["state", "assigned_to", "updated_at"])
        events.push(
            events.visitor_group(conversation.pk), {"type": "adviser_joined", "name": _name(by)}
        )
        events.push(events.visitor_group(conversation.pk), state_payload(conversation))
    return conversation


def adviser_reply(*, conversation, by, text, now=None):
    text = clean_text(text)
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _lock(conversation)
        _check_assigned(conversation, by)
        if conversation.state != State.OPEN:
            raise InvalidTransition(_("Take the conversation up before replying."), code="not_open")
        message = Message.objects.create(
            conversation=conversation, sender=Message.Sender.ADVISER, author=by, text=text
        )
        if conversation.first_response_at is None:
            conversation.first_response_at = now
        conversation.save(update_fields=["first_response_at", "updated_at"])
        events.push(
            events.visitor_group(conversation.pk),
            {"type": "adviser_message", **message_payload(message)},
        )
    return message


def transfer(*, conversation, by, to):
    """Hand the conversation to another adviser, who must take it up again; only to someone
    allowed to see it (selectors.transfer_targets)."""
    with transaction.atomic():
        conversation = _lock(conversation)
        _check_assigned(conversation, by)
        allowed = selectors.transfer_targets(conversation=conversation, by=by)
        if to is None or not allowed.filter(pk=to.pk).exists():
            raise ActionError(_("Choose another adviser."), code="bad_adviser", field="to")
        if conversation.state not in WITH_PERSON:
            raise InvalidTransition(_("This conversation cannot be transferred."), code="not_open")
        conversation.state = State.QUEUED
        conversation.assigned_to = to
        conversation.ticket = False
        conversation.route = Conversation.Route.TRANSFER
        conversation.save(update_fields=["state", "assigned_to", "ticket", "route", "updated_at"])
        with translation.override(conversation.language):
            Message.objects.create(
                conversation=conversation,
                sender=Message.Sender.SYSTEM,
                text=_("You are being transferred to another adviser."),
                kind="transfer",
            )
        events.push(
            events.visitor_group(conversation.pk), {"type": "adviser_left", "name": _name(by)}
        )
        events.push(events.visitor_group(conversation.pk), state_payload(conversation))
        events.push(
            events.adviser_group(to.pk),
            {"type": "new_conversation", "conversation": conversation_payload(conversation)},
        )
    return conversation


def resolve(*, conversation, by, now=None):
    """The adviser closes the conversation; the visitor may then rate it."""
    now = now or timezone.now()
    with transaction.atomic():
        conversation = _lock(conversation)
        if conversation.state == State.RESOLVED:
            raise InvalidTransition(_("This conversation has already ended."), code="resolved")
        _check_assigned(conversation, by)
        conversation.state = State.RESOLVED
        conversation.resolved_at = now
        conversation.save(update_fields=["state", "resolved_at", "updated_at"])
        events.push(events.visitor_group(conversation.pk), state_payload(conversation))
    return conversation


def visitor_resolve(*, conversation):
    """The visitor ends their own conversation (ownership is checked by the caller's selector)."""
    with transaction.atomic():
        conversation = _lock(conversation)
        if conversation.state == State.RESOLVED:
            raise InvalidTransition(_("This conversation has already ended."), code="resolved")
        conversation.state = State.RESOLVED
        conversation.resolved_at = timezone.now()
        conversation.save(update_fields=["state", "resolved_at", "updated_at"])
        if conversation.assigned_to_id:
            events.push(
                events.adviser_group(conversation.assigned_to_id),
                {"type": "conversation_resolved", "conversation_id": conversation.pk},
            )
    return conversation


def csat_submit(*, conversation, score):
    """The visitor rates a resolved conversation from 1 to 5, once."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise ActionError(_("Choose a score from 1 to 5."), code="bad_score", field="score")
    with transaction.atomic():
        conversation = _lock(conversation)
        if conversation.state != State.RESOLVED:
            raise InvalidTransition(
                _("You can rate the conversation once it has ended."), code="not_resolved"
            )
        if conversation.csat is not None:
            raise InvalidTransition(_("You have already rated this conversation."), code="rated")
        conversation.csat = score
        conversation.save(update_fields=["csat", "updated_at"])
    return conversation


def feedback(*, conversation, message_id, value):
    """👍 or 👎 on one of the assistant's answers in the visitor's own conversation."""
    if value not in Message.Feedback.values:
        raise ActionError(_("Feedback is up or down."), code="bad_feedback", field="value")
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message_id if isinstance(message_id, int) else -1,
            conversation=conversation,
            sender=Message.Sender.BOT,
        ).update(feedback=value)
    if not updated:
        raise ActionError(_("No such answer."), code="not_found", field="message_id")


def presence_set(*, user, online, max_concurrent=None):
    if not selectors.is_adviser(user):
        raise NotAllowed(_("Only advisers take chats."), code="not_adviser")
    presence, _created = AdviserPresence.objects.get_or_create(user=user)
    presence.online = bool(online)
    fields = ["online", "updated_at"]
    if max_concurrent is not None:
        presence.max_concurrent = max(1, int(max_concurrent))
        fields.append("max_concurrent")
    presence.save(update_fields=fields)
    return presence


def presence_connect(*, user):
    """An adviser's inbox socket opened: online, with one more open connection."""
    if not selectors.is_adviser(user):
        raise NotAllowed(_("Only advisers take chats."), code="not_adviser")
    with transaction.atomic():
        presence, _created = AdviserPresence.objects.select_for_update().get_or_create(user=user)
        presence.connections += 1
        presence.online = True
        presence.save(update_fields=["connections", "online", "updated_at"])
    return presence


def presence_disconnect(*, user):
    """An adviser's inbox socket closed: offline only when no other tab is still open."""
    with transaction.atomic():
        presence = AdviserPresence.objects.select_for_update().filter(user=user).first()
        if presence is None:
            return None
        presence.connections = max(0, presence.connections - 1)
        presence.online = presence.connections > 0
        presence.save(update_fields=["connections", "online", "updated_at"])
    return presence
