import datetime

import pytest
from rest_framework import status

from core.models import Notification
from tests.marketplace.api.contracting.utils import url
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids

pytestmark = pytest.mark.django_db

LIST = url("notifications")


def test_each_person_reads_only_their_own_notices_in_their_language(api, personas, offer):
    received = Notification.objects.get(user=personas.agency_consultant, kind="offer_received")
    body = api(personas.agency_consultant).get(LIST).json()
    assert ids(api(personas.agency_consultant).get(LIST)) == {received.pk}
    (row,) = body["results"]
    assert row["kind"] == "offer_received"
    assert row["text"].startswith(f"New custody offer from {personas.firm.name}; please answer by ")
    assert row["read"] is False
    for persona in ("firm_member", "rival_consultant", "officer"):
        client = api(getattr(personas, persona))
        assert received.pk not in ids(client.get(LIST))
        assert client.get(url("notifications", received)).status_code == 404
        assert client.post(url("notifications", received, "read/")).status_code == 404
    managers = ids(api(personas.incubator_manager).get(LIST))
    assert managers == set(
        Notification.objects.filter(user=personas.incubator_manager).values_list("pk", flat=True)
    )
    assert managers


def test_mark_one_read_keeps_the_first_time(api, personas, offer, clock):
    received = Notification.objects.get(user=personas.agency_consultant)
    client = api(personas.agency_consultant)
    first = client.post(url("notifications", received, "read/")).json()
    assert first["read"] is True
    clock.shift(datetime.timedelta(hours=1))
    second = client.post(url("notifications", received, "read/")).json()
    assert second["read_at"] == first["read_at"]


def test_unread_count_filter_and_read_all(api, personas, engagement):
    client = api(personas.firm_member)
    unread = Notification.objects.filter(user=personas.firm_member, read_at__isnull=True).count()
    assert unread >= 1
    assert client.get(url("notifications") + "unread-count/").json() == {"unread": unread}
    assert len(ids(client.get(LIST, {"unread": "true"}))) == unread
    marked = client.post(url("notifications") + "read-all/")
    assert marked.status_code == status.HTTP_200_OK
    assert marked.json() == {"marked": unread}
    assert client.get(url("notifications") + "unread-count/").json() == {"unread": 0}
    assert ids(client.get(LIST, {"unread": "true"})) == set()
    # Other people's notices stay unread.
    assert Notification.objects.filter(
        user=personas.incubator_manager, read_at__isnull=True
    ).exists()


def test_anonymous_is_asked_to_sign_in(api, personas, offer):
    received = Notification.objects.get(user=personas.agency_consultant)
    client = api()
    assert client.get(LIST).status_code == ANONYMOUS_STATUS
    assert client.get(url("notifications") + "unread-count/").status_code == ANONYMOUS_STATUS
    assert client.post(url("notifications") + "read-all/").status_code == ANONYMOUS_STATUS
    assert client.post(url("notifications", received, "read/")).status_code == ANONYMOUS_STATUS
