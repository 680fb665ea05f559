"""The dashboards' stored figures: read by requests, refreshed by the job after changes."""

import datetime

import pytest
import time_machine
from django.core.cache import cache

from core import changes
from marketplace import actions, selectors
from reporting import snapshots, tasks
from reporting.filters import Filters
from reporting.models import DashboardSnapshot
from tests.factories import FirmFactory
from tests.reporting.world import NOW, build_world
from tests.shared import shared

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@shared
def world(personas):
    return build_world(personas)


@pytest.fixture
def a_worker():
    """Jobs go to a worker (as with Redis in production) instead of running where sent."""
    from config.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True  # as tests.conftest's _tasks_in_process has it


@pytest.fixture
def at_noon():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def computations(monkeypatch):
    """Counts the computations, by kind, while computing as the product does."""
    made = []
    real = snapshots.compute

    def counted(kind, *args, **kwargs):
        made.append(kind)
        return real(kind, *args, **kwargs)

    monkeypatch.setattr(snapshots, "compute", counted)
    return made


def _page(user, world, kind=snapshots.Kind.INCUBATOR, **filters):
    incubators = list(selectors.incubators_visible_to(user).order_by("name"))
    return snapshots.figures(kind, user, Filters(year=world.year, **filters), incubators=incubators)


def _verify_a_new_firm(personas, django_capture_on_commit_callbacks):
    firm = FirmFactory(incubator=personas.incubator, verification="pending")
    with django_capture_on_commit_callbacks(execute=True):
        actions.firm_verify(firm=firm, by=personas.incubator_manager)


def test_the_first_view_computes_and_stores_later_views_read(
    personas, world, at_noon, computations
):
    figures, computed_at = _page(personas.incubator_manager, world)
    at_noon.shift(MINUTE)
    again, again_at = _page(personas.incubator_manager, world)

    assert computations == [snapshots.Kind.INCUBATOR]
    assert computed_at == again_at == NOW
    assert again["coverage"]["total"]["firms"] == figures["coverage"]["total"]["firms"] == 5
    assert [firm.name for firm in again["no_request"]] == ["F3 未申请"]
    assert DashboardSnapshot.objects.get().user == personas.incubator_manager


def test_a_change_shows_once_the_job_has_refreshed_the_figures(
    personas, world, at_noon, computations, django_capture_on_commit_callbacks
):
    _page(personas.incubator_manager, world)
    at_noon.shift(MINUTE)
    _verify_a_new_firm(personas, django_capture_on_commit_callbacks)

    # The page keeps reading the stored figures (with their time) until the job runs …
    figures, computed_at = _page(personas.incubator_manager, world)
    assert (figures["coverage"]["total"]["verified"], computed_at) == (4, NOW)
    at_noon.shift(MINUTE)
    assert snapshots.refresh_stale() == {
        "refreshed": 1,
        "unchanged": 0,
        "skipped": 0,
        "deleted": 0,
    }

    figures, computed_at = _page(personas.incubator_manager, world)
    assert (figures["coverage"]["total"]["verified"], computed_at) == (5, NOW + 2 * MINUTE)
    # … which leaves figures alone once they are newer than the last change.
    at_noon.shift(MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 0
    assert computations == [snapshots.Kind.INCUBATOR] * 2


def test_changes_refresh_at_most_once_a_minute(
    personas, world, at_noon, computations, django_capture_on_commit_callbacks
):
    _page(personas.incubator_manager, world)
    at_noon.shift(datetime.timedelta(seconds=5))
    _verify_a_new_firm(personas, django_capture_on_commit_callbacks)
    at_noon.shift(datetime.timedelta(seconds=15))
    assert snapshots.refresh_stale()["refreshed"] == 0
    at_noon.shift(MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 1


def test_unchanged_figures_are_refreshed_at_their_maximum_age_and_on_a_new_day(
    personas, world, at_noon, computations
):
    cache.delete(changes.CHANGED_KEY)  # no change recorded (or Redis lost the mark)
    _page(personas.incubator_manager, world)
    at_noon.shift(snapshots.MAX_AGE - MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 0
    at_noon.shift(2 * MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 1
    # Local midnight (Beijing): the figures' "today" moved.
    at_noon.move_to(datetime.datetime(2026, 6, 16, 0, 0, 30, tzinfo=BEIJING))
    _page(personas.incubator_manager, world)  # read, not computed
    assert len(computations) == 2
    assert snapshots.refresh_stale()["refreshed"] == 1


def test_every_scope_and_choice_of_filters_has_its_own_figures(
    personas, world, at_noon, computations
):
    manager, _ = _page(personas.incubator_manager, world)
    other, _ = _page(personas.other_manager, world)
    officer, _ = _page(personas.officer, world)
    narrowed, _ = _page(personas.officer, world, industry="biomedicine")
    programme, _ = _page(personas.officer, world, kind=snapshots.Kind.PROGRAMME)

    assert len(computations) == DashboardSnapshot.objects.count() == 5
    assert manager["coverage"]["total"]["firms"] == 5
    assert other["coverage"]["total"]["firms"] == 2
    assert officer["coverage"]["total"]["firms"] == programme["coverage"]["total"]["firms"] == 7
    assert narrowed["coverage"]["total"]["firms"] < 7
    # The job recomputes each as the person it was computed for: still their own firms.
    at_noon.shift(snapshots.MAX_AGE + MINUTE)
    assert snapshots.refresh_stale()["refreshed"] == 5
    assert _page(personas.other_manager, world)[0]["coverage"]["total"]["firms"] == 2


def test_a_snapshot_whose_person_changed_scope_is_dropped(personas, world, at_noon):
    _page(personas.incubator_manager, world)
    manager = personas.incubator_manager
    manager.incubator = personas.other_incubator
    manager.save(update_fields=["incubator"])
    at_noon.shift(snapshots.MAX_AGE + MINUTE)

    assert snapshots.refresh_stale() == {
        "refreshed": 0,
        "unchanged": 0,
        "skipped": 0,
        "deleted": 1,
    }
    assert not DashboardSnapshot.objects.exists()


def test_snapshots_nobody_reads_are_deleted_and_reading_keeps_them(personas, world, at_noon):
    _page(personas.incubator_manager, world)
    _page(personas.officer, world)
    at_noon.shift(snapshots.KEEP_UNREAD - datetime.timedelta(hours=1))
    _page(personas.officer, world)  # marks it read

    at_noon.shift(datetime.timedelta(hours=2))
    assert snapshots.refresh_stale()["deleted"] == 1
    assert DashboardSnapshot.objects.get().user == personas.officer


def test_figures_stored_in_an_older_format_are_computed_again(
    personas, world, at_noon, computations, monkeypatch
):
    _page(personas.incubator_manager, world)
    monkeypatch.setattr(snapshots, "FORMAT", snapshots.FORMAT + 1)
    at_noon.shift(MINUTE)

    assert _page(personas.incubator_manager, world)[1] == NOW + MINUTE
    assert len(computations) == 2
    assert DashboardSnapshot.objects.get().format == snapshots.FORMAT


def test_a_committed_change_queues_one_refresh_a_minute_later(
    personas, world, a_worker, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        tasks.refresh_dashboard_snapshots, "apply_async", lambda **kw: queued.append(kw)
    )
    for _ in range(3):
        _verify_a_new_firm(personas, django_capture_on_commit_callbacks)

    assert queued == [{"countdown": snapshots.REFRESH_SECONDS}]


def test_a_broker_outage_leaves_the_refresh_to_beat(
    personas, world, a_worker, monkeypatch, django_capture_on_commit_callbacks
):

    def down(**kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.refresh_dashboard_snapshots, "apply_async", down)
    _verify_a_new_firm(personas, django_capture_on_commit_callbacks)  # commits all the same

    assert cache.get(snapshots.QUEUED_KEY) is None  # the next change asks again


def test_the_refresh_job_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-dashboard-snapshots"]
    assert entry == {"task": "reporting.refresh_dashboard_snapshots", "schedule": 60.0}
    assert tasks.refresh_dashboard_snapshots.name == entry["task"]


def test_a_sign_in_has_the_persons_dashboards_ready_before_they_open_them(
    client, personas, world, at_noon, computations, a_worker, monkeypatch
):
    queued = []
    monkeypatch.setattr(
        tasks.prime_dashboard_snapshots, "apply_async", lambda args: queued.append(args)
    )
    for persona in (personas.officer, personas.incubator_manager, personas.firm_member):
        client.force_login(persona)
    assert queued == [(personas.officer.pk, "en"), (personas.incubator_manager.pk, "en")]

    # The worker runs them: the dashboards' opening figures, each computed once.
    assert [tasks.prime_dashboard_snapshots(*args) for args in queued] == [2, 1]
    assert tasks.prime_dashboard_snapshots(personas.officer.pk) == 0
    client.force_login(personas.officer)  # again: stored already, nothing queued
    assert len(queued) == 2
    assert sorted(computations) == ["incubator", "incubator", "programme"]
    # Opening them reads what the sign-in computed.
    _page(personas.officer, world, kind=snapshots.Kind.PROGRAMME)
    _page(personas.incubator_manager, world)
    assert len(computations) == 3


def test_each_language_reads_figures_named_in_it(personas, world, at_noon, computations):
    from django.utils import translation

    personas.incubator.name_en = "Biomedicine Valley Incubator"
    personas.incubator.save(update_fields=["name_en"])
    named = {}
    for language in ("zh-hans", "en", "zh-hans"):
        with translation.override(language):
            figures, _computed_at = _page(personas.officer, world)
            named[language] = str(figures["coverage"]["incubator"][0]["label"])
    assert named == {"zh-hans": personas.incubator.name, "en": "Biomedicine Valley Incubator"}
    assert computations == [snapshots.Kind.INCUBATOR] * 2  # one per language, then read
