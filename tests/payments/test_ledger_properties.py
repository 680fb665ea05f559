"""The ledger identity, over random sequences of what the programme office, firms and
agencies do: every balance derived from the ledger agrees with the engagements, whatever
happened in whatever order."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import ActionError
from custody.payments import actions as payments
from custody.payments import ledger
from custody.payments.models import CoPayment, LedgerEntry, Payout, Refund
from marketplace import actions
from marketplace.models import Engagement, User
from tests.factories import FirmFactory, UserFactory
from tests.payments.conftest import deliver, engage, settle

pytestmark = pytest.mark.django_db
Account = LedgerEntry.Account
Kind = LedgerEntry.Kind
FIRMS = 3
OPERATIONS = ["pay", "deliver", "cancel", "lapse", "settle", "refund", "payout"]


@pytest.fixture
def members(personas):
    members = [personas.firm_member]
    for n in range(FIRMS - 1):
        firm = FirmFactory(name=f"性质测试企业{n}", incubator=personas.incubator)
        actions.firm_verify(firm=firm, by=personas.incubator_manager)
        members.append(UserFactory(username=f"member{n}", role=User.Role.FIRM_MEMBER, firm=firm))
    return members


def _running(member):
    return (
        Engagement.objects.filter(firm_id=member.firm_id)
        .exclude(status__in=[Engagement.Status.CANCELLED, Engagement.Status.COMPLETED])
        .order_by("-pk")
        .first()
    )


def _apply(operation, member, personas, programme, counter):
    engagement = _running(member)
    officer = personas.officer
    today = timezone.localdate()
    counter[0] += 1
    reference = f"REF-{counter[0]}"
    if engagement is None and not Engagement.objects.filter(firm_id=member.firm_id).exists():
        # A firm's first step is always its request being accepted.
        engagement = engage(personas, programme, firm=member.firm, member=member)
    if engagement is None:
        pass
    elif operation == "pay" and engagement.copayment.status == CoPayment.Status.DUE:
        payments.offline_payment_record(
            engagement=engagement,
            by=officer,
            kind=Kind.COPAY_RECEIVED,
            amount=engagement.copay_amount,
            reference=reference,
            value_date=today,
        )
    elif operation == "deliver" and engagement.status == Engagement.Status.ACTIVE:
        deliver(engagement, personas, units=1)
    elif operation == "cancel":
        actions.engagement_cancel(engagement=engagement, by=officer, reason="测试")
    elif operation == "lapse" and engagement.copayment.due_by:
        payments.copayments_chase(now=engagement.copayment.due_by + datetime.timedelta(seconds=1))
    elif operation == "settle" and engagement.status == Engagement.Status.ACTIVE:
        if not engagement.service_records.exists():
            deliver(engagement, personas, units=1)
        settle(engagement, personas)
    if operation == "refund":
        for refund in Refund.objects.filter(status=Refund.Status.PENDING, method="offline"):
            payments.offline_payment_record(
                engagement=refund.engagement,
                by=officer,
                kind=Kind.COPAY_REFUNDED,
                amount=refund.amount,
                reference=f"{reference}-{refund.pk}",
                value_date=today,
            )
    if operation == "payout":
        for payout in Payout.objects.exclude(status=Payout.Status.SENT):
            payments.offline_payment_record(
                engagement=payout.engagement,
                by=officer,
                kind=Kind.PAYOUT_SENT,
                amount=payout.amount,
                reference=f"{reference}-{payout.pk}",
                value_date=today,
            )


def _check_identity(programme):
    entries = LedgerEntry.objects.all()
    balances = ledger.balances(entries)
    assert sum(balances.values(), Decimal("0.00")) == 0
    assert ledger.differences(programme) == []
    totals = ledger.totals_by_kind(entries)
    # What left the firms is what they paid less what they got back.
    assert -balances[Account.FIRMS] == totals[Kind.COPAY_RECEIVED] - totals[Kind.COPAY_REFUNDED]
    # Agencies hold exactly what the sent payouts say.
    sent = sum(
        (p.amount for p in Payout.objects.filter(status=Payout.Status.SENT)), Decimal("0.00")
    )
    assert balances[Account.AGENCIES] == sent
    # Nobody is owed a negative amount, and every co-payment account is covered.
    assert balances[Account.AGENCY_PAYABLE] >= 0
    assert balances[Account.COPAY_HELD] >= 0
    for engagement in Engagement.objects.all():
        held = ledger.copay_held(engagement)
        pending = sum(
            (r.amount for r in engagement.refunds.filter(status=Refund.Status.PENDING)),
            Decimal("0.00"),
        )
        if engagement.status in (Engagement.Status.CANCELLED, Engagement.Status.COMPLETED):
            # Closed: the agency earned its part; whatever else the firm paid goes back.
            assert held == pending
        else:
            assert held >= pending
        mine = ledger.totals_by_kind(LedgerEntry.objects.filter(engagement=engagement))
        owed = mine[Kind.BUDGET_SETTLED] + mine[Kind.COPAY_EARNED]
        assert sum((p.amount for p in engagement.payouts.all()), Decimal("0.00")) == owed


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.integers(min_value=0, max_value=FIRMS - 1)),
        min_size=1,
        max_size=14,
    )
)
@example(steps=[("pay", 0), ("cancel", 0), ("refund", 0)])
@example(steps=[("pay", 0), ("deliver", 0), ("settle", 0), ("refund", 0), ("payout", 0)])
@example(steps=[("deliver", 1), ("lapse", 1), ("pay", 1), ("cancel", 1)])
def test_ledger_balances_agree_with_the_engagements_after_any_sequence(
    personas, programme, members, steps
):
    counter = [0]
    refusals = []
    with transaction.atomic():
        for operation, index in steps:
            try:
                with transaction.atomic():
                    _apply(operation, members[index], personas, programme, counter)
            except ActionError as refusal:
                refusals.append((operation, index, refusal.code))
            _check_identity(programme)
        transaction.set_rollback(True)
