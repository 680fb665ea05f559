"""The e-mail backend of the whole product: every message becomes an outbox row.

Django's and Wagtail's own mail (password resets, moderation and workflow notices)
is sent through `EMAIL_BACKEND` rather than through `core.actions.outbox`; with this
backend it is queued like the product's own: written in the current transaction (a
rollback takes it back), sent by the outbox's job through `EMAIL_DELIVERY_BACKEND`,
once, surviving a process killed on the way.
"""

from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import strip_tags

from core.actions.outbox import email_enqueue


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        queued = 0
        for message in email_messages:
            if message.attachments:
                raise ValueError(
                    f"e-mail {message.subject!r} has attachments; the outbox carries text "
                    "and an HTML alternative only"
                )
            text, html = message.body, ""
            for content, mimetype in getattr(message, "alternatives", ()):
                if mimetype == "text/html":
                    html = content
            if message.content_subtype == "html":
                text, html = strip_tags(message.body), message.body
            queued += bool(
                email_enqueue(
                    recipients=message.to,
                    cc=message.cc,
                    bcc=message.bcc,
                    reply_to=message.reply_to,
                    subject=message.subject,
                    body=text,
                    html_body=html,
                    from_email=message.from_email,
                    headers=message.extra_headers,
                )
            )
        return queued
