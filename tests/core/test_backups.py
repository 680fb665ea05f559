"""A backup restored into a fresh database brings back the rows, the files and the log-ins."""

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client

from core import backups
from marketplace.models import User
from tests.conftest import make_personas
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (tmp_path / "media" / "images").mkdir(parents=True)
    (tmp_path / "media" / "images" / "logo.png").write_bytes(b"public image")
    (tmp_path / "private" / "evidence").mkdir(parents=True)
    (tmp_path / "private" / "evidence" / "report.pdf").write_bytes(b"%PDF-1.4 private")
    return tmp_path


def test_restore_brings_back_rows_files_and_logins(media, tmp_path, capsys):
    personas = make_personas()
    saved_counts = backups.row_counts()
    call_command("backup", "--output", str(tmp_path / "backups"))
    archive = capsys.readouterr().out.strip()
    assert archive.endswith(".tar.gz")
    assert backups.read_manifest(archive)["row_counts"] == saved_counts

    # Everything lost after the backup: people deleted, files gone.
    User.objects.all().delete()
    (media / "private" / "evidence" / "report.pdf").unlink()
    (media / "media" / "images" / "logo.png").write_bytes(b"overwritten")

    call_command("restore", archive, "--yes")
    assert "row counts match" in capsys.readouterr().out
    assert backups.row_counts() == saved_counts
    assert (media / "private" / "evidence" / "report.pdf").read_bytes() == b"%PDF-1.4 private"
    assert (media / "media" / "images" / "logo.png").read_bytes() == b"public image"
    assert Client().login(
        request=HttpRequest(), username=personas.firm_member.username, password=PASSWORD
    )


def test_restore_refuses_an_archive_of_another_engine(media, tmp_path, monkeypatch):
    make_personas()
    archive = backups.backup(tmp_path / "backups")
    monkeypatch.setattr(
        backups, "read_manifest", lambda path: {"engine": "oracle", "created_at": "x"}
    )
    before = backups.row_counts()
    with pytest.raises(CommandError, match="oracle"):
        call_command("restore", str(archive), "--yes")
    assert backups.row_counts() == before


def test_restore_of_a_file_that_is_not_a_backup_changes_nothing(media, tmp_path):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="bogus"):
        call_command("restore", str(bogus), "--yes")


def test_a_backup_taken_under_concurrent_writes_restores_with_matching_counts(
    media, tmp_path, capsys
):
    """The manifest counts what the dump holds, however many rows are written meanwhile."""
    import threading

    from django.db import connection

    from chat.models import Conversation

    if connection.vendor != "postgresql":
        pytest.skip("pg_dump of an exported snapshot: PostgreSQL only")
    make_personas()
    stop = threading.Event()
    written = []

    def writer():
        try:
            while not stop.is_set():
                written.append(Conversation.objects.create(session_key="load").pk)
        finally:
            connection.close()

    real_run = backups._run

    def dump_then_write(command):
        real_run(command)
        if command[0] == "pg_dump":
            # Committed after the dump's snapshot, before the backup ends: counted by the
            # old manifest (read after pg_dump), absent from the dump.
            for _ in range(5):
                written.append(Conversation.objects.create(session_key="late").pk)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(backups, "_run", dump_then_write)
            archive = backups.backup(tmp_path / "backups")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(written) > 5
    saved = backups.read_manifest(archive)["row_counts"]["chat.Conversation"]
    assert saved < Conversation.objects.count()

    call_command("restore", str(archive), "--yes")
    assert "row counts match" in capsys.readouterr().out
    assert Conversation.objects.count() == saved
