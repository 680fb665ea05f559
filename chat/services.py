"""What the assistant says to one message: the matcher's verdict turned into a reply."""

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from chat import encoder, figures, hybrid
from chat import index as chat_index

ANSWER, CLARIFY, FALLBACK, HANDOFF = "answer", "clarify", "fallback", "handoff"


def _reply(result, loaded, language, user=None):
    if result.kind == ANSWER:
        found = chat_index.entry(loaded, result.faq_key, language)
        text = figures.fill(found["answer"], figures.programme_facts()) if found else ""
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
    result = hybrid.match(
        loaded.index,
        text,
        language=language,
        encode=loaded.encode,
        fusion=loaded.fusion,
        lexical_settings=loaded.settings,
    )
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


async def prepare(text):
    """Encode a message before it is answered, batched with everyone else's (chat.encoder's
    MicroBatcher), so `answer_question` finds its vector ready; nothing when the encoder is
    off or the words alone will decide."""
    loaded = await database_sync_to_async(chat_index.current)()
    if loaded.encode is None:
        return
    wanted = hybrid.texts_to_encode(loaded.index, text, loaded.fusion, loaded.settings)
    for part in wanted:
        await encoder.encode_soon(part)
