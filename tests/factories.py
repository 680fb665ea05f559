"""factory_boy factories. State (verified, approved) is set through actions in fixtures."""

import datetime
import itertools
from decimal import Decimal

import factory

from marketplace.choices import CustodyArea, District, Industry, RevenueBand
from marketplace.credit_codes import make_credit_code
from marketplace.models import (
    Agency,
    Firm,
    HighTechPark,
    Incubator,
    PackageItem,
    ProgrammeYear,
    ServiceItem,
    User,
)

_codes = itertools.count(900_000)

PASSWORD = "correct-horse-battery-staple"


class MatchingTermsFactory(factory.django.DjangoModelFactory):
    """Stores the texts' matching words with the row, as the actions that write them do."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if "matching_terms" not in kwargs:
            unsaved = model_class(*args, **kwargs)
            unsaved.refresh_matching_terms()
            kwargs["matching_terms"] = unsaved.matching_terms
        return super()._create(model_class, *args, **kwargs)


class HighTechParkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HighTechPark

    name = factory.Sequence(lambda n: f"高新园区{n}")
    name_en = factory.Sequence(lambda n: f"Hi-tech Park {n}")
    district = District.JIANGNING


class IncubatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incubator

    name = factory.Sequence(lambda n: f"孵化器{n}")
    name_en = factory.Sequence(lambda n: f"Incubator {n}")
    level = Incubator.Level.NATIONAL
    district = District.GULOU


class FirmFactory(MatchingTermsFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"科技公司{n}")
    credit_code = factory.LazyFunction(lambda: make_credit_code(next(_codes)))
    district = District.GULOU
    incubator = factory.SubFactory(IncubatorFactory)
    admitted_on = datetime.date(2025, 3, 1)
    industry = Industry.BIOMEDICINE
    headcount = 12
    revenue_band = RevenueBand.FROM_1M_TO_5M


class AgencyFactory(MatchingTermsFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"知识产权代理所{n}")
    name_en = factory.Sequence(lambda n: f"IP Agency {n}")
    credit_code = factory.LazyFunction(lambda: make_credit_code(next(_codes), region="320105"))
    kind = Agency.Kind.PATENT_AGENCY
    licence_number = factory.Sequence(lambda n: f"32{n:03d}")
    licence_valid_from = datetime.date(2020, 1, 1)
    licence_valid_until = datetime.date(2030, 12, 31)
    district = District.JIANYE
    industries = factory.LazyFunction(lambda: [Industry.BIOMEDICINE.value])
    districts_served = factory.LazyFunction(lambda: [District.GULOU.value, District.JIANYE.value])
    expertise = "生物医药、专利申请"
    expertise_en = "patent drafting"
    yearly_capacity = 20


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"item-{n}")
    area = CustodyArea.CONSULTING
    name = factory.Sequence(lambda n: f"服务{n}")
    name_en = factory.Sequence(lambda n: f"Service {n}")
    unit = ServiceItem.Unit.TIMES
    unit_price = Decimal("1000.00")


class ProgrammeYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeYear

    year = factory.Sequence(lambda n: 2026 + n)
    name = factory.LazyAttribute(lambda o: f"{o.year}年度知识产权托管")
    budget = Decimal("1000000.00")
    target_firms = 100
    government_share = Decimal("0.800")
    # Custody starts on acceptance unless a test is about waiting for the co-payment.
    copay_due_days = None
    opens_on = factory.LazyAttribute(lambda o: datetime.date(o.year, 1, 1))
    closes_on = factory.LazyAttribute(lambda o: datetime.date(o.year, 12, 31))


class PackageItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PackageItem

    programme_year = factory.SubFactory(ProgrammeYearFactory)
    service_item = factory.SubFactory(ServiceItemFactory)
    quota = 2


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()
