import datetime

import pytest
import time_machine

from tests.custody.service_helpers import temporary_private_storage
from tests.marketplace.api.conftest import api  # noqa: F401 (fixture reused here)
from tests.marketplace.conftest import NOW


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    return temporary_private_storage(tmp_path, monkeypatch)


@pytest.fixture
def later():
    """Ten days into the engagement (which starts on NOW), on a frozen clock."""
    with time_machine.travel(NOW + datetime.timedelta(days=10), tick=False):
        yield
