from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditEvent
from marketplace import actions
from marketplace.choices import RevenueBand
from marketplace.models import AgencyChange, CustodyRequest, Firm, Offer, RequestItem, User
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db


def _standard_post(programme, **extra):
    data = {"needs": "抗体药物专利布局"}
    for item_id, quota in programme.standard_quotas.items():
        data[f"item_{item_id}"] = "on"
        data[f"quota_{item_id}"] = str(quota)
    data[f"quota_{programme.extra_item.pk}"] = "1"
    data.update(extra)
    return data


def test_apply_page_ticks_the_standard_package_and_prices_it(client, personas, programme):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:request-new"))

    assert response.status_code == 200
    rows = response.context["form"].rows()
    assert [row["check"].value() for row in rows] == [row["line"].is_standard for row in rows]
    assert sum(row["check"].value() for row in rows) == 3
    assert response.context["split"] == {
        "price": Decimal("6000.00"),
        "government": Decimal("4800.00"),
        "copay": Decimal("1200.00"),
    }
    assert 'data-testid="price-government">¥4,800.00' in response.text
    assert "data-price-form" in response.text


def test_submitting_the_standard_package_opens_the_ranked_agencies(client, personas, programme):
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:request-new"), _standard_post(programme), follow=True)

    custody_request = CustodyRequest.objects.get(firm=personas.firm)
    assert response.redirect_chain == [
        (reverse("frontend:request-detail", args=[custody_request.pk]), 302)
    ]
    assert custody_request.status == CustodyRequest.Status.OPEN
    assert custody_request.needs == "抗体药物专利布局"
    assert custody_request.items.count() == 3
    ranked = response.context["ranked"]
    assert {row["agency"] for row in ranked} == {personas.agency, personas.rival_agency}
    assert ranked[0]["reasons"][0] == "covers 3 of 3 items"
    assert "Biomedicine expertise" in ranked[0]["reasons"]
    assert [part["label"] for part in ranked[0]["components"]] == [
        "Service coverage",
        "Industry fit",
        "District",
        "Free capacity",
        "Track record",
    ]
    # The components add up to the score the firm reads.
    assert sum(part["points"] for part in ranked[0]["components"]) == pytest.approx(
        ranked[0]["score"], abs=0.3
    )
    assert "covers 3 of 3 items; Biomedicine expertise" in response.text
    assert response.text.count("Choose this agency") == 2


def test_an_extra_item_is_added_and_priced(client, personas, programme):
    client.force_login(personas.firm_member)
    data = _standard_post(programme, **{f"item_{programme.extra_item.pk}": "on"})

    response = client.post(reverse("frontend:request-new"), data, follow=True)

    extra = RequestItem.objects.get(service_item=programme.extra_item)
    assert extra.is_extra and extra.quota == 1
    assert response.context["split"]["price"] == Decimal("7000.00")


def test_a_quota_above_the_programme_quota_is_refused(client, personas, programme):
    client.force_login(personas.firm_member)
    item_id = next(iter(programme.standard_quotas))
    data = _standard_post(programme, **{f"quota_{item_id}": "3"})

    response = client.post(reverse("frontend:request-new"), data)

    assert response.status_code == 200
    assert response.context["form"].errors[f"quota_{item_id}"] == [
        "Ensure this value is less than or equal to 2."
    ]
    assert not CustodyRequest.objects.exists()


def test_ticking_nothing_is_refused(client, personas, programme):
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:request-new"), {"needs": ""})

    assert response.context["form"].non_field_errors() == ["Choose at least one service item."]
    assert not CustodyRequest.objects.exists()


def test_an_ineligible_firm_reads_every_failed_rule_and_nothing_is_saved(
    client, personas, programme
):
    big = FirmFactory(
        incubator=personas.incubator, headcount=450, revenue_band=RevenueBand.OVER_50M
    )
    member = UserFactory(role=User.Role.FIRM_MEMBER, firm=big)
    client.force_login(member)
    events_before = AuditEvent.objects.count()

    response = client.post(reverse("frontend:request-new"), _standard_post(programme))

    assert response.status_code == 200
    assert big.verification == Firm.Verification.PENDING
    assert response.context["failed_rules"] == [
        "Your incubator has not yet confirmed that your firm is incubated there.",
        "By its staff and revenue your firm is medium-sized or larger in its sector (Industry "
        "(mining, manufacturing, utilities)) under the SME standard (《中小企业划型标准规定》"
        "(工信部联企业〔2011〕300号)); the programme serves small and micro firms.",
    ]
    assert response.text.count('data-testid="failed-rule"') == 2
    assert "Nothing was saved." in response.text
    assert not CustodyRequest.objects.exists()
    assert AuditEvent.objects.count() == events_before


def test_when_only_money_is_short_the_firm_joins_the_waiting_list(client, personas, programme):
    programme.budget = Decimal("1000.00")
    programme.save()
    client.force_login(personas.firm_member)

    response = client.post(reverse("frontend:request-new"), _standard_post(programme), follow=True)

    custody_request = CustodyRequest.objects.get()
    assert custody_request.status == CustodyRequest.Status.WAITLISTED
    assert 'data-testid="waitlisted"' in response.text
    assert "waiting firms are served in the order they joined the list" in response.text
    assert response.context["ranked"] == []


def test_apply_page_leads_to_the_live_request(client, personas, alice_request):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:request-new"))

    assert response.status_code == 302
    assert response.url == reverse("frontend:request-detail", args=[alice_request.pk])


def test_no_open_programme_year_means_no_form(client, personas):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:request-new"))

    assert response.context["form"] is None
    assert "No programme year is taking applications at the moment." in response.text


def test_choosing_an_agency_sends_the_offer_with_its_countdown(client, personas, alice_request):
    client.force_login(personas.firm_member)
    url = reverse("frontend:request-choose", args=[alice_request.pk])

    response = client.post(url, {"agency": personas.agency.pk}, follow=True)

    offer = Offer.objects.get(request=alice_request)
    assert offer.agency == personas.agency and offer.status == Offer.Status.PENDING
    assert "Your request is offered to" in response.text
    assert response.context["pending_offer"] == offer
    assert 'data-testid="pending-offer"' in response.text
    assert 'data-testid="countdown"' in response.text
    assert "Offer sent" in response.text  # the audit timeline


def test_choosing_an_agency_asks_for_confirmation_first(client, personas, alice_request):
    client.force_login(personas.firm_member)
    detail = client.get(reverse("frontend:request-detail", args=[alice_request.pk]))
    confirm_url = reverse(
        "frontend:request-choose-confirm", args=[alice_request.pk, personas.agency.pk]
    )
    assert f'href="{confirm_url}"' in detail.text

    response = client.get(confirm_url)

    # Reading the confirmation binds nothing: the firm sees the agency, what it pays and the
    # countdown it starts, and only the button on this page sends the offer.
    assert response.status_code == 200
    assert not Offer.objects.exists()
    assert 'data-testid="choose-confirm"' in response.text
    assert str(personas.agency) in response.text
    assert response.context["split"]["copay"] >= 0
    assert 'data-testid="confirm-copay"' in response.text
    assert (
        f'action="{reverse("frontend:request-choose", args=[alice_request.pk])}"' in response.text
    )


def test_the_confirmation_of_a_request_no_longer_open_goes_back_to_it(client, personas, offer):
    client.force_login(personas.firm_member)
    url = reverse("frontend:request-choose-confirm", args=[offer.request_id, personas.agency.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == reverse("frontend:request-detail", args=[offer.request_id])


def test_choosing_twice_says_why_not(client, personas, offer):
    client.force_login(personas.firm_member)
    url = reverse("frontend:request-choose", args=[offer.request_id])

    response = client.post(url, {"agency": personas.rival_agency.pk}, follow=True)

    assert "an agency can be chosen only while it is open" in response.text
    assert Offer.objects.count() == 1


def test_a_firm_cannot_choose_an_agency_it_cannot_see(client, personas, alice_request):
    suspended = personas.rival_agency
    actions.agency_suspend(agency=suspended, by=personas.officer, reason="审查")
    client.force_login(personas.firm_member)
    url = reverse("frontend:request-choose", args=[alice_request.pk])

    response = client.post(url, {"agency": suspended.pk})

    assert response.status_code == 404
    assert not Offer.objects.exists()


def test_withdrawing_withdraws_the_waiting_offer(client, personas, offer):
    client.force_login(personas.firm_member)
    url = reverse("frontend:request-withdraw", args=[offer.request_id])

    response = client.post(url, {"reason": "融资未到位"}, follow=True)

    offer.refresh_from_db()
    offer.request.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.request.status == CustodyRequest.Status.WITHDRAWN
    assert response.redirect_chain[-1][0] == reverse(
        "frontend:request-detail", args=[offer.request_id]
    )
    assert "Your request is withdrawn" in response.text


def test_engaged_request_shows_the_engagement_and_the_change_form(client, personas, engagement):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:request-detail", args=[engagement.request_id]))

    assert response.context["engagement"] == engagement
    assert 'data-testid="engaged"' in response.text
    assert response.text.count('data-testid="engagement-item"') == 3
    assert 'data-testid="engagement-government">¥4,800.00' in response.text
    assert 'data-testid="engagement-copay">¥1,200.00' in response.text
    form = response.context["change_form"]
    assert list(form.fields["new_agency"].queryset) == [personas.rival_agency]
    assert "Engagement signed" in response.text


def test_asking_for_a_change_of_agency(client, personas, engagement):
    client.force_login(personas.firm_member)
    url = reverse("frontend:engagement-change", args=[engagement.pk])

    empty = client.post(url, {"new_agency": personas.rival_agency.pk, "reason": " "}, follow=True)
    given = client.post(
        url, {"new_agency": personas.rival_agency.pk, "reason": "沟通不畅"}, follow=True
    )

    assert "Please say why you want to change agency." in empty.text
    change = AgencyChange.objects.get()
    assert change.new_agency == personas.rival_agency
    assert "sent to the programme office" in given.text
    assert given.context["pending_change"] == change
    assert given.context["change_form"] is None


def test_manager_follows_the_requests_of_the_incubators_firms(client, personas, offer):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:request-list"))

    rows = list(response.context["page"].object_list)
    assert rows == [offer.request]
    assert rows[0].pending_offers == [offer]
    assert str(personas.agency) in response.text
    assert 'data-testid="countdown"' in response.text


def test_manager_of_another_incubator_sees_none_of_them(client, personas, offer):
    client.force_login(personas.other_manager)

    listed = client.get(reverse("frontend:request-list"))
    detail = client.get(reverse("frontend:request-detail", args=[offer.request_id]))

    assert list(listed.context["page"].object_list) == []
    assert detail.status_code == 404


def test_manager_reads_the_ranking_without_choosing(client, personas, alice_request):
    client.force_login(personas.incubator_manager)

    response = client.get(reverse("frontend:request-detail", args=[alice_request.pk]))

    assert len(response.context["ranked"]) == 2
    assert "Choose this agency" not in response.text
    assert "Withdraw the request" not in response.text


def test_firm_list_offers_to_apply_until_the_firm_has(client, personas, programme):
    client.force_login(personas.firm_member)

    before = client.get(reverse("frontend:request-list"))
    actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    after = client.get(reverse("frontend:request-list"))

    assert before.context["can_apply"] is True
    assert 'data-testid="apply"' in before.text
    assert after.context["can_apply"] is False


def test_firm_home_points_to_the_request(client, personas, alice_request):
    client.force_login(personas.firm_member)

    response = client.get(reverse("frontend:firm-home"))

    assert response.context["custody_request"] == alice_request
    assert reverse("frontend:request-detail", args=[alice_request.pk]) in response.text


@pytest.fixture
def many_requests(personas, programme):
    """Requests of `count` firms of Alice's incubator, each offered to an agency."""

    def make(count):
        # Waiting offers count against an agency's places: give both room for theirs.
        for agency in (personas.agency, personas.rival_agency):
            agency.yearly_capacity = max(agency.yearly_capacity, count)
            agency.save(update_fields=["yearly_capacity"])
        for index in range(count):
            firm = FirmFactory(incubator=personas.incubator)
            actions.firm_verify(firm=firm, by=personas.incubator_manager)
            member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
            submitted = actions.request_submit(
                firm=firm,
                by=member,
                programme_year=programme,
                quotas=programme.standard_quotas,
            )
            agency = personas.agency if index % 2 else personas.rival_agency
            actions.offer_make(request=submitted, agency=agency, by=member)

    return make


@pytest.mark.parametrize("rows", [1, 50])
def test_request_list_query_count_is_flat(
    client, personas, many_requests, rows, django_assert_max_num_queries
):
    many_requests(rows)
    client.force_login(personas.incubator_manager)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("frontend:request-list"))

    assert response.context["page"].paginator.count == rows


@pytest.mark.parametrize(("language", "separator"), [("zh-hans", "；"), ("en", "; ")])
def test_an_agencys_reasons_are_joined_as_the_page_language_joins_them(
    client, personas, alice_request, language, separator
):
    client.force_login(personas.firm_member)

    response = client.get(
        reverse("frontend:request-detail", args=[alice_request.pk]),
        HTTP_ACCEPT_LANGUAGE=language,
    )

    reasons = response.context["ranked"][0]["reasons"]
    assert len(reasons) > 1
    html = response.text
    start = html.index('data-testid="candidate-reasons">') + len('data-testid="candidate-reasons">')
    shown = html[start : html.index("</p>", start)]
    assert shown.count(separator) == len(reasons) - 1
    if language == "zh-hans":
        assert "; " not in shown
