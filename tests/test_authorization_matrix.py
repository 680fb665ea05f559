"""Every product route × every persona × Alice's and Bob's object: the status each must get.

The routes come from the URL configuration itself, so a new route without an entry in
tests/authorization_routes.py fails `test_every_route_has_an_entry`, by name. The rule checked:
every read of a user's data goes through a selector that scopes it; other firms, rival agencies
and other incubators get 404 (or 403), never 200.
"""

import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from chat.models import Conversation, Message
from cms.models import EventRegistration
from core.models import AuditEvent, Notification
from custody.models import Deadline, EvidenceFile, IPAsset, ServiceRecord, Settlement
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    Firm,
    Offer,
)
from tests.authorization_routes import (
    LOGIN,
    MIRROR,
    NOT_YET_COVERED,
    OUTSIDERS,
    PERSONAS,
    REDIRECT,
    ROUTES,
    build_world,
)
from tests.conftest import make_personas
from tests.custody.service_helpers import temporary_private_storage
from tests.html_checks import nesting_problems
from webhooks.models import Delivery, Endpoint

# Third-party areas: Django admin, Wagtail admin and its page/document serving, the i18n
# switch, the OpenAPI schema and docs, static and media files.
EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_NAMES = {
    "wagtail_serve",
    "wagtailcore_authenticate_with_password",
    "set_language",
    "api-schema",
    "api-docs",
    "api-redoc",
}
EXCLUDED_PREFIXES = ("cms/", "admin/", "documents/", "i18n/", "_util/", "^media/", "^static/")


def _walk(resolver, prefix="", namespace=None):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern.name, route


def enumerated_routes():
    """`namespace:name` (or the bare name, or the pattern when unnamed) of each product route."""
    found = set()
    for namespace, name, route in _walk(get_resolver()):
        if route.startswith(EXCLUDED_PREFIXES) or name in EXCLUDED_NAMES:
            continue
        if namespace and namespace.split(":")[0] in EXCLUDED_NAMESPACES:
            continue
        if name is None:
            found.add(route)
        else:
            found.add(f"{namespace}:{name}" if namespace else name)
    return found


def test_every_route_has_an_entry():
    routes = enumerated_routes()
    missing = sorted(routes - set(ROUTES) - NOT_YET_COVERED)
    stale = sorted((set(ROUTES) | NOT_YET_COVERED) - routes)
    assert not missing, f"routes without an authorization entry: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


# --- One shared world for the module --------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both worlds, built once inside a transaction that is rolled back after the module."""
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        temporary_private_storage(tmp_path_factory.mktemp("evidence"), patch)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            personas = make_personas()
            data = build_world(personas)
            clients = {(p, api): _client(personas, p, api) for p in PERSONAS for api in (0, 1)}
            yield clients, data
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _client(personas, persona, api):
    """A client signed in as the persona, made once per module (the sessions live as long)."""
    client = Client()
    user = getattr(personas, persona)
    if persona != "anonymous":
        client.force_login(user)
    if api:
        client.defaults["HTTP_ACCEPT"] = "application/json"
    return client


def _url(identity, spec, world_data, side):
    kwargs = spec.args(world_data, side) if spec.args else {}
    return reverse(identity, kwargs=kwargs)


def _matches(response, expected, url):
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"] == f"/login/?next={url}"
    if expected == REDIRECT:
        return response.status_code == 302
    return response.status_code == expected


def _fingerprint():
    """Everything an action on a route could change, small enough to compare whole."""
    models = [
        Firm,
        Agency,
        CustodyRequest,
        Offer,
        Engagement,
        AgencyChange,
        AllocationRun,
        Notification,
        Deadline,
        EvidenceFile,
        IPAsset,
        ServiceRecord,
        Settlement,
        Conversation,
        Message,
        EventRegistration,
        Endpoint,
        Delivery,
    ]
    state = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    state["audit"] = AuditEvent.objects.count()
    return state


def _checks(spec):
    """(persona, side, expected) for every call the route's entry asks for."""
    sides = ["own", "foreign"] if spec.args is not None and spec.mirrored else ["own"]
    for side in sides:
        for persona in PERSONAS:
            if side == "foreign" and MIRROR[persona] == persona:
                continue  # the officer and the anonymous visitor stand in both worlds alike
            asked_as = persona if side == "own" else MIRROR[persona]
            yield persona, side, spec.expected[asked_as]


@pytest.mark.django_db
@pytest.mark.parametrize("identity", sorted(ROUTES))
def test_get_answers_each_persona_as_the_table_says(world, identity):
    clients, world_data = world
    spec = ROUTES[identity]
    wrong = []
    for persona, side, expected in _checks(spec):
        url = _url(identity, spec, world_data, side)
        response = clients[persona, spec.api].get(url)
        if not _matches(response, expected, url):
            wrong.append(f"{persona} on {side} {url}: got {response.status_code}, want {expected}")
        elif response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            wrong += [f"{persona} on {side} {url}: {problem}" for problem in _nesting(response)]
    assert not wrong, "\n".join(wrong)


def _nesting(response):
    content = b"".join(response) if response.streaming else response.content
    return nesting_problems(content.decode(response.charset or "utf-8"))


# Routes that change an object's state; those without an object act on the caller's own data.
STATE_CHANGES = sorted(identity for identity, spec in ROUTES.items() if spec.post and spec.args)
POST_BODY = {"reason": "matrix", "text": "matrix", "rating": "5", "comment": "matrix"}


@pytest.mark.django_db
@pytest.mark.parametrize("identity", STATE_CHANGES)
def test_outsiders_cannot_change_state(world, identity):
    """Another firm, a rival agency, another incubator's manager POST on Alice's object."""
    clients, world_data = world
    spec = ROUTES[identity]
    url = _url(identity, spec, world_data, "own")
    before = _fingerprint()
    wrong = []
    for persona in OUTSIDERS:
        # A body that passes form checks, so the refusal is about who asks; the API takes JSON.
        if spec.api:
            response = clients[persona, True].post(
                url, json.dumps(POST_BODY), content_type="application/json"
            )
        else:
            response = clients[persona, False].post(url, POST_BODY)
        if response.status_code not in (403, 404):
            wrong.append(f"{persona} POST {url}: got {response.status_code}, want 403 or 404")
    assert not wrong, "\n".join(wrong)
    assert _fingerprint() == before, f"an outsider's POST on {url} changed something"
