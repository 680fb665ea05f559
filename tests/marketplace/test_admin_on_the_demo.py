"""The admin on the demo programme: every list and change page opens with real data in it."""

import pytest
from django.db import transaction
from django.utils import timezone

from core.models import AuditEvent, Notification
from demo import programme
from marketplace import actions
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    Firm,
    Offer,
    ProgrammeYear,
    User,
)
from tests.marketplace.test_admin import MARKETPLACE_MODELS, READ_ONLY_MODELS, _messages, _url

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_seeded(django_db_setup, django_db_blocker):
    """A small demo programme, seeded once for this module; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        programme.seed(firms=30, agencies=8, incubators=4)
        officer = User.objects.get(username="demo-officer")
        # The demo holds no allocation run; the officer previews one as in the portal.
        actions.allocation_preview(programme_year=ProgrammeYear.objects.get(), by=officer)
        yield officer
        transaction.set_rollback(True)


@pytest.fixture
def demo_officer(demo_seeded, db):
    return User.objects.get(pk=demo_seeded.pk)


@pytest.fixture
def demo_officer_client(client, demo_officer):
    client.force_login(demo_officer)
    return client


@pytest.mark.parametrize("model", MARKETPLACE_MODELS, ids=lambda model: model.__name__)
def test_changelist_and_change_pages_open_for_the_officer(demo_officer_client, model):
    assert demo_officer_client.get(_url(model, "changelist")).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the demo data has no {model.__name__}"
    assert demo_officer_client.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [Firm, Agency, User], ids=lambda model: model.__name__)
def test_searching_the_changelist_works(demo_officer_client, model):
    response = demo_officer_client.get(_url(model, "changelist"), {"q": "南京"})
    assert response.status_code == 200


def test_firm_changelist_queries_stay_flat(demo_officer_client, django_assert_max_num_queries):
    # Thirty firms on the page; the incubator comes with the join, not a query per row.
    with django_assert_max_num_queries(8):
        response = demo_officer_client.get(_url(Firm, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_agency_changelist_filters_by_licence(demo_officer_client):
    today = timezone.localdate()
    response = demo_officer_client.get(_url(Agency, "changelist"), {"licence": "invalid"})
    listed = list(response.context["cl"].result_list)
    assert listed
    assert all(not agency.licence_valid_on(today) for agency in listed)


def test_audit_events_are_read_only_in_the_admin(demo_officer_client):
    event = AuditEvent.objects.first()
    assert demo_officer_client.get(_url(AuditEvent, "add")).status_code == 403
    change = demo_officer_client.get(_url(AuditEvent, "change", event.pk))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert demo_officer_client.get(_url(AuditEvent, "delete", event.pk)).status_code == 403
    posted = demo_officer_client.post(_url(AuditEvent, "change", event.pk), {"reason": "rewritten"})
    assert posted.status_code == 403
    event.refresh_from_db()
    assert event.reason != "rewritten"


# --- contracting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model", sorted(READ_ONLY_MODELS - {AuditEvent}, key=lambda model: model.__name__)
)
def test_contracting_states_are_read_only(demo_officer_client, model):
    obj = model._default_manager.order_by("pk").first()
    change = demo_officer_client.get(_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert demo_officer_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert demo_officer_client.get(_url(model, "delete", obj.pk)).status_code == 403


@pytest.mark.parametrize(
    ("model", "most"),
    [(CustodyRequest, 8), (Offer, 8), (Engagement, 8), (Notification, 8)],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_contracting_changelists_query_flat(
    demo_officer_client, django_assert_max_num_queries, model, most
):
    with django_assert_max_num_queries(most):
        response = demo_officer_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 5


def test_notification_changelist_shows_the_worded_notice(demo_officer_client):
    notice = Notification.objects.filter(kind="offer_received").first()
    response = demo_officer_client.get(_url(Notification, "changelist"), {"kind": "offer_received"})
    assert notice.params["firm"] in response.content.decode()


def test_approving_a_change_of_agency_moves_the_engagement(demo_officer_client, demo_officer):
    change = AgencyChange.objects.get(status=AgencyChange.Status.PENDING)
    old = change.engagement

    response = demo_officer_client.post(
        _url(AgencyChange, "changelist"),
        {"action": "approve", "_selected_action": [change.pk]},
        follow=True,
    )

    change.refresh_from_db()
    old.refresh_from_db()
    assert change.status == AgencyChange.Status.APPROVED
    assert change.decided_by == demo_officer
    assert old.status == Engagement.Status.TRANSFERRED
    assert old.successor.agency == change.new_agency
    assert any(level == "success" for level, _text in _messages(response))


def test_committing_an_allocation_preview_makes_offers(demo_officer_client):
    run = AllocationRun.objects.get()
    placed = run.result["placed"]
    assert placed > 0

    demo_officer_client.post(
        _url(AllocationRun, "changelist"),
        {"action": "commit", "_selected_action": [run.pk]},
        follow=True,
    )

    run.refresh_from_db()
    assert run.status == AllocationRun.Status.COMMITTED
    assert len(run.result["committed_offers"]) == placed
    assert Offer.objects.filter(source=Offer.Source.ALLOCATION).count() == placed


def test_committing_twice_reports_the_refusal(demo_officer_client):
    run = AllocationRun.objects.get()
    body = {"action": "commit", "_selected_action": [run.pk]}
    demo_officer_client.post(_url(AllocationRun, "changelist"), body)
    response = demo_officer_client.post(_url(AllocationRun, "changelist"), body, follow=True)
    errors = [text for level, text in _messages(response) if level == "error"]
    assert len(errors) == 1
