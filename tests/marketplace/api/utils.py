from rest_framework import status

# SessionAuthentication is listed first in REST_FRAMEWORK, so an unauthenticated
# request has no WWW-Authenticate challenge and DRF answers 403 rather than 401.
ANONYMOUS_STATUS = status.HTTP_401_UNAUTHORIZED


def ids(response):
    """The ids on one page of a paginated list response."""
    return {row["id"] for row in response.json()["results"]}
