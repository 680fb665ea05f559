import pytest
from rest_framework import status

from core.models import AuditEvent
from marketplace.models import Incubator
from tests.factories import HighTechParkFactory, IncubatorFactory
from tests.marketplace.api.utils import ANONYMOUS_STATUS, ids
from tests.problems import field_errors

pytestmark = pytest.mark.django_db

LIST = "/api/v1/incubators/"


def detail(incubator):
    return f"/api/v1/incubators/{incubator.pk}/"


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("firm_member", {"incubator"}),
        ("other_firm_member", {"other_incubator"}),
        ("incubator_manager", {"incubator"}),
        ("other_manager", {"other_incubator"}),
        ("agency_consultant", set()),
        ("officer", {"incubator", "other_incubator"}),
    ],
)
def test_list_shows_only_what_the_persona_may_see(api, personas, persona, visible):
    response = api(getattr(personas, persona)).get(LIST)
    assert response.status_code == status.HTTP_200_OK
    assert ids(response) == {getattr(personas, name).pk for name in visible}


def test_anonymous_cannot_list(api, personas):
    assert api().get(LIST).status_code == ANONYMOUS_STATUS


def test_manager_reads_own_incubator_not_the_other(api, personas):
    client = api(personas.incubator_manager)
    own = client.get(detail(personas.incubator))
    assert own.status_code == status.HTTP_200_OK
    assert own.json()["level_display"] == "National"
    assert own.json()["district_display"] == "Gulou"
    assert client.get(detail(personas.other_incubator)).status_code == 404


def test_officer_creates_incubator_in_a_park(api, personas):
    park = HighTechParkFactory()
    response = api(personas.officer).post(
        LIST,
        {"name": "麒麟科创园孵化器", "level": "provincial", "district": "320115", "park": park.pk},
        format="json",
    )
    assert response.status_code == status.HTTP_201_CREATED, response.json()
    assert response.json()["park_name"] == park.name_en
    incubator = Incubator.objects.get(pk=response.json()["id"])
    assert AuditEvent.objects.filter(action="incubator.created", incubator=incubator).exists()


def test_name_differing_only_in_case_is_refused(api, personas):
    IncubatorFactory(name="Purple Mountain Lab")
    response = api(personas.officer).post(
        LIST,
        {"name": "purple mountain lab", "level": "national", "district": "320102"},
        format="json",
    )
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert field_errors(response) == {"name": ["Another incubator already has this name."]}


def test_manager_cannot_change_own_incubator(api, personas):
    response = api(personas.incubator_manager).patch(
        detail(personas.incubator), {"address": "somewhere"}, format="json"
    )
    assert response.status_code == status.HTTP_403_FORBIDDEN


def test_officer_renames_incubator(api, personas):
    response = api(personas.officer).patch(
        detail(personas.other_incubator), {"address": "江宁区秣陵街道"}, format="json"
    )
    assert response.status_code == status.HTTP_200_OK
    personas.other_incubator.refresh_from_db()
    assert personas.other_incubator.address == "江宁区秣陵街道"


def test_filters_by_level_district_and_park(api, personas):
    park = HighTechParkFactory()
    provincial = IncubatorFactory(level="provincial", district="320117", park=park)
    client = api(personas.officer)
    assert ids(client.get(LIST, {"level": "provincial"})) == {provincial.pk}
    assert ids(client.get(LIST, {"district": "320117"})) == {provincial.pk}
    assert ids(client.get(LIST, {"park": park.pk})) == {provincial.pk}
    assert ids(client.get(LIST, {"search": "Jiangning Software"})) == {personas.other_incubator.pk}
