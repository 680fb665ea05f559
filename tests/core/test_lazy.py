"""The lazy-import stand-in: nothing loads until first use, and it always reads the real module."""

import sys

import pytest

from core.lazy import lazy_import


def test_a_loaded_module_is_returned_as_it_is():
    assert lazy_import("json") is sys.modules["json"]


def test_the_stand_in_reads_names_patched_on_the_real_module(monkeypatch):
    # colorsys: a small stdlib module nothing else here patches.
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    stand_in = lazy_import("colorsys")
    assert "colorsys" not in sys.modules
    assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    real = sys.modules["colorsys"]
    monkeypatch.setattr(real, "rgb_to_hsv", lambda *rgb: "patched")
    assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == "patched"


def test_a_missing_module_fails_at_once():
    with pytest.raises(ModuleNotFoundError):
        lazy_import("no_such_module_anywhere")
