"""What the tests of the programme's demo seed share."""

import contextlib

import pytest

from demo import cms as demo_cms


@contextlib.contextmanager
def cms_editor_only():
    """seed_demo ends with seed_cms, whose courses, events, articles and 104 FAQ entries take
    5–6 s of each run (tests/cms/test_seed_cms.py seeds and checks them): the tests of the
    programme's seed get only its editor login."""

    def editor_only(*, now=None):
        demo_cms._editor()
        return demo_cms.SeedReport(counts={"FAQ entries": 0})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_cms, "seed", editor_only)
        yield
