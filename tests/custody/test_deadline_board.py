"""The deadline board, marking a deadline done with evidence, and who may do what."""

import datetime
import urllib.request

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import ActionError, NotAllowed
from core.models import AuditEvent
from custody import actions
from custody.models import Deadline, EvidenceFile
from marketplace import actions as marketplace_actions
from tests.custody.deadline_helpers import PDF, trademark_renewal
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db
days = datetime.timedelta
TODAY = datetime.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    storages = {**settings.STORAGES}
    storages["private"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "private", "base_url": None},
    }
    settings.STORAGES = storages


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2026, 9, 1, 10, tzinfo=datetime.UTC), tick=False):
        yield TODAY


@pytest.fixture
def renewal(personas, engagement):
    """Alice's renewal due on 2026-11-16 (no grace yet used), in the custody of `agency`."""
    return trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )


@pytest.fixture
def in_grace(personas, engagement):
    """Alice's renewal whose due date passed in July 2026: in grace on TODAY."""
    return trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 7, 8)
    )


@pytest.fixture
def bobs_renewal(personas, programme):
    """Bob's firm's renewal, in the custody of the rival agency."""
    with time_machine.travel(NOW, tick=False):
        request = marketplace_actions.request_submit(
            firm=personas.other_firm,
            by=personas.other_firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = marketplace_actions.offer_make(
            request=request, agency=personas.rival_agency, by=personas.other_firm_member
        )
        marketplace_actions.offer_accept(offer=offer, by=personas.rival_consultant)
    return trademark_renewal(
        personas.other_firm, personas.other_firm_member, registered=datetime.date(2016, 10, 10)
    )


def _login(client, user):
    if user.is_authenticated:
        client.force_login(user)
    return client


def _pdf(name="receipt.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- The board ---------------------------------------------------------------------------


def test_the_agency_sees_its_clients_most_urgent_first(
    client, personas, renewal, in_grace, bobs_renewal, today
):
    later = trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2017, 3, 6)
    )
    response = _login(client, personas.agency_consultant).get(reverse("frontend:deadline-board"))
    assert response.status_code == 200
    shown = [row["deadline"] for row in response.context["rows"]]
    # In grace first, then by due date; the rival's client is not there.
    assert shown == [in_grace, renewal, later]
    html = response.content.decode()
    assert "In grace" in html and "Due in" in html
    assert reverse("frontend:engagement-detail", args=[renewal_engagement(personas)]) in html


def renewal_engagement(personas):
    return personas.firm.engagements.get().pk


def test_the_firm_sees_its_own_and_rivals_see_nothing_of_it(
    client, personas, renewal, bobs_renewal, today
):
    response = _login(client, personas.firm_member).get(reverse("frontend:deadline-board"))
    assert [row["deadline"] for row in response.context["rows"]] == [renewal]
    assert "firm" not in response.context["filters"].fields

    client.logout()
    response = _login(client, personas.rival_consultant).get(reverse("frontend:deadline-board"))
    assert [row["deadline"] for row in response.context["rows"]] == [bobs_renewal]


def test_managers_read_their_incubators_firms_without_acting(
    client, personas, renewal, bobs_renewal, today
):
    response = _login(client, personas.incubator_manager).get(reverse("frontend:deadline-board"))
    assert [row["deadline"] for row in response.context["rows"]] == [renewal]
    assert not response.context["can_act"]
    assert "Mark done" not in response.content.decode()

    client.logout()
    response = _login(client, personas.officer).get(reverse("frontend:deadline-board"))
    assert len(response.context["rows"]) == 2


def test_filters_by_state_kind_firm_and_horizon(client, personas, renewal, in_grace, today):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member)
    _login(client, personas.agency_consultant)
    url = reverse("frontend:deadline-board")

    def shown(**query):
        return [row["deadline"] for row in client.get(url, query).context["rows"]]

    assert shown() == [in_grace]
    assert shown(state="done") == [renewal]
    assert shown(state="all") == [in_grace, renewal]
    assert shown(state="missed") == []
    assert shown(kind="annual_fee") == []
    assert shown(kind="trademark_renewal", firm=personas.firm.pk) == [in_grace]
    assert shown(state="all", within=30) == [in_grace]
    # A firm outside the agency's custody is not a valid choice: the filter is ignored.
    assert shown(firm=personas.other_firm.pk) == [in_grace]


def test_missed_deadlines_are_flagged_on_the_board(client, personas, in_grace):
    actions.deadlines_flag_missed(today=in_grace.grace_ends_on + days(1))
    response = _login(client, personas.agency_consultant).get(
        reverse("frontend:deadline-board"), {"state": "missed"}
    )
    assert [row["state"] for row in response.context["rows"]] == ["Missed"]


def test_the_board_pages_its_rows(client, personas, engagement, today):
    for year in range(2010, 2017):
        for month in (1, 3, 5, 7):
            trademark_renewal(
                personas.firm, personas.firm_member, registered=datetime.date(year + 10, month, 9)
            )
    response = _login(client, personas.agency_consultant).get(
        reverse("frontend:deadline-board"), {"page": 2}
    )
    assert response.context["page"].paginator.count == 28
    assert len(response.context["rows"]) == 3


def _board_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_queries_stay_flat_from_1_to_50_rows(
    client, personas, engagement, today, django_assert_max_num_queries
):
    _login(client, personas.agency_consultant)
    url = reverse("frontend:deadline-board") + "?state=all"
    trademark_renewal(personas.firm, personas.firm_member, registered=datetime.date(2017, 1, 2))
    with django_assert_max_num_queries(10):
        one = _board_queries(client, url)
    start = datetime.date(2017, 1, 3)
    for n in range(49):
        trademark_renewal(personas.firm, personas.firm_member, registered=start + days(7 * n))
    with django_assert_max_num_queries(10):
        fifty = _board_queries(client, url + "&page=1")
    assert one == fifty


def test_anonymous_visitors_are_sent_to_log_in(client, renewal):
    for url in (
        reverse("frontend:deadline-board"),
        reverse("frontend:deadline-detail", args=[renewal.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and reverse("frontend:login") in response.url
    response = client.post(reverse("frontend:deadline-done", args=[renewal.pk]))
    assert response.status_code == 302 and reverse("frontend:login") in response.url
    assert Deadline.objects.get(pk=renewal.pk).done_at is None


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("firm_member", 200),
        ("agency_consultant", 200),
        ("incubator_manager", 200),
        ("officer", 200),
        ("other_firm_member", 404),
        ("rival_consultant", 404),
        ("other_manager", 404),
    ],
)
def test_who_may_open_a_deadline(client, personas, renewal, persona, status):
    user = getattr(personas, persona)
    response = _login(client, user).get(reverse("frontend:deadline-detail", args=[renewal.pk]))
    assert response.status_code == status


# --- Marking done ------------------------------------------------------------------------


def test_the_agency_marks_done_with_a_note_and_evidence(client, personas, renewal, today):
    _login(client, personas.agency_consultant)
    response = client.post(
        reverse("frontend:deadline-done", args=[renewal.pk]),
        {"note": "Renewal filed, receipt 2026-0815", "files": [_pdf(), _pdf("second.pdf")]},
    )
    assert response.status_code == 302
    renewal.refresh_from_db()
    assert renewal.done_by == personas.agency_consultant
    assert renewal.done_note == "Renewal filed, receipt 2026-0815"
    assert renewal.responsible_agency == personas.agency
    assert sorted(renewal.evidence.values_list("name", flat=True)) == ["receipt.pdf", "second.pdf"]
    event = AuditEvent.objects.get(action="deadline.done")
    assert event.actor == personas.agency_consultant and event.data["files"] == 2

    page = client.get(reverse("frontend:deadline-detail", args=[renewal.pk])).content.decode()
    assert "receipt.pdf" in page and "Mark done" not in page


def test_the_firm_marks_done_without_evidence_and_the_custody_agency_is_recorded(personas, renewal):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member, note="")
    renewal.refresh_from_db()
    assert renewal.done_at is not None and renewal.responsible_agency == personas.agency
    with pytest.raises(ActionError, match="already marked done"):
        actions.deadline_mark_done(deadline=renewal, by=personas.firm_member)


def test_a_bad_file_is_refused_by_name_and_nothing_is_stored(client, personas, renewal):
    _login(client, personas.firm_member)
    page = SimpleUploadedFile("receipt.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(
        reverse("frontend:deadline-done", args=[renewal.pk]),
        {"note": "paid", "files": [_pdf("good.pdf"), page]},
    )
    assert response.status_code == 400
    assert "receipt.pdf is not a PDF" in response.content.decode()
    renewal.refresh_from_db()
    assert renewal.done_at is None
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("incubator_manager", 403),
        ("officer", 403),
        ("other_manager", 403),
        ("other_firm_member", 404),
        ("rival_consultant", 404),
    ],
)
def test_only_the_firm_and_its_agency_may_mark_done(client, personas, renewal, persona, status):
    _login(client, getattr(personas, persona))
    response = client.post(
        reverse("frontend:deadline-done", args=[renewal.pk]), {"files": [_pdf()]}
    )
    assert response.status_code == status
    assert Deadline.objects.get(pk=renewal.pk).done_at is None
    assert not EvidenceFile.objects.exists()


def test_the_action_refuses_an_agency_without_custody(personas, renewal):
    with pytest.raises(NotAllowed):
        actions.deadline_mark_done(deadline=renewal, by=personas.rival_consultant)


def test_a_missed_deadline_cannot_be_marked_done(personas, in_grace):
    actions.deadlines_flag_missed(today=in_grace.grace_ends_on + days(1))
    with pytest.raises(ActionError, match="missed"):
        actions.deadline_mark_done(deadline=in_grace, by=personas.agency_consultant)


# --- Evidence of a deadline ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("firm_member", 200),
        ("agency_consultant", 200),
        ("incubator_manager", 200),
        ("other_firm_member", 404),
        ("rival_consultant", 404),
        ("other_manager", 404),
    ],
)
def test_who_may_download_a_deadlines_evidence(client, personas, renewal, persona, status):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member, files=[_pdf()])
    item = renewal.evidence.get()
    url = reverse("frontend:deadline-evidence", args=[renewal.pk, item.pk])
    response = _login(client, getattr(personas, persona)).get(url)
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert "attachment" in response["Content-Disposition"]


def test_evidence_is_served_only_under_its_own_deadline(client, personas, renewal, in_grace):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member, files=[_pdf()])
    item = renewal.evidence.get()
    _login(client, personas.firm_member)
    url = reverse("frontend:deadline-evidence", args=[in_grace.pk, item.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("frontend:deadline-board")).status_code == 200


def test_anonymous_cannot_download_evidence(client, personas, renewal):
    actions.deadline_mark_done(deadline=renewal, by=personas.firm_member, files=[_pdf()])
    item = renewal.evidence.get()
    response = client.get(reverse("frontend:deadline-evidence", args=[renewal.pk, item.pk]))
    assert response.status_code == 302


# --- Navigation and a real request ---------------------------------------------------------


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant"])
def test_the_navigation_links_the_board(client, personas, persona):
    response = _login(client, getattr(personas, persona)).get(reverse("frontend:role-home"))
    if response.status_code == 302:
        response = client.get(response.url)
    urls = [item.get("url") for item in response.context["portal_navigation"]]
    assert reverse("frontend:deadline-board") in urls


@pytest.mark.django_db(transaction=True)
def test_the_board_renders_over_http(live_server, client, personas, engagement):
    renewal = trademark_renewal(
        personas.firm, personas.firm_member, registered=datetime.date(2016, 11, 14)
    )
    client.force_login(personas.agency_consultant)
    cookie = client.cookies["sessionid"].value
    request = urllib.request.Request(  # noqa: S310 - the live test server's own URL
        live_server.url + reverse("frontend:deadline-board"),
        headers={"Cookie": f"sessionid={cookie}", "Accept-Language": "en"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        assert response.status == 200
        html = response.read().decode()
    assert renewal.asset.number in html
    assert 'data-testid="deadline-board"' in html
