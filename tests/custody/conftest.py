import datetime

import time_machine

from custody import actions
from custody.models import IPAsset
from marketplace import actions as marketplace_actions
from tests.marketplace.conftest import NOW, programme  # noqa: F401 (fixture reused here)
from tests.shared import shared

TODAY = datetime.date(2025, 9, 1)


def patent_fields(**overrides):
    fields = {
        "kind": IPAsset.Kind.PATENT,
        "number": "CN200910005164.2",
        "title": "信息处理方法",
        "status": IPAsset.Status.IN_FORCE,
        "filing_date": datetime.date(2015, 10, 1),
        "grant_date": datetime.date(2018, 5, 4),
    }
    return fields | overrides


@shared
def patent(personas):
    return actions.asset_create(
        firm=personas.firm, by=personas.firm_member, fields=patent_fields(), today=TODAY
    )


@shared
def engagement(personas, programme):  # noqa: F811 (the fixture imported above)
    """Alice's firm in custody with `agency` (agency_consultant's)."""
    with time_machine.travel(NOW, tick=False):
        request = marketplace_actions.request_submit(
            firm=personas.firm,
            by=personas.firm_member,
            programme_year=programme,
            quotas=programme.standard_quotas,
        )
        offer = marketplace_actions.offer_make(
            request=request, agency=personas.agency, by=personas.firm_member
        )
        return marketplace_actions.offer_accept(offer=offer, by=personas.agency_consultant)
