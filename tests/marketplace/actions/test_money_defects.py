"""Defects 3 and 8 of issue #16: money stored and compared exactly, terms fixed at acceptance."""

from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from core.errors import InvalidTransition
from marketplace import actions
from marketplace.actions.engagements import engagement_start
from marketplace.models import Engagement
from tests.marketplace.conftest import NOW

D = Decimal

pytestmark = pytest.mark.django_db


def _offer(personas, programme):
    with time_machine.travel(NOW, tick=False):
        request = actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        return actions.offer_make(request=request, agency=personas.agency, by=personas.firm_member)


def test_defect_03_amounts_that_floats_cannot_add_are_accepted(personas, programme):
    # One item × quota 2 at 8,911.94 = 17,823.88; with the cap at 3,000 the government pays
    # 14,823.88. As floats 14,823.88 + 3,000.00 != 17,823.88, which a float check refuses.
    lines = list(programme.package_items.filter(is_standard=True).select_related("service_item"))
    for n, line in enumerate(lines):
        line.service_item.unit_price = D("8911.94") if n == 0 else D("0.00")
        line.service_item.save()
    programme.copay_cap = D("3000.00")
    programme.budget = D("100000.00")
    programme.save()
    offer = _offer(personas, programme)
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    assert engagement.package_price == D("17823.88")
    assert engagement.government_amount + engagement.copay_amount == engagement.package_price


def test_defect_03_check_compares_whole_fen_exactly(personas, programme):
    offer = _offer(personas, programme)
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    # The amounts that break float equality pass the check …
    Engagement.objects.filter(pk=engagement.pk).update(
        package_price=D("17823.88"), government_amount=D("14823.88"), copay_amount=D("3000.00")
    )
    # … and amounts one fen apart do not.
    with pytest.raises(IntegrityError), transaction.atomic():
        Engagement.objects.filter(pk=engagement.pk).update(package_price=D("17823.89"))


def test_defect_03_an_unrelated_integrity_error_is_not_worded_as_already_engaged(
    personas, programme, monkeypatch
):
    offer = _offer(personas, programme)

    def broken_split(price):
        return price, D("1.00")  # does not add up: the database refuses it

    monkeypatch.setattr(type(programme), "split_price", lambda self, price: broken_split(price))
    with time_machine.travel(NOW, tick=False), pytest.raises(IntegrityError):
        actions.offer_accept(offer=offer, by=personas.agency_consultant)


def test_already_engaged_firm_is_told_so(personas, programme):
    offer = _offer(personas, programme)
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    with time_machine.travel(NOW, tick=False), pytest.raises(InvalidTransition) as refused:
        engagement_start(
            request=engagement.request,
            offer=None,
            agency=personas.rival_agency,
            programme_year=programme,
            items=[],
            by=personas.officer,
            now=NOW,
        )
    assert refused.value.code == "already_engaged"


def test_defect_08_terms_are_fixed_on_the_engagement_at_acceptance(personas, programme):
    offer = _offer(personas, programme)
    with time_machine.travel(NOW, tick=False):
        engagement = actions.offer_accept(offer=offer, by=personas.agency_consultant)
    programme.government_share = D("0.900")
    programme.copay_cap = D("100.00")
    programme.save()
    engagement.refresh_from_db()
    assert engagement.government_share == D("0.800")
    assert engagement.copay_cap is None
