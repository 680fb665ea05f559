"""OpenAPI schema hooks (drf-spectacular)."""


def public_api_only(endpoints, **kwargs):
    """Document the product's REST API only, not the Wagtail admin's internal API under /cms/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
