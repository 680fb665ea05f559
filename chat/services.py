"""What the assistant says to one message: the matcher's verdict turned into a reply."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from chat import encoder, figures, hybrid
from chat import index as chat_index
from chat.text import clean_text
from core.errors import ActionError

ANSWER, CLARIFY, FALLBACK, HANDOFF = "answer", "clarify", "fallback", "handoff"

# Messages are read and matched ahead on these threads, never on the event loop nor on the
# one thread every database call queues for. Two: the machine's cores (numpy lets go of the
# GIL, the rest takes turns). A plain executor, not asgiref's sync_to_async: nothing here
# needs Django's request context, and each of its trips costs the event loop far more.
_ahead = ThreadPoolExecutor(max_workers=2, thread_name_prefix="chat-ahead")


def _reply(result, loaded, language, user=None):
    if result.kind == ANSWER:
        found = chat_index.entry(loaded, result.faq_key, language)
        text = figures.fill(found["answer"], figures.programme_facts) if found else ""
        own = figures.firm_facts(user, found.get("category", "")) if found else []
        if own:
            text = "\n\n".join([text, "\n".join(own)])
        related = found.get("related") if found else []
        if related:
            text = "\n\n".join([text, _("Read more:") + "\n" + "\n".join(related)])
        return text
    if result.kind == CLARIFY:
        return _("Did you mean one of these?")
    if result.kind == HANDOFF:
        return _(
            "I can put you in touch with an adviser. Tell us your topic and how to reach you, "
            "and we will connect you."
        )
    return _("I'm sorry, I don't know the answer to that. Would you like to talk to an adviser?")


def answer_question(text, language=None, user=None):
    """The assistant's reply to `text` as the chat contract has it.

    {"kind", "faq_key", "score", "reply", "suggestions": [{"faq_key", "question", "score"}],
    "language"}; `language` forces the reply language, else it is guessed from the text.
    An answer's placeholders hold the programme's live figures; a signed-in firm member
    (`user`) also gets its own facts after it.
    """
    loaded = chat_index.current()
    result = match(loaded, text, language)
    with translation.override(result.language):
        reply = _reply(result, loaded, result.language, user)
    return {
        "kind": result.kind,
        "faq_key": result.faq_key,
        "score": float(result.score),
        "reply": reply,
        "suggestions": [
            {"faq_key": key, "question": question, "score": float(score)}
            for key, question, score in result.suggestions
        ],
        "language": result.language,
    }


def _plan(loaded, text, language):
    return hybrid.plan(
        loaded.index,
        text,
        language,
        encoder_on=loaded.encode is not None,
        fusion=loaded.fusion,
        lexical_settings=loaded.settings,
    )


def match(loaded, text, language=None, planned=None):
    """The matcher's Result for `text`, from the index's recent answers when it was asked
    lately (the same words and language always get the same verdict from one index).
    `planned`: the message's hybrid.Plan when it was read already."""
    key = (text, language)
    result = loaded.answers.get(key)
    if result is None:
        result = loaded.answers.put(
            key,
            hybrid.match(
                loaded.index,
                text,
                language=language,
                encode=loaded.encode,
                fusion=loaded.fusion,
                lexical_settings=loaded.settings,
                planned=planned,
            ),
        )
    return result


def _read_ahead(text, language):
    """On a worker thread: None when the answer is known now (recent, or made here because
    the words decide), else (index, plan) for a message the encoder must read; the string
    "build" when the index must be built first (on the database thread)."""
    loaded = chat_index.built()
    if loaded is None:
        return "build"
    if (text, language) in loaded.answers:
        return None
    planned = _plan(loaded, text, language)
    if not planned.vector_wanted:
        match(loaded, text, language, planned)
        return None
    return loaded, planned


async def prepare(text, language=None):
    """Work a message's answer out before it is posted, off the database thread, so that
    `answer_question` (inside message_post's transaction, on the one thread all database
    calls share) finds it among the recent answers.

    The words are read on a worker thread, and decide there when they can; when they leave
    doubt, the message is encoded through chat.encoder's MicroBatcher, in one call with
    other sockets' messages, and the verdict is made on a worker thread. Nothing, not even
    a trip to a worker thread, when the message was answered lately: that is looked up on
    the event loop in the last index built (a memory read; after an FAQ change,
    answer_question finds that index stale and works the answer out again).
    """
    try:
        text = clean_text(text)
    except ActionError:
        return  # message_post refuses it, with the reason
    latest = chat_index.latest()
    if latest is not None and (text, language) in latest.answers:
        return
    loop = asyncio.get_running_loop()
    ahead = await loop.run_in_executor(_ahead, _read_ahead, text, language)
    if ahead == "build":
        # The database thread only when the index must be (re)built: it is the one thread
        # every message's writes queue for.
        await database_sync_to_async(chat_index.current)()
        ahead = await loop.run_in_executor(_ahead, _read_ahead, text, language)
    if ahead is None or ahead == "build":
        return
    loaded, planned = ahead
    await encoder.encode_soon(planned.text)
    await loop.run_in_executor(_ahead, match, loaded, text, language, planned)
