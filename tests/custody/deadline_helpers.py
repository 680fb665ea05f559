"""Deadlines for the board, reminder and calendar tests, made through the custody actions."""

import datetime
import itertools

from custody import actions
from custody.models import IPAsset

_numbers = itertools.count(1000)


def trademark_renewal(firm, by, *, registered, today=datetime.date(2025, 9, 1)):
    """A trademark registered on `registered`, and its one renewal deadline (ten years on)."""
    mark = actions.asset_create(
        firm=firm,
        by=by,
        fields={
            "kind": IPAsset.Kind.TRADEMARK,
            "number": str(next(_numbers)),
            "status": IPAsset.Status.IN_FORCE,
            "registration_date": registered,
            "nice_classes": "9",
        },
        today=today,
    )
    return mark.deadlines.get()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
