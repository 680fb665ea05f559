import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """Return an APIClient signed in as `user` (anonymous for None or AnonymousUser).

    Requests ask for English so assertions on messages hold once Chinese
    translations exist (zh-hans is the default language).
    """

    def client_for(user=None):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None and user.is_authenticated:
            client.force_authenticate(user=user)
        return client

    return client_for
