"""Reads of money data, each scoped to what the user may see.

An engagement's money is read by its parties (the caller has already fetched the engagement
through marketplace.selectors.engagement_get_for_user); payouts by their agency and the
programme office; the ledger as a whole and the desk only by the programme office.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone

from custody.payments import ledger
from custody.payments.models import (
    CoPayment,
    LedgerEntry,
    PayeeAccount,
    PaymentAccount,
    Payout,
    Refund,
)
from marketplace import selectors
from marketplace.models import ProgrammeYear


@dataclass(frozen=True)
class EngagementPayments:
    copayment: CoPayment | None
    refunds: list
    payouts: list
    entries: list
    balances: dict

    @property
    def held(self):
        return self.balances[LedgerEntry.Account.COPAY_HELD]

    def _total(self, kind):
        return sum((e.amount for e in self.entries if e.kind == kind), ledger.ZERO)

    @property
    def received(self):
        return self._total(LedgerEntry.Kind.COPAY_RECEIVED)

    @property
    def refunded(self):
        return self._total(LedgerEntry.Kind.COPAY_REFUNDED)


def engagement_payments(*, user, engagement):
    """The money of an engagement its party `user` already reads (five queries)."""
    entries = list(LedgerEntry.objects.filter(engagement=engagement).select_related("recorded_by"))
    return EngagementPayments(
        copayment=CoPayment.objects.filter(engagement=engagement).first(),
        refunds=list(Refund.objects.filter(engagement=engagement)),
        payouts=list(payouts_visible_to(user).filter(engagement=engagement)),
        entries=entries,
        balances=ledger.balances(LedgerEntry.objects.filter(engagement=engagement)),
    )


def copayments_visible_to(user):
    """Co-payments of the engagements `user` may see (the engagement's parties and the office)."""
    return selectors.scoped_to_parties(
        user,
        CoPayment.objects.select_related("engagement__firm", "engagement__agency"),
        firm="engagement__firm_id",
        agency="engagement__agency_id",
        incubator="engagement__firm__incubator_id",
    )


def payouts_visible_to(user):
    if user is None or not user.is_authenticated:
        return Payout.objects.none()
    if user.is_programme_officer:
        return Payout.objects.all()
    if user.is_agency_staff:
        return Payout.objects.filter(agency_id=user.agency_id)
    if user.is_firm_member:
        return Payout.objects.filter(engagement__firm_id=user.firm_id)
    if user.is_incubator_manager:
        return Payout.objects.filter(engagement__firm__incubator_id=user.incubator_id)
    return Payout.objects.none()


def payout_to_send(*, user, engagement):
    """The engagement's payout that is not sent yet, else 404."""
    return get_object_or_404(
        payouts_visible_to(user)
        .filter(engagement=engagement)
        .exclude(status__in=[Payout.Status.SENT, Payout.Status.REVERSED])
    )


def payee_account(*, on=None):
    """The programme's bank account in force on `on` (today): public to every payer."""
    on = on or timezone.localdate()
    return PayeeAccount.objects.filter(valid_from__lte=on).first()


def payment_account_of(agency):
    return PaymentAccount.objects.filter(agency=agency).first()


def programme_years():
    return selectors.programme_years()


def programme_year_from(value):
    """The year asked for by number, else the current one; None if there is no such year."""
    if value:
        try:
            return ProgrammeYear.objects.filter(year=int(value)).first()
        except (TypeError, ValueError):
            return None
    return selectors.default_year(selectors.programme_years())


def ledger_entries(*, user, programme_year):
    if not user.is_programme_officer:
        return LedgerEntry.objects.none()
    return ledger.entries_for(programme_year=programme_year)


@dataclass(frozen=True)
class Desk:
    attention_payouts: list
    pending_refunds: list
    due_copayments: list
    balances: dict
    totals: dict
    entries: list


def payments_desk(*, user, programme_year, recent=50):
    """What the programme office must act on, and the year's balances from the ledger."""
    if not user.is_programme_officer:
        raise PermissionDenied
    entries = LedgerEntry.objects.filter(programme_year=programme_year)
    return Desk(
        attention_payouts=list(
            Payout.objects.filter(engagement__programme_year=programme_year)
            .exclude(status__in=[Payout.Status.SENT])
            .select_related("engagement__firm", "agency")
            .order_by("status", "created_at")
        ),
        pending_refunds=list(
            Refund.objects.filter(
                engagement__programme_year=programme_year, status=Refund.Status.PENDING
            ).select_related("engagement__firm")
        )
        + list(
            Refund.objects.filter(
                engagement__programme_year=programme_year, status=Refund.Status.FAILED
            ).select_related("engagement__firm")
        ),
        due_copayments=list(
            CoPayment.objects.filter(
                engagement__programme_year=programme_year, status=CoPayment.Status.DUE
            )
            .select_related("engagement__firm", "engagement__agency")
            .order_by("due_by", "pk")
        ),
        balances=ledger.balances(entries),
        totals=ledger.totals_by_kind(entries),
        entries=list(
            ledger.entries_for(programme_year=programme_year).order_by("-value_date", "-id")[
                :recent
            ]
        ),
    )
