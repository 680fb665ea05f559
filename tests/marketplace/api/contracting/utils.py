"""Helpers shared by the contracting API tests."""

from marketplace import actions
from marketplace.models import User
from tests.factories import FirmFactory, UserFactory


def url(kind, obj=None, suffix=""):
    """/api/v1/<kind>/ or /api/v1/<kind>/<id>/<suffix>."""
    base = f"/api/v1/{kind}/"
    return base if obj is None else f"{base}{obj.pk}/{suffix}"


def open_requests(personas, programme, count, *, incubator=None):
    """`count` verified firms of an incubator, each with a member and an open request."""
    requests = []
    for index in range(count):
        firm = FirmFactory(incubator=incubator or personas.incubator, name=f"队列企业{index:02d}")
        actions.firm_verify(firm=firm, by=personas.officer)
        member = UserFactory(role=User.Role.FIRM_MEMBER, firm=firm)
        requests.append(
            actions.request_submit(
                firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
            )
        )
    return requests


def member_of(request):
    return User.objects.get(firm_id=request.firm_id)
