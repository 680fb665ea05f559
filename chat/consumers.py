"""WebSocket endpoints of the assistant: visitors at /ws/chat/, advisers at /ws/chat/adviser/.

They authenticate, parse frames and forward to chat.actions; chat/PROTOCOL.md has the
frames. Nothing a visitor writes goes into the logs.
"""

import json
import logging
import time
from collections import deque

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from chat import actions, events, limits, selectors, services, writer
from chat.models import MAX_TEXT, Conversation
from chat.text import clean_text, invalid_characters, uncarriable
from core.errors import ActionError, InvalidTransition
from core.formatting import join_clauses
from marketplace.models import User

logger = logging.getLogger(__name__)

RATE_MESSAGES = 20
RATE_WINDOW = 10.0
ABUSE_STRIKES = 3
CLOSE_ABUSE = 4008
CLOSE_FORBIDDEN = 4003
CLOSE_TOO_MANY = 4029


class _Base(AsyncJsonWebsocketConsumer):
    """Frame parsing, errors and the rate limits (per connection, per address) of both ends."""

    async def connect(self):
        self.sent_at = deque()
        self.strikes = 0
        self.address = limits.client_address(self.scope)
        self.counted = await limits.connection_open(self.address)
        await self.accept()
        if not self.counted:
            await self.close(code=CLOSE_TOO_MANY)
            return
        await self.start()

    async def websocket_disconnect(self, message):
        if getattr(self, "counted", False):
            self.counted = False
            await limits.connection_close(self.address)
        await super().websocket_disconnect(message)

    async def dispatch(self, message):
        # Channels first closes stale database connections on the database thread, before
        # every frame: one more wait in the queue all database calls share, for each
        # message. Every database call here goes through database_sync_to_async, which
        # closes them itself, before and after.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def error(self, code, message):
        await self.send_json({"type": "error", "code": code, "message": str(message)})

    async def _over_limit(self):
        now = time.monotonic()
        while self.sent_at and now - self.sent_at[0] > RATE_WINDOW:
            self.sent_at.popleft()
        if len(self.sent_at) < RATE_MESSAGES and await limits.message_allowed(self.address):
            self.sent_at.append(now)
            return False
        self.strikes += 1
        if self.strikes >= ABUSE_STRIKES:
            await self.close(code=CLOSE_ABUSE)
        else:
            await self.error("rate_limited", _("You are sending messages too fast."))
        return True

    async def receive(self, text_data=None, bytes_data=None):
        if await self._over_limit():
            return
        if text_data is None:
            await self.error("malformed", _("Send JSON text frames."))
            return
        if len(text_data) > 4 * MAX_TEXT + 200:
            await self.error(
                "too_long", _("A message can have at most %(n)d characters.") % {"n": MAX_TEXT}
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.error("malformed", _("Send a JSON object with a type."))
            return
        if uncarriable(content):
            # Refused before anything is stored or echoed: a lone surrogate cannot be encoded.
            error = invalid_characters()
            await self.error(error.code, error.message)
            return
        handler = self.handlers().get(content["type"])
        if handler is None:
            await self.error("unknown_type", _("Unknown message type."))
            return
        try:
            await handler(content)
        except ActionError as exc:
            await self.error(exc.code, exc.message)
        except ValidationError as exc:
            await self.error("invalid", join_clauses(exc.messages))
        except Http404:
            await self.error("not_found", _("Not found."))

    async def chat_event(self, event):
        await self.send_json(event["payload"])


def _text_of(content):
    text = content.get("text")
    if not isinstance(text, str):
        raise ActionError(_("Write a message first."), code="empty", field="text")
    return text


class ChatConsumer(_Base):
    """A visitor's connection: one conversation, tied to the account or else the session."""

    async def start(self):
        self.user = self.scope.get("user")
        self.session_key = await self._session_key()
        self.conversation = None
        current = None
        if self.session_key or (self.user is not None and self.user.is_authenticated):
            current = await database_sync_to_async(selectors.conversation_current_for_visitor)(
                user=self.user, session_key=self.session_key
            )
        messages = []
        if current is not None:
            await self._join(current)
            messages = await database_sync_to_async(self._history)(current)
        await self.send_json({"type": "history", "messages": messages})
        if current is not None and current.state != Conversation.State.BOT:
            await self.send_json(await database_sync_to_async(actions.state_payload)(current))

    async def _session_key(self, create=False):
        """The visitor's session key; a session row is made only with `create` (when a
        conversation starts), never for a socket that merely connects."""
        session = self.scope.get("session")
        if session is None:
            return ""
        if not session.session_key and create:
            await database_sync_to_async(session.save)()
        return session.session_key or ""

    async def _join(self, conversation):
        if self.conversation is not None and self.conversation.pk == conversation.pk:
            return
        if self.conversation is not None:
            await self.channel_layer.group_discard(
                events.visitor_group(self.conversation.pk), self.channel_name
            )
        self.conversation = conversation
        await self.channel_layer.group_add(events.visitor_group(conversation.pk), self.channel_name)

    @staticmethod
    def _history(conversation):
        return [actions.message_payload(m) for m in selectors.conversation_history(conversation)]

    async def disconnect(self, code):
        if getattr(self, "conversation", None) is not None:
            await self.channel_layer.group_discard(
                events.visitor_group(self.conversation.pk), self.channel_name
            )

    def handlers(self):
        return {
            "message": self.on_message,
            "handoff": self.on_handoff,
            "typing": self.on_typing,
            "read": self.on_read,
            "feedback": self.on_feedback,
            "csat": self.on_csat,
            "resolve": self.on_resolve,
        }

    async def _conversation(self, language=None):
        """The current conversation, refreshed; a new one when the last has been resolved."""
        if self.conversation is not None:
            fresh = await database_sync_to_async(
                lambda: Conversation.objects.filter(pk=self.conversation.pk).first()
            )()
            if fresh is not None and fresh.state != Conversation.State.RESOLVED:
                self.conversation = fresh
                return fresh
        if not self.session_key and not (self.user and self.user.is_authenticated):
            self.session_key = await self._session_key(create=True)
        conversation = await database_sync_to_async(actions.conversation_start)(
            user=self.user, session_key=self.session_key, language=language or "zh-hans"
        )
        await self._join(conversation)
        return conversation

    async def _last_conversation(self):
        if self.conversation is None:
            raise ActionError(_("There is no conversation yet."), code="no_conversation")
        return await database_sync_to_async(
            lambda: Conversation.objects.get(pk=self.conversation.pk)
        )()

    async def on_message(self, content):
        text = _text_of(content)
        clean_text(text)  # refused before a conversation is started for it
        language = content.get("language") if content.get("language") in ("zh-hans", "en") else None
        if self.conversation is None or self.conversation.state != Conversation.State.OPEN:
            # The answer worked out ahead, off the one thread the database calls share (the
            # encoder's work batched with other sockets' messages).
            await services.prepare(text, language)
        if self.conversation is None:
            # The visitor's first message on this socket: the session (when the socket came
            # without one), the conversation and the message, with other sockets' messages.
            post = actions.Post(
                text=text, language=language, user=self.user, session=self.scope.get("session")
            )
        else:
            # message_post locks and re-reads the conversation itself, and says so when it
            # has been resolved meanwhile.
            post = actions.Post(text=text, language=language, conversation=self.conversation)
        try:
            mine, answer, bot = await writer.post(post)
        except InvalidTransition:
            conversation = await self._conversation(language)
            mine, answer, bot = await writer.post(
                actions.Post(text=text, language=language, conversation=conversation)
            )
        if self.conversation is None:
            if not (self.user is not None and self.user.is_authenticated):
                self.session_key = await self._session_key()
            await self._join(mine.conversation)
        if answer is None:
            await self.send_json({"type": "sent", "message_id": mine.pk})
            return
        await self.send_json(
            {
                "type": answer["kind"],
                "faq_key": answer["faq_key"],
                "score": answer["score"],
                "reply": answer["reply"],
                "suggestions": answer["suggestions"],
                "message_id": bot.pk,
            }
        )

    async def on_handoff(self, content):
        topic = content.get("topic") if isinstance(content.get("topic"), str) else ""
        contact = content.get("contact") if isinstance(content.get("contact"), str) else ""
        conversation = await self._conversation()
        _conversation, system = await database_sync_to_async(actions.handoff_request)(
            conversation=conversation, topic=topic, contact=contact
        )
        await self.send_json({"type": "system", **actions.message_payload(system)})

    async def _to_adviser(self, payload):
        if self.conversation is None:
            return
        conversation = await self._last_conversation()
        if conversation.assigned_to_id and conversation.state == Conversation.State.OPEN:
            await self.channel_layer.group_send(
                events.adviser_group(conversation.assigned_to_id),
                {"type": "chat.event", "payload": {**payload, "conversation_id": conversation.pk}},
            )

    async def on_typing(self, content):
        await self._to_adviser({"type": "typing"})

    async def on_read(self, content):
        await self._to_adviser({"type": "read"})

    async def on_feedback(self, content):
        conversation = await self._last_conversation()
        await database_sync_to_async(actions.feedback)(
            conversation=conversation,
            message_id=content.get("message_id"),
            value=content.get("value"),
        )
        await self.send_json({"type": "feedback_saved", "message_id": content.get("message_id")})

    async def on_csat(self, content):
        conversation = await self._last_conversation()
        await database_sync_to_async(actions.csat_submit)(
            conversation=conversation, score=content.get("score")
        )
        await self.send_json({"type": "csat_saved"})

    async def on_resolve(self, content):
        conversation = await self._last_conversation()
        await database_sync_to_async(actions.visitor_resolve)(conversation=conversation)
        await self.send_json({"type": "handoff_state", "state": "resolved", "queue_position": None})


class AdviserConsumer(_Base):
    """An adviser's inbox connection: online while connected, pushes for their conversations."""

    async def start(self):
        self.user = self.scope.get("user")
        if not await database_sync_to_async(selectors.is_adviser)(self.user):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await database_sync_to_async(actions.presence_connect)(user=self.user)
        self.present = True
        await self.channel_layer.group_add(events.adviser_group(self.user.pk), self.channel_name)
        await self.send_json({"type": "inbox", "conversations": await self._inbox()})

    @database_sync_to_async
    def _inbox(self):
        return [
            actions.conversation_payload(c)
            for c in selectors.conversations_for_adviser(self.user).exclude(
                state=Conversation.State.RESOLVED
            )
        ]

    async def disconnect(self, code):
        user = getattr(self, "user", None)
        if getattr(self, "present", False):
            # Offline only when this was the adviser's last open tab.
            self.present = False
            await database_sync_to_async(actions.presence_disconnect)(user=user)
            await self.channel_layer.group_discard(events.adviser_group(user.pk), self.channel_name)

    def handlers(self):
        return {
            "claim": self.on_claim,
            "reply": self.on_reply,
            "transfer": self.on_transfer,
            "resolve": self.on_resolve,
            "typing": self.on_typing,
            "history": self.on_history,
        }

    async def _mine(self, content):
        return await database_sync_to_async(selectors.conversation_get_for_adviser)(
            user=self.user, conversation_id=content.get("conversation_id")
        )

    async def on_claim(self, content):
        conversation = await database_sync_to_async(actions.adviser_claim)(
            conversation=await self._mine(content), by=self.user
        )
        await self.send_json({"type": "claimed", "conversation_id": conversation.pk})

    async def on_reply(self, content):
        message = await database_sync_to_async(actions.adviser_reply)(
            conversation=await self._mine(content), by=self.user, text=_text_of(content)
        )
        await self.send_json(
            {
                "type": "replied",
                "conversation_id": message.conversation_id,
                "message_id": message.pk,
            }
        )

    async def on_transfer(self, content):
        conversation = await self._mine(content)

        def target():
            # Who may take it over is the action's check (selectors.transfer_targets).
            try:
                return User.objects.filter(pk=int(content.get("to")), is_active=True).first()
            except (ValueError, TypeError):
                return None

        to = await database_sync_to_async(target)()
        await database_sync_to_async(actions.transfer)(
            conversation=conversation, by=self.user, to=to
        )
        await self.send_json({"type": "transferred", "conversation_id": conversation.pk})

    async def on_resolve(self, content):
        conversation = await database_sync_to_async(actions.resolve)(
            conversation=await self._mine(content), by=self.user
        )
        await self.send_json({"type": "resolved", "conversation_id": conversation.pk})

    async def on_typing(self, content):
        conversation = await self._mine(content)
        await self.channel_layer.group_send(
            events.visitor_group(conversation.pk),
            {"type": "chat.event", "payload": {"type": "typing"}},
        )

    async def on_history(self, content):
        conversation = await self._mine(content)
        messages = await database_sync_to_async(ChatConsumer._history)(conversation)
        await self.send_json(
            {"type": "history", "conversation_id": conversation.pk, "messages": messages}
        )
