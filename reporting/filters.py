"""What a dashboard is narrowed to (programme year, district, park, incubator, industry), and
the conditions every figure shares.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Q,
)
from django.utils import timezone

from marketplace import selectors
from marketplace.models import (
    ProgrammeYear,
)

# Engagements that cover a firm: defined once, beside the programme's progress.
COVERING = selectors.COVERING


# A deadline still open this many days before it falls due is "at risk".
AT_RISK_DAYS = 30


# Lists on the dashboards show the first rows; the figures above them count all.
LIST_LIMIT = 50


# --- Filters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a dashboard is narrowed to. Empty values mean "all"."""

    year: ProgrammeYear
    district: str = ""
    park_id: int | None = None
    incubator_id: int | None = None
    industry: str = ""

    def firm_q(self, prefix=""):
        """The filters as a condition on firms reached through `prefix` (e.g. "firm__")."""
        q = Q()
        if self.district:
            q &= Q(**{f"{prefix}district": self.district})
        if self.park_id:
            q &= Q(**{f"{prefix}incubator__park_id": self.park_id})
        if self.incubator_id:
            q &= Q(**{f"{prefix}incubator_id": self.incubator_id})
        if self.industry:
            q &= Q(**{f"{prefix}industry": self.industry})
        return q

    def firm_list_params(self):
        """The filters as the firm list's query parameters (the lists behind the figures)."""
        params = {
            "year": self.year.year,
            "district": self.district,
            "park": self.park_id,
            "incubator": self.incubator_id,
            "industry": self.industry,
        }
        return {key: value for key, value in params.items() if value not in (None, "")}


def year_window(year):
    """The calendar year of a programme year as aware datetimes [start, end)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year.year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year.year + 1, 1, 1, tzinfo=tz)
