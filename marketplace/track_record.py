"""What other apps know about an agency's past work, for the track record matching reads.

Deadlines an agency missed and the ratings firms gave it live in custody, which sits above
marketplace; custody registers a source here when it is ready (`CustodyConfig.ready()`), so
matching reads them without importing custody.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Facts:
    missed_deadlines: int = 0
    rating_sum: float = 0.0
    rating_count: int = 0

    def __add__(self, other):
        return Facts(
            missed_deadlines=self.missed_deadlines + other.missed_deadlines,
            rating_sum=self.rating_sum + other.rating_sum,
            rating_count=self.rating_count + other.rating_count,
        )


_sources = []


def register(source):
    """Add `source(agency_ids) -> {agency_id: Facts}`; registering the same source again is a no-op."""
    if source not in _sources:
        _sources.append(source)


def facts_for(agency_ids):
    """{agency_id: Facts} from every registered source, in one query per source."""
    merged = {}
    for source in _sources:
        for agency_id, facts in source(agency_ids).items():
            merged[agency_id] = merged.get(agency_id, Facts()) + facts
    return merged
