from django import template

from cms import selectors

register = template.Library()


@register.filter
def page_language(page):
    """The language code a page is written in, without a query per page."""
    return selectors.language_of(page)
