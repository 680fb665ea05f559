"""The scale seed (demo.bulk) writes what living the same story through the actions writes."""

from collections import Counter

import pytest
from django.db import transaction

from core.models import AuditEvent, Notification
from custody.payments.models import CoPayment, LedgerEntry
from demo import bulk, programme
from marketplace.models import Agency, AgencyChange, CustodyRequest, Engagement, Firm, Offer

pytestmark = pytest.mark.django_db

SIZES = {"firms": 30, "agencies": 8, "incubators": 4, "seed": 5}


def _outcome():
    """States by participant, and what the trail and the notices hold, by kind."""
    return {
        "agencies": sorted(Agency.objects.values_list("credit_code", "status")),
        "firms": sorted(Firm.objects.values_list("credit_code", "verification")),
        "requests": sorted(CustodyRequest.objects.values_list("firm__credit_code", "status")),
        "offers": sorted(
            Offer.objects.values_list(
                "request__firm__credit_code", "agency__credit_code", "status", "sent_at"
            )
        ),
        "engagements": sorted(
            Engagement.objects.values_list(
                "firm__credit_code", "agency__credit_code", "status", "copay_amount"
            )
        ),
        "co-payments": Counter(CoPayment.objects.values_list("status", flat=True)),
        "ledger": Counter(LedgerEntry.objects.values_list("kind", flat=True)),
        "changes": AgencyChange.objects.count(),
        "audit events": Counter(AuditEvent.objects.values_list("action", flat=True)),
        "audit moments": sorted(AuditEvent.objects.values_list("action", "at")),
        "notices": Counter(Notification.objects.values_list("kind", flat=True)),
        "unread notices": Notification.objects.filter(read_at__isnull=True).count(),
    }


def _run(seeder):
    with transaction.atomic():
        report = seeder(**SIZES)
        outcome = _outcome()
        transaction.set_rollback(True)
    assert not Firm.objects.exists()
    return report, outcome


def test_a_bulk_seed_ends_where_the_actions_end():
    lived_report, lived = _run(programme.seed)
    bulk_report, inserted = _run(bulk.seed)
    for key in lived:
        assert inserted[key] == lived[key], key
    assert bulk_report.counts == lived_report.counts
    # The story is not empty: every kind of step happened.
    actions = lived["audit events"]
    for action in (
        "agency.approved",
        "firm.verified",
        "request.submitted",
        "offer.declined",
        "offer.accepted",
        "engagement.started",
        "payment.offline_recorded",
        "engagement.activated",
    ):
        assert actions[action] > 0, action
    assert lived["notices"]["offer_received"] > 0
