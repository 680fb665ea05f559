# The API tests share the marketplace API's client fixture: one APIClient per persona.
from tests.marketplace.api.conftest import api  # noqa: F401
