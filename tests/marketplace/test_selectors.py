import pytest

from marketplace import selectors

pytestmark = pytest.mark.django_db


def test_firm_member_sees_only_own_firm(personas):
    visible = selectors.firms_visible_to(personas.firm_member)
    assert list(visible) == [personas.firm]


def test_manager_sees_only_own_incubators_firms(personas):
    assert set(selectors.firms_visible_to(personas.incubator_manager)) == {personas.firm}
    assert set(selectors.firms_visible_to(personas.other_manager)) == {personas.other_firm}


def test_officer_sees_every_firm(personas):
    assert set(selectors.firms_visible_to(personas.officer)) == {personas.firm, personas.other_firm}


def test_agency_staff_see_only_their_agency(personas):
    assert list(selectors.agencies_visible_to(personas.agency_consultant)) == [personas.agency]
    assert list(selectors.agencies_visible_to(personas.rival_consultant)) == [personas.rival_agency]


def test_anonymous_sees_nothing(personas):
    for selector in (
        selectors.firms_visible_to,
        selectors.agencies_visible_to,
        selectors.incubators_visible_to,
        selectors.audit_events_visible_to,
    ):
        assert not selector(personas.anonymous).exists()


def test_audit_events_scoped_to_parties(personas):
    firm_events = selectors.audit_events_visible_to(personas.firm_member)
    assert firm_events.exists()
    assert all(event.firm_id == personas.firm.pk for event in firm_events)
    assert (
        not selectors.audit_events_visible_to(personas.other_manager)
        .filter(firm=personas.firm)
        .exists()
    )
