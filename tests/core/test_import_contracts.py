"""`make lint` runs the import contracts; they hold, and an upward import breaks them."""

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is a dev dependency")


def _lint():
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_contracts_hold_and_an_upward_import_breaks_them():
    assert _lint().returncode == 0
    # core must import no app above it: a module that does is caught.
    probe = ROOT / "core" / f"_probe_{uuid.uuid4().hex[:8]}.py"
    probe.write_text("import marketplace.models  # noqa: F401\n")
    try:
        result = _lint()
    finally:
        probe.unlink()
    assert result.returncode == 1
    assert f"core.{probe.stem} -> marketplace.models" in result.stdout
