"""What the assistant says to one message: the matcher's verdict turned into a reply."""

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from chat import encoder, figures, hybrid
from chat import index as chat_index
from chat.text import clean_text
from core.errors import ActionError

ANSWER, CLARIFY, FALLBACK, HANDOFF = "answer", "clarify", "fallback", "handoff"


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


async def prepare(text, language=None):
    """Work a message's answer out before it is posted, off the database thread, so that
    `answer_question` (inside message_post's transaction, on the one thread all database
    calls share) finds it among the recent answers.

    The words are read on a worker thread; when they leave doubt, the message is encoded
    through chat.encoder's MicroBatcher, in one call with other sockets' messages; then the
    verdict is made on a worker thread too. Nothing when the message was answered lately.
    """
    try:
        text = clean_text(text)
    except ActionError:
        return  # message_post refuses it, with the reason
    # The database thread only when the index must be (re)built: it is the one thread every
    # message's writes queue for.
    loaded = await sync_to_async(chat_index.built, thread_sensitive=False)()
    if loaded is None:
        loaded = await database_sync_to_async(chat_index.current)()
    if (text, language) in loaded.answers:
        return
    planned = await sync_to_async(_plan, thread_sensitive=False)(loaded, text, language)
    if planned.vector_wanted:
        await encoder.encode_soon(planned.text)
    await sync_to_async(match, thread_sensitive=False)(loaded, text, language, planned)
