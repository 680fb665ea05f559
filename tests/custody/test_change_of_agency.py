"""Defect 1 of issue #16: a change of agency pays the old agency for what the firm confirmed,
and the new engagement takes over only the remaining quotas and budget. Defect 8: settlement
follows the terms fixed at acceptance."""

from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import InvalidTransition
from core.models import AuditEvent
from custody import actions as custody_actions
from custody import selectors as custody_selectors
from custody.payments import actions as payments
from custody.payments import ledger
from custody.payments.models import LedgerEntry, Payout, Refund
from marketplace import actions
from marketplace.models import Engagement
from marketplace.selectors.budget import budget_committed, budget_left
from tests.marketplace.conftest import NOW

D = Decimal

pytestmark = pytest.mark.django_db


def _log(engagement, personas, line, quantity, *, confirm=True):
    on = timezone.localtime(NOW).date()
    record = custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=quantity,
        delivered_on=on,
        description="交付",
        by=personas.agency_consultant,
        today=on,
    )
    if confirm:
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)
    return record


@time_machine.travel(NOW, tick=False)
def _pay_copay(engagement, personas):
    payments.offline_payment_record(
        engagement=engagement,
        by=personas.officer,
        kind=LedgerEntry.Kind.COPAY_RECEIVED,
        amount=engagement.copay_amount,
        reference=f"BANK-{engagement.pk}",
        value_date=timezone.localtime(NOW).date(),
    )


def _change(engagement, personas):
    change = actions.agency_change_request(
        engagement=engagement,
        new_agency=personas.rival_agency,
        by=personas.firm_member,
        reason="沟通不畅",
    )
    with time_machine.travel(NOW, tick=False):
        return actions.agency_change_approve(change=change, by=personas.officer)


def test_defect_01_change_of_agency_pays_old_agency_pro_rata(personas, engagement):
    programme = engagement.programme_year
    _pay_copay(engagement, personas)  # ¥1,200
    first, second, _third = engagement.items.order_by("pk")
    _log(engagement, personas, first, 2)  # ¥2,000 confirmed
    _log(engagement, personas, second, 1)  # ¥1,000 confirmed

    new = _change(engagement, personas)
    engagement.refresh_from_db()

    # The old agency keeps the confirmed ¥3,000: 80 % from the budget, 20 % from the co-payment.
    assert engagement.status == Engagement.Status.TRANSFERRED
    assert (engagement.package_price, engagement.government_amount, engagement.copay_amount) == (
        D("3000.00"),
        D("2400.00"),
        D("600.00"),
    )
    payout = Payout.objects.get(engagement=engagement)
    assert payout.agency == personas.agency
    assert payout.amount == D("3000.00")
    balances = ledger.engagement_balances(engagement)
    assert balances[LedgerEntry.Account.AGENCY_PAYABLE] == D("3000.00")
    assert balances[LedgerEntry.Account.RESERVED] == D("0.00")

    # The new agency gets the remaining quotas and the remaining money only.
    assert {(line.service_item_id, line.quota) for line in new.items.all()} == {
        (second.service_item_id, 1),
        (_third.service_item_id, 2),
    }
    assert (new.package_price, new.government_amount, new.copay_amount) == (
        D("3000.00"),
        D("2400.00"),
        D("600.00"),
    )
    assert new.government_share == engagement.government_share
    assert ledger.copay_held(new) == D("600.00")
    # The budget counts each yuan once.
    assert budget_committed(programme) == D("4800.00")
    assert budget_left(programme) == programme.budget - D("4800.00")


def test_change_of_agency_pays_only_what_the_firm_confirmed(personas, engagement):
    first = engagement.items.order_by("pk").first()
    _log(engagement, personas, first, 1)
    _log(engagement, personas, first, 1, confirm=False)
    new = _change(engagement, personas)
    engagement.refresh_from_db()
    assert engagement.package_price == D("1000.00")
    assert new.items.get(service_item_id=first.service_item_id).quota == 1
    event = AuditEvent.objects.get(action="engagement.transferred", subject_id=str(engagement.pk))
    assert event.data["unconfirmed_records"] == 1


def test_change_of_agency_refused_when_everything_was_delivered(personas, engagement):
    for line in engagement.items.all():
        _log(engagement, personas, line, line.quota)
    with pytest.raises(InvalidTransition) as refused:
        _change(engagement, personas)
    assert refused.value.code == "nothing_left"


def test_change_of_agency_with_nothing_delivered_moves_everything(personas, engagement):
    new = _change(engagement, personas)
    engagement.refresh_from_db()
    assert engagement.government_amount == D("0.00")
    assert new.package_price == D("6000.00")
    assert new.government_amount == D("4800.00")
    assert not Payout.objects.filter(engagement=engagement).exists()


def test_defect_08_settlement_uses_terms_fixed_at_acceptance(personas, engagement):
    programme = engagement.programme_year
    programme.government_share = D("0.900")
    programme.save()
    for line in engagement.items.all():
        _log(engagement, personas, line, line.quota)
    engagement.refresh_from_db()
    result = custody_selectors.settlement_preview(engagement)
    # Under 0.9 the government would owe 5,400 and pay the reservation's 4,800, the firm 600:
    # the agency would lose the firm's other 600.
    assert result.amount == D("4800.00")
    assert result.split_copay == D("1200.00")


def test_cancelling_pays_the_agency_for_confirmed_work_pro_rata(personas, engagement):
    """The office cancelling an engagement pays the agency what the firm confirmed, split under
    the terms fixed at acceptance, as a change of agency does; the rest goes back."""
    programme = engagement.programme_year
    _pay_copay(engagement, personas)  # ¥1,200
    first, second, _third = engagement.items.order_by("pk")
    _log(engagement, personas, first, 2)  # ¥2,000 confirmed
    _log(engagement, personas, second, 1)  # ¥1,000 confirmed
    _log(engagement, personas, second, 1, confirm=False)  # not confirmed: not paid

    with time_machine.travel(NOW, tick=False):
        actions.engagement_cancel(engagement=engagement, by=personas.officer, reason="企业注销")
    engagement.refresh_from_db()

    assert engagement.status == Engagement.Status.CANCELLED
    # ¥3,000 confirmed: ¥2,400 from the reservation, ¥600 from the co-payment.
    payout = Payout.objects.get(engagement=engagement)
    assert (payout.agency, payout.amount) == (personas.agency, D("3000.00"))
    balances = ledger.engagement_balances(engagement)
    assert balances[LedgerEntry.Account.AGENCY_PAYABLE] == D("3000.00")
    assert balances[LedgerEntry.Account.RESERVED] == D("0.00")
    # The budget keeps only what was paid out of it; the firm gets the other ¥600 back.
    assert engagement.cancel_settled_amount == D("2400.00")
    assert budget_committed(programme) == D("2400.00")
    assert Refund.objects.get(engagement=engagement).amount == D("600.00")
    assert ledger.differences(programme) == []
