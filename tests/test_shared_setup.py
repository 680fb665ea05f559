"""Set-up shared by consecutive tests (tests/shared.py): who gets the shared rows, and that
each test gets its own copies of them, in a savepoint of the transaction holding them."""

import pytest
from django.db import connection

from marketplace.models import Firm, User
from tests.shared import ROWS, plan

pytestmark = pytest.mark.django_db


def _planned(request):
    return [fixturedef.argname for fixturedef in plan(request.node)]


def test_the_personas_are_built_once_and_each_test_gets_copies(request, personas):
    assert _planned(request) == ["personas"]
    assert ROWS.item is request.node
    # The rows live in the shared transaction, outside this test's own savepoint.
    assert connection.atomic_blocks[ROWS.depth - 1] is ROWS.atomic
    assert len(connection.atomic_blocks) > ROWS.depth
    built = ROWS.values[0]
    assert personas.firm.pk == built.firm.pk
    assert personas.firm is not built.firm
    assert personas.firm_member.firm is not built.firm_member.firm

    personas.firm.name = "改名"
    personas.firm.save(update_fields=["name"])
    assert built.firm.name == "爱丽丝生物科技"  # the copy changed, not what was built


def test_what_a_test_changed_is_gone_for_the_next(request, personas):
    assert ROWS.item is request.node
    # Whichever test ran before in this worker, the rows are as built.
    assert Firm.objects.get(pk=personas.firm.pk).name == "爱丽丝生物科技"
    assert personas.firm.name == "爱丽丝生物科技"
    assert User.objects.filter(username="alice").count() == 1


def test_shared_fixtures_are_built_together(request, personas, programme_year):
    assert _planned(request) == ["personas", "programme_year"]
    assert ROWS.item is request.node
    assert programme_year.year == 2026


@pytest.fixture
def written_first(db):
    """Not shared and not neutral: rows written before the personas are built."""
    return User.objects.create(username="someone-first")


def test_a_fixture_writing_first_makes_the_test_build_its_own(request, written_first, personas):
    assert _planned(request) == []
    assert ROWS.item is None
    assert written_first.pk < personas.officer.pk  # built after it, in this test


def test_a_fixture_writing_after_leaves_them_shared(request, personas, written_first):
    assert _planned(request) == ["personas"]
    assert ROWS.item is request.node


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_builds_its_own(request, personas):
    assert _planned(request) == []
    assert ROWS.atomic is None
    assert not connection.in_atomic_block
