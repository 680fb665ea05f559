import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver():
    """A local receiver, down until the test starts it."""
    receiver = Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def local_hooks(settings):
    """Tests post to 127.0.0.1 over http, which production refuses."""
    settings.WEBHOOKS_ALLOW_LOCAL = True
