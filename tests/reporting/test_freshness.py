"""The refresh job recomputes a snapshot only when a change since can move its figures."""

import datetime

import pytest
import time_machine

from core.audit import registered_actions
from custody import actions as custody_actions
from custody.models import Deadline, IPAsset
from marketplace import actions, selectors
from reporting import freshness, snapshots
from reporting.delivery import at_risk_q
from reporting.filters import Filters
from reporting.models import DashboardSnapshot
from tests.factories import FirmFactory
from tests.reporting.world import NOW, TODAY, build_world

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
Kind = snapshots.Kind


@pytest.fixture
def clock():
    """The clock at NOW, where the personas and the world are made (ask for it before them):
    their audit events are then a minute old when the tests start."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(clock, personas):
    built = build_world(personas)
    clock.shift(MINUTE)
    return built


@pytest.fixture
def computations(monkeypatch):
    made = []
    real = snapshots.compute

    def counted(kind, user, *args, **kwargs):
        made.append((kind, user.username))
        return real(kind, user, *args, **kwargs)

    monkeypatch.setattr(snapshots, "compute", counted)
    return made


@pytest.fixture
def announced():
    """The snapshots whose new figures the jobs announced (the portal draws their page)."""
    keys = []

    def receiver(sender, key, **kwargs):
        keys.append(key)

    snapshots.computed.connect(receiver, dispatch_uid="test-freshness")
    yield keys
    snapshots.computed.disconnect(dispatch_uid="test-freshness")


def _page(user, world, kind=Kind.INCUBATOR):
    incubators = list(selectors.incubators_visible_to(user).order_by("name"))
    return snapshots.figures(kind, user, Filters(year=world.year), incubators=incubators)


def _committed(capture, change):
    with capture(execute=True):
        return change()


def _add_trademark(personas, registered_on):
    return custody_actions.asset_create(
        firm=personas.firm,
        by=personas.firm_member,
        fields={
            "kind": IPAsset.Kind.TRADEMARK,
            "number": f"2{registered_on:%Y%m%d}",
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": registered_on,
            "nice_classes": "9, 42",
        },
    )


def _at_risk(asset):
    return asset.deadlines.filter(at_risk_q(TODAY)).exists()


def test_a_change_no_dashboard_reads_leaves_every_snapshot_as_it_is(
    clock, personas, world, computations, announced, django_capture_on_commit_callbacks
):
    _page(personas.incubator_manager, world)
    _, computed_at = _page(personas.officer, world, Kind.PROGRAMME)
    clock.shift(MINUTE)
    _committed(
        django_capture_on_commit_callbacks,
        lambda: custody_actions.calendar_feed_issue(user=personas.incubator_manager),
    )
    _committed(
        django_capture_on_commit_callbacks,
        lambda: custody_actions.calendar_feed_revoke(user=personas.incubator_manager),
    )
    clock.shift(MINUTE)

    done = snapshots.refresh_stale()

    assert (done["refreshed"], done["unchanged"]) == (0, 2)
    assert len(computations) == 2 and announced == []
    checked = NOW + 3 * MINUTE
    assert set(DashboardSnapshot.objects.values_list("computed_at", "checked_at")) == {
        (computed_at, checked)
    }
    # The pages keep their figures and their time; nothing is looked at again …
    assert _page(personas.officer, world, Kind.PROGRAMME)[1] == computed_at
    clock.shift(MINUTE)
    assert snapshots.refresh_stale() == dict.fromkeys(done, 0)
    # … until a change that moves them both: a firm of the manager's incubator confirmed.
    firm = FirmFactory(incubator=personas.incubator, verification="pending")
    _committed(
        django_capture_on_commit_callbacks,
        lambda: actions.firm_verify(firm=firm, by=personas.incubator_manager),
    )
    clock.shift(MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 2
    assert len(computations) == len(announced) + 2 == 4


def test_an_ip_right_moves_only_the_incubator_dashboards_counting_its_deadline_at_risk(
    clock, personas, world, computations, django_capture_on_commit_callbacks
):
    before, _ = _page(personas.incubator_manager, world)
    _page(personas.other_manager, world)
    _page(personas.officer, world, Kind.PROGRAMME)
    clock.shift(MINUTE)
    later = _committed(
        django_capture_on_commit_callbacks,
        lambda: _add_trademark(personas, datetime.date(2020, 3, 14)),
    )
    clock.shift(MINUTE)
    assert not _at_risk(later)  # its renewal falls in 2030

    assert snapshots.refresh_stale()["unchanged"] == 3

    clock.shift(MINUTE)
    due = _committed(
        django_capture_on_commit_callbacks,
        lambda: _add_trademark(personas, datetime.date(2016, 7, 1)),
    )
    clock.shift(MINUTE)
    assert _at_risk(due)  # its renewal is due within weeks

    done = snapshots.refresh_stale()

    assert (done["refreshed"], done["unchanged"]) == (1, 2)
    assert computations[-1] == (Kind.INCUBATOR, personas.incubator_manager.username)
    after, _ = _page(personas.incubator_manager, world)
    assert after["deadlines"]["at_risk"] == before["deadlines"]["at_risk"] + 1


def test_changes_just_before_a_computation_are_read_again(clock, personas, world):
    _page(personas.incubator_manager, world)
    snapshot = DashboardSnapshot.objects.get()
    firm = FirmFactory(incubator=personas.incubator, verification="pending")
    actions.firm_verify(firm=firm, by=personas.incubator_manager)

    # Its transaction may still have been open when a computation started soon after.
    soon = NOW + MINUTE + freshness.COMMIT_MARGIN - datetime.timedelta(seconds=1)
    assert freshness.moved_since(snapshot, soon, today=TODAY)
    later = soon + datetime.timedelta(seconds=2)
    assert not freshness.moved_since(snapshot, later, today=TODAY)


def test_past_a_number_of_changes_the_figures_are_computed_again_unread(
    clock, personas, world, monkeypatch
):
    _page(personas.incubator_manager, world)
    snapshot = DashboardSnapshot.objects.get()
    clock.shift(MINUTE)
    for year in (2019, 2020):
        assert not _at_risk(_add_trademark(personas, datetime.date(year, 3, 14)))

    assert not freshness.moved_since(snapshot, snapshot.computed_at, today=TODAY)
    monkeypatch.setattr(freshness, "MOST_EVENTS", 1)
    assert freshness.moved_since(snapshot, snapshot.computed_at, today=TODAY)


def test_a_deadline_done_moves_the_programme_dashboard(
    clock, personas, world, computations, django_capture_on_commit_callbacks
):
    _page(personas.officer, world, Kind.PROGRAMME)
    clock.shift(MINUTE)
    asset = _committed(
        django_capture_on_commit_callbacks,
        lambda: _add_trademark(personas, datetime.date(2016, 7, 1)),
    )
    clock.shift(MINUTE)
    assert snapshots.refresh_stale()["unchanged"] == 1  # an open deadline: not counted there
    clock.shift(MINUTE)
    _committed(
        django_capture_on_commit_callbacks,
        lambda: custody_actions.deadline_mark_done(
            deadline=Deadline.objects.get(asset=asset), by=personas.firm_member
        ),
    )
    clock.shift(MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 1
    assert len(computations) == 2


def test_every_action_named_is_one_the_product_writes():
    assert (freshness.NEVER | freshness.PORTFOLIO) - registered_actions() == set()
    assert "asset.created" in freshness.PORTFOLIO
