import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from core.models import AppendOnlyError, AuditEvent
from marketplace.choices import RevenueBand
from marketplace.models import Firm, Incubator, User
from tests.factories import (
    AgencyFactory,
    FirmFactory,
    IncubatorFactory,
    PackageItemFactory,
    ProgrammeYearFactory,
    ServiceItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- AuditEvent is append-only ---------------------------------------------------------


@pytest.fixture
def event(personas):
    return AuditEvent.objects.filter(firm=personas.firm).first()


def test_saving_an_existing_event_raises(event):
    event.reason = "rewritten history"
    with pytest.raises(AppendOnlyError):
        event.save()
    event.refresh_from_db()
    assert event.reason == ""


def test_deleting_an_event_raises(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_raise(event):
    count = AuditEvent.objects.count()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count
    event.refresh_from_db()
    assert event.reason == ""


def test_new_events_can_still_be_appended(personas, event):
    AuditEvent.objects.create(
        action="firm.noted",
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        subject_repr=event.subject_repr,
        firm=personas.firm,
    )
    assert AuditEvent.objects.filter(action="firm.noted").count() == 1


# --- Database constraints -------------------------------------------------------------------


def test_a_rejected_firm_without_reason_is_refused_by_the_database():
    firm = FirmFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Firm.objects.filter(pk=firm.pk).update(verification=Firm.Verification.REJECTED)


def test_memberships_must_match_the_role():
    firm = FirmFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(role=User.Role.AGENCY_STAFF, firm=firm)


def test_agency_licence_period_must_be_ordered():
    with pytest.raises(IntegrityError), transaction.atomic():
        AgencyFactory(
            licence_valid_from=datetime.date(2026, 1, 2),
            licence_valid_until=datetime.date(2026, 1, 1),
        )


def test_incubator_names_are_unique_ignoring_case():
    IncubatorFactory(name="Nanjing Hub")
    with pytest.raises(IntegrityError), transaction.atomic():
        IncubatorFactory(name="nanjing hub")


# --- Behaviour of the models --------------------------------------------------------------


def test_programme_year_splits_price_by_share_and_caps_the_copay():
    year = ProgrammeYearFactory(government_share=Decimal("0.800"), copay_cap=None)
    assert year.split_price(Decimal("10000.00")) == (Decimal("8000.00"), Decimal("2000.00"))
    year.copay_cap = Decimal("1500.00")
    assert year.split_price(Decimal("10000.00")) == (Decimal("8500.00"), Decimal("1500.00"))
    assert year.split_price(Decimal("5000.00")) == (Decimal("4000.00"), Decimal("1000.00"))


def test_programme_year_package_price_sums_quota_times_unit_price():
    year = ProgrammeYearFactory()
    PackageItemFactory(
        programme_year=year, service_item=ServiceItemFactory(unit_price="1500.00"), quota=2
    )
    PackageItemFactory(
        programme_year=year, service_item=ServiceItemFactory(unit_price="80.00"), quota=10
    )
    assert year.package_price() == Decimal("3800.00")


def test_programme_year_is_open_between_its_dates_inclusive():
    year = ProgrammeYearFactory(
        opens_on=datetime.date(2026, 3, 1), closes_on=datetime.date(2026, 11, 30)
    )
    assert not year.is_open_on(datetime.date(2026, 2, 28))
    assert year.is_open_on(datetime.date(2026, 3, 1))
    assert year.is_open_on(datetime.date(2026, 11, 30))
    assert not year.is_open_on(datetime.date(2026, 12, 1))


def test_agency_licence_validity_is_inclusive():
    agency = AgencyFactory(
        licence_valid_from=datetime.date(2024, 1, 1),
        licence_valid_until=datetime.date(2028, 12, 31),
    )
    assert agency.licence_valid_on(datetime.date(2024, 1, 1))
    assert agency.licence_valid_on(datetime.date(2028, 12, 31))
    assert not agency.licence_valid_on(datetime.date(2029, 1, 1))


def test_only_national_and_provincial_incubators_are_programme_level():
    assert IncubatorFactory(level=Incubator.Level.NATIONAL).is_programme_level
    assert IncubatorFactory(level=Incubator.Level.PROVINCIAL).is_programme_level
    assert not IncubatorFactory(level=Incubator.Level.MUNICIPAL).is_programme_level


def test_display_names_follow_the_language():
    incubator = IncubatorFactory(name="徐庄软件园孵化器", name_en="Xuzhuang Incubator")
    with translation.override("en"):
        assert str(incubator) == "Xuzhuang Incubator"
    with translation.override("zh-hans"):
        assert str(incubator) == "徐庄软件园孵化器"
    incubator.name_en = ""
    with translation.override("en"):
        assert str(incubator) == "徐庄软件园孵化器"


def test_revenue_bands_rank_in_order():
    ranks = [RevenueBand.rank(value) for value in RevenueBand.values]
    assert ranks == sorted(ranks) == list(range(len(RevenueBand.values)))
    assert RevenueBand.rank(RevenueBand.UNDER_1M) < RevenueBand.rank(RevenueBand.OVER_50M)


def test_role_properties_need_the_membership(personas):
    assert personas.firm_member.is_firm_member
    assert not UserFactory(role=User.Role.FIRM_MEMBER).is_firm_member
    assert personas.agency_consultant.is_agency_staff
    assert personas.incubator_manager.is_incubator_manager
    assert personas.officer.is_programme_officer
    assert UserFactory(is_superuser=True).is_programme_officer


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [("en", 1, "1 time"), ("en", 3, "3 times"), ("zh-hans", 1, "1 次"), ("zh-hans", 3, "3 次")],
)
def test_service_item_quantities_take_the_languages_plural(language, count, expected):
    item = ServiceItemFactory.build(unit="times")

    with translation.override(language):
        assert str(item.quantity_text(count)) == expected
