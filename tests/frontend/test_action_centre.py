"""The action centre on every role's home (issue #18, Build 1): what needs each person now.

Each kind of item appears while its condition holds and is gone once the person did it;
nobody sees another party's items; the homes read in both languages; the query counts stay
flat; the homes' timelines are paginated.
"""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation

from core import audit
from core.models import AuditEvent
from custody import actions as custody_actions
from custody import selectors as custody_selectors
from custody.payments import actions as payments
from custody.payments.models import LedgerEntry, Payout
from marketplace import actions
from marketplace.models import Agency, User
from reporting import action_centre
from tests.custody.deadline_helpers import trademark_renewal
from tests.factories import AgencyFactory, FirmFactory, UserFactory


def kinds(items):
    return [item.kind for item in items]


def today():
    return timezone.localdate()


def log(engagement, personas, *, line=0, quantity=1):
    item = list(engagement.items.order_by("pk"))[line]
    return custody_actions.service_record_log(
        engagement=engagement,
        item=item,
        quantity=quantity,
        delivered_on=today(),
        description="专利检索报告",
        by=personas.agency_consultant,
    )


def deliver_everything(engagement, personas):
    for n, line in enumerate(engagement.items.order_by("pk")):
        record = log(engagement, personas, line=n, quantity=line.quota)
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)


# --- Firm -------------------------------------------------------------------------------


def test_firm_is_told_to_pay_its_co_payment_until_it_is_paid(personas, programme, alice_request):
    programme.copay_due_days = 14
    programme.save(update_fields=["copay_due_days"])
    offer = actions.offer_make(
        request=alice_request, agency=personas.agency, by=personas.firm_member
    )
    engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    copayment = engagement.copayment

    with translation.override("en"):
        items = action_centre.firm_actions(personas.firm_member)

    assert kinds(items) == ["copayment"]
    assert "¥1,200.00" in items[0].text and copayment.reference in items[0].text
    assert items[0].url == reverse("frontend:engagement-payments", args=[engagement.pk])
    # Nobody else is asked to pay it.
    assert "copayment" not in kinds(action_centre.firm_actions(personas.other_firm_member))

    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=LedgerEntry.Kind.COPAY_RECEIVED,
        amount=copayment.amount,
        reference="BANK-001",
        value_date=today(),
    )
    assert "copayment" not in kinds(action_centre.firm_actions(personas.firm_member))


def test_firm_confirms_or_disputes_the_services_its_agency_logged(personas, engagement):
    record = log(engagement, personas)
    custody_actions.service_record_confirm(
        record=log(engagement, personas, line=1), by=personas.firm_member
    )

    with translation.override("en"):
        items = action_centre.firm_actions(personas.firm_member)

    [item] = [i for i in items if i.kind == "services-to-confirm"]
    assert item.text.startswith("1 service record from ")
    assert item.url == reverse("frontend:service-list", args=[engagement.pk])
    custody_actions.service_record_dispute(record=record, by=personas.firm_member, reason="不完整")
    assert "services-to-confirm" not in kinds(action_centre.firm_actions(personas.firm_member))


def test_firm_sees_its_deadlines_of_the_next_90_days(client, personas):
    soon = trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=today().replace(year=today().year - 10) + datetime.timedelta(days=40),
        today=today(),
    )
    # A renewal a year away is not due yet.
    trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=today().replace(year=today().year - 9) + datetime.timedelta(days=40),
        today=today(),
    )
    other = trademark_renewal(
        personas.other_firm,
        personas.other_firm_member,
        registered=today().replace(year=today().year - 10) + datetime.timedelta(days=10),
        today=today(),
    )

    with translation.override("en"):
        [item] = action_centre.firm_actions(personas.firm_member)

    assert item.kind == "deadlines"
    assert item.text.startswith("1 deadline of your IP falls due within 90 days, the first on")
    # Its button opens the board on the same rows (the figure and the list agree).
    client.force_login(personas.firm_member)
    board = client.get(item.url)
    assert [row["deadline"].pk for row in board.context["rows"]] == [soon.pk]
    # The fee the deadline board shows for it (a trademark renewal, one class).
    fee = custody_selectors.fees_of([soon.pk], today=today())[soon.pk]
    assert fee.payable > 0
    assert item.text.endswith(f"Official fees: ¥{fee.payable:,.2f}.")
    with translation.override("zh-hans"):
        [chinese] = action_centre.firm_actions(personas.firm_member)
    # Chinese joins the two sentences without a space.
    assert chinese.text.endswith(f"。官费 ¥{fee.payable:,.2f}。")
    assert other.due_on < soon.due_on  # the other firm's is sooner, and not counted
    custody_actions.deadline_mark_done(deadline=soon, by=personas.firm_member, note="已续展")
    assert action_centre.firm_actions(personas.firm_member) == []


def test_firm_rates_its_agency_once_every_quota_is_delivered(personas, engagement):
    assert "rate-agency" not in kinds(action_centre.firm_actions(personas.firm_member))
    deliver_everything(engagement, personas)

    [item] = [
        i for i in action_centre.firm_actions(personas.firm_member) if i.kind == "rate-agency"
    ]

    assert item.url == reverse("frontend:settlement", args=[engagement.pk])
    assert "rate-agency" not in kinds(action_centre.firm_actions(personas.other_firm_member))
    custody_actions.settlement_rate(engagement=engagement, by=personas.firm_member, rating=5)
    assert "rate-agency" not in kinds(action_centre.firm_actions(personas.firm_member))


# --- Agency -----------------------------------------------------------------------------


def test_agency_answers_its_offers_and_never_sees_a_rivals(personas, offer):
    with translation.override("en"):
        items = action_centre.agency_actions(personas.agency_consultant)

    assert kinds(items) == ["offer"]
    assert items[0].countdown == offer.respond_by
    assert personas.firm.name in items[0].text
    assert items[0].url == reverse("frontend:offer-detail", args=[offer.pk])
    assert action_centre.agency_actions(personas.rival_consultant) == []
    actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert "offer" not in kinds(action_centre.agency_actions(personas.agency_consultant))


def test_agency_sees_five_offers_then_one_item_for_the_rest(personas, programme):
    for _n in range(7):
        firm = FirmFactory(incubator=personas.incubator)
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        request = actions.request_submit(
            firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
        )
        actions.offer_make(request=request, agency=personas.agency, by=member)

    with translation.override("en"):
        items = action_centre.agency_actions(personas.agency_consultant)

    assert kinds(items) == ["offer"] * 5 + ["offer-more"]
    assert items[-1].text == "…and 2 more offers wait for your answer."


def test_agency_records_services_and_answers_disputes(personas, engagement):
    with translation.override("en"):
        [item] = action_centre.agency_actions(personas.agency_consultant)
    assert item.kind == "services-to-record"
    assert item.text.startswith(f"{personas.firm.name}: 6 of 6 units still to deliver by")
    assert action_centre.agency_actions(personas.rival_consultant) == []

    record = log(engagement, personas)
    custody_actions.service_record_dispute(record=record, by=personas.firm_member, reason="不完整")
    with translation.override("en"):
        items = action_centre.agency_actions(personas.agency_consultant)
    assert kinds(items) == ["services-to-record", "disputes"]
    assert (
        items[1].text == f"{personas.firm.name} disputed 1 service record: correct it or explain."
    )

    custody_actions.service_record_resubmit(
        record=record,
        by=personas.agency_consultant,
        quantity=1,
        delivered_on=today(),
        description="补充了检索报告",
    )
    assert "disputes" not in kinds(action_centre.agency_actions(personas.agency_consultant))
    custody_actions.service_record_confirm(record=record, by=personas.firm_member)
    deliver_everything_left(engagement, personas)
    assert action_centre.agency_actions(personas.agency_consultant) == []


def test_agency_sees_its_clients_deadlines_overdue_ones_said_so(personas, engagement):
    overdue = trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=today().replace(year=today().year - 10) - datetime.timedelta(days=10),
        today=today(),
    )
    trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=today().replace(year=today().year - 10) + datetime.timedelta(days=20),
        today=today(),
    )

    with translation.override("en"):
        [item] = [
            i
            for i in action_centre.agency_actions(personas.agency_consultant)
            if i.kind == "deadlines"
        ]

    assert item.text.startswith(
        "2 deadlines of your clients are due within 30 days or overdue (1 overdue), the first on"
    )
    assert item.tone == "danger"
    assert "deadlines" not in kinds(action_centre.agency_actions(personas.rival_consultant))
    custody_actions.deadline_mark_done(deadline=overdue, by=personas.agency_consultant)
    with translation.override("en"):
        [item] = [
            i
            for i in action_centre.agency_actions(personas.agency_consultant)
            if i.kind == "deadlines"
        ]
    assert item.text.startswith("1 deadline of your clients falls due within 30 days")


def deliver_everything_left(engagement, personas):
    lines = list(engagement.items.order_by("pk"))
    for n, line in enumerate(lines):
        left = line.quota - (1 if n == 0 else 0)
        if left:
            record = log(engagement, personas, line=n, quantity=left)
            custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def test_agency_is_told_when_a_payout_waits_for_its_account(personas, engagement, settings):
    deliver_everything(engagement, personas)
    custody_actions.settlement_rate(engagement=engagement, by=personas.firm_member, rating=4)
    custody_actions.settlement_confirm(engagement=engagement, by=personas.incubator_manager)
    custody_actions.settlement_approve(engagement=engagement, by=personas.officer)
    assert action_centre.agency_actions(personas.agency_consultant) == []
    # Online payouts are on, and the agency has connected no account: the payout waits.
    settings.STRIPE_SECRET_KEY = "sk_test_action_centre"
    payments.payout_send(Payout.objects.get(engagement=engagement).pk)

    with translation.override("en"):
        items = action_centre.agency_actions(personas.agency_consultant)

    assert kinds(items) == ["payouts"]
    assert items[0].text == "1 payout of ¥4,800.00 waits for your payout account."
    assert action_centre.agency_actions(personas.rival_consultant) == []


# --- Incubator manager ------------------------------------------------------------------


def test_manager_confirms_sign_ups_of_its_own_incubator_only(personas, open_year):
    firm = FirmFactory(incubator=personas.incubator)

    items = action_centre.manager_actions(personas.incubator_manager)

    assert "firms-to-confirm" in kinds(items)
    assert "firms-to-confirm" not in kinds(action_centre.manager_actions(personas.other_manager))
    actions.firm_verify(firm=firm, by=personas.incubator_manager)
    assert "firms-to-confirm" not in kinds(
        action_centre.manager_actions(personas.incubator_manager)
    )


def test_manager_invites_eligible_firms_that_have_not_applied(personas, programme):
    with translation.override("en"):
        [item] = action_centre.manager_actions(personas.incubator_manager)

    assert item.kind == "not-applied"
    assert (
        item.text == f"1 eligible firm has not applied for the {programme.year} programme year yet."
    )
    actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    assert action_centre.manager_actions(personas.incubator_manager) == []


def test_manager_sees_deadlines_at_risk_as_the_dashboard_counts_them(personas, open_year):
    actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=open_year,
        quotas={item.service_item_id: item.quota for item in open_year.package_items.all()},
    )
    deadline = trademark_renewal(
        personas.firm,
        personas.firm_member,
        registered=today().replace(year=today().year - 10) + datetime.timedelta(days=20),
        today=today(),
    )

    with translation.override("en"):
        items = action_centre.manager_actions(personas.incubator_manager)

    assert kinds(items) == ["at-risk"]
    assert items[0].text.startswith("1 deadline of your firms is at risk")
    assert "at-risk" not in kinds(action_centre.manager_actions(personas.other_manager))
    custody_actions.deadline_mark_done(deadline=deadline, by=personas.firm_member)
    assert action_centre.manager_actions(personas.incubator_manager) == []


def test_manager_then_officer_close_the_settlement(personas, engagement):
    deliver_everything(engagement, personas)
    custody_actions.settlement_rate(engagement=engagement, by=personas.firm_member, rating=4)

    assert kinds(action_centre.manager_actions(personas.incubator_manager)) == [
        "settlement-to-confirm"
    ]
    assert "settlement-to-approve" not in kinds(action_centre.officer_actions(personas.officer))
    custody_actions.settlement_confirm(engagement=engagement, by=personas.incubator_manager)
    assert action_centre.manager_actions(personas.incubator_manager) == []
    assert "settlement-to-approve" in kinds(action_centre.officer_actions(personas.officer))
    custody_actions.settlement_approve(engagement=engagement, by=personas.officer)
    assert "settlement-to-approve" not in kinds(action_centre.officer_actions(personas.officer))


# --- Programme officer ------------------------------------------------------------------


def test_officer_decides_applications_and_follows_licences(personas):
    applicant = AgencyFactory()
    ending = AgencyFactory(licence_valid_until=today() + datetime.timedelta(days=30))
    actions.agency_approve(agency=ending, by=personas.officer)

    with translation.override("en"):
        items = action_centre.officer_actions(personas.officer)

    assert kinds(items) == ["agencies-to-approve", "licence"]
    assert items[0].text.startswith("1 agency applied to join the programme")
    assert str(ending) in items[1].text
    assert items[1].url == reverse("frontend:agency-detail", args=[ending.pk])
    actions.agency_approve(agency=applicant, by=personas.officer)
    Agency.objects.filter(pk=ending.pk).update(licence_valid_until=datetime.date(2035, 1, 1))
    assert action_centre.officer_actions(personas.officer) == []


def test_officer_decides_changes_of_agency(personas, engagement):
    change = actions.agency_change_request(
        engagement=engagement,
        new_agency=personas.rival_agency,
        by=personas.firm_member,
        reason="响应太慢",
    )

    assert kinds(action_centre.officer_actions(personas.officer)) == ["changes-to-approve"]
    actions.agency_change_refuse(change=change, by=personas.officer, reason="先沟通")
    assert action_centre.officer_actions(personas.officer) == []


def test_officer_is_warned_when_the_budget_runs_out(personas, programme):
    programme.budget = Decimal("4800.00")
    programme.save(update_fields=["budget"])
    request = actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )
    offer = actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)
    actions.offer_accept(offer=offer, by=personas.agency_consultant)
    actions.request_submit(
        firm=personas.other_firm,
        by=personas.other_firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )

    with translation.override("en"):
        items = action_centre.officer_actions(personas.officer)

    assert kinds(items) == ["budget", "waitlist"]
    assert "¥0.00 is left" in items[0].text
    assert items[1].text == "1 custody request waits on the budget waiting list."


# --- The homes --------------------------------------------------------------------------

HOMES = {
    "firm_member": "frontend:firm-home",
    "agency_consultant": "frontend:agency-home",
    "incubator_manager": "frontend:incubator-home",
    "officer": "frontend:office-home",
}


@pytest.mark.parametrize("persona", list(HOMES))
@pytest.mark.parametrize(
    ("language", "empty"),
    [("en", "Nothing needs you now."), ("zh-hans", "当前没有需要您处理的事项。")],
)
def test_every_home_says_when_nothing_needs_its_user(client, personas, persona, language, empty):
    client.force_login(getattr(personas, persona))

    page = client.get(reverse(HOMES[persona]), HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 200
    assert 'data-testid="action-centre"' in page.text
    assert empty in page.text
    assert page.text.index('data-testid="action-centre"') < page.text.index("<main") + 4000


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_agency_home_lists_its_offer_with_a_countdown_and_one_button(
    client, personas, offer, language
):
    client.force_login(personas.agency_consultant)

    page = client.get(reverse("frontend:agency-home"), HTTP_ACCEPT_LANGUAGE=language)

    assert 'data-testid="action-offer"' in page.text
    assert 'data-testid="countdown"' in page.text
    assert f'href="{reverse("frontend:offer-detail", args=[offer.pk])}"' in page.text
    answer = "Answer the offer" if language == "en" else "答复邀约"
    assert f">{answer}</a>" in page.text
    assert "Nothing needs you now" not in page.text and "当前没有需要您处理的事项" not in page.text


def test_the_homes_timelines_are_paginated_sentences(client, personas):
    for n in range(23):
        AuditEvent.objects.create(
            actor=personas.agency_consultant,
            action="service.logged",
            # A firm's name is the same in every language: the stored name is shown.
            subject_type=ContentType.objects.get_for_model(personas.firm),
            subject_id=str(personas.firm.pk),
            subject_repr=f"记录 {n}",
            agency_id=personas.agency.pk,
        )
    client.force_login(personas.agency_consultant)
    home = reverse("frontend:agency-home")

    first = client.get(home, HTTP_ACCEPT_LANGUAGE="en")
    last = client.get(home + "?log=3", HTTP_ACCEPT_LANGUAGE="en")

    assert first.text.count('data-testid="timeline-event"') == 10
    assert f"{audit.action_label('service.logged')}: 记录 22" in first.text
    assert 'aria-label="Timeline pages"' in first.text and 'href="?log=2"' in first.text
    assert "service.logged" not in first.text
    # 23 events and the agency's approval: the third page holds the last four.
    assert last.text.count('data-testid="timeline-event"') == 4


# Queries of each role's action centre, whatever the number of rows behind its items.
# The firm's reads the fee table (two queries) and one query for its active engagement's
# deliveries (one engagement at a time in a year); the agency's counts its offers once more
# of them wait than its list shows.
QUERIES = {"firm": 7, "agency": 7, "manager": 7, "officer": 8}


@pytest.mark.parametrize("rows", [1, 20])
def test_action_centre_queries_are_pinned_and_flat(
    personas, programme, engagement, rows, django_assert_max_num_queries
):
    programme.budget = Decimal("1000000.00")
    programme.save(update_fields=["budget"])
    Agency.objects.filter(pk=personas.agency.pk).update(yearly_capacity=100)
    log(engagement, personas)
    for _n in range(rows):
        firm = FirmFactory(incubator=personas.incubator)
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        request = actions.request_submit(
            firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
        )
        offer = actions.offer_make(request=request, agency=personas.agency, by=member)
        if _n % 2:
            actions.offer_accept(offer=offer, by=personas.agency_consultant)
        FirmFactory(incubator=personas.incubator)
        AgencyFactory(licence_valid_until=today() + datetime.timedelta(days=10))
    for role, user in [
        ("firm", personas.firm_member),
        ("agency", personas.agency_consultant),
        ("manager", personas.incubator_manager),
        ("officer", personas.officer),
    ]:
        with django_assert_max_num_queries(QUERIES[role]):
            items = getattr(action_centre, f"{role}_actions")(user)
        assert items


def test_the_firm_home_names_the_agency_holding_its_custody(client, personas, offer):
    client.force_login(personas.firm_member)
    home = reverse("frontend:firm-home")
    assert 'data-testid="custody-agency"' not in client.get(home).text

    actions.offer_accept(offer=offer, by=personas.agency_consultant)
    page = client.get(home, HTTP_ACCEPT_LANGUAGE="en")

    assert 'data-testid="custody-agency"' in page.text
    assert f"Your agency: {personas.agency.name_en}" in page.text
