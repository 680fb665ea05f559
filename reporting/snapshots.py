"""The dashboards' figures, computed off the request and stored (#20 item 6).

On 3,000 firms a city-wide dashboard takes seconds to compute, and under load the
requests that recomputed stale figures made the dashboards the slowest pages. Now a
request only reads a stored snapshot (one query) and shows when it was computed:

- A snapshot is kept per dashboard, scope (who sees what: the programme office sees
  every incubator, a manager their own) and choice of filters, in the database, so a
  Redis outage costs nothing but the change marks (the periodic refresh covers them).
- Every audited change marks the data changed on commit (core.changes); the first
  mark schedules one refresh job a minute later (debounced: later changes in that
  minute ride along), and the job recomputes every snapshot older than the change
  whose figures one of the changes since can move (reporting.freshness reads the audit
  trail: a calendar address revoked moves none, an IP right added only the incubator
  dashboards that count one of its deadlines at risk); the others are marked checked.
  Beat runs the same job every minute, which also recomputes snapshots older than
  MAX_AGE or from another day (their "today" moved), and deletes those nobody read.
- A manager's or officer's sign-in queues a job computing the figures their dashboards
  open with, when none are stored. A request that still finds none computes them once:
  concurrent ones wait on the same lock and read what it stored.
- A job that computed figures sends `computed` before they become visible, so the portal
  draws the page they open with in the job too, and the next request only reads it.

A job may run on two workers at once: each snapshot is recomputed under a lock that a
second worker skips, after checking again that it is still stale.
"""

import contextlib
import datetime
import functools
import hashlib
import io
import json
import logging
import pickle
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy

from core.changes import data_changed_at
from marketplace import selectors
from marketplace.models import ProgrammeYear
from reporting import dashboards, freshness
from reporting.filters import Filters
from reporting.models import DashboardSnapshot

logger = logging.getLogger(__name__)

Kind = DashboardSnapshot.Kind
# Changes whenever the shape of the stored figures does: older snapshots are recomputed.
FORMAT = 1
# A snapshot is recomputed at most this often after changes (the debounce).
REFRESH_SECONDS = 60
# Beat's interval is REFRESH_SECONDS; a snapshot computed slightly less than that ago
# (the previous run's computation started late) is still due.
DUE_SECONDS = REFRESH_SECONDS - 10
# Recomputed at this age even without a recorded change (a mark lost with Redis, figures
# that move with the clock).
MAX_AGE = datetime.timedelta(minutes=15)
# Snapshots nobody opened for this long are deleted instead of refreshed.
KEEP_UNREAD = datetime.timedelta(days=2)
# read_at is written at most this often per snapshot (not on every request).
READ_MARK = datetime.timedelta(hours=1)
# The dashboards' lists keep this many rows on the page; "show every row" asks for one in full.
PAGE_LIST_LIMIT = 20
QUEUED_KEY = "reporting:snapshots:refresh-queued"

# Sent by the jobs (sign-in priming, refresh) once they have computed a snapshot's figures,
# in the language of the snapshot and inside the transaction that stores them (before a
# reader can see them): key, kind, user (computed as), params, figures, computed_at.
# Receivers must not fail the job; the portal draws the page the figures open with.
computed = Signal()


@dataclass
class Snapshot:
    figures: dict
    computed_at: datetime.datetime


# ---- who sees the same figures ------------------------------------------------------------


def scope_of(user, incubators):
    """Who sees the same figures: the same kind of reader over the same incubators (a list,
    or dashboards.VisibleIncubators, whose ids are read without their rows)."""
    reader = "programme" if user.is_programme_officer else "incubator"
    if isinstance(incubators, dashboards.VisibleIncubators):
        ids = incubators.ids
    else:
        ids = [incubator.pk for incubator in incubators]
    return f"{reader}:{','.join(str(pk) for pk in sorted(ids))}"


def _params(filters, in_full):
    return {
        "year": filters.year.pk,
        "district": filters.district,
        "park": filters.park_id,
        "incubator": filters.incubator_id,
        "industry": filters.industry,
        "in_full": in_full or "",
        # Names in the figures (incubators, parks, agencies) are in the reader's language.
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    }


def snapshot_key(kind, scope, params):
    text = json.dumps([kind, scope, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def key_for(kind, user, filters, *, incubators, in_full=""):
    """The key of the snapshot `user`'s page of `kind` under `filters` reads."""
    return snapshot_key(kind, scope_of(user, incubators), _params(filters, in_full))


def _filters(params):
    year = ProgrammeYear.objects.filter(pk=params["year"]).first()
    if year is None:
        return None
    return Filters(
        year=year,
        district=params["district"],
        park_id=params["park"],
        incubator_id=params["incubator"],
        industry=params["industry"],
    )


# ---- storing ------------------------------------------------------------------------------


@functools.cache
def _lazy_class(func, resultclasses):
    return lazy(func, *resultclasses)


def _lazy_text(func, args, kwargs, resultclasses):
    return _lazy_class(func, resultclasses)(*args, **kwargs)


class _Pickler(pickle.Pickler):
    """Pickles the figures' lazy texts (labels translated when the page is drawn, in the
    reader's language) so that reading them back is cheap: Django's own pickling makes a
    new class for every lazy text it reads, which cost tens of milliseconds a page."""

    def reducer_override(self, obj):
        if isinstance(obj, Promise):
            _unpickle, (func, args, kwargs, *resultclasses) = obj.__reduce__()
            return _lazy_text, (func, args, kwargs, tuple(resultclasses))
        return NotImplemented


def _dumps(figures):
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(figures)
    return buffer.getvalue()


# ---- computing ----------------------------------------------------------------------------


def compute(kind, user, filters, *, incubators, in_full="", today=None):
    """The figures of one dashboard page, as `user` may see them."""
    today = today or timezone.localdate()
    if kind == Kind.INCUBATOR:
        return dashboards.incubator_dashboard(
            user,
            filters,
            today=today,
            incubators=incubators,
            list_limit=PAGE_LIST_LIMIT,
            in_full=(in_full,) if in_full else (),
        )
    return dashboards.programme_dashboard(user, filters, incubators=incubators, today=today)


@contextlib.contextmanager
def _locked(key, *, wait):
    """A transaction holding the right to compute `key`'s figures until it ends.

    PostgreSQL's advisory lock, taken by every process alike. Yields "granted" at once,
    "waited" when `wait` had to wait for another holder (who may have stored the figures
    meanwhile), or "" when `wait` is off and another holds it. Elsewhere (SQLite:
    development, one process) always granted.
    """
    with transaction.atomic():
        if connection.vendor != "postgresql":
            yield "granted"
            return
        number = int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [number])
            if cursor.fetchone()[0]:
                yield "granted"
                return
            if not wait:
                yield ""
                return
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
        yield "waited"


def _compute_and_store(*, key, kind, scope, user, params, filters, incubators):
    started, clock = timezone.now(), time.perf_counter()
    in_full = params["in_full"]
    computed = compute(kind, user, filters, incubators=incubators, in_full=in_full)
    _store(
        key=key,
        kind=kind,
        scope=scope,
        user=user,
        params=params,
        figures=computed,
        started=started,
        elapsed=time.perf_counter() - clock,
    )
    return computed, started


def _store(*, key, kind, scope, user, params, figures, started, elapsed):
    """One statement: insert the snapshot, or replace one an older release wrote."""
    snapshot = DashboardSnapshot(
        key=key,
        kind=kind,
        scope=scope,
        user=user,
        params=params,
        figures=_dumps(figures),
        format=FORMAT,
        # The figures are as of the moment their computation started.
        computed_at=started,
        compute_ms=round(elapsed * 1000),
        read_at=timezone.now(),
    )
    DashboardSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["user", "params", "figures", "format", "computed_at", "compute_ms"],
    )


def _read(key):
    """(Snapshot, pk, read_at) stored under `key`, or None; one query."""
    row = (
        DashboardSnapshot.objects.filter(key=key, format=FORMAT)
        .values_list("pk", "figures", "computed_at", "read_at")
        .first()
    )
    if row is None:
        return None
    pk, blob, computed_at, read_at = row
    try:
        # Written only by this module (as Django's database cache pickles its values).
        figures = pickle.loads(blob)  # noqa: S301
    except Exception:  # noqa: BLE001 — a snapshot an older release wrote: computed again
        logger.warning("dashboard snapshot %s unreadable; computing it again", pk)
        return None
    return Snapshot(figures, computed_at), pk, read_at


# ---- what a request does ------------------------------------------------------------------


def figures(kind, user, filters, *, incubators, in_full="", now=None):
    """(figures, computed at) of one dashboard page as `user` sees it, read from its snapshot.

    incubators: those `user` sees (the page lists them anyway). Only the first request for
    a scope and filters computes; the others read, and a snapshot that should have been
    refreshed by now (no worker running the job) asks for a refresh.
    """
    now = now or timezone.now()
    scope = scope_of(user, incubators)
    params = _params(filters, in_full)
    key = snapshot_key(kind, scope, params)
    found = _read(key)
    if found is None:
        with _locked(key, wait=True) as lock:
            if lock == "waited":
                # The request that held the lock stored the figures meanwhile.
                found = _read(key)
            if found is None:
                return _compute_and_store(
                    key=key,
                    kind=kind,
                    scope=scope,
                    user=user,
                    params=params,
                    filters=filters,
                    incubators=incubators,
                )
    snapshot, pk, read_at = found
    if now - read_at >= READ_MARK:
        DashboardSnapshot.objects.filter(pk=pk).update(read_at=now)
    if _overdue(snapshot.computed_at, now):
        schedule_refresh()
    return snapshot.figures, snapshot.computed_at


def _overdue(computed_at, now):
    local = timezone.localtime(now).date()
    late = now - computed_at > MAX_AGE + datetime.timedelta(seconds=REFRESH_SECONDS)
    return late or timezone.localtime(computed_at).date() != local


# ---- at sign-in ----------------------------------------------------------------------------


def kinds_for(user):
    """The dashboards `user` may open."""
    if user.is_programme_officer:
        return [Kind.PROGRAMME, Kind.INCUBATOR]
    if user.is_incubator_manager:
        return [Kind.INCUBATOR]
    return []


def _a_worker_runs_jobs():
    """Whether a queued job runs in a worker rather than in the caller: the Celery app's own
    setting, which the tests (and a run without Redis) turn on."""
    from config.celery import app

    return not app.conf.task_always_eager


def on_signed_in(sender, request, user, **kwargs):
    """django.contrib.auth's user_logged_in receiver: have the figures of the person's
    dashboards ready before they open them. Three queries: a job is queued only when some
    are not stored (the job checks again; two at once compute each snapshot once)."""
    if not kinds_for(user) or not _a_worker_runs_jobs():
        return  # without a worker the job would run in the sign-in request
    if not _opening_keys(user)[1]:
        return
    from reporting.tasks import prime_dashboard_snapshots

    try:
        prime_dashboard_snapshots.apply_async(args=(user.pk, translation.get_language()))
    except Exception:  # noqa: BLE001 — a broker outage must not fail a sign-in
        logger.warning("could not queue the dashboards' figures of a sign-in")


def _opening_keys(user):
    """(year, {kind: key} of the snapshots `user`'s dashboards open with that are not stored)."""
    year = selectors.default_year(selectors.programme_years())
    if year is None:
        return None, {}
    scope = scope_of(user, dashboards.incubators_for(user))
    params = _params(Filters(year=year), "")
    keys = {kind: snapshot_key(kind, scope, params) for kind in kinds_for(user)}
    stored = set(
        DashboardSnapshot.objects.filter(key__in=keys.values(), format=FORMAT).values_list(
            "key", flat=True
        )
    )
    return year, {kind: key for kind, key in keys.items() if key not in stored}


def prime(user):
    """The job queued at sign-in: compute the figures `user`'s dashboards open with (the
    current year, no other filter) unless they are stored already. Returns how many it
    computed; idempotent, and a snapshot another process is computing is left to it."""
    if not user.is_active:
        return 0
    year, missing = _opening_keys(user)
    incubators = dashboards.incubators_for(user)
    scope = scope_of(user, incubators)
    params = _params(Filters(year=year), "") if year else {}
    made = 0
    for kind, key in missing.items():
        with _locked(key, wait=False) as lock:
            if not lock or DashboardSnapshot.objects.filter(key=key, format=FORMAT).exists():
                continue
            figures, started = _compute_and_store(
                key=key,
                kind=kind,
                scope=scope,
                user=user,
                params=params,
                filters=Filters(year=year),
                incubators=incubators,
            )
            _announce(key=key, kind=kind, user=user, params=params, figures=figures, at=started)
            made += 1
    return made


def _announce(*, key, kind, user, params, figures, at):
    """Send `computed`, with any receiver's failure logged instead of failing the job."""
    for receiver, outcome in computed.send_robust(
        sender=DashboardSnapshot,
        key=key,
        kind=kind,
        user=user,
        params=params,
        figures=figures,
        computed_at=at,
    ):
        if isinstance(outcome, Exception):
            logger.warning(
                "after computing dashboard snapshot %s, %s failed: %r", key[:12], receiver, outcome
            )


# ---- refreshing ---------------------------------------------------------------------------


def on_committed(sender, **kwargs):
    """core.changes.committed's receiver: a change committed, the figures are stale."""
    schedule_refresh()


def schedule_refresh():
    """Ask for one refresh job a minute from now, unless one is already asked for.

    Called after every committed change; without a broker (development, tests) jobs
    would run in the caller, so beat's periodic run (runlocal) refreshes instead.
    """
    if not _a_worker_runs_jobs():
        return
    if not cache.add(QUEUED_KEY, time.time(), timeout=REFRESH_SECONDS):
        return  # asked for already, or no cache to say so: beat's run covers it
    from reporting.tasks import refresh_dashboard_snapshots

    try:
        refresh_dashboard_snapshots.apply_async(countdown=REFRESH_SECONDS)
    except Exception:  # noqa: BLE001 — a broker outage must not fail the change that committed
        logger.warning("could not queue the dashboards' refresh; beat's run will do it")
        cache.delete(QUEUED_KEY)


def _due(computed_at, checked_at, changed_at, now):
    """Why the job looks at figures computed at `computed_at`: "" when it leaves them,
    "stale" when it recomputes them (older than MAX_AGE, from another day), "changed" when
    data changed since they were computed or last found current (`checked_at`) and the
    audit trail decides (changed_at: Unix time of the last change mark)."""
    age = now - computed_at
    if age > MAX_AGE or timezone.localtime(computed_at).date() != timezone.localtime(now).date():
        return "stale"
    changed = changed_at and datetime.datetime.fromtimestamp(changed_at, tz=datetime.UTC)
    seen = max(computed_at, checked_at) if checked_at else computed_at
    if changed and changed > seen and (now - seen).total_seconds() >= DUE_SECONDS:
        return "changed"
    return ""


def refresh_stale(*, now=None):
    """The job: recompute the snapshots that are due, delete those nobody reads.

    Returns how many were refreshed, found unchanged by the changes since (left as they
    are), skipped (another worker on them, or fresh by then) and deleted. Idempotent: a
    run after a kill recomputes what is still due.
    """
    now = now or timezone.now()
    done = {"refreshed": 0, "unchanged": 0, "skipped": 0, "deleted": 0}
    unread, _ = DashboardSnapshot.objects.filter(read_at__lt=now - KEEP_UNREAD).delete()
    done["deleted"] += unread
    changed_at = data_changed_at()
    rows = DashboardSnapshot.objects.order_by("computed_at").values_list(
        "pk", "key", "computed_at", "checked_at", "format"
    )
    for pk, key, computed_at, checked_at, fmt in rows:
        if fmt == FORMAT and not _due(computed_at, checked_at, changed_at, now):
            continue
        outcome = _refresh(pk, key, changed_at)
        done[outcome] += 1
    return done


def _refresh(pk, key, changed_at):
    with _locked(key, wait=False) as lock:
        if not lock:
            return "skipped"
        snapshot = DashboardSnapshot.objects.select_related("user").filter(pk=pk).first()
        if snapshot is None:
            return "skipped"
        now = timezone.now()
        why = _due(snapshot.computed_at, snapshot.checked_at, changed_at, now)
        if snapshot.format == FORMAT and not why:
            return "skipped"  # another worker refreshed it in between
        if snapshot.format == FORMAT and why == "changed":
            seen = max(snapshot.computed_at, snapshot.checked_at or snapshot.computed_at)
            if not freshness.moved_since(snapshot, seen, today=timezone.localdate(now)):
                # The figures still hold: the page drawn for them stays, nothing is drawn.
                snapshot.checked_at = now
                snapshot.save(update_fields=["checked_at"])
                return "unchanged"
        user = snapshot.user
        incubators = dashboards.incubators_for(user) if user.is_active else []
        filters = _filters(snapshot.params) if incubators else None
        if filters is None or scope_of(user, incubators) != snapshot.scope:
            # The person's scope changed (role, incubator, account closed) or the year went:
            # the next reader with this scope computes the figures again.
            snapshot.delete()
            return "deleted"
        started, clock = timezone.now(), time.perf_counter()
        with translation.override(snapshot.params.get("language", settings.LANGUAGE_CODE)):
            computed = compute(
                snapshot.kind,
                user,
                filters,
                incubators=incubators,
                in_full=snapshot.params.get("in_full", ""),
            )
        snapshot.figures = _dumps(computed)
        snapshot.format = FORMAT
        snapshot.computed_at = started
        snapshot.compute_ms = round((time.perf_counter() - clock) * 1000)
        snapshot.save(update_fields=["figures", "format", "computed_at", "compute_ms"])
        with translation.override(snapshot.params.get("language", settings.LANGUAGE_CODE)):
            _announce(
                key=key,
                kind=snapshot.kind,
                user=user,
                params=snapshot.params,
                figures=computed,
                at=started,
            )
        return "refreshed"
