import re

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_carries_the_widget_without_inline_script(client):
    html = client.get("/login/").content.decode()
    assert 'id="chat-widget"' in html
    assert 'data-answer-url="/api/v1/chat/answer"' in html
    assert 'src="/static/chat/widget.js"' in html
    widget = html[html.index('<link rel="stylesheet" href="/static/chat/widget.css">') :]
    scripts = re.findall(r"<script([^>]*)>", widget)
    assert scripts and all("src=" in attributes for attributes in scripts)


def test_logged_in_contact_is_prefilled(client, personas):
    personas.firm_member.email = "alice@example.org"
    personas.firm_member.save()
    client.force_login(personas.firm_member)
    html = client.get("/login/", follow=True).content.decode()
    assert 'data-contact="alice@example.org"' in html
