"""Issue #16 defect 9: a firm's size by the SME standard (工信部联企业〔2011〕300号) for its
sector, not "≤ 100 staff and ≤ ¥50 M" for every industry."""

import datetime
from decimal import Decimal

import pytest

from marketplace import actions, sme
from marketplace.choices import Industry, RevenueBand, SmeSector
from marketplace.models import CustodyRequest, Firm, User
from reporting.coverage import eligible_q
from tests.factories import FirmFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)


def _submit(firm, programme):
    actions.firm_verify(firm=firm, by=_manager(firm))
    member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
    return actions.request_submit(
        firm=firm,
        by=member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        today=TODAY,
    )


def _manager(firm):
    return UserFactory(role=User.Role.INCUBATOR_MANAGER, incubator=firm.incubator)


def test_defect_09_a_micro_industrial_firm_with_101_staff_is_eligible(personas, programme):
    firm = FirmFactory(
        incubator=personas.incubator,
        industry=Industry.INTELLIGENT_MANUFACTURING,
        headcount=101,
        revenue_band=RevenueBand.FROM_1M_TO_5M,
    )
    request = _submit(firm, programme)
    assert request.status == CustodyRequest.Status.OPEN
    assert firm.size_verdict().small_or_micro is True
    assert Firm.objects.filter(eligible_q(programme), pk=firm.pk).exists()


def test_defect_09_a_medium_software_firm_is_refused_naming_the_standard(personas, programme):
    firm = FirmFactory(
        incubator=personas.incubator,
        industry=Industry.ARTIFICIAL_INTELLIGENCE,
        headcount=100,
        revenue_band=RevenueBand.FROM_20M_TO_50M,
    )
    assert firm.standard_sector == SmeSector.SOFTWARE_IT
    with pytest.raises(actions.Ineligible) as error:
        _submit(firm, programme)
    assert [rule.code for rule in error.value.rules] == ["sme_size"]
    assert "Software and information technology services" in error.value.message
    assert "工信部联企业〔2011〕300号" in error.value.message
    assert not Firm.objects.filter(eligible_q(programme), pk=firm.pk).exists()
    # The same staff and revenue in industry is a small firm (medium there starts at 300 staff).
    Firm.objects.filter(pk=firm.pk).update(sme_sector=SmeSector.INDUSTRY)
    assert Firm.objects.filter(eligible_q(programme), pk=firm.pk).exists()


def test_defect_09_a_band_that_straddles_the_bound_asks_for_the_exact_revenue(personas, programme):
    firm = FirmFactory(
        incubator=personas.incubator,
        industry=Industry.ARTIFICIAL_INTELLIGENCE,
        headcount=150,
        revenue_band=RevenueBand.FROM_5M_TO_20M,  # the medium bound is ¥10 M
    )
    with pytest.raises(actions.Ineligible) as error:
        _submit(firm, programme)
    assert [rule.code for rule in error.value.rules] == ["sme_unknown"]
    assert "exact operating revenue" in error.value.message
    assert not Firm.objects.filter(eligible_q(programme), pk=firm.pk).exists()

    Firm.objects.filter(pk=firm.pk).update(annual_revenue=Decimal("9999999.99"))
    firm.refresh_from_db()
    member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
    request = actions.request_submit(
        firm=firm,
        by=member,
        programme_year=programme,
        quotas=programme.standard_quotas,
        today=TODAY,
    )
    assert request.status == CustodyRequest.Status.OPEN
    assert Firm.objects.filter(eligible_q(programme), pk=firm.pk).exists()


def test_defect_09_the_programme_may_still_cap_staff_on_top(personas, programme):
    programme.max_headcount = 100
    programme.save()
    firm = FirmFactory(incubator=personas.incubator, headcount=101)
    with pytest.raises(actions.Ineligible) as error:
        _submit(firm, programme)
    assert [rule.code for rule in error.value.rules] == ["headcount"]


@pytest.mark.parametrize(
    ("sector", "staff", "revenue", "assets", "small"),
    [
        ("industry", 299, 10**9, None, True),
        ("industry", 300, 20_000_000, None, False),
        ("industry", 1000, 19_999_999, None, True),
        ("retail", 50, 5_000_000, None, False),
        ("retail", 49, 10**9, None, True),
        ("wholesale", 20, 50_000_000, None, False),
        ("wholesale", 20, 49_999_999, None, True),
        ("construction", 5000, 60_000_000, 50_000_000, False),
        ("construction", 5000, 60_000_000, 49_999_999, True),
        ("construction", 5000, 60_000_000, None, None),
        ("leasing_business", 100, 0, 80_000_000, False),
        ("agriculture", 9999, 4_999_999, None, True),
        ("other", 99, None, None, True),
        ("other", 100, None, None, False),
    ],
)
def test_defect_09_the_standards_bounds_by_sector(sector, staff, revenue, assets, small):
    facts = sme.SizeFacts(
        sector=sector,
        headcount=staff,
        revenue=None if revenue is None else Decimal(revenue),
        assets=None if assets is None else Decimal(assets),
    )
    assert sme.verdict(facts).small_or_micro is small
