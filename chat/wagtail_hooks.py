"""The public FAQ and search pages show an answer's placeholders with the programme's live
figures, as the assistant's answers do (cms.faq.fill_answers calls this hook)."""

import functools

from django.utils.html import escape
from wagtail import hooks

from chat import figures
from cms.faq import FILL_ANSWERS_HOOK


@hooks.register(FILL_ANSWERS_HOOK)
def fill_faq_answers(texts):
    """The answers (rich text HTML) with their placeholders filled; the figures are read
    once, and only if an answer holds a placeholder."""

    @functools.cache
    def facts():
        return {name: escape(value) for name, value in figures.programme_facts().items()}

    return [figures.fill(text, facts) for text in texts]
