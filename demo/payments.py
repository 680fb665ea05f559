"""Demo money: the seeded engagements' reservations and their co-payments, paid by bank
transfer and recorded by the programme office, as the office would have recorded them."""

import datetime

from custody.payments import ledger
from custody.payments.models import CoPayment, LedgerEntry, Method

Kind = LedgerEntry.Kind


def seed_engagement_payments(engagements, *, officer, rng):
    """Co-payments and ledger lines for engagements inserted directly by the demo seeder."""
    currency = ledger.currency()
    copayments, entries = [], []
    for engagement in engagements:
        paid_at = engagement.created_at + datetime.timedelta(hours=rng.randint(2, 96))
        reference = f"DEMO{engagement.created_at:%Y%m%d}{engagement.pk:06d}"
        copayments.append(
            CoPayment(
                engagement=engagement,
                amount=engagement.copay_amount,
                currency=currency,
                status=CoPayment.Status.PAID,
                method=Method.OFFLINE if engagement.copay_amount else "",
                paid_at=paid_at,
            )
        )
        movements = [
            (
                Kind.BUDGET_RESERVED,
                engagement.government_amount,
                f"reserve:engagement:{engagement.pk}",
                Method.INTERNAL,
                "",
                engagement.created_at,
            ),
            (
                Kind.COPAY_RECEIVED,
                engagement.copay_amount,
                f"offline:{Kind.COPAY_RECEIVED}:{engagement.pk}:{reference}",
                Method.OFFLINE,
                reference,
                paid_at,
            ),
        ]
        entries += [
            ledger.entry(
                kind=kind,
                engagement=engagement,
                amount=amount,
                key=key,
                method=method,
                reference=ref,
                value_date=moment.date(),
                by=officer if method == Method.OFFLINE else None,
            )
            for kind, amount, key, method, ref, moment in movements
            if amount > 0
        ]
    CoPayment.objects.bulk_create(copayments, batch_size=1000)
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)
