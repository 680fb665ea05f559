import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.errors import NotAllowed
from core.models import AuditEvent
from custody import actions, numbers
from custody.models import Deadline, IPAsset
from tests.custody.conftest import TODAY, patent_fields

pytestmark = pytest.mark.django_db


def test_creating_a_patent_normalises_it_and_derives_its_deadlines(personas, patent):
    assert patent.number == "200910005164.2"
    assert patent.patent_type == IPAsset.PatentType.INVENTION
    rows = list(patent.deadlines.order_by("due_on"))
    assert [(row.kind, row.original_due_on, row.due_on) for row in rows] == [
        (Deadline.Kind.ANNUAL_FEE, datetime.date(2025, 10, 1), datetime.date(2025, 10, 9)),
        (Deadline.Kind.ANNUAL_FEE, datetime.date(2026, 10, 1), datetime.date(2026, 10, 8)),
        (Deadline.Kind.PATENT_EXPIRY, datetime.date(2035, 9, 30), datetime.date(2035, 9, 30)),
    ]
    assert rows[0].surcharges[1] == {"month": 2, "until": "2025-12-01", "percent": 5}
    assert all(row.firm_id == personas.firm.pk for row in rows)
    event = AuditEvent.objects.get(action="asset.created")
    assert event.firm_id == personas.firm.pk
    assert event.actor == personas.firm_member


def test_a_wrong_check_digit_is_refused_naming_the_right_one(personas):
    with pytest.raises(ValidationError) as caught:
        actions.asset_create(
            firm=personas.firm,
            by=personas.firm_member,
            fields=patent_fields(number="200910005164.5"),
        )
    assert "the check digit should be 2" in caught.value.message_dict["number"][0]
    assert not IPAsset.objects.exists()


def test_the_same_number_twice_in_one_firm_is_refused(personas, patent):
    with pytest.raises(ValidationError):
        actions.asset_create(firm=personas.firm, by=personas.firm_member, fields=patent_fields())
    # Another firm may hold a record of the same number (e.g. after an assignment).
    actions.asset_create(
        firm=personas.other_firm, by=personas.other_firm_member, fields=patent_fields()
    )


@pytest.mark.parametrize("who", ["other_firm_member", "rival_consultant", "agency_consultant"])
def test_only_the_firm_or_its_engaged_agency_may_edit(personas, who):
    with pytest.raises(NotAllowed):
        actions.asset_create(firm=personas.firm, by=getattr(personas, who), fields=patent_fields())


def test_the_engaged_agency_may_edit_but_its_rival_may_not(personas, engagement):
    asset = actions.asset_create(
        firm=personas.firm, by=personas.agency_consultant, fields=patent_fields(), today=TODAY
    )
    assert AuditEvent.objects.get(action="asset.created").actor == personas.agency_consultant
    with pytest.raises(NotAllowed):
        actions.asset_update(asset=asset, by=personas.rival_consultant, changes={"title": "x"})
    with pytest.raises(NotAllowed):
        actions.deadlines_refresh_for_firm(firm=personas.firm, by=personas.incubator_manager)


def test_updating_the_asset_recomputes_and_drops_stale_open_deadlines(personas, patent):
    paid = patent.deadlines.get(original_due_on=datetime.date(2025, 10, 1))
    Deadline.objects.filter(pk=paid.pk).update(
        done_at=datetime.datetime(2025, 9, 20, tzinfo=datetime.UTC)
    )
    actions.asset_update(
        asset=patent,
        by=personas.firm_member,
        changes={"filing_date": datetime.date(2015, 11, 3)},
        today=TODAY,
    )
    kept = set(patent.deadlines.values_list("kind", "original_due_on"))
    assert kept == {
        (Deadline.Kind.ANNUAL_FEE, datetime.date(2025, 10, 1)),  # done: the record stays
        (Deadline.Kind.ANNUAL_FEE, datetime.date(2025, 11, 3)),
        (Deadline.Kind.PATENT_EXPIRY, datetime.date(2035, 11, 2)),
    }
    event = AuditEvent.objects.get(action="asset.updated")
    assert event.data["changed"] == {"filing_date": ["2015-10-01", "2015-11-03"]}
    assert event.data["deadlines"] == {"created": 2, "updated": 0, "removed": 2}


def test_an_unchanged_update_writes_nothing(personas, patent):
    actions.asset_update(
        asset=patent, by=personas.firm_member, changes={"title": patent.title}, today=TODAY
    )
    assert not AuditEvent.objects.filter(action="asset.updated").exists()


def test_lapsing_a_patent_removes_its_open_deadlines(personas, patent):
    actions.asset_update(
        asset=patent,
        by=personas.firm_member,
        changes={"status": IPAsset.Status.LAPSED},
        today=TODAY,
    )
    assert not patent.deadlines.exists()
    event = AuditEvent.objects.get(action="asset.updated")
    assert (event.from_state, event.to_state) == ("in_force", "lapsed")


def test_refresh_for_firm_moves_the_window_on(personas, patent):
    result = actions.deadlines_refresh_for_firm(
        firm=personas.firm, by=personas.firm_member, today=datetime.date(2026, 9, 1)
    )
    # The 2025 fee's grace ended on 2026-04-01; the 2027 fee comes within the 400-day horizon.
    assert result == {"created": 1, "updated": 0, "removed": 1}
    assert set(
        patent.deadlines.filter(kind=Deadline.Kind.ANNUAL_FEE).values_list(
            "original_due_on", flat=True
        )
    ) == {datetime.date(2026, 10, 1), datetime.date(2027, 10, 1)}
    assert AuditEvent.objects.filter(action="deadlines.refreshed", firm=personas.firm).count() == 1
    again = actions.deadlines_refresh_for_firm(
        firm=personas.firm, by=None, today=datetime.date(2026, 9, 1)
    )
    assert again == {"created": 0, "updated": 0, "removed": 0}


def test_a_trademark_gets_its_renewal(personas):
    mark = actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields={
            "kind": IPAsset.Kind.TRADEMARK,
            "number": "1234 5678",
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": datetime.date(2016, 2, 17),
            "nice_classes": "35, 9",
        },
        today=TODAY,
    )
    assert mark.nice_classes == [9, 35]
    with time_machine.travel(datetime.datetime(2025, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert mark.expires_on == datetime.date(2026, 2, 16)
    # Once the grace of that term is over, a mark still in force shows its current term.
    with time_machine.travel(datetime.datetime(2026, 9, 1, 12, tzinfo=datetime.UTC), tick=False):
        assert mark.expires_on == datetime.date(2036, 2, 16)
    renewal = mark.deadlines.get()
    assert (renewal.opens_on, renewal.due_on) == (
        datetime.date(2025, 2, 16),
        datetime.date(2026, 2, 24),
    )


def test_a_trademark_needs_nice_classes(personas):
    with pytest.raises(ValidationError) as caught:
        actions.asset_create(
            firm=personas.firm,
            by=None,
            fields={
                "kind": IPAsset.Kind.TRADEMARK,
                "number": "12345678",
                "registration_date": datetime.date(2016, 2, 17),
                "nice_classes": "46",
            },
        )
    assert set(caught.value.message_dict) == {"nice_classes"}


@pytest.mark.parametrize("count", [1, 20])
def test_a_refresh_with_nothing_to_change_reads_in_constant_queries(
    personas, count, django_assert_max_num_queries
):
    for serial in range(count):
        digits = f"20151{serial:07d}"
        actions.asset_create(
            firm=personas.firm,
            by=None,
            fields=patent_fields(number=digits + numbers.patent_check_digit(digits)),
            today=TODAY,
        )
    with django_assert_max_num_queries(4):
        result = actions.deadlines_refresh_for_firm(firm=personas.firm, today=TODAY)
    assert result == {"created": 0, "updated": 0, "removed": 0}


def test_item_09_fullwidth_digits_are_the_same_patent_for_the_uniqueness_check(personas, patent):
    with pytest.raises(ValidationError):
        actions.asset_create(
            firm=personas.firm,
            by=personas.firm_member,
            fields=patent_fields(number="２00910005164.2"),
        )
    assert list(IPAsset.objects.values_list("number", flat=True)) == ["200910005164.2"]
