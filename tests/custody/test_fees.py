"""Official fees (issue #16, build 2): the seeded CNIPA table, the fee of each deadline with and
without the reduction, grace surcharges, and the office editing the table."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from custody import deadlines, fees
from custody.models import FeeReduction, OfficialFee
from custody.selectors.fees import fee_table

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def table():
    return fee_table()


def _fee(
    table,
    patent_type,
    year,
    *,
    filed=datetime.date(2015, 3, 2),
    granted=None,
    joint=False,
    percent=0,
):
    facts = fees.FeeFacts(
        kind=deadlines.ANNUAL_FEE,
        nominal_due_on=deadlines.add_years(filed, year - 1),
        fee_year=year,
        patent_type=patent_type,
        filing_date=filed,
        grant_date=granted or filed + datetime.timedelta(days=200),
        joint_owners=joint,
    )
    return fees.quote(table, facts, surcharge_percent=percent)


@pytest.mark.parametrize(
    ("year", "amount"),
    [
        (1, 900),
        (3, 900),
        (4, 1200),
        (6, 1200),
        (7, 2000),
        (9, 2000),
        (10, 4000),
        (12, 4000),
        (13, 6000),
        (15, 6000),
        (16, 8000),
        (20, 8000),
    ],
)
def test_invention_annual_fees_follow_the_cnipa_table(table, year, amount):
    filed = datetime.date(2004, 3, 2)
    assert _fee(table, "invention", year, filed=filed).fee == D(amount)


@pytest.mark.parametrize("patent_type", ["utility_model", "design"])
@pytest.mark.parametrize(
    ("year", "amount"),
    [(1, 600), (3, 600), (4, 900), (5, 900), (6, 1200), (8, 1200), (9, 2000), (10, 2000)],
)
def test_utility_model_and_design_fees_follow_the_cnipa_table(table, patent_type, year, amount):
    assert _fee(table, patent_type, year, filed=datetime.date(2012, 5, 4)).fee == D(amount)


def test_design_years_11_to_15_only_for_designs_filed_from_june_2021(table):
    late = datetime.date(2021, 6, 1)
    assert _fee(table, "design", 11, filed=late).fee == D(3000)
    assert _fee(table, "design", 15, filed=late).fee == D(3000)
    # An earlier design ends after ten years: there is no 11th fee to price.
    assert _fee(table, "design", 11, filed=datetime.date(2021, 5, 31)) is None
    assert _fee(table, "invention", 21) is None


def test_the_reduction_takes_85_percent_off_alone_and_70_jointly(table):
    alone = _fee(table, "invention", 4)
    assert (alone.fee, alone.reduction_percent, alone.reduced_fee) == (D(1200), D(85), D(180))
    assert alone.saving == D(1020)
    joint = _fee(table, "invention", 4, joint=True)
    assert (joint.reduction_percent, joint.reduced_fee, joint.reduced_payable) == (
        D(70),
        D(360),
        D(360),
    )


def test_the_reduction_covers_ten_years_from_the_grant_year(table):
    filed = datetime.date(2017, 3, 2)
    granted = datetime.date(2020, 6, 1)  # in patent year 4
    assert deadlines.add_years(filed, 3) <= granted < deadlines.add_years(filed, 4)
    assert _fee(table, "invention", 4, filed=filed, granted=granted).reduced_fee == D(180)
    assert _fee(table, "invention", 13, filed=filed, granted=granted).reduced_fee == D(900)
    beyond = _fee(table, "invention", 14, filed=filed, granted=granted)
    assert (beyond.fee, beyond.reduced_fee, beyond.reduced_payable) == (D(6000), None, None)
    # Fees due before the reduction came into force (2016-09-01) were never reduced.
    before = _fee(table, "invention", 4, filed=datetime.date(2010, 3, 2))
    assert (before.fee, before.reduced_fee) == (D(1200), None)


def test_grace_surcharges_count_on_the_full_fee_and_come_on_top(table):
    # Three months late: 10 % of the full 2,000 fee, with or without the reduction.
    late = _fee(table, "utility_model", 9, percent=10)
    assert (late.surcharge, late.payable) == (D(200), D(2200))
    assert (late.reduced_fee, late.reduced_payable) == (D(300), D(500))


def test_a_trademark_renewal_costs_450_per_class_filed_online(table):
    facts = fees.FeeFacts(
        kind=deadlines.TRADEMARK_RENEWAL, nominal_due_on=datetime.date(2027, 4, 30), classes=3
    )
    quote = fees.quote(table, facts)
    assert (quote.fee, quote.payable, quote.reduced_fee) == (D(1350), D(1350), None)


def test_a_renewal_before_the_2019_schedule_has_no_price_in_the_table(table):
    facts = fees.FeeFacts(
        kind=deadlines.TRADEMARK_RENEWAL, nominal_due_on=datetime.date(2019, 6, 30)
    )
    assert fees.quote(table, facts) is None


def test_an_expiry_has_no_fee(table):
    facts = fees.FeeFacts(kind=deadlines.PATENT_EXPIRY, nominal_due_on=datetime.date(2027, 4, 30))
    assert fees.quote(table, facts) is None


def test_the_seeded_table_names_its_sources():
    assert OfficialFee.objects.count() == 14 + 1 + 1
    assert not OfficialFee.objects.filter(source="").exists()
    assert set(FeeReduction.objects.values_list("owners", "percent", "years")) == {
        ("single", D(85), 10),
        ("joint", D(70), 10),
    }
    assert "财税〔2016〕78号" in FeeReduction.objects.first().source


def test_a_new_rate_prices_fees_due_from_its_date_and_old_ones_keep_theirs():
    current = OfficialFee.objects.get(patent_type="invention", first_year=1)
    current.effective_until = datetime.date(2027, 12, 31)
    current.full_clean()
    current.save()
    OfficialFee.objects.create(
        kind="annual_fee",
        patent_type="invention",
        first_year=1,
        last_year=3,
        amount=D(1000),
        effective_from=datetime.date(2028, 1, 1),
        source="test",
    )
    table = fee_table()
    assert _fee(table, "invention", 3, filed=datetime.date(2025, 12, 1)).fee == D(900)
    assert _fee(table, "invention", 3, filed=datetime.date(2026, 1, 2)).fee == D(1000)


def test_an_overlapping_rate_is_refused_with_the_field_named():
    rate = OfficialFee(
        kind="annual_fee",
        patent_type="invention",
        first_year=3,
        last_year=4,
        amount=D(1),
        effective_from=datetime.date(2030, 1, 1),
        source="test",
    )
    with pytest.raises(ValidationError) as error:
        rate.full_clean()
    assert "effective_from" in error.value.message_dict
    rate.kind = "trademark_renewal"
    with pytest.raises(ValidationError) as error:
        rate.full_clean()
    assert "patent_type" in error.value.message_dict


def test_the_forecast_sums_each_year_with_and_without_the_reduction():
    today = datetime.date(2026, 1, 10)
    table = fee_table()
    priced = [
        (datetime.date(2026, 3, 1), deadlines.ANNUAL_FEE, _fee(table, "invention", 4)),
        (datetime.date(2027, 3, 1), deadlines.ANNUAL_FEE, _fee(table, "invention", 5)),
        (
            datetime.date(2026, 5, 1),
            deadlines.TRADEMARK_RENEWAL,
            fees.quote(
                table,
                fees.FeeFacts(
                    kind=deadlines.TRADEMARK_RENEWAL, nominal_due_on=datetime.date(2026, 5, 1)
                ),
            ),
        ),
        # Overdue and in grace today: counted in the first year.
        (
            datetime.date(2025, 12, 1),
            deadlines.ANNUAL_FEE,
            _fee(table, "utility_model", 9, percent=5),
        ),
    ]
    periods = fees.forecast(priced, today=today)
    assert len(periods) == 5
    first = periods[0]
    assert (first.starts_on, first.ends_on) == (today, datetime.date(2027, 1, 9))
    assert (first.annual_fees, first.renewals) == (2, 1)
    assert first.payable == D(1200 + 450 + 2100)
    assert first.reduced_payable == D(180 + 450 + 300 + 100)
    assert (periods[1].payable, periods[1].reduced_payable) == (D(1200), D(180))
    assert periods[4].payable == D(0)
