"""Payments without Stripe keys: the programme office records bank transfers in the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from stdnum import luhn

from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import Notification
from core.notices import notification_text
from custody.payments import actions as payments
from custody.payments import ledger
from custody.payments.models import (
    CoPayment,
    LedgerEntry,
    PayeeAccount,
    Payout,
    Refund,
    payment_reference,
)
from marketplace import actions
from marketplace.models import Engagement
from marketplace.selectors.budget import budget_committed
from tests.custody.payments.conftest import deliver, engage, settle

pytestmark = pytest.mark.django_db
D = Decimal
COPAY = Decimal("1200.00")
Kind = LedgerEntry.Kind


def kinds(engagement):
    return [
        (entry.kind, entry.amount)
        for entry in LedgerEntry.objects.filter(engagement=engagement).order_by("pk")
    ]


def pay_offline(engagement, personas, amount=COPAY, reference="BANK-001"):
    return payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=Kind.COPAY_RECEIVED,
        amount=amount,
        reference=reference,
        value_date=timezone.localdate(),
    )


def test_accepting_reserves_the_budget_and_waits_for_the_co_payment(engagement, programme):
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT
    copayment = engagement.copayment
    assert copayment.status == CoPayment.Status.DUE
    assert copayment.amount == D("1200.00")
    assert copayment.due_by - engagement.created_at == pytest.approx(
        datetime.timedelta(days=14), abs=datetime.timedelta(seconds=5)
    )
    assert kinds(engagement) == [(Kind.BUDGET_RESERVED, D("4800.00"))]
    assert ledger.budget_committed(programme) == budget_committed(programme) == D("4800.00")


def test_a_programme_without_a_limit_starts_custody_at_once(personas, programme):
    programme.copay_due_days = None
    programme.save(update_fields=["copay_due_days"])
    engagement = engage(personas, programme)
    assert engagement.status == Engagement.Status.ACTIVE
    assert engagement.copayment.status == CoPayment.Status.DUE
    assert engagement.copayment.due_by is None


def test_recorded_bank_transfer_starts_custody(engagement, personas):
    pay_offline(engagement, personas)

    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE
    assert engagement.copayment.status == CoPayment.Status.PAID
    assert engagement.copayment.method == "offline"
    received = LedgerEntry.objects.get(engagement=engagement, kind=Kind.COPAY_RECEIVED)
    assert (received.reference, received.recorded_by) == ("BANK-001", personas.officer)
    assert ledger.copay_held(engagement) == D("1200.00")
    assert Notification.objects.filter(
        user=personas.agency_consultant, kind="copayment_received"
    ).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": D("1000.00")}, "amount"),
        ({"reference": "  "}, "reference"),
        ({"value_date": timezone.localdate() + datetime.timedelta(days=2)}, "value_date"),
    ],
)
def test_a_wrong_transfer_names_the_field_and_records_nothing(engagement, personas, changes, field):
    values = {
        "kind": Kind.COPAY_RECEIVED,
        "amount": D("1200.00"),
        "reference": "BANK-001",
        "value_date": timezone.localdate(),
        **changes,
    }
    with pytest.raises(ActionError) as refused:
        payments.offline_payment_record(engagement=engagement, by=personas.officer, **values)

    assert refused.value.field == field
    assert kinds(engagement) == [(Kind.BUDGET_RESERVED, D("4800.00"))]
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT


def test_only_the_programme_office_records_transfers(engagement, personas):
    for user in (personas.firm_member, personas.agency_consultant, personas.incubator_manager):
        with pytest.raises(NotAllowed):
            payments.offline_payment_record(
                engagement=engagement,
                by=user,
                kind=Kind.COPAY_RECEIVED,
                amount=D("1200.00"),
                reference="X",
                value_date=timezone.localdate(),
            )


def test_a_paid_co_payment_cannot_be_recorded_twice(engagement, personas):
    pay_offline(engagement, personas)
    with pytest.raises(InvalidTransition):
        pay_offline(engagement, personas, reference="BANK-002")
    with pytest.raises(ActionError) as duplicate:
        pay_offline(engagement, personas)
    assert duplicate.value.field == "reference"
    assert LedgerEntry.objects.filter(kind=Kind.COPAY_RECEIVED).count() == 1


def test_unpaid_co_payment_is_reminded_then_the_engagement_lapses(engagement, personas):
    due_by = engagement.copayment.due_by

    assert payments.copayments_chase(now=due_by - datetime.timedelta(days=5)) == {
        "reminded": 0,
        "cancelled": 0,
    }
    assert payments.copayments_chase(now=due_by - datetime.timedelta(days=2)) == {
        "reminded": 1,
        "cancelled": 0,
    }
    assert payments.copayments_chase(now=due_by - datetime.timedelta(days=1)) == {
        "reminded": 0,
        "cancelled": 0,
    }
    assert (
        Notification.objects.filter(user=personas.firm_member, kind="copayment_reminder").count()
        == 1
    )

    assert payments.copayments_chase(now=due_by + datetime.timedelta(minutes=1)) == {
        "reminded": 0,
        "cancelled": 1,
    }
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.CANCELLED
    assert engagement.copayment.status == CoPayment.Status.CANCELLED
    assert kinds(engagement) == [
        (Kind.BUDGET_RESERVED, D("4800.00")),
        (Kind.BUDGET_RELEASED, D("4800.00")),
    ]
    assert budget_committed(engagement.programme_year) == D("0.00")
    assert not Refund.objects.exists()
    assert ledger.differences(engagement.programme_year) == []
    # The notice keeps the day as data, so that each reader reads it in their language.
    notice = Notification.objects.get(user=personas.firm_member, kind="engagement_lapsed")
    assert notice.params["due_by"] == due_by.isoformat()
    with translation.override("en"):
        text = notification_text(notice.kind, notice.params)
        day = date_format(timezone.localtime(due_by), "DATETIME_FORMAT")
    assert text.endswith(f"the co-payment was not paid by {day}.")


@pytest.fixture
def payee(db):
    return PayeeAccount.objects.create(
        account_name="南京市知识产权托管计划办公室",
        bank_name="中国银行南京鼓楼支行",
        account_number="4651 0000 1234 5678",
        valid_from=datetime.date(2020, 1, 1),
    )


def test_the_reference_carries_a_check_digit():
    assert payment_reference(42) == "IPC-00000042-" + str(luhn.calc_check_digit("00000042"))
    assert luhn.is_valid(payment_reference(42).replace("IPC-", "").replace("-", ""))


def test_acceptance_tells_the_firm_what_to_pay_by_when_and_how(
    payee, personas, programme, settings
):
    engagement = engage(personas, programme)
    notice = Notification.objects.get(user=personas.firm_member, kind="copayment_due")

    with translation.override("en"):
        text = notification_text(notice.kind, notice.params)
    assert "¥1,200.00" in text
    assert engagement.copayment.reference in text
    assert "4651 0000 1234 5678" in text and "中国银行南京鼓楼支行" in text
    with translation.override("en"):
        due_by = date_format(timezone.localtime(engagement.copayment.due_by), "DATETIME_FORMAT")
    assert due_by in text
    # The reminder carries the same instructions.
    payments.copayments_chase(now=engagement.copayment.due_by - datetime.timedelta(days=1))
    reminder = Notification.objects.get(user=personas.firm_member, kind="copayment_reminder")
    assert engagement.copayment.reference in reminder.params["reference"]


def test_the_payments_page_gives_the_account_and_the_reference(client, payee, engagement, personas):
    client.force_login(personas.firm_member)

    page = client.get(reverse("frontend:engagement-payments", args=[engagement.pk]))

    assert 'data-testid="payee-number">4651 0000 1234 5678<' in page.text
    assert f'data-testid="payment-reference">{engagement.copayment.reference}<' in page.text


def test_the_firm_home_puts_the_co_payment_first_until_it_is_paid(client, engagement, personas):
    client.force_login(personas.firm_member)
    home = reverse("frontend:firm-home")

    page = client.get(home)

    assert 'data-testid="action-copayment"' in page.text
    assert engagement.copayment.reference in page.text
    assert reverse("frontend:engagement-payments", args=[engagement.pk]) in page.text
    pay_offline(engagement, personas)
    assert 'data-testid="action-copayment"' not in client.get(home).text


def test_the_agency_reads_that_records_open_when_the_firm_pays(client, engagement, personas):
    client.force_login(personas.agency_consultant)

    page = client.get(reverse("frontend:service-list", args=[engagement.pk]))

    assert page.status_code == 200
    assert 'data-testid="records-open-when-paid"' in page.text
    assert "not active" not in page.text


def test_without_a_published_account_the_page_says_whom_to_ask(client, engagement, personas):
    client.force_login(personas.firm_member)

    page = client.get(reverse("frontend:engagement-payments", args=[engagement.pk]))

    assert 'data-testid="payee-missing"' in page.text
    assert engagement.copayment.reference in page.text


def test_a_paid_engagement_does_not_lapse(engagement, personas):
    pay_offline(engagement, personas)
    due_by = engagement.copayment.due_by
    assert payments.copayments_chase(now=due_by + datetime.timedelta(days=1))["cancelled"] == 0
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_cancelling_before_any_delivery_refunds_the_whole_co_payment(engagement, personas):
    pay_offline(engagement, personas)
    actions.engagement_cancel(engagement=engagement, by=personas.officer, reason="企业注销")

    refund = Refund.objects.get(engagement=engagement)
    assert (refund.amount, refund.method, refund.status) == (D("1200.00"), "offline", "pending")
    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=Kind.COPAY_REFUNDED,
        amount=D("1200.00"),
        reference="REFUND-1",
        value_date=timezone.localdate(),
    )
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert ledger.copay_held(engagement) == D("0.00")
    assert ledger.differences(engagement.programme_year) == []


def test_cancelling_after_delivery_keeps_the_firms_share_of_what_was_delivered(
    engagement, personas
):
    pay_offline(engagement, personas)
    engagement.refresh_from_db()
    deliver(engagement, personas, units=1)  # ¥1,000 of ¥6,000: the firm's 20 % is ¥200
    actions.engagement_cancel(engagement=engagement, by=personas.officer, reason="企业搬迁")

    assert Refund.objects.get(engagement=engagement).amount == D("1000.00")
    # The agency is paid for what it delivered, as a change of agency pays it: the government's
    # ¥800 from the reservation and the firm's ¥200 from its co-payment.
    payout = Payout.objects.get(engagement=engagement)
    assert (payout.amount, payout.settlement) == (D("1000.00"), None)
    assert (Kind.BUDGET_SETTLED, D("800.00")) in kinds(engagement)
    assert ledger.differences(engagement.programme_year) == []


def test_settlement_pays_the_agency_and_refunds_what_was_not_delivered(engagement, personas):
    pay_offline(engagement, personas)
    engagement.refresh_from_db()
    deliver(engagement, personas, units=1)  # delivered ¥1,000: government ¥800, firm ¥200
    settlement = settle(engagement, personas)

    payout = Payout.objects.get(settlement=settlement)
    assert payout.amount == D("1000.00")  # ¥800 + the firm's ¥200
    assert payout.status == Payout.Status.PENDING  # no Stripe here: a bank transfer is due
    assert Refund.objects.get(engagement=engagement).amount == D("1000.00")
    assert dict(kinds(engagement)) == {
        Kind.BUDGET_RESERVED: D("4800.00"),
        Kind.COPAY_RECEIVED: D("1200.00"),
        Kind.BUDGET_SETTLED: D("800.00"),
        Kind.BUDGET_RELEASED: D("4000.00"),
        Kind.COPAY_EARNED: D("200.00"),
    }
    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=Kind.PAYOUT_SENT,
        amount=D("1000.00"),
        reference="PAYOUT-1",
        value_date=timezone.localdate(),
    )
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SENT
    balances = ledger.engagement_balances(engagement)
    assert balances[LedgerEntry.Account.AGENCIES] == D("1000.00")
    assert balances[LedgerEntry.Account.AGENCY_PAYABLE] == D("0.00")
    assert ledger.differences(engagement.programme_year) == []


def test_the_ledger_refuses_changes(engagement):
    entry = LedgerEntry.objects.get(engagement=engagement)
    entry.amount = D("1.00")
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


# --- Pages -------------------------------------------------------------------------------


def test_the_firm_reads_that_online_payment_is_not_configured(client, engagement, personas):
    client.force_login(personas.firm_member)
    page = client.get(reverse("frontend:engagement-payments", args=[engagement.pk]))
    assert page.status_code == 200
    assert b'data-testid="bank-transfer"' in page.content
    assert b'data-testid="pay-online"' not in page.content

    refused = client.post(
        reverse("frontend:engagement-checkout", args=[engagement.pk]), follow=True
    )
    assert "not configured" in refused.content.decode()


def test_the_officer_records_a_transfer_on_the_page(client, engagement, personas):
    client.force_login(personas.officer)
    url = reverse("frontend:engagement-payment-record", args=[engagement.pk])
    bad = client.post(
        url,
        {
            "kind": Kind.COPAY_RECEIVED,
            "amount": "99",
            "reference": "B1",
            "value_date": "2020-01-01",
        },
    )
    assert bad.status_code == 400
    assert "record the whole amount" in bad.content.decode()

    good = client.post(
        url,
        {
            "kind": Kind.COPAY_RECEIVED,
            "amount": "1200.00",
            "reference": "B1",
            "value_date": timezone.localdate().isoformat(),
        },
    )
    assert good.status_code == 302
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_office_desk_and_ledger_export(client, engagement, personas):
    from io import BytesIO

    from openpyxl import load_workbook

    pay_offline(engagement, personas)
    client.force_login(personas.officer)
    desk = client.get(reverse("frontend:payments-office"))
    assert desk.status_code == 200
    assert b'data-testid="balances"' in desk.content
    export = client.get(
        reverse("frontend:payments-ledger-export", args=["xlsx"]),
        {"year": engagement.programme_year.year},
    )
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3  # the header, the reservation and the co-payment
    assert D(str(rows[2][7])) == D("1200.00")
    reconciliation = client.get(reverse("frontend:payments-reconciliation"))
    assert b'data-testid="internal-balanced"' in reconciliation.content
