import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from custody.payments import webhooks
from custody.payments.models import StripeEvent


class Command(BaseCommand):
    help = (
        "Re-process stored Stripe events in the order Stripe created them. Safe to repeat: "
        "each handler re-reads Stripe's current state and the ledger records a movement once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            help="Only events Stripe created at or after this date or ISO date-time.",
        )
        parser.add_argument(
            "--unprocessed", action="store_true", help="Only events not processed yet."
        )

    def handle(self, *args, since=None, unprocessed=False, **options):
        events = StripeEvent.objects.order_by("created", "id")
        if since:
            moment = parse_datetime(since)
            if moment is None:
                day = parse_date(since)
                if day is None:
                    raise CommandError(f"--since: not a date or date-time: {since!r}")
                moment = datetime.datetime.combine(day, datetime.time())
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            events = events.filter(created__gte=moment)
        if unprocessed:
            events = events.filter(processed_at__isnull=True)
        done = failed = 0
        for pk, stripe_id in events.values_list("pk", "stripe_id"):
            try:
                webhooks.process(pk, force=True)
                done += 1
            except Exception as error:  # noqa: BLE001 - reported, and the rest go on
                failed += 1
                self.stderr.write(f"{stripe_id}: {error!r}")
        self.stdout.write(f"{done} events re-processed, {failed} failed.")
        if failed:
            raise CommandError(f"{failed} events failed; see above.")
