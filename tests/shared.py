"""Set-up built once for the consecutive tests of a module that ask for it (issue #15).

Most tests start from the same rows: the personas, a programme, a request offered to an
agency and accepted. A fixture made with `@shared` is built once for a run of consecutive
tests of one module that ask for the same shared fixtures, inside a transaction that stays
open while they run. Each test runs in pytest-django's own transaction, nested in it as a
savepoint, and gets deep copies of the objects (as Django's `setUpTestData` gives them), so
what a test changes, in the database or on the instances, is gone for the next.

A test gets the shared rows only where building them first gives it the rows it would have
built itself:
- it is not transactional (a live server or `transaction=True` needs committed rows, and its
  flush would empty the tables under the shared transaction);
- every fixture set up before a shared one is neutral (`NEUTRAL`, or a plugin's fixture that
  touches no database): nothing changes the clock, the settings or the rows they are built
  from first; a shared fixture after such a fixture is built for the test alone, as before;
- no fixture of a wider scope holds a transaction of its own (a module's seeded programme).
Otherwise the fixtures are built for the test alone, as before. `TEST_SHARED_SETUP=0` builds
them for every test.
"""

import copy
import inspect
import os
import time

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import translation

ENABLED = os.environ.get("TEST_SHARED_SETUP", "1") != "0"

# pytest-django's database machinery and this module's.
DATABASE_FIXTURES = {
    "db",
    "_django_db_helper",
    "_django_db_marker",
    "django_db_setup",
    "django_db_blocker",
    "django_db_modify_db_settings",
    "_migrated_copy",
    "_shared_rows",
    "_shared_rows_state",
}
# Fixtures of this suite that may be set up before a shared one without changing what it
# builds: a cache or channel prefix, eager tasks, the language of the source strings, the
# assistant's tiny FAQ, clients that sign people in later.
NEUTRAL = DATABASE_FIXTURES | {
    "_tasks_in_process",
    "_own_cache_namespace",
    "_own_channel_layer_namespace",
    "_english_source_strings",
    "lexical_only",
    "tiny_faq",
    "_empty_cache",
    "login",
    "api",
    "empty_cache",
    "tasks_in_process",
    # Evidence and import files in a temporary folder, imports sent to the background sooner.
    "private_storage",
    "_private_storage",
    "small_sync_limit",
}
# Fixtures that stop the clock at a fixed moment for the whole test (tick=False): a test
# asking for one has it set up first (`_shared_rows` asks for it), the shared rows are built
# at that moment, and the moment is part of their key.
FROZEN_CLOCKS = {"clock", "at_mid_june"}
# What the transactional test cases of pytest-django ask for.
TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def shared(function):
    """A fixture built once for the consecutive tests of a module that ask for it.

    It may ask only for `db` and other shared fixtures, and returns its value (no yield).
    """
    function.shared_setup = True
    return pytest.fixture(function)


def frozen_clocks(item):
    """The stopped clocks `item` asks for, which `_shared_rows` sets up before the rows."""
    defs = item._fixtureinfo.name2fixturedefs
    return [
        name
        for name in sorted(FROZEN_CLOCKS & set(item.fixturenames))
        if name in defs and not defs[name][-1].argnames
    ]


def _is_shared(fixturedef):
    return (
        getattr(fixturedef.func, "shared_setup", False)
        and fixturedef.scope == "function"
        and fixturedef.params is None
        and not inspect.isgeneratorfunction(fixturedef.func)
    )


def _asks_for(fixturedef, defs, wanted, seen=None):
    """Whether the fixture asks for one of `wanted`, itself or through what it asks for."""
    seen = set() if seen is None else seen
    for name in fixturedef.argnames:
        if name in wanted:
            return True
        if name in seen or name not in defs:
            continue
        seen.add(name)
        if _asks_for(defs[name][-1], defs, wanted, seen):
            return True
    return False


# A fixture writing rows asks for one of these; one of a wider scope holding a transaction of
# its own asks for the database's set-up or its blocker.
WRITES_ROWS = {"db", "transactional_db", "_django_db_helper"}
OPENS_DATABASE = {"django_db_setup", "django_db_blocker"}


def _neutral(name, fixturedef, defs):
    if name in NEUTRAL:
        return True
    # A plugin's fixture (settings, client, monkeypatch, tmp_path, a test's parameters)
    # changes nothing that is built from the database, unless it writes rows itself.
    return fixturedef.baseid == "" and not _asks_for(fixturedef, defs, WRITES_ROWS)


def _transactional(item):
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        options = dict(zip(("transaction", "reset_sequences"), marker.args, strict=False))
        options.update(marker.kwargs)
        if any(options.get(key) for key in ("transaction", "reset_sequences")):
            return True
        if options.get("serialized_rollback"):
            return True
    return bool(TRANSACTIONAL_FIXTURES & set(item.fixturenames))


def _setup_order(item):
    """(name, fixture definition) in the order pytest sets them up for `item`."""
    defs = item._fixtureinfo.name2fixturedefs
    order, seen = [], set()

    def visit(name, index=-1):
        chain = defs.get(name)
        if not chain or -index > len(chain) or (name, index) in seen:
            return
        seen.add((name, index))
        fixturedef = chain[index]
        for argname in fixturedef.argnames:
            visit(argname, index - 1 if argname == name else -1)
        if index == -1:
            order.append((name, fixturedef))

    for name in item.fixturenames:
        visit(name)
    return order, defs


_PLAN = pytest.StashKey[tuple]()


def plan(item):
    """The shared fixture definitions `item` gets shared, in the order they are built."""
    if _PLAN not in item.stash:
        item.stash[_PLAN] = _plan(item)
    return item.stash[_PLAN]


def _plan(item):
    if not ENABLED or _transactional(item) or not hasattr(item, "_fixtureinfo"):
        return ()
    order, defs = _setup_order(item)
    for name, fixturedef in order:
        wider = fixturedef.scope != "function" and name not in DATABASE_FIXTURES
        if wider and fixturedef.baseid != "" and _asks_for(fixturedef, defs, OPENS_DATABASE):
            return ()  # it holds a transaction of its own for its scope
    planned, names = [], set()
    for name, fixturedef in order:
        if _is_shared(fixturedef) and all(
            arg == "db" or arg in names for arg in fixturedef.argnames
        ):
            planned.append(fixturedef)
            names.add(name)
        elif name in FROZEN_CLOCKS and not fixturedef.argnames:
            continue  # set up before the rows, which are built at its moment
        elif not _neutral(name, fixturedef, defs):
            break  # what follows may be built from what this fixture changed
    return tuple(planned)


def _clock():
    """The moment the clock is stopped at, None on the real clock, or False when it moves."""
    if not time_machine.traveller_stack:
        return None
    top = time_machine.traveller_stack[-1]
    return time.time_ns() if not top._tick else False


MISSING = object()


class SharedRows:
    """The open transaction holding the shared rows, and the objects built in it."""

    def __init__(self):
        self.atomic = None
        self.key = None
        self.plan = ()
        self.values = []
        self.depth = 0
        self.blocker = None
        self.item = None
        self.copies = None

    def before(self, item):
        """Before `item` sets up any fixture: roll the shared rows back unless it shares them."""
        if self.atomic is None:
            return
        wanted = plan(item)
        if not wanted or self.key[:2] != (item.path, wanted):
            self.leave()

    def enter(self, item, blocker):
        """Within `item`'s set-up, before its own transaction opens."""
        self.item = self.copies = None
        wanted = plan(item)
        if not wanted:
            return
        clock = _clock()
        key = (item.path, wanted, translation.get_language(), clock)
        if self.atomic is not None and (self.key != key or clock is False):
            self.leave()
        if self.atomic is None:
            if connection.in_atomic_block or clock is False:
                return  # another scope's transaction, or a moving clock: built per test
            self._build(key, wanted, blocker)
        if len(connection.atomic_blocks) != self.depth:
            raise RuntimeError("A transaction opened inside the shared rows is still open.")
        self.item = item

    def _build(self, key, wanted, blocker):
        self.blocker = blocker
        with blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.depth = len(connection.atomic_blocks)
            try:
                built = {}
                for fixturedef in wanted:
                    kwargs = {
                        arg: None if arg == "db" else built[arg] for arg in fixturedef.argnames
                    }
                    built[fixturedef.argname] = fixturedef.func(**kwargs)
            except BaseException:
                self.leave()
                raise
        self.key, self.plan = key, wanted
        self.values = [built[fixturedef.argname] for fixturedef in wanted]

    def value(self, item, fixturedef):
        """`item`'s own copy of a shared fixture's value, or MISSING to build it as usual."""
        if self.item is not item or fixturedef not in self.plan:
            return MISSING
        if self.copies is None:
            self.copies = copy.deepcopy(self.values)  # one memo: shared references stay shared
        return self.copies[self.plan.index(fixturedef)]

    def done(self, item):
        if self.item is item:
            self.item = self.copies = None

    def leave(self):
        if self.atomic is None:
            return
        atomic, self.atomic = self.atomic, None
        self.key, self.plan, self.values, self.item, self.copies = None, (), [], None, None
        with self.blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


ROWS = SharedRows()
