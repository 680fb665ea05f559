"""Engagements made before payments were tracked: their reservations enter the ledger and
their co-payments count as settled outside the platform."""

from django.db import migrations

ROUTES = {
    "budget_reserved": ("budget", "reserved"),
    "budget_released": ("reserved", "budget"),
    "budget_settled": ("reserved", "agency_payable"),
}


def backfill(apps, schema_editor):
    Engagement = apps.get_model("marketplace", "Engagement")
    CoPayment = apps.get_model("payments", "CoPayment")
    LedgerEntry = apps.get_model("payments", "LedgerEntry")
    Settlement = apps.get_model("custody", "Settlement")
    from django.conf import settings

    currency = settings.PAYMENTS_CURRENCY.upper()
    settlements = {s.engagement_id: s for s in Settlement.objects.filter(status="approved")}
    copayments, entries = [], []
    for engagement in Engagement.objects.filter(copayment__isnull=True).iterator():
        copayments.append(
            CoPayment(
                engagement_id=engagement.pk,
                amount=engagement.copay_amount,
                currency=currency,
                status="paid",
                paid_at=engagement.created_at,
            )
        )
        movements = []
        if engagement.status in ("awaiting_payment", "active", "transferred"):
            movements.append(("budget_reserved", engagement.government_amount, "reserve"))
        elif engagement.status == "completed" and engagement.pk in settlements:
            settlement = settlements[engagement.pk]
            movements += [
                ("budget_reserved", settlement.amount + settlement.released, "reserve"),
                ("budget_settled", settlement.amount, f"settlement:{settlement.pk}:settle"),
                ("budget_released", settlement.released, f"settlement:{settlement.pk}:release"),
            ]
        for kind, amount, key in movements:
            if not amount or amount <= 0:
                continue
            source, destination = ROUTES[kind]
            entries.append(
                LedgerEntry(
                    key=f"reserve:engagement:{engagement.pk}" if key == "reserve" else key,
                    kind=kind,
                    engagement_id=engagement.pk,
                    programme_year_id=engagement.programme_year_id,
                    source=source,
                    destination=destination,
                    amount=amount,
                    currency=currency,
                    method="internal",
                    value_date=engagement.created_at.date(),
                )
            )
    CoPayment.objects.bulk_create(copayments, batch_size=500)
    LedgerEntry.objects.bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
