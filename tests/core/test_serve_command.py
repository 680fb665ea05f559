import signal
import sys
import threading

import pytest
from django.core.management import CommandError, call_command

from core.management.commands import serve


def test_more_than_one_web_worker_is_refused_on_the_in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": serve.IN_MEMORY_LAYER}}
    with pytest.raises(CommandError, match="shared channel layer"):
        call_command("serve", "--workers", "2")


def test_without_a_broker_only_the_web_process_is_started(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    plan = serve.process_commands(
        host="127.0.0.1",
        port=8100,
        workers=1,
        celery_concurrency=2,
        beat_schedule_file=tmp_path / "beat",
    )
    assert list(plan) == ["web"]


def test_with_a_broker_web_worker_and_beat_run_from_this_interpreter(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    plan = serve.process_commands(
        host="0.0.0.0",  # noqa: S104 — only the command line is checked
        port=9000,
        workers=3,
        celery_concurrency=4,
        beat_schedule_file=tmp_path / "beat",
    )
    assert list(plan) == ["web", "worker", "beat"]
    assert all(command[0] == sys.executable for command in plan.values())
    web = plan["web"]
    assert web[web.index("--workers") + 1] == "3"
    assert web[web.index("--port") + 1] == "9000"
    assert plan["worker"][plan["worker"].index("--concurrency") + 1] == "4"
    assert str(tmp_path / "beat") in plan["beat"]


def test_the_web_workers_keep_a_connection_pool_and_celery_does_not(monkeypatch):
    # uvicorn spawns its workers afresh; Celery forks its pool processes, and a pool open
    # before a fork would share its sockets with the children.
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    assert serve.process_environ(pool_size=10) == {"web": {"DATABASE_POOL_SIZE": "10"}}
    monkeypatch.setenv("DATABASE_POOL_SIZE", "4")
    assert serve.process_environ(pool_size=10) == {}, "the environment's choice stands"


@pytest.mark.django_db
def test_a_migrated_database_needs_no_migrate_at_start_up():
    assert ("core", "0003_outbox_carries_any_mail") in serve.migration_files()
    assert serve.migrations_pending() is False


@pytest.mark.django_db
def test_a_migration_file_not_recorded_as_applied_runs_migrate():
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.filter(app="core", name="0002_outbox").delete()
    assert serve.migrations_pending() is True


@pytest.mark.django_db
def test_a_restart_with_nothing_to_release_skips_migrate_and_collectstatic(
    monkeypatch, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    called = []
    monkeypatch.setattr(serve, "call_command", lambda name, **kw: called.append(name))
    monkeypatch.setattr(serve, "Supervisor", _NoProcesses)
    monkeypatch.setattr(serve, "web_answers", lambda host, port: True)
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    call_command("serve", "--workers", "1")
    # collectstatic_release decides for itself (it skips unchanged sources); migrate is
    # not even started.
    assert called == ["collectstatic_release"]
    # Nothing of the command outlives it: its periodic jobs stop, its signal handlers go.
    for thread in threading.enumerate():
        if thread.name == "periodic-jobs":
            thread.join(timeout=30)
            assert not thread.is_alive()
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == handlers


class _NoProcesses:
    def __init__(self, commands, **kwargs):
        pass

    def start(self, names=None):
        pass

    def run(self, until=None, timeout=None):
        pass

    def stop(self):
        pass
