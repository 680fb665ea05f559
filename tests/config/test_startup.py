"""Start-up loads nothing heavy (#15): `manage.py check` and `allocate` pay only for what they use."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Each took a tenth of a second to half a second of every command's start-up.
HEAVY = (
    "jieba",
    "numpy",
    "ortools.graph.python.min_cost_flow",
    "holidays",
    "chinese_calendar",
    "openpyxl",
    "reportlab",
    "snowballstemmer",
    "redis",
    # Wagtail's v3 API (django-ninja), which the site does not serve (cms/wagtail_apps.py).
    "ninja",
)
_LOADED = (
    "import json, sys, django; django.setup();"
    "from django.core.management import call_command; call_command('check', verbosity=0);"
    "print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules"
    " and type(sys.modules[name]).__name__ != '_LazyModule')))"
)


def _last_line_of(code, *, django=True):
    """Run `code` in a new Python process (Django settings set when `django`) and read the
    JSON its last printed line holds."""
    env = {"PATH": "/usr/bin:/bin"}
    if django:
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_manage_py_check_loads_no_heavy_module():
    assert _last_line_of(_LOADED.format(heavy=HEAVY)) == []


def test_a_command_without_urls_loads_no_heavy_module_nor_an_http_client():
    # allocate's start-up: the apps and the command, no URL patterns (it runs no checks).
    # The webhooks' HTTP client waits for the first delivery; `check` loads it through DRF.
    code = (
        "import json, sys, django; django.setup();"
        "import marketplace.management.commands.allocate;"
        "print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))"
    ).format(heavy=(*HEAVY, "urllib3"))
    assert _last_line_of(code) == []


def test_segmentation_loads_jieba_without_pkg_resources():
    # pkg_resources scanned every installed distribution before jieba read a file: a third
    # of a second of `allocate`, the only command that segments text (core.segmentation).
    code = (
        "import json, sys; from core import segmentation;"
        "words = list(segmentation.cut_for_search('生物医药研发'));"
        "print(json.dumps([words, 'pkg_resources' in sys.modules], ensure_ascii=False))"
    )
    words, loaded = _last_line_of(code, django=False)
    assert words == ["生物", "医药", "生物医药", "研发"]
    assert loaded is False
