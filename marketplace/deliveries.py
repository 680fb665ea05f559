"""What has been delivered under an engagement, as the firm confirmed it.

Service records live in custody, which sits above marketplace; custody registers its source
here when it is ready (`CustodyConfig.ready()`), so a change of agency can pay the old agency
for what the firm confirmed and hand the rest to the new one without importing custody.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Delivered:
    """Confirmed quantities per service item id, and records still waiting for the firm."""

    confirmed: dict = field(default_factory=dict)
    pending_records: int = 0


_source = None


def register(source):
    """Set `source(engagement) -> Delivered` (custody's confirmed service records)."""
    global _source  # noqa: PLW0603 (one registry, set once at start-up)
    _source = source


def delivered(engagement):
    """What the firm confirmed under `engagement`; nothing when no source is registered."""
    if _source is None:
        return Delivered()
    return _source(engagement)
