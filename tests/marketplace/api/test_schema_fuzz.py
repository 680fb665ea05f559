"""Schemathesis against the published OpenAPI schema, in-process.

Every operation is called with generated input, as an anonymous caller and as a
programme officer (who may read everything): no 5xx, every status code and body
as documented. The number of examples is bounded so CI stays quick.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from marketplace.actions import api_token_issue

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept():
    """Keep the test's database connection open across the raw WSGI calls.

    Schemathesis calls the WSGI application itself, whose request signals close a
    connection that is not in autocommit mode, as the test's transaction is. On the
    SQLite in-memory database that close does nothing; on PostgreSQL it dropped the
    connection and every later request answered 500. Django's test client
    disconnects the same handler.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz_every_operation(headers, *, max_examples):
    """Run each operation's generated cases; collect failures so one run names them all."""
    api_schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            # Each case in a savepoint rolled back afterwards: neither a generated write nor
            # a failed statement (PostgreSQL then refuses the rest of the transaction)
            # reaches the next case.
            with transaction.atomic():
                try:
                    case.call_and_validate(headers=headers, checks=CHECKS)
                finally:
                    transaction.set_rollback(True)

        try:
            call()
        # Several distinct failures come as a FailureGroup, a BaseExceptionGroup.
        except (Exception, FailureGroup) as error:  # noqa: BLE001 — reported below, per operation
            failures.append(f"{operation.label}: {str(error)[:600]}")
    return operations, failures


@pytest.mark.django_db
def test_every_operation_as_officer_matches_its_schema(personas, connection_kept):
    _row, token = api_token_issue(user=personas.officer)
    headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}
    operations, failures = _fuzz_every_operation(headers, max_examples=4)
    assert operations > 40
    assert failures == []


@pytest.mark.django_db
def test_every_operation_as_anonymous_caller_matches_its_schema(personas, connection_kept):
    operations, failures = _fuzz_every_operation({"Accept-Language": "en"}, max_examples=2)
    assert operations > 40
    assert failures == []
