"""A person's e-mails read in the language they use the site in (issue #18: every e-mail
was worded in the programme's default language, Chinese, whatever the reader chose)."""

import pytest
from django.urls import reverse

from core import notices
from core.models import OutboxMessage
from marketplace.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _language(user):
    return User.objects.values_list("language", flat=True).get(pk=user.pk)


def test_signing_in_remembers_the_language_of_the_sign_in_page(client, personas):
    client.post(
        reverse("frontend:login"),
        {"username": personas.firm_member.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert _language(personas.firm_member) == "en"


def test_switching_language_is_remembered_for_a_signed_in_person(client, personas):
    client.force_login(personas.firm_member)

    answer = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert answer.status_code == 302 and _language(personas.firm_member) == "en"

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert _language(personas.firm_member) == "zh-hans"

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert _language(personas.firm_member) == "zh-hans"  # not offered: ignored


def test_a_visitors_switch_stores_nothing(client):
    answer = client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert answer.status_code == 302
    assert not User.objects.exclude(language="").exists()


def test_each_reader_gets_the_notice_e_mail_in_their_language(personas):
    User.objects.filter(pk=personas.firm_member.pk).update(language="en")
    User.objects.filter(pk=personas.agency_consultant.pk).update(language="zh-hans")
    readers = list(
        User.objects.filter(pk__in=[personas.firm_member.pk, personas.agency_consultant.pk])
    )

    notices.notify(
        readers,
        kind="offer_accepted",
        params={"firm": "Acme", "agency": "Bright IP"},
    )

    by_address = {m.recipients[0]: m.body for m in OutboxMessage.objects.all()}
    assert by_address[personas.firm_member.email] == "Bright IP accepted the custody of Acme."
    chinese = by_address[personas.agency_consultant.email]
    assert "Bright IP" in chinese and "accepted" not in chinese


def test_without_a_choice_the_e_mail_reads_in_the_programme_language(personas, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the product's default (the suite reads English)
    notices.notify(
        [personas.firm_member], kind="offer_accepted", params={"firm": "A", "agency": "B"}
    )

    (message,) = OutboxMessage.objects.all()
    assert "accepted" not in message.body  # zh-hans, the default
