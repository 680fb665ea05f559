"""The settlement arithmetic (pure) and the rate → confirm → approve chain (actions)."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ActionError, InvalidTransition, NotAllowed
from core.models import AuditEvent, Notification
from custody import actions as custody_actions
from custody import selectors as custody_selectors
from custody.models import ServiceRecord, Settlement
from custody.settlement import ItemDelivery, progress, settle, split
from marketplace.models import Engagement, ProgrammeYear
from marketplace.selectors.budget import budget_committed, budget_left

D = Decimal


def item(ref, quota, price, confirmed):
    return ItemDelivery(
        ref=ref, name=f"item {ref}", quota=quota, unit_price=D(price), confirmed=confirmed
    )


# --- Pure arithmetic -----------------------------------------------------------------------


def test_full_delivery_settles_the_whole_reservation():
    items = [item(1, 2, "1000.00", 2), item(2, 2, "1000.00", 2), item(3, 2, "1000.00", 2)]

    result = settle(items, government_share=D("0.8"), copay_cap=None, reservation=D("4800.00"))

    assert result.delivered_value == D("6000.00")
    assert result.amount == D("4800.00")
    assert result.released == D("0.00")
    assert [line.government for line in result.lines] == [D("1600.00")] * 3
    assert result.complete


def test_partial_delivery_pays_the_share_of_what_was_delivered():
    items = [item(1, 2, "1000.00", 1), item(2, 2, "1000.00", 0), item(3, 2, "1000.00", 2)]

    result = settle(items, government_share=D("0.8"), copay_cap=None, reservation=D("4800.00"))

    assert [line.fraction for line in result.lines] == [D("0.5000"), D("0.0000"), D("1.0000")]
    assert result.delivered_value == D("3000.00")
    assert result.amount == D("2400.00")
    assert result.released == D("2400.00")
    assert [line.government for line in result.lines] == [D("800.00"), D("0.00"), D("1600.00")]
    assert not result.complete


def test_over_delivery_counts_only_up_to_the_quota():
    items = [item(1, 2, "1000.00", 5)]

    result = settle(items, government_share=D("0.8"), copay_cap=None, reservation=D("1600.00"))

    assert result.lines[0].counted == 2
    assert result.amount == D("1600.00")


def test_copay_cap_moves_the_rest_to_the_government_like_split_price():
    # ¥10,000 package at 80 %, firm pays at most ¥1,000: reservation ¥9,000.
    items = [item(1, 10, "1000.00", 10)]
    reservation, _copay = split(D("10000.00"), share=D("0.8"), copay_cap=D("1000.00"))

    full = settle(items, government_share=D("0.8"), copay_cap=D("1000.00"), reservation=reservation)
    half = settle(
        [item(1, 10, "1000.00", 5)],
        government_share=D("0.8"),
        copay_cap=D("1000.00"),
        reservation=reservation,
    )
    small = settle(
        [item(1, 10, "1000.00", 2)],
        government_share=D("0.8"),
        copay_cap=D("1000.00"),
        reservation=reservation,
    )

    assert reservation == D("9000.00")
    assert full.amount == D("9000.00") and full.cap_applied
    # ¥5,000 delivered: 20 % is ¥1,000, exactly the cap, so no top-up.
    assert half.amount == D("4000.00") and not half.cap_applied
    assert small.amount == D("1600.00") and small.released == D("7400.00")


def test_rounding_to_the_fen_and_lines_add_up():
    items = [item(1, 3, "333.33", 1), item(2, 7, "0.01", 1), item(3, 1, "99.99", 1)]

    result = settle(items, government_share=D("0.333"), copay_cap=None, reservation=D("1000.00"))

    assert result.amount == (D("433.33") * D("0.333")).quantize(D("0.01"))
    assert sum(line.government for line in result.lines) == result.amount
    assert all(line.government == line.government.quantize(D("0.01")) for line in result.lines)


def test_reservation_is_never_exceeded():
    # E.g. an engagement that took over after a change of agency holds less than its items.
    items = [item(1, 2, "1000.00", 2)]

    result = settle(items, government_share=D("0.8"), copay_cap=None, reservation=D("1000.00"))

    assert result.amount == D("1000.00")
    assert result.reservation_applied
    assert result.released == D("0.00")


def test_split_matches_programme_year_split_price():
    year = ProgrammeYear(government_share=D("0.75"), copay_cap=D("1200.00"))
    for price in (D("0.00"), D("1000.00"), D("4800.01"), D("9999.99"), D("123456.78")):
        assert split(price, share=D("0.75"), copay_cap=D("1200.00")) == year.split_price(price)


def test_progress_percentages():
    assert progress(quota=4, confirmed=1, pending=2) == progress(quota=4, confirmed=1, pending=2)
    bars = progress(quota=4, confirmed=1, pending=2)
    assert (bars.confirmed_percent, bars.pending_percent, bars.left) == (25, 50, 1)
    full = progress(quota=3, confirmed=2, pending=5)
    assert full.confirmed_percent + full.pending_percent == 100


money = st.decimals(min_value=D("0.01"), max_value=D("50000.00"), places=2)
shares = st.decimals(min_value=D("0"), max_value=D("1"), places=3)
caps = st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("20000.00"), places=2))
items_strategy = st.lists(
    st.tuples(st.integers(1, 20), money, st.integers(0, 40)), min_size=1, max_size=8
)


@settings(max_examples=300, deadline=None)
@given(items_strategy, shares, caps)
def test_properties_of_the_settlement(rows, share, cap):
    deliveries = [
        item(i, quota, price, confirmed) for i, (quota, price, confirmed) in enumerate(rows)
    ]
    package = sum((quota * price for quota, price, _c in rows), D("0.00"))
    reservation, _copay = split(package, share=share, copay_cap=cap)

    result = settle(deliveries, government_share=share, copay_cap=cap, reservation=reservation)

    assert D("0.00") <= result.amount <= reservation
    assert result.released == reservation - result.amount
    assert result.amount == result.amount.quantize(D("0.01"))
    assert sum(line.government for line in result.lines) == result.amount
    assert all(line.government >= 0 for line in result.lines)
    assert result.delivered_value <= package
    if all(confirmed >= quota for quota, _p, confirmed in rows):
        assert result.amount == reservation
    # Delivering one more unit never lowers the amount.
    more = [
        item(d.ref, d.quota, d.unit_price, d.confirmed + (1 if index == 0 else 0))
        for index, d in enumerate(deliveries)
    ]
    again = settle(more, government_share=share, copay_cap=cap, reservation=reservation)
    assert again.amount >= result.amount


# --- Actions -------------------------------------------------------------------------------


def _deliver_everything(engagement, personas, on):
    for line in engagement.items.select_related("service_item"):
        record = custody_actions.service_record_log(
            engagement=engagement,
            item=line,
            quantity=line.quota,
            delivered_on=on,
            description="全部交付",
            by=personas.agency_consultant,
            today=on,
        )
        custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def _deliver_one(engagement, personas, on, quantity=1):
    line = engagement.items.order_by("pk").first()
    record = custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=quantity,
        delivered_on=on,
        description="部分交付",
        by=personas.agency_consultant,
        today=on,
    )
    return custody_actions.service_record_confirm(record=record, by=personas.firm_member)


def test_rating_waits_for_the_end_or_full_delivery(personas, engagement):
    _deliver_one(engagement, personas, engagement.starts_on)

    with pytest.raises(InvalidTransition) as refused:
        custody_actions.settlement_rate(
            engagement=engagement, by=personas.firm_member, rating=5, today=engagement.starts_on
        )

    assert refused.value.code == "not_complete"
    settlement = custody_actions.settlement_rate(
        engagement=engagement, by=personas.firm_member, rating=4, today=engagement.ends_on
    )
    assert settlement.status == Settlement.Status.RATED


def test_full_delivery_allows_rating_early(personas, engagement):
    _deliver_everything(engagement, personas, engagement.starts_on)

    settlement = custody_actions.settlement_rate(
        engagement=engagement,
        by=personas.firm_member,
        rating=5,
        comment="很专业",
        today=engagement.starts_on,
    )

    assert settlement.rating == 5
    assert AuditEvent.objects.filter(action="settlement.rated", firm=personas.firm).exists()
    assert Notification.objects.filter(
        user=personas.incubator_manager, kind="settlement_rated"
    ).exists()


def test_rating_refused_while_records_await_the_firm(personas, engagement):
    line = engagement.items.first()
    custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=1,
        delivered_on=engagement.starts_on,
        description="待确认",
        by=personas.agency_consultant,
        today=engagement.starts_on,
    )

    with pytest.raises(InvalidTransition) as refused:
        custody_actions.settlement_rate(
            engagement=engagement, by=personas.firm_member, rating=3, today=engagement.ends_on
        )

    assert refused.value.code == "records_pending"


@pytest.mark.parametrize("rating", [0, 6, None])
def test_rating_must_be_one_to_five(personas, engagement, rating):
    with pytest.raises(ActionError):
        custody_actions.settlement_rate(
            engagement=engagement, by=personas.firm_member, rating=rating, today=engagement.ends_on
        )


@pytest.mark.parametrize(
    "persona", ["other_firm_member", "agency_consultant", "incubator_manager", "officer"]
)
def test_only_the_firm_rates(personas, engagement, persona):
    with pytest.raises(NotAllowed):
        custody_actions.settlement_rate(
            engagement=engagement,
            by=getattr(personas, persona),
            rating=5,
            today=engagement.ends_on,
        )


def test_rate_confirm_approve_releases_the_unused_reservation(personas, engagement):
    programme = engagement.programme_year
    committed_before = budget_committed(programme)
    _deliver_one(engagement, personas, engagement.starts_on)  # 1 of 6 units, ¥1,000
    custody_actions.settlement_rate(
        engagement=engagement, by=personas.firm_member, rating=3, today=engagement.ends_on
    )

    with pytest.raises(NotAllowed):
        custody_actions.settlement_confirm(engagement=engagement, by=personas.other_manager)
    with pytest.raises(InvalidTransition):
        custody_actions.settlement_approve(engagement=engagement, by=personas.officer)
    custody_actions.settlement_confirm(engagement=engagement, by=personas.incubator_manager)
    with pytest.raises(NotAllowed):
        custody_actions.settlement_approve(engagement=engagement, by=personas.incubator_manager)
    settlement = custody_actions.settlement_approve(engagement=engagement, by=personas.officer)

    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.COMPLETED
    assert settlement.status == Settlement.Status.APPROVED
    assert settlement.amount == D("800.00")
    assert settlement.released == D("4000.00")
    assert [line["government"] for line in settlement.lines] == ["800.00", "0.00", "0.00"]
    assert committed_before == D("4800.00")
    assert budget_committed(programme) == D("800.00")
    assert budget_left(programme) == programme.budget - D("800.00")
    assert Notification.objects.filter(
        user=personas.firm_member, kind="settlement_approved"
    ).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="settlement.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["settlement.rated", "settlement.confirmed", "settlement.approved"]
    with pytest.raises(InvalidTransition):
        custody_actions.settlement_approve(engagement=engagement, by=personas.officer)


def test_records_close_once_the_firm_rated(personas, engagement):
    _deliver_everything(engagement, personas, engagement.starts_on)
    custody_actions.settlement_rate(
        engagement=engagement, by=personas.firm_member, rating=5, today=engagement.starts_on
    )

    with pytest.raises(InvalidTransition) as refused:
        _deliver_one(engagement, personas, engagement.starts_on)

    assert refused.value.code == "settling"


def test_preview_follows_confirmed_records_only(personas, engagement):
    line = engagement.items.order_by("pk").first()
    custody_actions.service_record_log(
        engagement=engagement,
        item=line,
        quantity=2,
        delivered_on=engagement.starts_on,
        description="待确认",
        by=personas.agency_consultant,
        today=engagement.starts_on,
    )

    assert custody_selectors.settlement_preview(engagement).amount == D("0.00")
    ServiceRecord.objects.update(status=ServiceRecord.Status.CONFIRMED)
    assert custody_selectors.settlement_preview(engagement).amount == D("1600.00")


def test_completed_engagement_without_settlement_keeps_its_reservation(personas, engagement):
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.COMPLETED)

    assert budget_committed(engagement.programme_year) == D("4800.00")


def test_approval_serves_the_waiting_list(personas, engagement, django_capture_on_commit_callbacks):
    with time_machine.travel(datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC)):
        custody_actions.settlement_rate(
            engagement=engagement, by=personas.firm_member, rating=2, today=engagement.ends_on
        )
        custody_actions.settlement_confirm(engagement=engagement, by=personas.incubator_manager)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            custody_actions.settlement_approve(engagement=engagement, by=personas.officer)

    assert callbacks  # the release runs waitlist_serve once committed


def test_progress_percentages_round_half_up():
    # Truncation showed 1 of 8 as 12 % and 2 of 3 as 66 %.
    assert progress(quota=8, confirmed=1, pending=0).confirmed_percent == 13
    assert progress(quota=3, confirmed=2, pending=0).confirmed_percent == 67
    bars = progress(quota=3, confirmed=1, pending=1)
    assert (bars.confirmed_percent, bars.pending_percent) == (33, 34)
