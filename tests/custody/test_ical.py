"""The secret iCal feed: RFC 5545 text, scoped to its user, revocable."""

import datetime

import pytest
from django.urls import reverse

from core.errors import ActionError
from core.models import AuditEvent
from custody import actions, ical
from custody.models import CalendarFeed
from tests.custody.deadline_helpers import trademark_renewal

NOW = datetime.datetime(2026, 9, 1, 2, 0, tzinfo=datetime.UTC)


# --- Pure text ---------------------------------------------------------------------------


def test_text_is_escaped():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "专利年费" * 30
    folded = ical.fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join(piece[1:] if i else piece for i, piece in enumerate(pieces)) == line


def test_a_calendar_of_all_day_events():
    text = ical.calendar(
        [
            ical.Event(
                uid="deadline-1@x",
                day=datetime.date(2026, 12, 31),
                summary="Renewal, 123; firm",
                description="Due.\nGrace.",
                alarm_days=7,
            )
        ],
        name="IP deadlines",
        now=NOW,
    )
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20261231\r\n" in text
    assert "DTEND;VALUE=DATE:20270101\r\n" in text
    assert "DTSTAMP:20260901T020000Z\r\n" in text
    assert "SUMMARY:Renewal\\, 123\\; firm\r\n" in text
    assert "DESCRIPTION:Due.\\nGrace.\r\n" in text
    assert "TRIGGER:-P7D\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


# --- The feed ----------------------------------------------------------------------------


@pytest.fixture
def renewal(personas, engagement):
    return trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )


@pytest.fixture
def bobs(personas, programme):
    return trademark_renewal(
        personas.other_firm, personas.other_firm_member, registered=datetime.date(2016, 10, 10)
    )


@pytest.mark.django_db
def test_the_feed_lists_what_its_user_may_see_without_a_login(client, personas, renewal, bobs):
    feed = actions.calendar_feed_issue(user=personas.agency_consultant)
    assert len(feed.token) >= 40
    response = client.get(reverse("frontend:calendar-feed", args=[feed.token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert f"UID:deadline-{renewal.pk}@ip-custody-marketplace" in text
    assert f"deadline-{bobs.pk}@" not in text
    assert renewal.asset.number in text and "爱丽丝生物科技" in text
    assert "Grace until" in text or "宽限" in text


@pytest.mark.django_db
def test_issuing_twice_keeps_the_address_and_revoking_replaces_it(client, personas, renewal):
    first = actions.calendar_feed_issue(user=personas.firm_member)
    assert actions.calendar_feed_issue(user=personas.firm_member).token == first.token
    revoked = actions.calendar_feed_revoke(user=personas.firm_member)
    assert revoked.token != first.token
    assert client.get(reverse("frontend:calendar-feed", args=[first.token])).status_code == 404
    assert client.get(reverse("frontend:calendar-feed", args=[revoked.token])).status_code == 200
    assert sorted(
        AuditEvent.objects.filter(action__startswith="calendar_feed").values_list(
            "action", flat=True
        )
    ) == ["calendar_feed.issued", "calendar_feed.revoked"]


@pytest.mark.django_db
def test_unknown_tokens_and_inactive_users_get_404(client, personas, renewal):
    feed = actions.calendar_feed_issue(user=personas.firm_member)
    assert client.get(reverse("frontend:calendar-feed", args=["nope"])).status_code == 404
    personas.firm_member.is_active = False
    personas.firm_member.save()
    assert client.get(reverse("frontend:calendar-feed", args=[feed.token])).status_code == 404


@pytest.mark.django_db
def test_revoking_without_an_address_is_refused(personas):
    with pytest.raises(ActionError):
        actions.calendar_feed_revoke(user=personas.firm_member)


@pytest.mark.django_db
def test_the_board_issues_and_revokes_the_address(client, personas, renewal):
    client.force_login(personas.firm_member)
    board = reverse("frontend:deadline-board")
    assert "Create my calendar address" in client.get(board).content.decode()

    response = client.post(reverse("frontend:calendar-feed-issue"))
    assert response.status_code == 302 and response.url.endswith("#calendar")
    token = CalendarFeed.objects.get(user=personas.firm_member).token
    assert f"/calendar/{token}.ics" in client.get(board).content.decode()

    client.post(reverse("frontend:calendar-feed-revoke"))
    assert CalendarFeed.objects.get(user=personas.firm_member).token != token


@pytest.mark.django_db
def test_anonymous_visitors_cannot_issue_an_address(client):
    response = client.post(reverse("frontend:calendar-feed-issue"))
    assert response.status_code == 302 and reverse("frontend:login") in response.url
    assert not CalendarFeed.objects.exists()
