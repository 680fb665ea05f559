"""A migrated test database made once per set of migrations, then copied for every run.

Applying the 230-odd migrations of a fresh test database costs some 35 CPU seconds (Django
renders the historical models again for nearly every operation), and every xdist worker of
every run paid it. The database they leave depends only on the migration files, so the
first worker to need one migrates as before and keeps a copy, keyed by a hash of every
installed app's migrations; later workers and runs start from the copy, and `migrate`
then finds nothing to apply (its post-migrate handlers still run).

SQLite (the embedded profile): the copy is a file under var/test-db/, loaded into the
worker's in-memory database with SQLite's backup API as the connection opens.
PostgreSQL: the copy is a template database; Django creates each worker's database from it.

A file lock makes the workers of one run build the copy once. `--create-db` (or
TEST_DB_CACHE=0) migrates from scratch as before.
"""

import contextlib
import fcntl
import hashlib
import os
import sqlite3
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created

ALIAS = "default"
TEMPLATE_PREFIX = "ipc_test_template_"


def migrations_key():
    """A hash of what decides the migrated database: every installed app's migration files,
    Django's version, the database engine and the settings the data migrations read."""
    digest = hashlib.sha256()
    config = settings.DATABASES[ALIAS]
    parts = [
        django.__version__,
        config["ENGINE"],
        settings.AUTH_USER_MODEL,
        repr(settings.LANGUAGES),
        repr(getattr(settings, "WAGTAIL_CONTENT_LANGUAGES", None)),
    ]
    digest.update("\n".join(parts).encode())
    for app in sorted(apps.get_app_configs(), key=lambda app: app.label):
        folder = Path(app.path) / "migrations"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{app.label}/{path.name}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class MigratedCopy:
    """One worker's use of the copy: `prepare()` before the test database is created,
    `keep()` after it has been migrated."""

    def __init__(self, folder):
        self.connection = connections[ALIAS]
        self.vendor = self.connection.vendor
        self.folder = Path(folder)
        self.key = migrations_key()
        self.lock = None
        self.building = False

    @property
    def usable(self):
        if self.vendor == "sqlite":
            test_name = self.connection.settings_dict["TEST"].get("NAME")
            return not test_name or test_name == ":memory:"
        return self.vendor == "postgresql"

    @property
    def sqlite_file(self):
        return self.folder / f"{self.key}.sqlite3"

    @property
    def template_name(self):
        return f"{TEMPLATE_PREFIX}{self.key}"

    def prepare(self):
        """Use the copy if there is one; otherwise hold the lock until `keep()` has made it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.lock = (self.folder / f"{self.vendor}.lock").open("w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        if self._exists():
            self._use()
            self.release()
        else:
            self.building = True

    def keep(self):
        """Save the freshly migrated test database as the copy (when this worker built it)."""
        try:
            if self.building:
                self._save()
        finally:
            self.release()

    def release(self):
        if self.lock is not None:
            fcntl.flock(self.lock, fcntl.LOCK_UN)
            self.lock.close()
            self.lock = None

    # --- SQLite and PostgreSQL ---------------------------------------------------------

    def _exists(self):
        if self.vendor == "sqlite":
            return self.sqlite_file.exists()
        with self._maintenance() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.template_name])
            return cursor.fetchone() is not None

    def _use(self):
        if self.vendor == "sqlite":
            connection_created.connect(self._load_sqlite_copy, weak=False)
        else:
            self.connection.settings_dict["TEST"]["TEMPLATE"] = self.template_name

    def _load_sqlite_copy(self, sender, connection, **kwargs):
        # The first connection to the in-memory test database, opened by `migrate`
        # before it reads which migrations are applied.
        if connection.alias != ALIAS or not connection.creation.is_in_memory_db(
            connection.settings_dict["NAME"]
        ):
            return
        connection_created.disconnect(self._load_sqlite_copy)
        source = sqlite3.connect(self.sqlite_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    def _save(self):
        if self.vendor == "sqlite":
            partial = self.sqlite_file.with_suffix(f".{os.getpid()}.partial")
            target = sqlite3.connect(partial)
            try:
                self.connection.ensure_connection()
                self.connection.connection.backup(target)
            finally:
                target.close()
            partial.replace(self.sqlite_file)
            for old in self.folder.glob("*.sqlite3"):
                if old != self.sqlite_file:
                    old.unlink(missing_ok=True)
            return
        # A database with open sessions cannot be a template: close this worker's own.
        test_name = self.connection.settings_dict["NAME"]
        self.connection.close()
        # Checkouts on other branches share the server (their templates have other keys and
        # are left alone); one that made the same template first wins the rename.
        partial = f"{TEMPLATE_PREFIX}partial_{os.getpid()}"
        with self._maintenance() as cursor:
            cursor.execute(f'CREATE DATABASE "{partial}" TEMPLATE "{test_name}"')
            try:
                cursor.execute(f'ALTER DATABASE "{partial}" RENAME TO "{self.template_name}"')
            except DatabaseError:
                cursor.execute(f'DROP DATABASE "{partial}"')

    @contextlib.contextmanager
    def _maintenance(self):
        with self.connection._nodb_cursor() as cursor:
            yield cursor
