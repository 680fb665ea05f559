from custody.models.fees import FeeReduction, OfficialFee
from custody.models.imports import PortfolioImport
from custody.models.portfolio import (
    CalendarFeed,
    Deadline,
    DeadlineReminder,
    EvidenceFile,
    IPAsset,
    ServiceRecord,
    Settlement,
    private_storage,
)

__all__ = [
    "CalendarFeed",
    "Deadline",
    "DeadlineReminder",
    "EvidenceFile",
    "FeeReduction",
    "IPAsset",
    "OfficialFee",
    "PortfolioImport",
    "ServiceRecord",
    "Settlement",
    "private_storage",
]
