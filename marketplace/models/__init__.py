from marketplace.models.catalogue import PackageItem, ProgrammeYear, ServiceItem
from marketplace.models.contracting import (
    AgencyChange,
    AllocationRun,
    ConflictOfInterest,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Offer,
    RequestItem,
)
from marketplace.models.participants import Agency, Firm, HighTechPark, Incubator
from marketplace.models.users import User

__all__ = [
    "AgencyChange",
    "AllocationRun",
    "ConflictOfInterest",
    "CustodyRequest",
    "Engagement",
    "EngagementItem",
    "Offer",
    "RequestItem",
    "Agency",
    "Firm",
    "HighTechPark",
    "Incubator",
    "PackageItem",
    "ProgrammeYear",
    "ServiceItem",
    "User",
]
