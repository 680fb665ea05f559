import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from marketplace import demo
from marketplace.choices import CustodyArea, District
from marketplace.models import (
    Agency,
    AuditEvent,
    Firm,
    HighTechPark,
    Incubator,
    PackageItem,
    ProgrammeYear,
    ServiceItem,
    User,
)

pytestmark = pytest.mark.django_db

SIZES = ["--firms", "50", "--agencies", "12", "--incubators", "12"]


def _seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _dump():
    """What a run produced, in a stable order, for comparing runs."""
    return {
        "firms": list(
            Firm.objects.order_by("credit_code").values_list(
                "name", "credit_code", "incubator__name", "industry", "headcount", "verification"
            )
        ),
        "agencies": [
            (
                agency.name,
                agency.name_en,
                agency.credit_code,
                agency.status,
                agency.licence_number,
                agency.industries,
                agency.districts_served,
                sorted(item.code for item in agency.service_items.all()),
            )
            for agency in Agency.objects.order_by("credit_code").prefetch_related("service_items")
        ],
        "incubators": list(Incubator.objects.order_by("name").values_list("name", "level")),
    }


def _dump_of_a_fresh_run(*args):
    # Roll the run back so the next one starts from an empty database too.
    with transaction.atomic():
        _seed(*args)
        dump = _dump()
        transaction.set_rollback(True)
    assert not Firm.objects.exists()
    return dump


@pytest.fixture
def seeded(db):
    return _seed(*SIZES, "--seed", "11")


def test_sizes_are_as_asked_and_the_time_is_printed(seeded):
    assert Firm.objects.count() == 50
    assert Agency.objects.count() == 12
    assert Incubator.objects.count() == 12
    assert "50 firms" in seeded and "12 agencies" in seeded
    assert " s." in seeded


def test_every_row_passes_full_clean(seeded):
    for model in (HighTechPark, Incubator, ServiceItem, ProgrammeYear, PackageItem, Firm, Agency):
        for obj in model.objects.all():
            obj.full_clean()
    for user in User.objects.all():
        user.full_clean(exclude=["password"])


def test_credit_codes_are_valid_and_distinct(seeded):
    codes = list(Firm.objects.values_list("credit_code", flat=True)) + list(
        Agency.objects.values_list("credit_code", flat=True)
    )
    assert all(uscc.is_valid(code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert all(code[2:8] in set(District.values) | {"320100"} for code in codes)


def test_firm_names_are_distinct_and_look_like_companies(seeded):
    names = list(Firm.objects.values_list("name", flat=True))
    assert len(set(names)) == len(names)
    assert all(name.endswith("有限公司") for name in names)


def test_verification_states_come_with_their_audit_events(seeded):
    verified = Firm.objects.filter(verification=Firm.Verification.VERIFIED)
    assert verified.count() > Firm.objects.count() // 2
    assert Firm.objects.filter(verification=Firm.Verification.PENDING).exists()
    for firm in verified:
        event = AuditEvent.objects.get(action="firm.verified", subject_id=str(firm.pk))
        assert event.actor == firm.verified_by
        assert event.actor.incubator == firm.incubator
        assert (event.from_state, event.to_state) == ("pending", "verified")
        assert event.firm_id == firm.pk and event.incubator_id == firm.incubator_id
    for firm in Firm.objects.filter(verification=Firm.Verification.REJECTED):
        event = AuditEvent.objects.get(action="firm.rejected", subject_id=str(firm.pk))
        assert firm.verification_reason and event.reason == firm.verification_reason
    assert AuditEvent.objects.filter(action="firm.registered").count() == 50


def test_agency_states_come_with_their_audit_events(seeded):
    statuses = set(Agency.objects.values_list("status", flat=True))
    assert statuses == set(Agency.Status.values)
    for agency in Agency.objects.exclude(status=Agency.Status.APPLIED):
        actions = set(
            AuditEvent.objects.filter(subject_id=str(agency.pk), agency=agency).values_list(
                "action", flat=True
            )
        )
        assert f"agency.{agency.status}" in actions
    for agency in Agency.objects.filter(status__in=["rejected", "suspended"]):
        assert agency.status_reason


def test_some_licences_have_expired(seeded):
    today = timezone.localdate()
    expired = [agency for agency in Agency.objects.all() if not agency.licence_valid_on(today)]
    assert expired
    assert {agency.status for agency in expired} <= {"applied", "approved"}


def test_agencies_offer_services_and_name_their_expertise(seeded):
    for agency in Agency.objects.prefetch_related("service_items"):
        assert agency.service_items.exists()
        assert agency.industries and agency.districts_served
        assert agency.district in agency.districts_served
        assert agency.expertise
        assert agency.yearly_capacity > 0


def test_some_incubators_are_municipal_and_not_eligible(seeded):
    levels = list(Incubator.objects.values_list("level", flat=True))
    municipal = levels.count(Incubator.Level.MUNICIPAL)
    assert 1 <= municipal < len(levels) // 2


def test_catalogue_covers_every_custody_area(seeded):
    assert 14 <= ServiceItem.objects.count() <= 20
    assert set(ServiceItem.objects.values_list("area", flat=True)) == set(CustodyArea.values)
    assert all(item.name and item.name_en for item in ServiceItem.objects.all())


def test_this_years_programme_is_open_with_a_standard_package(seeded):
    year = ProgrammeYear.objects.get()
    assert year.year == timezone.localdate().year
    assert year.is_open
    assert year.target_firms == 2000
    assert str(year.government_share) == "0.800"
    standard = year.package_items.filter(is_standard=True)
    assert 8 <= standard.count() <= 10
    assert year.package_items.filter(is_standard=False).exists()
    price = sum(row.quota * row.service_item.unit_price for row in standard)
    government, _copay = year.split_price(price)
    # The budget covers the government's part of the package for every target firm.
    assert government * year.target_firms <= year.budget


def test_demo_logins_have_the_right_memberships(seeded):
    users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
    assert set(users) == {"demo-firm", "demo-agency", "demo-manager", "demo-officer"}
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users.values())

    firm_user = users["demo-firm"]
    assert firm_user.is_firm_member
    assert firm_user.firm.verification == Firm.Verification.VERIFIED
    assert firm_user.firm.incubator.is_programme_level

    manager = users["demo-manager"]
    assert manager.is_incubator_manager and manager.incubator == firm_user.firm.incubator
    assert manager.incubator.firms.filter(verification=Firm.Verification.PENDING).exists()

    agency_user = users["demo-agency"]
    assert agency_user.is_agency_staff and agency_user.is_agency_admin
    assert agency_user.agency.status == Agency.Status.APPROVED
    assert agency_user.agency.licence_valid_on(timezone.localdate())

    officer = users["demo-officer"]
    assert officer.is_programme_officer and officer.is_staff and officer.is_superuser


def test_same_seed_gives_the_same_data_and_another_seed_does_not(db):
    first = _dump_of_a_fresh_run(*SIZES, "--seed", "5")
    second = _dump_of_a_fresh_run(*SIZES, "--seed", "5")
    other = _dump_of_a_fresh_run(*SIZES, "--seed", "6")

    assert first == second
    assert len(first["firms"]) == 50
    assert first["firms"] != other["firms"]


def test_if_empty_seeds_once(db):
    _seed("--firms", "5", "--agencies", "3", "--incubators", "2", "--if-empty")
    counts = (Firm.objects.count(), User.objects.count(), AuditEvent.objects.count())

    output = _seed("--firms", "5", "--if-empty")

    assert "nothing seeded" in output
    assert (Firm.objects.count(), User.objects.count(), AuditEvent.objects.count()) == counts


def test_seeding_a_filled_database_is_refused(seeded):
    with pytest.raises(CommandError, match="--if-empty"):
        _seed("--firms", "5")


def test_sizes_below_one_are_refused(db):
    with pytest.raises(CommandError, match="agencies must be at least 1"):
        _seed("--agencies", "0")
    assert not User.objects.exists()


def test_the_smallest_programme_still_has_every_demo_login(db):
    _seed("--firms", "1", "--agencies", "1", "--incubators", "1")
    assert set(User.objects.values_list("username", flat=True)) == {
        "demo-firm",
        "demo-agency",
        "demo-manager",
        "demo-officer",
    }


def test_incubators_beyond_the_named_ones_get_distinct_names(db):
    _seed("--firms", "30", "--agencies", "2", "--incubators", str(len(demo.INCUBATORS) + 40))
    names = list(Incubator.objects.values_list("name", flat=True))
    english = list(Incubator.objects.values_list("name_en", flat=True))
    assert len(names) == len(set(names)) == len(demo.INCUBATORS) + 40
    assert len(set(english)) == len(english)


def test_a_failure_leaves_nothing_written(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo._Seeder, "_firms", fail)
    with pytest.raises(RuntimeError):
        _seed("--firms", "5")
    for model in (HighTechPark, Incubator, ServiceItem, ProgrammeYear, Agency, User, AuditEvent):
        assert not model.objects.exists(), model


def test_admission_and_verification_dates_are_in_the_past(seeded):
    today = timezone.localdate()
    now = timezone.now()
    for firm in Firm.objects.all():
        assert firm.admitted_on < today
        if firm.verified_at:
            assert firm.verified_at <= now
            assert firm.verified_at.date() >= firm.admitted_on - datetime.timedelta(days=1)


# --- demo_logins ---------------------------------------------------------------------------


def test_demo_logins_before_seeding_says_how_to_seed(db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
    assert "ipcustody-demo" not in out.getvalue()


def test_demo_logins_prints_one_line_per_role(seeded):
    out = StringIO()
    call_command("demo_logins", "--base-url", "http://localhost:9000/", stdout=out)
    lines = out.getvalue().splitlines()
    for login in demo.DEMO_LOGINS:
        [line] = [line for line in lines if f" {login.username} " in line]
        assert demo.DEMO_PASSWORD in line
        assert "http://localhost:9000/" in line and "login" in line
    assert any("http://localhost:9000/admin/" in line for line in lines)
