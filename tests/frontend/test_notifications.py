import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification

pytestmark = pytest.mark.django_db


def test_bell_shows_the_unread_count_in_one_query(client, personas, offer):
    client.force_login(personas.agency_consultant)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("frontend:agency-home"))

    assert '<span class="position-absolute' in response.text
    assert 'data-testid="unread-count">1</span>' in response.text
    counts = [q["sql"] for q in queries.captured_queries if "marketplace_notification" in q["sql"]]
    assert len(counts) == 1


def test_bell_without_unread_notices_has_no_badge(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:firm-home"))

    assert 'data-testid="notification-bell"' in response.text
    assert 'data-testid="unread-count"' not in response.text


def test_list_words_each_notice_and_links_where_to_act(client, personas, offer):
    client.force_login(personas.agency_consultant)

    response = client.get(reverse("frontend:notifications"))

    [row] = response.context["rows"]
    assert row["text"].startswith("New custody offer from 爱丽丝生物科技; please answer by")
    assert row["url"] == reverse("frontend:offer-detail", args=[offer.pk])


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(client, personas, offer):
    client.force_login(personas.agency_consultant)
    notice = Notification.objects.get(user=personas.agency_consultant)
    target = reverse("frontend:offer-detail", args=[offer.pk])

    response = client.post(
        reverse("frontend:notification-read", args=[notice.pk]), {"next": target}
    )

    assert response.status_code == 302 and response.url == target
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_firm_notices_link_to_the_request(client, personas, offer):
    from marketplace import actions

    actions.offer_decline(offer=offer, by=personas.agency_consultant, reason="满员")
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:notifications"))

    [row] = response.context["rows"]
    assert "declined the offer for 爱丽丝生物科技: 满员" in row["text"]
    assert row["url"] == reverse("frontend:request-detail", args=[offer.request_id])


def test_mark_all_read(client, personas, offer):
    client.force_login(personas.incubator_manager)
    assert Notification.objects.filter(user=personas.incubator_manager, read_at=None).count() == 1

    response = client.post(reverse("frontend:notifications-read-all"), follow=True)

    assert "1 notification marked read." in response.text
    assert not Notification.objects.filter(user=personas.incubator_manager, read_at=None).exists()
    assert 'data-testid="unread-count"' not in response.text


def test_someone_elses_notice_is_not_found(client, personas, offer):
    notice = Notification.objects.get(user=personas.agency_consultant)
    client.force_login(personas.rival_consultant)

    response = client.post(reverse("frontend:notification-read", args=[notice.pk]))

    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_visitors_have_no_bell(client, db):
    response = client.get(reverse("frontend:home"))

    assert 'data-testid="notification-bell"' not in response.text
