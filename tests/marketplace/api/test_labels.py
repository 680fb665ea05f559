"""Choice labels in API answers (LabelField): the caller's language, nested sources, and
values outside the choices as they are."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from marketplace.api.contracting_serializers import RequestItemSerializer
from marketplace.api.serializers import FirmSerializer
from marketplace.choices import CustodyArea
from marketplace.models import Firm, RequestItem, ServiceItem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_labels_are_in_the_callers_language(personas, language):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(personas.officer)
    answer = client.get(f"/api/v1/firms/{personas.firm.pk}/").json()
    with translation.override(language):
        assert answer["verification_display"] == personas.firm.get_verification_display()
        assert answer["district_display"] == personas.firm.get_district_display()
        assert answer["industry_display"] == personas.firm.get_industry_display()


def test_a_label_through_a_relation_and_an_unknown_value():
    item = RequestItem(service_item=ServiceItem(area=CustodyArea.values[0], unit="no-such-unit"))
    with translation.override("en"):
        data = RequestItemSerializer(item).data
        assert data["area_display"] == item.service_item.get_area_display()
    assert data["unit_display"] == "no-such-unit"
    assert FirmSerializer(Firm(district="")).data["district_display"] == ""
