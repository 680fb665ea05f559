import datetime
import statistics
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from stdnum.cn import uscc

from core.models import AuditEvent, Notification
from custody.models import Deadline
from demo import programme as demo
from marketplace import actions, candidates, matching
from marketplace.actions.allocation_runs import allocatable_requests
from marketplace.actions.offers import _deadline
from marketplace.actions.requests import eligibility_facts
from marketplace.choices import CustodyArea, District
from marketplace.eligibility import failed_rules
from marketplace.models import (
    Agency,
    AgencyChange,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
    PackageItem,
    ProgrammeYear,
    RequestItem,
    ServiceItem,
    User,
)
from marketplace.selectors.budget import budget_left
from marketplace.selectors.ranking import rank_request
from tests.demo.conftest import cms_editor_only

# The demo programme as `seed_demo` leaves it, seeded once for this module (see `seeded_once`).
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SIZES = ["--firms", "50", "--agencies", "12", "--incubators", "12"]


def _seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker):
    """One seed for the whole module, rolled back at its end; each test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic(), cms_editor_only():
        yield _seed(*SIZES, "--seed", "11")
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeded_once, db):
    return seeded_once


def test_sizes_are_as_asked_and_the_time_is_printed(seeded):
    assert Firm.objects.count() == 50
    assert Agency.objects.count() == 12
    assert Incubator.objects.count() == 12
    assert "50 firms" in seeded and "12 agencies" in seeded
    assert " s." in seeded


def test_every_row_passes_full_clean(seeded):
    for model in (
        HighTechPark,
        Incubator,
        ServiceItem,
        ProgrammeYear,
        PackageItem,
        Firm,
        Agency,
        CustodyRequest,
        RequestItem,
        Offer,
        Engagement,
        EngagementItem,
        ConflictOfInterest,
        AgencyChange,
        Notification,
    ):
        assert model.objects.exists(), model
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


def test_every_seeded_person_signs_in_with_the_demo_password(seeded):
    # Load and fault tests act as many firms and agencies; one hash is shared, so check a few.
    people = User.objects.exclude(username__startswith="demo-")
    assert people.filter(role=User.Role.FIRM_MEMBER).count() > 1
    assert people.filter(role=User.Role.AGENCY_STAFF).count() > 1
    for role in (User.Role.FIRM_MEMBER, User.Role.AGENCY_STAFF, User.Role.INCUBATOR_MANAGER):
        assert people.filter(role=role).last().check_password(demo.DEMO_PASSWORD)
    seeded_people = User.objects.filter(email__endswith=f"@{demo.DEMO_EMAIL_DOMAIN}")
    hashes = set(seeded_people.values_list("password", flat=True))
    assert len(hashes) <= 2  # the story's people share one; the CMS editor has its own
    assert all(check_password(demo.DEMO_PASSWORD, encoded) for encoded in hashes)


def test_the_seeds_e_mail_to_made_up_people_is_never_sent(seeded):
    from core.models import OutboxMessage

    queued = OutboxMessage.objects.all()
    assert queued.exists()
    assert not queued.filter(sent_at__isnull=True).exists()
    assert set(queued.values_list("last_error", flat=True)) == {"discarded: made-up recipients"}


def test_demo_logins_have_the_right_memberships(seeded):
    users = {user.username: user for user in User.objects.filter(username__startswith="demo-")}
    assert set(users) == {login.username for login in demo.DEMO_LOGINS}
    assert users["demo-editor"].is_cms_editor
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


def test_admission_and_verification_dates_are_in_the_past(seeded):
    today = timezone.localdate()
    now = timezone.now()
    for firm in Firm.objects.all():
        assert firm.admitted_on < today
        if firm.verified_at:
            assert firm.verified_at <= now
            assert firm.verified_at.date() >= firm.admitted_on - datetime.timedelta(days=1)


# --- contracting in the open programme year ---------------------------------------------


def _standard_quotas(year):
    return {row.service_item_id: row.quota for row in year.package_items.filter(is_standard=True)}


def test_a_share_of_the_verified_firms_is_engaged_and_another_open(seeded):
    verified = Firm.objects.filter(verification=Firm.Verification.VERIFIED).count()
    statuses = Counter(CustodyRequest.objects.values_list("status", flat=True))
    assert 0.3 * verified <= statuses["engaged"] <= 0.45 * verified
    assert 0.1 * verified <= statuses["open"] <= 0.3 * verified
    assert statuses["offered"] >= 1 and statuses["withdrawn"] >= 1
    assert not statuses["waitlisted"]
    outcomes = set(Offer.objects.values_list("status", flat=True))
    assert {"accepted", "declined", "expired", "pending"} <= outcomes


def test_request_states_agree_with_their_offers_and_engagements(seeded):
    requests = CustodyRequest.objects.prefetch_related("offers", "engagements")
    for request in requests:
        offers = Counter(offer.status for offer in request.offers.all())
        active = [e for e in request.engagements.all() if e.status in Engagement.RUNNING]
        engaged = request.status == CustodyRequest.Status.ENGAGED
        assert engaged == (offers["accepted"] == 1 and len(active) == 1), request.pk
        assert (request.status == CustodyRequest.Status.OFFERED) == (offers["pending"] == 1)
        assert offers["accepted"] <= 1 and offers["pending"] <= 1
        if engaged:
            assert active[0].offer.status == Offer.Status.ACCEPTED
            assert active[0].offer.request_id == request.pk


def test_only_eligible_firms_have_requests_and_the_demo_firm_has_none(seeded):
    year = ProgrammeYear.objects.get()
    for request in CustodyRequest.objects.select_related("firm__incubator"):
        firm = request.firm
        assert firm.verification == Firm.Verification.VERIFIED
        assert firm.incubator.is_programme_level
        assert firm.headcount <= year.max_headcount
        assert request.created_by.firm_id == firm.pk
        assert year.is_open_on(timezone.localtime(request.submitted_at).date())
    assert not CustodyRequest.objects.filter(firm__members__username="demo-firm").exists()


def test_engagements_follow_the_programme_rules(seeded):
    year = ProgrammeYear.objects.get()
    today = timezone.localdate()
    for engagement in Engagement.objects.select_related("offer", "request").prefetch_related(
        "items__service_item", "request__items"
    ):
        items = list(engagement.items.all())
        assert {(i.service_item_id, i.quota) for i in items} == {
            (i.service_item_id, i.quota) for i in engagement.request.items.all()
        }
        assert all(item.unit_price == item.service_item.unit_price for item in items)
        price = sum(item.quota * item.unit_price for item in items)
        assert engagement.package_price == price
        assert (engagement.government_amount, engagement.copay_amount) == year.split_price(price)
        assert engagement.copay_amount <= year.copay_cap
        assert engagement.starts_on == timezone.localtime(engagement.offer.responded_at).date()
        assert engagement.starts_on <= today < engagement.ends_on
        assert engagement.created_at == engagement.offer.responded_at
    committed = Engagement.objects.aggregate(total=Sum("government_amount"))["total"]
    assert committed <= year.budget
    over = Agency.objects.annotate(
        active=Count("engagements", filter=Q(engagements__status=Engagement.Status.ACTIVE))
    ).filter(active__gte=F("yearly_capacity"))
    assert not over.exists()


def test_offers_keep_their_working_day_deadlines_and_answers(seeded):
    year = ProgrammeYear.objects.get()
    now = timezone.now()
    for offer in Offer.objects.select_related("request", "agency").prefetch_related(
        "request__items", "agency__service_items"
    ):
        assert offer.sent_at >= offer.request.submitted_at
        assert (offer.respond_by, offer.deadline_provisional) == _deadline(year, offer.sent_at)
        if offer.status == Offer.Status.PENDING:
            assert offer.respond_by > now and offer.responded_at is None
            continue
        assert offer.sent_at < offer.responded_at <= now
        if offer.status == Offer.Status.EXPIRED:
            assert offer.respond_by < offer.responded_at and offer.responded_by is None
        else:
            assert offer.responded_at < offer.respond_by
        if offer.status in {Offer.Status.ACCEPTED, Offer.Status.DECLINED}:
            assert offer.responded_by.agency_id == offer.agency_id
        if offer.status in {Offer.Status.DECLINED, Offer.Status.WITHDRAWN}:
            assert offer.decline_reason
        # The agency met matching's hard constraints when the offer was sent.
        sent_on = timezone.localtime(offer.sent_at).date()
        assert offer.agency.approved_at <= offer.sent_at
        assert offer.agency.licence_valid_on(sent_on)
        assert offer.request.item_ids() <= {i.pk for i in offer.agency.service_items.all()}
        assert offer.rank >= 1 and 0 < offer.score <= 100
        coverage = next(reason for reason in offer.reasons if reason["code"] == "coverage")
        assert coverage["params"]["covered"] == coverage["params"]["requested"]
    assert not Offer.objects.filter(agency__conflicts__firm=F("request__firm")).exists()
    # Nothing pending is overdue, so the expiry job finds no work right after seeding.
    assert actions.offers_expire_overdue() == 0


def test_offers_of_one_request_follow_each_other(seeded):
    for request in CustodyRequest.objects.prefetch_related("offers"):
        offers = sorted(request.offers.all(), key=lambda offer: offer.sent_at)
        for earlier, later in zip(offers, offers[1:], strict=False):
            assert earlier.responded_at <= later.sent_at
            assert earlier.agency_id != later.agency_id


def test_every_state_has_its_audit_events_in_time_order(seeded):
    now = timezone.now()
    events = list(AuditEvent.objects.order_by("pk"))
    # The story was lived in time order through the actions, so the trail's order is its time.
    assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))
    assert events[-1].at <= now
    trail = {}
    for event in events:
        trail.setdefault((event.subject_type.model, event.subject_id), []).append(event)
    for request in CustodyRequest.objects.all():
        steps = trail[("custodyrequest", str(request.pk))]
        assert steps[0].action == "request.submitted" and steps[0].at == request.submitted_at
        assert all(a.to_state == b.from_state for a, b in zip(steps, steps[1:], strict=False))
        assert steps[-1].to_state == request.status
        assert all(step.firm_id == request.firm_id for step in steps)
    for offer in Offer.objects.all():
        steps = trail[("offer", str(offer.pk))]
        assert steps[0].action == "offer.sent" and steps[0].at == offer.sent_at
        assert steps[0].data["rank"] == offer.rank
        assert steps[-1].to_state == offer.status
        assert all(step.agency_id == offer.agency_id for step in steps)
    for engagement in Engagement.objects.select_related("copayment"):
        steps = trail[("engagement", str(engagement.pk))]
        assert steps[0].action == "engagement.started"
        assert steps[0].data["government_amount"] == str(engagement.government_amount)
        moves = [step for step in steps if step.to_state]
        assert all(a.to_state == b.from_state for a, b in zip(moves, moves[1:], strict=False))
        assert moves[-1].to_state == engagement.status
        # Active once the office recorded the co-payment's transfer; else it is still due.
        paid = [step for step in steps if step.action == "payment.offline_recorded"]
        assert len(paid) == (engagement.copayment.status == "paid")
    statuses = set(Engagement.objects.values_list("status", flat=True))
    assert Engagement.Status.ACTIVE in statuses
    assert statuses <= {Engagement.Status.ACTIVE, Engagement.Status.AWAITING_PAYMENT}


def test_track_records_have_response_times(seeded):
    year = ProgrammeYear.objects.get()
    profiles = candidates.agency_profiles(programme_year=year)
    demo_agency = User.objects.get(username="demo-agency").agency
    [profile] = [profile for profile in profiles if profile.id == demo_agency.pk]
    assert profile.track.offers_received > profile.track.offers_accepted > 0
    hours = [p.track.median_response_hours for p in profiles if p.track.median_response_hours]
    assert len(hours) >= 3
    assert 1 < statistics.median(hours) < 72


def test_the_demo_agency_has_a_pending_offer_from_another_firm_it_can_accept(seeded):
    staff = User.objects.get(username="demo-agency")
    pending = Offer.objects.filter(agency=staff.agency, status=Offer.Status.PENDING)
    assert pending.exists()
    assert not pending.filter(request__firm__members__username="demo-firm").exists()
    engagement = actions.offer_accept(offer=pending.first(), by=staff)
    # The demo programme starts custody when the firm's co-payment arrives.
    assert engagement.status == Engagement.Status.AWAITING_PAYMENT
    assert engagement.copayment.status == "due"
    assert engagement.agency == staff.agency


def test_a_visitor_can_walk_the_demo_firms_journey(seeded):
    year = ProgrammeYear.objects.get()
    member = User.objects.get(username="demo-firm")
    facts = eligibility_facts(
        firm=member.firm,
        programme_year=year,
        government_amount=year.split_price(year.package_price())[0],
        today=timezone.localdate(),
    )
    assert failed_rules(facts) == []

    request = actions.request_submit(
        firm=member.firm, by=member, programme_year=year, quotas=_standard_quotas(year)
    )
    ranking, _profiles = rank_request(request)
    agency_user = User.objects.get(username="demo-agency")
    # The obvious choice is the demo login: the best-ranked agency, by the demo's own data
    # (the only office in the firm's district, its industry declared).
    assert ranking.candidates[0].agency_id == agency_user.agency_id
    offer = actions.offer_make(request=request, agency=agency_user.agency, by=member)
    engagement = actions.offer_accept(offer=offer, by=agency_user)

    request.refresh_from_db()
    assert request.status == CustodyRequest.Status.ENGAGED
    assert engagement.firm == member.firm


def test_the_demo_managers_incubator_has_open_requests(seeded):
    manager = User.objects.get(username="demo-manager")
    open_requests = CustodyRequest.objects.filter(
        firm__incubator=manager.incubator, status=CustodyRequest.Status.OPEN
    )
    assert open_requests.count() >= 3
    run = actions.allocation_preview(
        programme_year=ProgrammeYear.objects.get(), by=User.objects.get(username="demo-officer")
    )
    assert run.result["placed"] > 0
    assert run.result["placed"] >= run.result["greedy"]["placed"]


def test_the_cohort_competes_for_the_agencies_last_places(seeded):
    # Late in the year the agencies other than the demo agency have fewer places left than
    # there are firms waiting for the cohort allocation, so the order firms are served in
    # matters (at the demo's default sizes the optimiser beats first come by 14.2 points).
    year = ProgrammeYear.objects.get()
    demo_agency = User.objects.get(username="demo-agency").agency_id
    requests = list(allocatable_requests(year))
    wanted = [
        candidates.request_profile(request, start_date=timezone.localdate()) for request in requests
    ]
    places = {
        profile.id: profile.free_capacity
        for profile in candidates.agency_profiles(programme_year=year)
        if profile.id != demo_agency
        and any(matching.check_constraints(request, profile) is None for request in wanted)
    }

    assert 0 < sum(places.values()) < len(requests)


def test_the_agencies_places_left_are_recorded_by_the_office(seeded):
    demo_agency = User.objects.get(username="demo-agency").agency
    updated = AuditEvent.objects.filter(action="agency.updated")
    assert updated.exists()
    assert not updated.filter(agency=demo_agency).exists()
    year = ProgrammeYear.objects.get()
    loads = Agency.objects.filter(pk__in=updated.values("agency")).annotate(
        load=candidates.agency_load(programme_year=year)
    )
    assert all(1 <= agency.yearly_capacity - agency.load <= 2 for agency in loads)


def test_the_demo_agency_keeps_room_for_visitors_after_the_allocation(seeded):
    officer = User.objects.get(username="demo-officer")
    run = actions.allocation_preview(programme_year=ProgrammeYear.objects.get(), by=officer)
    actions.allocation_commit(run=run, by=officer)

    test_a_visitor_can_walk_the_demo_firms_journey(seeded)


def test_demo_users_have_unread_notices_and_old_ones_are_read(seeded):
    unread = Notification.objects.filter(read_at__isnull=True)
    for username in ("demo-agency", "demo-manager", "demo-officer"):
        assert unread.filter(user__username=username).exists(), username
    kinds = set(unread.filter(user__username="demo-agency").values_list("kind", flat=True))
    assert "offer_received" in kinds
    # The demo firm has not asked for custody yet, so no action has told it anything.
    assert not Notification.objects.filter(user__username="demo-firm").exists()
    # Notices older than three days (counted from the start of today) were read.
    assert not unread.filter(created_at__lt=timezone.now() - datetime.timedelta(days=4)).exists()
    for notice in Notification.objects.exclude(read_at=None):
        assert notice.created_at < notice.read_at <= timezone.now()


def test_conflicts_are_declared_and_respected(seeded):
    conflicts = ConflictOfInterest.objects.select_related("agency", "firm")
    assert conflicts.count() >= 2
    demo_agency = User.objects.get(username="demo-agency").agency
    [own] = conflicts.filter(agency=demo_agency)
    assert not own.firm.members.filter(username="demo-firm").exists()
    for conflict in conflicts:
        assert conflict.declared_at <= timezone.now()
        assert conflict.declared_at > conflict.firm.created_at
        assert conflict.declared_at > conflict.agency.created_at


def test_the_pending_change_of_agency_can_be_approved(seeded):
    change = AgencyChange.objects.get()
    assert change.status == AgencyChange.Status.PENDING
    assert change.requested_by.firm_id == change.engagement.firm_id
    assert AuditEvent.objects.filter(
        action="engagement.change_requested", subject_id=str(change.engagement_id)
    ).exists()
    officer = User.objects.get(username="demo-officer")
    assert Notification.objects.filter(user=officer, kind="change_requested").exists()
    new = actions.agency_change_approve(change=change, by=officer)
    assert new.agency == change.new_agency and new.status == Engagement.Status.ACTIVE


def test_budget_left_still_covers_the_pending_offers(seeded):
    year = ProgrammeYear.objects.get()
    pending = CustodyRequest.objects.filter(status=CustodyRequest.Status.OFFERED)
    needed = sum(
        year.split_price(sum(i.quota * i.service_item.unit_price for i in r.items.all()))[0]
        for r in pending.prefetch_related("items__service_item")
    )
    assert budget_left(year) >= needed + year.split_price(year.package_price())[0]


def test_the_demo_firm_has_a_portfolio_with_fees_due_soon(seeded):
    firm = User.objects.get(username="demo-firm").firm
    kinds = set(firm.ip_assets.values_list("kind", flat=True))
    assert kinds == {"patent", "trademark", "software_copyright"}
    soon = timezone.localdate() + datetime.timedelta(days=90)
    due = Deadline.objects.filter(asset__firm=firm, due_on__lte=soon)
    assert due.count() >= 2
    # Entered by the firm's own member, through the action that writes the trail.
    assert AuditEvent.objects.filter(action="asset.created", firm_id=firm.pk).count() == 4


# --- demo_logins ---------------------------------------------------------------------------


def test_demo_logins_prints_one_line_per_role(seeded):
    out = StringIO()
    call_command("demo_logins", "--base-url", "http://localhost:9000/", stdout=out)
    lines = out.getvalue().splitlines()
    for login in demo.DEMO_LOGINS:
        [line] = [line for line in lines if f" {login.username} " in line]
        assert demo.DEMO_PASSWORD in line
        assert "http://localhost:9000/" in line and "login" in line
    assert any("http://localhost:9000/admin/" in line for line in lines)
    assert any("http://localhost:9000/office/mail/" in line for line in lines)
