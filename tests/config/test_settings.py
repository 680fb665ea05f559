"""The settings module read in a fresh interpreter under different environments."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_PRINT = (
    "import json, django; from django.conf import settings; django.setup();"
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'],"
    "'cache': settings.CACHES['default']['BACKEND'],"
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'],"
    "'broker': settings.CELERY_BROKER_URL, 'eager': settings.CELERY_TASK_ALWAYS_EAGER,"
    "'email': settings.EMAIL_BACKEND, 'delivery': settings.EMAIL_DELIVERY_BACKEND, 'debug': settings.DEBUG, 'language': settings.LANGUAGE_CODE}))"
)

_OURS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_POOL_SIZE",
    "REDIS_URL",
    "EMAIL_BACKEND",
    "SQLITE_PATH",
    # Browser tests set this in their worker; a deployment must never have it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _run(env_overrides, code=_PRINT):
    env = {key: value for key, value in os.environ.items() if key not in _OURS}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _settings(env_overrides):
    result = _run(env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_variables_gives_the_embedded_default():
    values = _settings({})
    assert values == {
        "engine": "django.db.backends.sqlite3",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "layer": "channels.layers.InMemoryChannelLayer",
        "broker": "memory://",
        "eager": True,
        "email": "core.mail.OutboxEmailBackend",
        "delivery": "django.core.mail.backends.filebased.EmailBackend",
        "debug": True,
        "language": "zh-hans",
    }


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    values = _settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["cache"] == "core.cache.FallbackRedisCache"
    assert values["layer"] == "channels_redis.core.RedisChannelLayer"
    assert values["broker"] == "redis://127.0.0.1:6379/0"
    assert values["eager"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY must be set"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS must list"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false, not 'perhaps'"),
        ({"DATABASE_URL": "mysql://root@localhost/db"}, "DATABASE_URL must start with one of"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL must start with one of"),
        (
            {"CELERY_TASK_TIME_LIMIT": "4000", "CELERY_VISIBILITY_TIMEOUT": "3600"},
            "CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT",
        ),
        ({"CELERY_NICE": "20"}, "CELERY_NICE must be at most 19, not 20"),
        ({"CELERY_NICE": "-5"}, "CELERY_NICE must be at least 0, not -5"),
        (
            {"EMAIL_BACKEND": "core.mail.OutboxEmailBackend"},
            "it cannot be the outbox itself",
        ),
        (
            {
                "DEBUG": "false",
                "SECRET_KEY": "x" * 60,
                "ALLOWED_HOSTS": "example.org",
                "WEBHOOKS_ALLOW_LOCAL": "true",
            },
            "WEBHOOKS_ALLOW_LOCAL is for local development and tests",
        ),
    ],
)
def test_bad_production_configuration_stops_start_up_with_a_clear_message(env, message):
    result = _run(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_deploy_checks_pass_on_production_like_settings():
    result = _run(
        {
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "ipcustody.example.org",
        },
        code=(
            "import sys; from django.core.management import execute_from_command_line;"
            "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
        ),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_postgresql_connections_are_not_kept_between_requests():
    # Under ASGI each request runs in a thread of its own: persistent connections piled up
    # in finished threads until PostgreSQL refused more clients (make bench-load).
    code = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DATABASES['default']['CONN_MAX_AGE'])"
    )
    result = _run({"DATABASE_URL": "postgres://ipc@127.0.0.1:5432/ipc"}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0"


def test_a_pool_size_keeps_postgresql_connections_in_a_pool():
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('pool')))"
    )
    url = {"DATABASE_URL": "postgres://ipc@127.0.0.1:5432/ipc"}
    pooled = _run({**url, "DATABASE_POOL_SIZE": "6"}, code)
    assert pooled.returncode == 0, pooled.stderr
    assert json.loads(pooled.stdout.strip().splitlines()[-1]) == {
        "min_size": 2,
        "max_size": 6,
        "timeout": 10,
    }
    unpooled = _run(url, code)
    assert json.loads(unpooled.stdout.strip().splitlines()[-1]) is None
    refused = _run({**url, "DATABASE_POOL_SIZE": "some"}, code)
    assert "DATABASE_POOL_SIZE must be a whole number, not 'some'" in refused.stderr


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the pool is PostgreSQL's (the PostgreSQL + Redis profile)",
)
def test_pooled_requests_reuse_one_postgresql_backend():
    # Two requests' worth of queries, each in a thread of its own that closes its connection
    # at the end as Django does after a request: with the pool, the second gets the first's
    # backend back instead of opening (forking) a new one.
    code = (
        "import threading, django; from django.db import connection; django.setup()\n"
        "pids = []\n"
        "def request():\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT pg_backend_pid()')\n"
        "        pids.append(cursor.fetchone()[0])\n"
        "    connection.close()\n"
        "for _ in range(3):\n"
        "    thread = threading.Thread(target=request); thread.start(); thread.join()\n"
        "print(len(set(pids)))"
    )
    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "DATABASE_POOL_SIZE": "1"}
    result = _run(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "1"
    without = _run({"DATABASE_URL": os.environ["DATABASE_URL"]}, code)
    assert without.stdout.strip().splitlines()[-1] == "3"
