import pytest
from django.urls import reverse

from core.models import AuditEvent
from marketplace.models import Firm
from tests.factories import FirmFactory, IncubatorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_firm(personas):
    return FirmFactory(name="待确认科技", incubator=personas.incubator)


def test_manager_home_lists_own_firms_and_pending_signups(client, personas, pending_firm):
    FirmFactory(name="别家公司", incubator=personas.other_incubator)
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:incubator-home"))

    assert response.status_code == 200
    assert response.context["incubator"] == personas.incubator
    assert set(response.context["page"].object_list) == {personas.firm, pending_firm}
    assert list(response.context["pending_firms"]) == [pending_firm]
    assert response.context["counts"] == {"pending": 1, "verified": 1, "rejected": 0}
    assert "别家公司" not in response.text
    assert f'hx-post="{reverse("frontend:firm-verify", args=[pending_firm.pk])}"' in response.text


def test_manager_home_filters_firms(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:incubator-home"), {"verification": "verified"})

    assert list(response.context["page"].object_list) == [personas.firm]
    assert "incubator" not in response.context["filters"].fields


def test_confirm_by_plain_post_verifies_and_returns(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-verify", args=[pending_firm.pk]),
        {"next": reverse("frontend:incubator-home")},
        follow=True,
    )

    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.VERIFIED
    assert pending_firm.verified_by == personas.incubator_manager
    assert response.redirect_chain == [(reverse("frontend:incubator-home"), 302)]
    assert "待确认科技 is confirmed as incubated." in response.text
    assert AuditEvent.objects.filter(action="firm.verified", firm=pending_firm).exists()


def test_confirm_by_htmx_answers_with_the_panel(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-verify", args=[pending_firm.pk]),
        headers={"HX-Request": "true", "HX-Target": "firm-review"},
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="firm-review"' in response.text
    assert list(response.context["pending_firms"]) == []
    # The outcome replaces the messages box and the firm's pill in the table.
    assert 'id="messages" aria-live="polite" hx-swap-oob="true"' in response.text
    assert "is confirmed as incubated." in response.text
    assert f'id="firm-state-{pending_firm.pk}"' in response.text


def test_reject_needs_a_reason(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-reject", args=[pending_firm.pk]),
        {"reason": "  ", "next": reverse("frontend:incubator-home")},
        follow=True,
    )

    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.PENDING
    assert "Please give a reason for the rejection." in response.text
    assert "alert-danger" in response.text


def test_reject_with_a_reason_by_htmx(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-reject", args=[pending_firm.pk]),
        {"reason": "Left the incubator in 2024"},
        headers={"HX-Request": "true", "HX-Target": "firm-review"},
    )

    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.REJECTED
    assert pending_firm.verification_reason == "Left the incubator in 2024"
    assert "is rejected; the firm sees your reason." in response.text
    event = AuditEvent.objects.get(action="firm.rejected", firm=pending_firm)
    assert event.reason == "Left the incubator in 2024"


def test_deciding_twice_shows_the_refusal(client, personas):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-reject", args=[personas.firm.pk]),
        {"reason": "changed my mind"},
        headers={"HX-Request": "true", "HX-Target": "firm-review"},
    )

    assert "is Verified by the incubator, not waiting for confirmation." in response.text
    personas.firm.refresh_from_db()
    assert personas.firm.verification == Firm.Verification.VERIFIED


@pytest.mark.parametrize("view", ["frontend:firm-verify", "frontend:firm-reject"])
def test_other_incubators_manager_gets_404(client, personas, pending_firm, view):
    client.force_login(personas.other_manager)

    response = client.post(reverse(view, args=[pending_firm.pk]), {"reason": "not ours"})

    assert response.status_code == 404
    pending_firm.refresh_from_db()
    assert pending_firm.verification == Firm.Verification.PENDING


@pytest.mark.parametrize("persona", ["firm_member", "agency_consultant"])
def test_other_roles_cannot_decide(client, personas, pending_firm, persona):
    client.force_login(getattr(personas, persona))

    response = client.post(reverse("frontend:firm-verify", args=[pending_firm.pk]))

    assert response.status_code == 403


def test_decisions_are_posts_only(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    assert client.get(reverse("frontend:firm-verify", args=[pending_firm.pk])).status_code == 405


def test_decision_never_redirects_off_site(client, personas, pending_firm):
    client.force_login(personas.incubator_manager)

    response = client.post(
        reverse("frontend:firm-verify", args=[pending_firm.pk]),
        {"next": "https://evil.example.com/"},
    )

    assert response.url == reverse("frontend:role-home")


@pytest.mark.parametrize("rows", [1, 50])
def test_manager_home_query_count_is_flat(client, personas, rows, django_assert_max_num_queries):
    FirmFactory.create_batch(rows, incubator=personas.incubator)
    client.force_login(personas.incubator_manager)

    # Fixed ones: the bell's unread count in the navigation bar; the programme years the
    # coverage filter offers; the action centre (pinned alone in test_action_centre.py) and
    # the timeline's page.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("frontend:incubator-home"))

    assert response.status_code == 200


# --- Officer's list of incubators ---------------------------------------------------------


def test_officer_lists_incubators_with_their_counts(client, personas):
    FirmFactory(incubator=personas.incubator)
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:incubator-list"))

    rows = {
        i.pk: (i.firm_count, i.verified_count, i.pending_count) for i in response.context["page"]
    }
    assert rows == {personas.incubator.pk: (2, 1, 1), personas.other_incubator.pk: (1, 1, 0)}
    assert f"{reverse('frontend:firm-list')}?incubator={personas.incubator.pk}" in response.text


def test_incubator_list_filters_by_level(client, personas):
    municipal = IncubatorFactory(level="municipal", name="区级孵化器")
    client.force_login(personas.officer)

    response = client.get(reverse("frontend:incubator-list"), {"level": "municipal"})

    assert list(response.context["page"]) == [municipal]
    assert "not eligible" in response.text


@pytest.mark.parametrize("rows", [1, 50])
def test_incubator_list_query_count_is_flat(client, personas, rows, django_assert_max_num_queries):
    IncubatorFactory.create_batch(rows)
    client.force_login(personas.officer)

    with django_assert_max_num_queries(5):
        client.get(reverse("frontend:incubator-list"))


def test_a_decision_refreshes_the_tiles_and_the_action_centre_with_the_list(
    client, personas, pending_firm
):
    client.force_login(personas.incubator_manager)
    home = client.get(reverse("frontend:incubator-home"))
    assert 'data-testid="tile-pending">1<' in home.text
    assert 'data-testid="action-firms-to-confirm"' in home.text

    response = client.post(
        reverse("frontend:firm-verify", args=[pending_firm.pk]),
        headers={"HX-Request": "true", "HX-Target": "firm-review"},
    )

    # The tiles and the action centre come along out of band, already counting the decision.
    assert 'id="incubator-tiles" class="row g-3 mb-4" hx-swap-oob="true"' in response.text
    assert 'data-testid="tile-pending">0<' in response.text
    assert 'data-testid="tile-verified">2<' in response.text
    assert 'data-testid="action-centre" hx-swap-oob="true">' in response.text
    assert 'data-testid="action-firms-to-confirm"' not in response.text
