"""Alice's firm asks for custody in the 2026 programme; time stands at NOW (a Monday).

Offer deadlines are three working days, so every test here runs on a frozen
clock that a test can move with `clock.shift(...)`.
"""

import pytest
import time_machine

from marketplace import actions
from tests.marketplace.conftest import NOW
from tests.shared import shared


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@shared
def alice_request(personas, programme):
    """Alice's open request for the standard package."""
    return actions.request_submit(
        firm=personas.firm,
        by=personas.firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        needs="抗体药物专利布局",
    )


@shared
def bob_request(personas, programme):
    return actions.request_submit(
        firm=personas.other_firm,
        by=personas.other_firm_member,
        programme_year=programme,
        quotas=programme.standard_quotas,
    )


@shared
def offer(personas, alice_request):
    """Alice's request offered to `agency` (the consultant's)."""
    return actions.offer_make(
        request=alice_request, agency=personas.agency, by=personas.firm_member
    )


@shared
def engagement(personas, offer):
    return actions.offer_accept(offer=offer, by=personas.agency_consultant)


@shared
def change(personas, engagement):
    """Alice asks to move from `agency` to `rival_agency`."""
    return actions.agency_change_request(
        engagement=engagement,
        new_agency=personas.rival_agency,
        by=personas.firm_member,
        reason="沟通不畅",
    )
