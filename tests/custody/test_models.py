import datetime

import pytest
from django.db import IntegrityError, transaction

from custody.models import Deadline, IPAsset

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_trademark_without_its_registration_date(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        IPAsset.objects.create(firm=personas.firm, kind=IPAsset.Kind.TRADEMARK, number="1")


def test_the_database_refuses_a_patent_granted_before_it_was_filed(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        IPAsset.objects.create(
            firm=personas.firm,
            kind=IPAsset.Kind.PATENT,
            number="200910005164.2",
            patent_type=IPAsset.PatentType.INVENTION,
            filing_date=datetime.date(2009, 2, 1),
            grant_date=datetime.date(2008, 1, 1),
        )


def test_the_database_refuses_a_grace_that_ends_before_the_deadline(patent):
    fee = patent.deadlines.filter(kind=Deadline.Kind.ANNUAL_FEE).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=fee.pk).update(grace_ends_on=fee.due_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=fee.pk).update(
            due_on=fee.original_due_on - datetime.timedelta(1)
        )


def test_expiry_follows_the_override(patent):
    assert patent.expires_on == datetime.date(2035, 9, 30)
    patent.expiry_override = datetime.date(2036, 3, 1)
    assert patent.expires_on == datetime.date(2036, 3, 1)
    assert str(patent) == "Patent 200910005164.2"
