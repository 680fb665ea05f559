"""Named personas, shared by every test: who may see what is the point of most tests here."""

import copy
import datetime
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from marketplace import actions
from marketplace.models import Agency, Firm, Incubator, User
from tests.factories import (
    AgencyFactory,
    FirmFactory,
    IncubatorFactory,
    ProgrammeYearFactory,
    UserFactory,
)
from tests.shared import MISSING as SHARED_MISSING
from tests.shared import ROWS, frozen_clocks, shared


@dataclass
class Personas:
    """Alice's world and its rivals.

    firm_member (Alice) belongs to `firm`, incubated in `incubator`, managed by
    incubator_manager. other_firm_member belongs to `other_firm` in
    `other_incubator`, managed by other_manager. agency_consultant works for
    `agency`; rival_consultant for `rival_agency`.
    """

    officer: User
    incubator: Incubator
    other_incubator: Incubator
    incubator_manager: User
    other_manager: User
    firm: Firm
    other_firm: Firm
    firm_member: User
    other_firm_member: User
    agency: Agency
    rival_agency: Agency
    agency_consultant: User
    rival_consultant: User
    anonymous: AnonymousUser

    def all_named(self):
        return {
            "firm_member": self.firm_member,
            "other_firm_member": self.other_firm_member,
            "agency_consultant": self.agency_consultant,
            "rival_consultant": self.rival_consultant,
            "incubator_manager": self.incubator_manager,
            "other_manager": self.other_manager,
            "officer": self.officer,
            "anonymous": self.anonymous,
        }


def make_personas():
    officer = UserFactory(
        username="officer", role=User.Role.PROGRAMME_OFFICER, display_name="王处长"
    )
    incubator = IncubatorFactory(
        name="南京生物医药谷孵化器", name_en="Biomedicine Valley Incubator"
    )
    other_incubator = IncubatorFactory(
        name="江宁软件园孵化器", name_en="Jiangning Software Incubator"
    )
    incubator_manager = UserFactory(
        username="manager", role=User.Role.INCUBATOR_MANAGER, incubator=incubator
    )
    other_manager = UserFactory(
        username="other_manager", role=User.Role.INCUBATOR_MANAGER, incubator=other_incubator
    )
    firm = FirmFactory(name="爱丽丝生物科技", incubator=incubator)
    other_firm = FirmFactory(name="鲍勃软件", incubator=other_incubator)
    actions.firm_verify(firm=firm, by=incubator_manager)
    actions.firm_verify(firm=other_firm, by=other_manager)
    firm_member = UserFactory(username="alice", role=User.Role.FIRM_MEMBER, firm=firm)
    other_firm_member = UserFactory(username="bob", role=User.Role.FIRM_MEMBER, firm=other_firm)
    agency = AgencyFactory(name="金陵专利事务所")
    rival_agency = AgencyFactory(name="对手知识产权代理")
    actions.agency_approve(agency=agency, by=officer)
    actions.agency_approve(agency=rival_agency, by=officer)
    agency_consultant = UserFactory(
        username="consultant", role=User.Role.AGENCY_STAFF, agency=agency, is_agency_admin=True
    )
    rival_consultant = UserFactory(
        username="rival", role=User.Role.AGENCY_STAFF, agency=rival_agency
    )
    for obj in (firm, other_firm, agency, rival_agency):
        obj.refresh_from_db()
    return Personas(
        officer=officer,
        incubator=incubator,
        other_incubator=other_incubator,
        incubator_manager=incubator_manager,
        other_manager=other_manager,
        firm=firm,
        other_firm=other_firm,
        firm_member=firm_member,
        other_firm_member=other_firm_member,
        agency=agency,
        rival_agency=rival_agency,
        agency_consultant=agency_consultant,
        rival_consultant=rival_consultant,
        anonymous=AnonymousUser(),
    )


@pytest.fixture(scope="session")
def _migrated_copy(request):
    """The migrated test database's copy (tests/testdb.py), unless asked to migrate afresh."""
    if request.config.getoption("create_db") or os.environ.get("TEST_DB_CACHE") == "0":
        return None
    if request.config.getoption("nomigrations") or request.config.getoption("reuse_db"):
        return None
    from django.conf import settings

    from tests.testdb import MigratedCopy

    copy = MigratedCopy(Path(settings.VAR_DIR) / "test-db")
    if not copy.usable:
        return None
    request.addfinalizer(copy.release)  # the lock, should migrating have failed
    return copy


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, _migrated_copy, django_db_blocker):
    # After pytest-django has given each xdist worker its own test database name.
    if _migrated_copy is not None:
        with django_db_blocker.unblock():
            _migrated_copy.prepare()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, _migrated_copy, django_db_blocker):
    if _migrated_copy is not None:
        with django_db_blocker.unblock():
            _migrated_copy.keep()


@shared
def personas(db):
    return make_personas()


@shared
def programme_year(db):
    return ProgrammeYearFactory(year=2026)


# --- Set-up shared by consecutive tests (tests/shared.py) --------------------------------


@pytest.fixture(scope="session")
def _shared_rows_state(django_db_setup, django_db_blocker):
    """Rolls the shared rows back before the test database goes."""
    yield ROWS
    ROWS.leave()


@pytest.fixture
def _shared_rows(
    request,
    _shared_rows_state,
    django_db_blocker,
    _tasks_in_process,
    _own_cache_namespace,
    _own_channel_layer_namespace,
    _english_source_strings,
):
    """Opens (or keeps) the shared rows' transaction for this test, in the test's language,
    with its tasks, cache and channel prefixes already set as the fixtures would see them,
    and its stopped clock, if it has one, already stopped."""
    for name in frozen_clocks(request.node):
        request.getfixturevalue(name)
    ROWS.enter(request.node, django_db_blocker)
    yield
    ROWS.done(request.node)


@pytest.fixture
def _django_db_helper(_shared_rows, _django_db_helper):
    """pytest-django's transaction for each test (its `db`, its `django_db` marker), opened
    after the shared rows' so that it nests in theirs. Overrides pytest-django's own fixture
    of that name, which both paths ask for."""
    return _django_db_helper


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    ROWS.before(item)


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(fixturedef, request):
    """A shared fixture's value is this test's copy of the rows built for the run it is in."""
    value = ROWS.value(request.node, fixturedef)
    if value is SHARED_MISSING:
        return None
    fixturedef.cached_result = (value, fixturedef.cache_key(request), None)
    return value


@pytest.fixture(autouse=True)
def _tasks_in_process():
    """Tasks run where they are sent, in both CI profiles: with Redis they would wait for a
    worker these tests do not start (the stack smoke test covers real workers). The outbox
    hands every e-mail to a task, so this is what delivers mail in tests."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test gets its own cache key prefix: no test is served another test's page.

    A prefix rather than cache.clear(), because on Redis parallel workers share one database.
    """
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _own_channel_layer_namespace(settings):
    """Each test gets its own channel layer prefix on Redis.

    Parallel workers have their own databases, so conversation and user ids repeat
    across workers; without a prefix, one worker's groups would hear another's.
    Changing the setting resets Channels' cached layers.
    """
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    if "prefix" in layers["default"].get("CONFIG", {}):
        layers["default"]["CONFIG"]["prefix"] = f"test-{uuid.uuid4().hex[:12]}"
        settings.CHANNEL_LAYERS = layers


def pytest_sessionstart(session):
    session.config._suite_started = time.monotonic()


def pytest_sessionfinish(session, exitstatus):
    """Record the wall time of a whole run (no paths or -k given) for `make bench`."""
    config = session.config
    if hasattr(config, "workerinput") or not hasattr(config, "_suite_started"):
        return  # an xdist worker: the controller records the run
    if config.args != config.getini("testpaths") and config.args != [str(config.rootpath)]:
        return
    if config.getoption("keyword") or config.getoption("markexpr") or config.option.collectonly:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    tests = sum(len(reporter.stats.get(key, [])) for key in ("passed", "failed", "error"))
    record = {
        "seconds": round(time.monotonic() - config._suite_started, 1),
        "tests": tests,
        "exit_status": int(exitstatus),
        "profile": "postgresql" if os.environ.get("DATABASE_URL") else "embedded",
        "workers": getattr(config.option, "numprocesses", None) or 1,
        # The machine is shared: a figure means little without how busy it was.
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "cpu_seconds": round(sum(os.times()[:4]), 1),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(),
    }
    path = Path(config.rootpath) / "var" / "test-timings.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record, indent=1))


# End-to-end modules that `make test-fast` leaves out (they seed whole programmes, run the
# benchmarks or fuzz the API); modules seeding the demo carry the marker themselves.
SLOW_MODULES = (
    "tests/benchmarks/",
    "tests/chat/test_bench_faq.py",
    "tests/cms/test_seed_cms.py",
    "tests/marketplace/api/test_schema_fuzz.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path.startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)


def pytest_configure(config):
    from django.conf import settings

    # Hashing with MD5 keeps persona set-up fast; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client loads the middleware afresh, and WhiteNoise indexed every static file
    # (a thousand, through the finders) each time: some 40 % of a page test's CPU. With
    # autorefresh it looks a file up when one is asked for, as under the development server;
    # the files it serves and their headers are the same.
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def _english_source_strings(request, settings):
    """Tests read the English source strings; zh-hans stays the product's default.

    Tests of the Chinese default carry the `chinese_default` marker and keep it.
    """
    if request.node.get_closest_marker("chinese_default"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
