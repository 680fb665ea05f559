"""Backups of the whole product: the database and both media stores in one archive.

PostgreSQL is dumped with pg_dump (custom format) and restored with pg_restore;
SQLite is copied with its online backup API, consistent while the site runs.
The archive holds a manifest naming the engine, the time and the row counts, so
a restore can be checked against what was saved. The counts come from the very
state that was dumped: on PostgreSQL a REPEATABLE READ transaction exports its
snapshot, pg_dump reads that snapshot (`--snapshot`) and the counts are taken in
the same transaction; on SQLite they are read from the copy. Writes during the
backup are in neither.
"""

import datetime
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
# Archive folder → setting naming the directory it is taken from and restored to.
MEDIA_STORES = {"media": "MEDIA_ROOT", "private": "PRIVATE_MEDIA_ROOT"}


class BackupError(Exception):
    pass


def _counted_tables():
    """(model label, table) of the project's own concrete models."""
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in {"marketplace", "custody", "cms", "chat"} and not meta.proxy:
            yield meta.label, meta.db_table


def _count(cursor, quote):
    counts = {}
    for label, table in _counted_tables():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — model tables
        counts[label] = cursor.fetchone()[0]
    return counts


def row_counts():
    """Rows per model table of the project's own apps, to compare after a restore."""
    with connection.cursor() as cursor:
        return _count(cursor, connection.ops.quote_name)


def _postgres_env():
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _postgres_args():
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _run(command):
    result = subprocess.run(  # noqa: S603 — fixed tools, arguments from settings
        command, env=_postgres_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def _dump_postgres(folder):
    """pg_dump of an exported snapshot, with the row counts read from the same snapshot."""
    import psycopg

    target = folder / POSTGRES_DUMP
    snapshot_connection = connection.get_new_connection(connection.get_connection_params())
    try:
        snapshot_connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        snapshot_connection.read_only = True
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count(cursor, connection.ops.quote_name)
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--snapshot", snapshot]
                + ["--file", str(target)]
                + _postgres_args()
                + [connection.settings_dict["NAME"]]
            )
        snapshot_connection.rollback()
    finally:
        snapshot_connection.close()
    return POSTGRES_DUMP, counts


def _dump_sqlite(folder):
    connection.ensure_connection()
    target = sqlite3.connect(folder / SQLITE_COPY)
    try:
        connection.connection.backup(target)
        cursor = target.cursor()
        counts = _count(cursor, connection.ops.quote_name)
        cursor.close()
    finally:
        target.close()
    return SQLITE_COPY, counts


def _dump_database(folder):
    """Dump into `folder`; returns (file name, row counts of exactly what was dumped)."""
    if connection.vendor == "postgresql":
        return _dump_postgres(folder)
    if connection.vendor == "sqlite":
        return _dump_sqlite(folder)
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def backup(output_dir, *, now=None):
    """Write one .tar.gz archive into `output_dir` and return its path."""
    now = now or datetime.datetime.now(datetime.UTC)
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        database_file, counts = _dump_database(folder)
        manifest = {
            "format": 1,
            "created_at": now.isoformat(),
            "engine": connection.vendor,
            "database_file": database_file,
            "row_counts": counts,
        }
        archive = output_dir / f"ipcustody-{now:%Y%m%dT%H%M%SZ}.tar.gz"
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(folder / database_file, arcname=database_file)
            for name, setting in MEDIA_STORES.items():
                root = Path(getattr(settings, setting))
                if root.exists():
                    tar.add(root, arcname=name)
        # Renamed only once complete: a crash never leaves a plausible half archive.
        partial.rename(archive)
    return archive


def read_manifest(archive):
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            return json.load(member)
    except (tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"not a backup archive of this product ({error})") from error


def restore(archive):
    """Replace the database and media with the archive's; returns the manifest."""
    manifest = read_manifest(archive)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"the archive holds a {manifest['engine']} database; this site runs {connection.vendor}"
        )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(folder, filter="data")
        database_file = folder / manifest["database_file"]
        if connection.vendor == "postgresql":
            connection.close()
            _run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
                + _postgres_args()
                + ["--dbname", connection.settings_dict["NAME"], str(database_file)]
            )
        else:
            connection.ensure_connection()
            source = sqlite3.connect(database_file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        for name, setting in MEDIA_STORES.items():
            saved = folder / name
            root = Path(getattr(settings, setting))
            if saved.exists():
                if root.exists():
                    shutil.rmtree(root)
                shutil.copytree(saved, root)
    return manifest
